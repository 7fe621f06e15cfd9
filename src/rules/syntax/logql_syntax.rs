//! LogQL parse errors in Loki rule expressions.

use crate::artifact::rules::Parsed;
use crate::artifact::Artifact;
use crate::rules::{Ctx, Rule};

crate::rule_meta!(
    "OL102",
    "logql-syntax",
    Syntax,
    Error,
    "LogQL that does not parse"
);

pub struct LogqlSyntax;

impl Rule for LogqlSyntax {
    fn meta(&self) -> &'static crate::rules::RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Ctx<'_>, artifact: &Artifact) {
        let Artifact::Rules(rf) = artifact else {
            return;
        };
        for (_, rule) in rf.rules() {
            let Some(expr) = &rule.expr else { continue };
            if let Parsed::Loki(Err(e)) = &expr.parsed {
                let span = expr.scalar.sub_span(&cx.file.text, e.span.clone());
                cx.report(&META, span, format!("invalid LogQL: {}", e.message))
                    .label("here")
                    .help("see the LogQL reference; `o11ylint explain logql-syntax`");
            }
        }
    }
}
