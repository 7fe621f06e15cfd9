//! Fuzz the whole YAML path: span-keeping loader, classification, rule-file
//! and contract models, every rule, suppressions. Any panic is a bug; every
//! diagnostic span must lie inside the text on character boundaries.
#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use o11ylint::engine;
use o11ylint::policy::Policy;

fn policy() -> &'static Policy {
    static POLICY: OnceLock<Policy> = OnceLock::new();
    POLICY.get_or_init(Policy::default_policy)
}

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    for rel in ["rules/alerts-critical.yaml", "generated/loki/t/alerts.yaml", "contracts/alerts/critical.yaml"] {
        let out = engine::lint_buffer(src.to_string(), rel, Path::new("/nonexistent-fuzz-root"), policy());
        for d in &out.diagnostics {
            let s = &d.primary.span;
            assert!(s.start <= s.end && s.end <= src.len(), "{s:?} outside {} bytes", src.len());
            let _ = d.primary.start();
            let _ = d.primary.end();
        }
    }
});
