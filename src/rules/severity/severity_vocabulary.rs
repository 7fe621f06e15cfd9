//! Alerts carry one of the policy's severities, matching where they live.

use crate::artifact::Artifact;
use crate::diag::closest;
use crate::rules::{Ctx, Rule, RuleMeta};

crate::rule_meta!(
    "OL500",
    "severity-vocabulary",
    Severity,
    Error,
    "Alert severity missing, outside the policy's vocabulary, or inconsistent with its file"
);

pub struct SeverityVocabulary;

impl Rule for SeverityVocabulary {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Ctx<'_>, artifact: &Artifact) {
        let Artifact::Rules(rf) = artifact else {
            return;
        };
        let policy = cx.policy;
        let label = policy.severities.label.as_str();
        let allowed: Vec<&str> = policy
            .severities
            .allowed
            .iter()
            .map(String::as_str)
            .collect();
        let expected = policy.expected_severity(cx.rel);
        for (group, rule) in rf.alerts() {
            let Some(name) = rule.alert.as_ref() else {
                continue;
            };
            let found = rule
                .label(label)
                .or_else(|| group.labels.iter().find(|(k, _)| k.value == label));
            let Some((_, value)) = found else {
                cx.report(
                    &META,
                    name.span.clone(),
                    format!("alert `{}` has no `{label}` label", name.value),
                )
                .label("no severity")
                .help(format!(
                    "add `labels: {{{label}: <one of {}>}}`",
                    allowed.join(", ")
                ));
                continue;
            };
            let v = value.value.as_str();
            if v.contains("{{") {
                continue;
            }
            if !allowed.contains(&v) {
                let case = allowed.iter().find(|a| a.eq_ignore_ascii_case(v));
                let d = match case {
                    Some(a) => {
                        let d = cx.report(
                            &META,
                            value.span.clone(),
                            format!(
                                "severity `{v}` has the wrong case; the policy's value is `{a}`"
                            ),
                        );
                        d.fix(value.span.clone(), a.to_string());
                        d
                    }
                    None => cx.report(
                        &META,
                        value.span.clone(),
                        format!(
                            "severity `{v}` is not in the policy's vocabulary ({})",
                            allowed.join(", ")
                        ),
                    ),
                };
                d.label("unknown severity");
                if case.is_none() {
                    if let Some(c) = closest(v, allowed.iter().copied()) {
                        d.help(format!("did you mean `{c}`?"));
                        d.fix(value.span.clone(), c.to_string());
                    }
                }
                continue;
            }
            if let Some(exp) = expected {
                if v != exp {
                    cx.report(
                        &META,
                        value.span.clone(),
                        format!(
                            "alert `{}` has severity `{v}` but is declared in a `{exp}` file",
                            name.value
                        ),
                    )
                    .label("inconsistent severity")
                    .help(format!(
                        "move the alert to the file for `{v}` alerts, or set `{label}: {exp}`"
                    ));
                }
            }
        }
    }
}
