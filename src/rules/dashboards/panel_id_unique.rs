//! Panel ids are unique within a dashboard.

use crate::artifact::dashboard::Dashboard;
use std::collections::BTreeMap;

use crate::rules::{Ctx, Rule};
use crate::source::Span;

crate::declare_rule! {
    pub struct PanelIdUnique {
        code: "OL711",
        name: "panel-id-unique",
        family: Dashboards,
        severity: Warning,
        fix: None,
        summary: "Two panels of one dashboard with the same id",
    }
}

impl Rule for PanelIdUnique {
    fn check_dashboard(&self, cx: &mut Ctx<'_>, d: &Dashboard) {
        let mut first: BTreeMap<String, (Span, String)> = BTreeMap::new();
        let file = cx.file.clone();
        for p in &d.panels {
            let Some(id) = &p.id else { continue };
            // `1` and `1.0` are the same id to Grafana
            // (only where the number is exact: `1e400` and a 100,000-digit
            // id are not the same id)
            let key = id
                .value
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite() && f.abs() < 9_007_199_254_740_992.0)
                .map(|f| f.to_string())
                .unwrap_or_else(|| id.value.clone());
            match first.get(&key) {
                Some((span, who)) => {
                    cx.report(
                        &META,
                        id.span.clone(),
                        format!(
                            "{} reuses panel id {} of {who}",
                            p.describe(),
                            crate::diag::escape::excerpt(&id.value, 40)
                        ),
                    )
                    .label("duplicate id")
                    .related(&file, span.clone(), "first used here")
                    .help("give every panel its own id: panel links (`viewPanel=`), embedding and alert annotations find panels by id");
                }
                None => {
                    first.insert(key, (id.span.clone(), p.describe()));
                }
            }
        }
    }
}
