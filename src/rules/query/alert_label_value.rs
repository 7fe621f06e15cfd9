//! `$value` (or another per-evaluation value) in an alert label: every
//! evaluation makes a new alert identity.

use crate::artifact::rule_file::RuleFile;
use crate::rules::{Ctx, Rule};

crate::declare_rule! {
    pub struct AlertLabelValue {
        code: "OL901",
        name: "alert-label-value",
        family: Query,
        severity: Warning,
        fix: None,
        summary: "An alert label templated from the query value: a new alert every evaluation",
    }
}

/// Template references that change with every evaluation.
const CHANGING: &[&str] = &["$value", ".Value", "query "];

impl Rule for AlertLabelValue {
    fn check_rule_file(&self, cx: &mut Ctx<'_>, rf: &RuleFile) {
        let file = cx.file;
        for (_, rule) in rf.alerts() {
            for (key, value) in &rule.labels {
                let v = &value.value;
                let mut pos = 0;
                while let Some(rel) = v[pos..].find("{{") {
                    let open = pos + rel;
                    let close = v[open..].find("}}").map_or(v.len(), |c| open + c);
                    let action = &v[open..close];
                    if let Some((at, what)) = CHANGING
                        .iter()
                        .filter_map(|c| action.find(c).map(|i| (i, *c)))
                        .min()
                    {
                        let what = what.trim_end();
                        let start = open + at;
                        let sp = value.sub_span(&file.text, start..start + what.len());
                        cx.report(
                            &META,
                            sp,
                            format!(
                                "alert label `{}` uses `{what}`: its value changes with every evaluation, so each evaluation creates a new alert (it never resolves cleanly and notifications repeat)",
                                key.value
                            ),
                        )
                        .label("changes every evaluation")
                        .help("move the value into an annotation (`description: ... {{ $value }}`); labels identify the alert");
                        break;
                    }
                    pos = close.max(open + 2);
                }
            }
        }
    }
}
