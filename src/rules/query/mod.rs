//! Rules on query semantics (`analysis::semantics`): what a rule's
//! expression outputs and the kind of its value.

pub mod alert_label_value;
pub mod counter_raw;
pub mod histogram_quantile_buckets;
pub mod query_too_complex;
pub mod rate_over_non_counter;
pub mod template_label_missing;
pub mod vector_matching_missing_label;

use std::sync::Arc;

use crate::analysis::semantics::{self, Catalog, Semantics};
use crate::artifact::query::{Owner, Parsed, QueryRef};
use crate::artifact::rule_file::{Group, Rule as RuleDef};
use crate::rules::Ctx;
use crate::source::Span;

/// The semantics of one expression of the query view; `None` when it does
/// not parse (the syntax rules report that).
pub fn semantics_of(q: &QueryRef<'_>, cat: &Catalog) -> Option<Arc<Semantics>> {
    match q.parsed {
        Parsed::Prom(Ok(_)) => semantics::of_promql(q.text(), cat),
        Parsed::Loki(Ok(e)) => semantics::of_logql(q.text(), e, cat),
        _ => None,
    }
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
