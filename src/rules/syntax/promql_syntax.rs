//! PromQL parse errors in rule expressions.

use crate::artifact::rule_file::Parsed;
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
                        report(cx, span, e);
                    }
                }
            }
            Artifact::Contract(c) => {
                for expr in &c.exprs {
                    if let Parsed::Prom(Err(e)) = &expr.parsed {
                        let span = expr.span(&cx.file.text, e.span.clone());
                        report(cx, span, e);
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

fn report(cx: &mut Ctx<'_>, span: crate::source::Span, e: &crate::syntax::promql::PromError) {
    if e.budget {
        budget(cx, span, &e.message);
        return;
    }
    let message = &e.message;
    cx.report(&META, span, format!("invalid PromQL: {message}"))
        .label("here")
        .help("check the expression with `promtool check rules`; see `o11ylint explain promql-syntax`");
}

/// An expression over a budget (`complexity-budget`, OL005): not analysed,
/// so no other rule saw it; never silently.
pub fn budget(cx: &mut Ctx<'_>, span: crate::source::Span, message: &str) {
    let meta = &crate::rules::meta::complexity_budget::META;
    if !cx.enabled(meta) {
        return;
    }
    cx.report(meta, span, format!("PromQL not analysed: {message}"))
        .label("over budget")
        .help("simplify or split the expression (recording rules); see `o11ylint explain complexity-budget` and docs/robustness.md");
}
