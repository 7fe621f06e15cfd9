//! PromQL parse errors, in every host of a query (rule files, contracts,
//! dashboards).

use crate::artifact::dashboard::Dashboard;
use crate::artifact::query::{Lang, Parsed, QueryRef};
use crate::rules::{Ctx, Rule};

crate::declare_rule! {
    pub struct PromqlSyntax {
        code: "OL101",
        name: "promql-syntax",
        family: Syntax,
        severity: Error,
        fix: None,
        summary: "PromQL that does not parse",
    }
}

impl Rule for PromqlSyntax {
    fn check_dashboard(&self, cx: &mut Ctx<'_>, d: &Dashboard) {
        super::malformed_variables(cx, d, Lang::PromQL, &META);
    }

    fn check_query(&self, cx: &mut Ctx<'_>, q: &QueryRef<'_>) {
        let Parsed::Prom(Err(e)) = q.parsed else {
            return;
        };
        let span = q.span(&cx.file.text, e.span.clone());
        if q.owner.in_dashboard() && q.dashboard_query().is_some_and(|d| d.other_lang.is_some()) {
            return; // datasource-language says it better
        }
        let Some(dialect) = metricsql(cx, q.text(), e) else {
            return; // MetricsQL on a VictoriaMetrics target
        };
        if !q.owner.in_dashboard() {
            report_with(cx, span, e, dialect);
            return;
        }
        if e.budget {
            budget(cx, span, &format!("{}: {}", q.describe(), e.message));
            return;
        }
        cx.report(
            &META,
            span,
            format!("invalid PromQL in {}: {}", q.describe(), e.message),
        )
        .label(super::error_label(q, &e.span))
        .help(if dialect.is_empty() {
            "Grafana sends the query as written after replacing variables; fix it in the query editor or the JSON, see `o11ylint explain promql-syntax`".to_string()
        } else {
            format!("{dialect}; if this dashboard reads VictoriaMetrics, set `target: victoriametrics` in o11ylint.yaml")
        });
    }
}

fn report_with(
    cx: &mut Ctx<'_>,
    span: crate::source::Span,
    e: &crate::syntax::promql::PromError,
    dialect: String,
) {
    if e.budget {
        budget(cx, span, &e.message);
        return;
    }
    let message = &e.message;
    let help = if dialect.is_empty() {
        "check the expression with `promtool check rules`; see `o11ylint explain promql-syntax`"
            .to_string()
    } else {
        format!("{dialect}; if these queries run on VictoriaMetrics, set `target: victoriametrics` in o11ylint.yaml")
    };
    cx.report(&META, span, format!("invalid PromQL: {message}"))
        .label("here")
        .help(help);
}

/// A PromQL parse error met on a MetricsQL construct: `None` when the
/// policy's target is VictoriaMetrics (not a PromQL error there), else the
/// construct for the help text (empty: none found).
pub fn metricsql(cx: &Ctx<'_>, expr: &str, e: &crate::syntax::promql::PromError) -> Option<String> {
    if e.budget {
        return Some(String::new());
    }
    match crate::syntax::metricsql::construct_at_error(expr, &e.message) {
        Some(_) if cx.policy.target == "victoriametrics" => None,
        Some(c) => Some(format!("the expression uses {c}, which PromQL lacks")),
        None => Some(String::new()),
    }
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
