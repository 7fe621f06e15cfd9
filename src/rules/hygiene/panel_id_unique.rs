//! Panel ids are unique within a dashboard.

use std::collections::BTreeMap;

use crate::artifact::Artifact;
use crate::rules::{Ctx, Rule, RuleMeta};
use crate::source::Span;

crate::rule_meta!(
    "OL711",
    "panel-id-unique",
    Hygiene,
    Warning,
    "Two panels of one dashboard with the same id"
);

pub struct PanelIdUnique;

impl Rule for PanelIdUnique {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Ctx<'_>, artifact: &Artifact) {
        let Artifact::Dashboard(d) = artifact else {
            return;
        };
        let mut first: BTreeMap<String, (Span, String)> = BTreeMap::new();
        let file = cx.file.clone();
        for p in &d.panels {
            let Some(id) = &p.id else { continue };
            // `1` and `1.0` are the same id to Grafana
            let key = id
                .value
                .parse::<f64>()
                .map(|f| f.to_string())
                .unwrap_or_else(|_| id.value.clone());
            match first.get(&key) {
                Some((span, who)) => {
                    cx.report(
                        &META,
                        id.span.clone(),
                        format!(
                            "{} reuses panel id {} of {who}",
                            p.describe(),
                            id.value
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
