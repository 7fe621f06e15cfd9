//! Two rules in one group that would produce the same series.

use crate::artifact::rule_file::RuleFile;
use std::collections::hash_map::{Entry, HashMap};

use crate::rules::{Ctx, Rule};
use crate::source::Span;

crate::declare_rule! {
    pub struct DuplicateRule {
        code: "OL700",
        name: "duplicate-rule",
        family: Hygiene,
        severity: Warning,
        fix: None,
        summary: "Two rules in one group with the same name and static labels",
    }
}

/// A rule's name and its sorted static labels.
type RuleKey<'a> = (&'a str, Vec<(&'a str, &'a str)>);

impl Rule for DuplicateRule {
    fn check_rule_file(&self, cx: &mut Ctx<'_>, rf: &RuleFile) {
        let file = cx.file.clone();
        for g in &rf.groups {
            // (name, sorted static labels) -> first span: linear in the group size
            let mut seen: HashMap<RuleKey<'_>, Span> = HashMap::new();
            for r in &g.rules {
                let Some(name) = r.name() else { continue };
                let mut labels: Vec<(&str, &str)> = r
                    .labels
                    .iter()
                    .map(|(k, v)| (k.value.as_str(), v.value.as_str()))
                    .collect();
                labels.sort_unstable();
                match seen.entry((name.value.as_str(), labels)) {
                    Entry::Occupied(first) => {
                        let first = first.get().clone();
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
                    }
                    Entry::Vacant(v) => {
                        v.insert(name.span.clone());
                    }
                }
            }
        }
    }
}
