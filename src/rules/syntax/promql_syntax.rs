//! PromQL parse errors in rule expressions.

use crate::artifact::rules::Parsed;
use crate::artifact::Artifact;
use crate::rules::{Ctx, Rule};

crate::rule_meta!(
    "OL101",
    "promql-syntax",
    Syntax,
    Error,
    "PromQL that does not parse"
);

pub struct PromqlSyntax;

impl Rule for PromqlSyntax {
    fn meta(&self) -> &'static crate::rules::RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Ctx<'_>, artifact: &Artifact) {
        match artifact {
            Artifact::Rules(rf) => {
                for (_, rule) in rf.rules() {
                    let Some(expr) = &rule.expr else { continue };
                    if let Parsed::Prom(Err(e)) = &expr.parsed {
                        let span = expr.scalar.sub_span(&cx.file.text, e.span.clone());
                        report(cx, span, &e.message);
                    }
                }
            }
            Artifact::Contract(c) => {
                for expr in &c.exprs {
                    if let Parsed::Prom(Err(e)) = &expr.parsed {
                        let span = expr.span(&cx.file.text, e.span.clone());
                        report(cx, span, &e.message);
                    }
                }
            }
            Artifact::Dashboard(d) => {
                crate::rules::dashboards::queries::promql_syntax(cx, d, &META)
            }
            _ => {}
        }
    }
}

fn report(cx: &mut Ctx<'_>, span: crate::source::Span, message: &str) {
    cx.report(&META, span, format!("invalid PromQL: {message}"))
        .label("here")
        .help("check the expression with `promtool check rules`; see `o11ylint explain promql-syntax`");
}
