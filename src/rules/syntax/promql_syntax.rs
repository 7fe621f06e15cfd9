//! PromQL parse errors, in every host of a query (rule files, contracts,
//! dashboards).

use crate::artifact::query::{Lang, Parsed};
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
        if let Artifact::Dashboard(d) = artifact {
            super::malformed_variables(cx, d, Lang::PromQL, &META);
        }
        for q in artifact.queries() {
            let Parsed::Prom(Err(e)) = q.parsed else {
                continue;
            };
            let span = q.span(&cx.file.text, e.span.clone());
            if !q.owner.in_dashboard() {
                report(cx, span, e);
                continue;
            }
            if q.dashboard_query().is_some_and(|d| d.other_lang.is_some()) {
                continue; // datasource-language says it better
            }
            if e.budget {
                budget(cx, span, &format!("{}: {}", q.describe(), e.message));
                continue;
            }
            cx.report(
                &META,
                span,
                format!("invalid PromQL in {}: {}", q.describe(), e.message),
            )
            .label(super::error_label(&q, &e.span))
            .help("Grafana sends the query as written after replacing variables; fix it in the query editor or the JSON, see `o11ylint explain promql-syntax`");
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
