//! Grafana Alloy configuration that does not parse.

use crate::rules::{Ctx, Rule};
use crate::source::Span;
use crate::syntax::alloy::Config;

crate::declare_rule! {
    pub struct AlloySyntax {
        code: "OL106",
        name: "alloy-syntax",
        family: Syntax,
        severity: Error,
        fix: None,
        summary: "Grafana Alloy configuration that does not parse",
    }
}

impl Rule for AlloySyntax {
    fn check_alloy(&self, cx: &mut Ctx<'_>, cfg: &Config) {
        for e in &cfg.errors {
            let help = if e.message.contains("missing `,`") {
                "Alloy ends a statement at the end of a line: put a comma after every element of a multi-line list or object, the last one included"
            } else if e.message.contains("end of the line after a statement") {
                "each attribute and block goes on its own line"
            } else {
                "see the Alloy configuration syntax reference; `o11ylint explain alloy-syntax`"
            };
            cx.report(
                &META,
                Span::new(e.span.start, e.span.end),
                format!("invalid Alloy syntax: {}", e.message),
            )
            .label("here")
            .help(help);
        }
    }
}
