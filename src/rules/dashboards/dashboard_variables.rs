//! Every variable a dashboard references is defined, and every variable it
//! defines is used.

use crate::artifact::dashboard::Dashboard;
use std::collections::BTreeSet;

use crate::artifact::dashboard::defined_names;
use crate::rules::{Ctx, Rule};
use crate::source::suggest::closest;

crate::declare_rule! {
    pub struct DashboardVariables {
        code: "OL717",
        name: "dashboard-variables",
        family: Dashboards,
        severity: Warning,
        fix: None,
        summary: "A dashboard variable referenced but not defined, or defined but never used",
    }
}

/// Variable types that act without being referenced: ad hoc filters and
/// group-by apply to every query of their datasource, datasource pickers
/// also serve library panels, Explore links and the panels of other
/// dashboards linked with their values.
const IMPLICIT: &[&str] = &["adhoc", "groupby", "datasource"];

impl Rule for DashboardVariables {
    fn check_dashboard(&self, cx: &mut Ctx<'_>, d: &Dashboard) {
        let defined = defined_names(d);
        for r in &d.refs {
            if !r.strict || r.name.starts_with("__") || defined.contains(&r.name) {
                continue;
            }
            let help = match closest(&r.name, defined.iter().map(String::as_str)) {
                Some(c) => format!(
                    "did you mean `${c}`? Otherwise define `{}` under `templating.list`",
                    r.name
                ),
                None => format!(
                    "define `{}` under `templating.list`, or remove the reference",
                    r.name
                ),
            };
            let msg = if r.repeat {
                format!(
                    "panel repeats over variable `{}`, which is not defined",
                    r.name
                )
            } else {
                format!("variable `${}` is not defined in this dashboard", r.name)
            };
            cx.report(&META, r.span.clone(), msg)
                .label("undefined variable")
                .help(format!("Grafana leaves an undefined reference as written, so the datasource receives `${}` literally; {help}", r.name));
        }
        if d.all_variables_used || d.library_panels() > 0 {
            return; // uses we cannot see
        }
        let used: BTreeSet<&str> = d.refs.iter().map(|r| r.name.as_str()).collect();
        for v in &d.variables {
            let Some(name) = &v.name else { continue };
            if name.value.is_empty()
                || IMPLICIT.contains(&v.kind.as_str())
                || used.contains(name.value.as_str())
            {
                continue;
            }
            cx.report(
                &META,
                name.span.clone(),
                format!("variable `${}` is defined but never used", name.value),
            )
            .label("unused variable")
            .help("remove it, or use it in a query: an unused picker confuses readers and a query variable still runs its query on every load");
        }
    }
}
