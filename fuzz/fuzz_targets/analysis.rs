//! Fuzz the analysis layer's inputs: Go RE2 regexes (translation, budgets,
//! the stream classifier's judgement) and PromQL through the budgets and
//! the parser adapter.
#![no_main]

use libfuzzer_sys::fuzz_target;
use o11ylint::syntax::{promql, re2};

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(r) = re2::compile_anchored(src) {
        let _ = r.is_match("openbao.audit");
    }
    let _ = o11ylint::analysis::streams::finite_language(src, 64);
    match promql::analyze(src) {
        Ok(a) => {
            for t in &a.tokens {
                assert!(t.start <= t.end && t.end <= src.len());
            }
        }
        Err(e) => assert!(e.span.start <= e.span.end && e.span.end <= src.len() + 1),
    }
});
