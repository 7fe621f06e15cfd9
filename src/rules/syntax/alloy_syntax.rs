//! Grafana Alloy configuration that does not parse.

use crate::artifact::Artifact;
use crate::rules::{Ctx, Rule, RuleMeta};
use crate::source::Span;

crate::rule_meta!(
    "OL106",
    "alloy-syntax",
    Syntax,
    Error,
    "Grafana Alloy configuration that does not parse"
);

pub struct AlloySyntax;

impl Rule for AlloySyntax {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Ctx<'_>, artifact: &Artifact) {
        let Artifact::Alloy(cfg) = artifact else {
            return;
        };
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
