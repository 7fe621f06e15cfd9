//! Fuzz the PromQL adapter: promql-parser's AST plus positions from its lexer,
//! error localisation and fact extraction. Every span must be in bounds.
#![no_main]

use libfuzzer_sys::fuzz_target;
use o11ylint::syntax::promql;

fn in_bounds(src: &str, r: &std::ops::Range<usize>) {
    assert!(r.start <= r.end && r.end <= src.len(), "{r:?} of {src:?}");
    assert!(src.is_char_boundary(r.start) && src.is_char_boundary(r.end), "{r:?} of {src:?}");
}

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    match promql::analyze(src) {
        Ok(a) => {
            for m in &a.facts.metrics {
                in_bounds(src, &m.span);
            }
            for l in &a.facts.labels {
                in_bounds(src, &l.span);
            }
            for m in &a.facts.matchers {
                in_bounds(src, &m.name_span);
                in_bounds(src, &m.value_span);
            }
            for (_, s) in &a.facts.range_windows {
                in_bounds(src, s);
            }
        }
        Err(e) => in_bounds(src, &e.span),
    }
});
