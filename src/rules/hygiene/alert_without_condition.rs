//! An alert whose expression has no condition fires for every series.

use crate::artifact::query::Parsed;
use crate::artifact::rule_file::RuleFile;
use crate::rules::{Ctx, Rule};

crate::declare_rule! {
    pub struct AlertWithoutCondition {
        code: "OL702",
        name: "alert-without-condition",
        family: Hygiene,
        severity: Warning,
        fix: None,
        summary: "An alert expression without a comparison or filter: it always fires",
    }
}

/// A selector of an info or state series filtering on a state label
/// (`kube_node_status_condition{condition="Ready",status="false"}`): the
/// matcher is the condition, the series exists only in the bad state.
fn state_filter(text: &str, cat: &crate::analysis::semantics::Catalog) -> bool {
    crate::analysis::semantics::of_promql(text, cat).is_some_and(|s| {
        s.events
            .iter()
            .any(|e| matches!(e, crate::analysis::semantics::Event::StateFilter { .. }))
    })
}

impl Rule for AlertWithoutCondition {
    fn check_rule_file(&self, cx: &mut Ctx<'_>, rf: &RuleFile) {
        let cat = cx.repo.catalog();
        for (_, rule) in rf.alerts() {
            let Some(expr) = &rule.expr else { continue };
            let has_condition = match &expr.parsed {
                Parsed::Prom(Ok(a)) => {
                    a.facts.has_comparison
                        || a.facts.has_filter
                        || state_filter(&expr.scalar.value, &cat)
                }
                Parsed::Loki(Ok(e)) => {
                    e.has_comparison() || e.functions().iter().any(|f| f.name == "absent_over_time")
                }
                _ => continue,
            };
            if !has_condition {
                let name = rule.alert.as_ref().map(|a| a.value.as_str()).unwrap_or("");
                cx.report(
                    &META,
                    expr.scalar.span.clone(),
                    format!("alert `{name}` has no condition: it fires for every series the expression returns"),
                )
                .label("no comparison")
                .help("add a threshold (`> 0`, `== 0`) or a filter; suppress with a reason if it is a deliberate always-firing alert");
            }
        }
    }
}
