//! Fuzz the Go template checker used for alert labels and annotations.
#![no_main]

use libfuzzer_sys::fuzz_target;
use o11ylint::syntax::gotemplate;

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    let c = gotemplate::check(src);
    for e in &c.errors {
        assert!(e.span.start <= e.span.end && e.span.end <= src.len(), "{:?} of {src:?}", e.span);
        assert!(src.is_char_boundary(e.span.start) && src.is_char_boundary(e.span.end));
    }
    for (_, s) in &c.label_refs {
        assert!(s.start <= s.end && s.end <= src.len());
    }
});
