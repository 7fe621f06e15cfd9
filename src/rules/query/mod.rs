//! Rules on query semantics (`analysis::semantics`): what an expression
//! outputs and the kind of its value. The label and kind checks judge every
//! expression that yields series ([`query_sem`]: rule files, dashboard
//! targets after variable interpolation, contract expressions); the
//! template and alert-label checks judge alerts only ([`rule_query`]).

pub mod alert_label_value;
pub mod counter_raw;
pub mod histogram_quantile_buckets;
pub mod query_too_complex;
pub mod rate_over_non_counter;
pub mod template_label_missing;
pub mod vector_matching_missing_label;

use std::sync::Arc;

use crate::analysis::semantics::{self, Catalog, Semantics};
use crate::artifact::contract::ExprRole;
use crate::artifact::query::{Owner, Parsed, QueryRef};
use crate::artifact::rule_file::{Group, Rule as RuleDef};
use crate::contracts::{placeholder_grafana, placeholder_source};
use crate::rules::Ctx;
use crate::source::Span;

/// The semantics of one expression of the query view; `None` when it does
/// not parse (the syntax rules report that).
pub fn semantics_of(q: &QueryRef<'_>, cat: &Catalog) -> Option<Arc<Semantics>> {
    // A contract's text holds `${source}` and Grafana macros; it was parsed
    // with same-length placeholders, and is analysed so too.
    let placeheld;
    let text = match q.owner {
        Owner::Contract(_) => {
            placeheld = placeholder_grafana(&placeholder_source(q.text()));
            placeheld.as_str()
        }
        _ => q.text(),
    };
    match q.parsed {
        Parsed::Prom(Ok(_)) => semantics::of_promql(text, cat),
        Parsed::Loki(Ok(e)) => semantics::of_logql(text, e, cat),
        _ => None,
    }
}

/// An expression that yields series, from the query view, with its
/// semantics.
pub struct QuerySem<'a> {
    pub query: QueryRef<'a>,
    pub sem: Arc<Semantics>,
}

impl QuerySem<'_> {
    /// File span of the query bytes `r`.
    pub fn span(&self, file_text: &str, r: std::ops::Range<usize>) -> Span {
        self.query.span(file_text, r)
    }

    /// What the series belong to, for messages: `alert`, `recording rule`,
    /// `panel`.
    pub fn what(&self) -> &'static str {
        match self.query.owner {
            Owner::Alert { .. } | Owner::Contract(ExprRole::Alert { .. }) => "alert",
            Owner::Recording { .. } | Owner::Contract(ExprRole::Recording { .. }) => {
                "recording rule"
            }
            Owner::Target { panel: None, .. } => "annotation",
            _ => "panel",
        }
    }

    /// Whether the series are written (a rule, or a contract's rule), not
    /// only shown.
    pub fn is_rule(&self) -> bool {
        matches!(self.what(), "alert" | "recording rule")
    }
}

/// Every expression whose result is series, with its semantics: alerts and
/// recording rules, dashboard panel targets and annotations (the text after
/// variable interpolation), and a contract's alerts, recordings and panel
/// targets. Not variable queries (their result is a list of values), not
/// LogQL log queries (log lines, not series), not expressions that do not
/// parse (the syntax rules report those).
pub fn query_sem<'a>(cx: &Ctx<'_>, q: &QueryRef<'a>) -> Option<QuerySem<'a>> {
    match q.owner {
        Owner::Variable(_) | Owner::Contract(ExprRole::Variable { .. }) => return None,
        Owner::Alert { .. } | Owner::Recording { .. } | Owner::Target { .. } => {}
        Owner::Contract(_) => {}
    }
    if q.loki().is_some_and(|e| !e.is_metric()) {
        return None;
    }
    let cat = cx.repo.catalog();
    let sem = semantics_of(q, &cat)?;
    Some(QuerySem { query: *q, sem })
}

/// A rule file's alert or recording rule, from the query view, with the
/// semantics of its expression.
pub struct RuleQuery<'a> {
    pub query: QueryRef<'a>,
    pub group: &'a Group,
    pub rule: &'a RuleDef,
    pub sem: Arc<Semantics>,
}

impl RuleQuery<'_> {
    /// File span of the query bytes `r`.
    pub fn span(&self, file_text: &str, r: std::ops::Range<usize>) -> Span {
        self.query.span(file_text, r)
    }
}

/// An alert's or recording rule's expression (from the query view) with its
/// semantics; `None` for other owners and for expressions that do not parse.
pub fn rule_query<'a>(cx: &Ctx<'_>, q: &QueryRef<'a>) -> Option<RuleQuery<'a>> {
    let (Owner::Alert { group, rule } | Owner::Recording { group, rule }) = q.owner else {
        return None;
    };
    let cat = cx.repo.catalog();
    let sem = semantics_of(q, &cat)?;
    Some(RuleQuery {
        query: *q,
        group,
        rule,
        sem,
    })
}

/// Names the alert labels itself (rule and group `labels:`): a template
/// reading one of them is not reading the query's output.
pub fn static_label(q: &RuleQuery<'_>, name: &str) -> bool {
    q.rule.labels.iter().any(|(k, _)| k.value == name)
        || q.group.labels.iter().any(|(k, _)| k.value == name)
}
