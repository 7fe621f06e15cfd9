//! Parse errors and shape errors, each at its exact position.

pub mod alloy_syntax;
pub mod alloy_unknown_component;
pub mod json_syntax;
pub mod logql_syntax;
pub mod promql_syntax;
pub mod rule_structure;
pub mod template_syntax;
pub mod yaml_syntax;

use crate::artifact::dashboard::Dashboard;
use crate::artifact::query::{Lang, Owner, QueryRef};
use crate::rules::{Ctx, RuleMeta};

/// The label of a syntax error in a query: where, and through which
/// dashboard variable.
fn error_label(q: &QueryRef<'_>, r: &std::ops::Range<usize>) -> String {
    match q.var_at(r) {
        Some(v) => format!("after substituting `${}`", v.name),
        None => "here".into(),
    }
}

/// A dashboard query variable whose `label_values(...)`/`label_names(...)`
/// call is malformed, in language `lang` (reported by that language's
/// syntax rule).
fn malformed_variables(cx: &mut Ctx<'_>, d: &Dashboard, lang: Lang, meta: &'static RuleMeta) {
    for v in &d.variables {
        let Some((why, span)) = &v.malformed else {
            continue;
        };
        if v.datasource.lang() != Some(lang) {
            continue;
        }
        cx.report(
            meta,
            span.clone(),
            format!("invalid variable query in {}: {why}", Owner::Variable(v).describe()),
        )
        .label("here")
        .help("Grafana sends this query to the datasource, which rejects it; the variable stays empty");
    }
}
