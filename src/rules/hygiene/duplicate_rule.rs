//! Two rules in one group that would produce the same series.

use crate::artifact::Artifact;
use crate::rules::{Ctx, Rule, RuleMeta};

crate::rule_meta!(
    "OL700",
    "duplicate-rule",
    Hygiene,
    Warning,
    "Two rules in one group with the same name and static labels"
);

pub struct DuplicateRule;

impl Rule for DuplicateRule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Ctx<'_>, artifact: &Artifact) {
        let Artifact::Rules(rf) = artifact else {
            return;
        };
        let file = cx.file.clone();
        for g in &rf.groups {
            let mut seen: Vec<(String, Vec<(String, String)>, crate::source::Span)> = Vec::new();
            for r in &g.rules {
                let Some(name) = r.name() else { continue };
                let mut labels: Vec<(String, String)> = r
                    .labels
                    .iter()
                    .map(|(k, v)| (k.value.clone(), v.value.clone()))
                    .collect();
                labels.sort();
                if let Some((_, _, first)) = seen
                    .iter()
                    .find(|(n, l, _)| n == &name.value && l == &labels)
                {
                    let first = first.clone();
                    let kind = if r.is_alert() {
                        "alert"
                    } else {
                        "recording rule"
                    };
                    cx.report(
                        &META,
                        name.span.clone(),
                        format!(
                            "duplicate {kind} `{}` with the same labels in this group",
                            name.value
                        ),
                    )
                    .label("duplicate")
                    .related(&file, first, "first defined here")
                    .help("remove one, or give them distinguishing labels");
                } else {
                    seen.push((name.value.clone(), labels, name.span.clone()));
                }
            }
        }
    }
}
