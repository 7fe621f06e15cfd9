//! Fuzz the Alloy parser, its accessors, the pipeline analysis and every rule
//! that reads Alloy configuration.
#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use o11ylint::policy::Policy;
use o11ylint::analysis::alloy_flow;
use o11ylint::syntax::alloy;

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
    let cfg = alloy::parse(src);
    for e in &cfg.errors {
        in_bounds(src, &e.span);
    }
    for b in cfg.components() {
        in_bounds(src, &b.span);
        in_bounds(src, &b.header_span());
    }
    for (_, a) in cfg.attributes() {
        in_bounds(src, &a.span);
        for r in a.value.references() {
            in_bounds(src, &r.span);
        }
    }
    let _ = alloy_flow::analyze(&cfg, "log_stream");
    let _ = o11ylint::engine::lint_buffer(
        src.to_string(),
        "config.alloy",
        Path::new("/nonexistent-o11ylint-fuzz-root"),
        policy(),
    );
});
