//! Fuzz the LogQL parser, its accessors, the stream classifier and every
//! rule that reads Loki rule files.
#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use o11ylint::policy::Policy;
use o11ylint::analysis::streams;
use o11ylint::syntax::logql;

fn policy() -> &'static Policy {
    static POLICY: OnceLock<Policy> = OnceLock::new();
    POLICY.get_or_init(Policy::default_policy)
}

fn in_bounds(src: &str, span: &std::ops::Range<usize>) {
    assert!(
        span.start <= span.end && span.end <= src.len(),
        "span {span:?} of {src:?}"
    );
    assert!(src.is_char_boundary(span.start) && src.is_char_boundary(span.end));
}

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    match logql::parse(src) {
        Err(e) => in_bounds(src, &e.span),
        Ok(e) => {
            in_bounds(src, &e.span());
            for sel in e.selectors() {
                in_bounds(src, &sel.span);
                let _ = streams::selector_classes(policy(), sel);
            }
            for st in e.stages() {
                in_bounds(src, &st.span());
            }
            for c in e.created_labels() {
                in_bounds(src, &c.name.span);
            }
            for (_, span) in e.range_windows() {
                in_bounds(src, &span);
            }
            let _ = (
                e.groupings(),
                e.functions(),
                e.unwraps(),
                e.binary_operands(),
            );
            let _ = (e.is_metric(), e.has_comparison());
            let _ = streams::expr_classes(policy(), &e);
        }
    }
    // The same expression in a Loki rule file, through every rule.
    let Ok(quoted) = serde_json::to_string(src) else {
        return;
    };
    let file = format!(
        "groups:\n  - name: fuzz\n    rules:\n      - alert: Fuzz\n        expr: {quoted}\n        labels:\n          severity: warning\n      - record: fuzz:record\n        expr: {quoted}\n"
    );
    let _ = o11ylint::engine::lint_buffer(
        file,
        "loki/fuzz-security.yaml",
        Path::new("/nonexistent-o11ylint-fuzz-root"),
        policy(),
    );
});
