//! Rules on query semantics (`analysis::semantics`): what a rule's
//! expression outputs and the kind of its value.

pub mod alert_label_value;
pub mod counter_raw;
pub mod histogram_quantile_buckets;
pub mod query_too_complex;
pub mod rate_over_non_counter;
pub mod template_label_missing;
pub mod vector_matching_missing_label;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use crate::analysis::semantics::{self, Catalog, Semantics};
use crate::artifact::query::{Owner, Parsed, QueryRef};
use crate::artifact::rule_file::{Group, Rule as RuleDef};
use crate::contracts::{read_sources, Typed};
use crate::policy::Policy;
use crate::rules::Ctx;
use crate::source::Span;

/// The metrics contracts of the repository at `root`, read once per run.
/// (The language server keeps the first reading for its session.)
pub fn catalog(root: &Path, policy: &Policy) -> Arc<Catalog> {
    type Cache = Mutex<HashMap<PathBuf, Arc<Catalog>>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(c) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(root) {
        return c.clone();
    }
    let (sources, _errors) = read_sources(root);
    let metrics: Vec<_> = sources
        .iter()
        .filter_map(|s| match &s.doc.typed {
            Some(Typed::Metrics(m)) => Some(m),
            _ => None,
        })
        .collect();
    let c = Arc::new(Catalog::from_contracts(
        &metrics,
        &policy.source_prefix.prefixes,
        &policy.source_prefix.recording_namespace,
    ));
    cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .entry(root.to_path_buf())
        .or_insert(c)
        .clone()
}

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
    let cat = catalog(cx.root, cx.policy);
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
