//! Alerts carry one of the policy's severities, matching where they live.

use crate::artifact::contract::ContractArtifact;
use crate::artifact::rule_file::RuleFile;
use crate::artifact::Scalar;
use crate::contracts::Kind;
use crate::diag::Fix;
use crate::rules::{Ctx, Rule};
use crate::source::suggest::closest;

crate::declare_rule! {
    pub struct SeverityVocabulary {
        code: "OL500",
        name: "severity-vocabulary",
        family: Severity,
        severity: Error,
        fix: Sometimes,
        summary: "Alert severity missing, outside the policy's vocabulary, or inconsistent with its file",
    }
}

impl Rule for SeverityVocabulary {
    // no vocabulary (the generic profile): nothing to check against
    fn check_rule_file(&self, cx: &mut Ctx<'_>, rf: &RuleFile) {
        if !cx.policy.severities.allowed.is_empty() {
            rule_file(cx, rf);
        }
    }

    fn check_contract(&self, cx: &mut Ctx<'_>, c: &ContractArtifact) {
        if !cx.policy.severities.allowed.is_empty() {
            contract(cx, c);
        }
    }
}

fn rule_file(cx: &mut Ctx<'_>, rf: &RuleFile) {
    let label = cx.policy.severities.label.clone();
    let expected = cx.policy.expected_severity(cx.rel).map(str::to_string);
    for (group, rule) in rf.alerts() {
        let Some(name) = rule.alert.as_ref() else {
            continue;
        };
        let found = rule
            .label(&label)
            .or_else(|| group.labels.iter().find(|(k, _)| k.value == label));
        match found {
            Some((_, value)) => check_value(cx, &name.value, value, expected.as_deref(), "file"),
            None => {
                let allowed = cx.policy.severities.allowed.join(", ");
                cx.report(
                    &META,
                    name.span.clone(),
                    format!("alert `{}` has no `{label}` label", name.value),
                )
                .label("no severity")
                .help(format!("add `labels: {{{label}: <one of {allowed}>}}`"));
            }
        }
    }
}

/// Alert contracts: the file's `severity` is in the vocabulary and matches
/// where the file is; every alert's `severity` equals the file's.
fn contract(cx: &mut Ctx<'_>, c: &ContractArtifact) {
    if c.kind() != Some(Kind::Alerts) {
        return;
    }
    let file_sev = c.doc.root.get("severity").and_then(Scalar::from_node);
    let declared = cx.policy.expected_severity(cx.rel).map(str::to_string);
    if let Some(fs) = &file_sev {
        check_value(cx, "(file)", fs, declared.as_deref(), "file");
    }
    let expected = file_sev.map(|s| s.value).or(declared);
    for a in c.alerts() {
        let name = a.get_str("name").unwrap_or("");
        if let Some(v) = a.get("severity").and_then(Scalar::from_node) {
            check_value(cx, name, &v, expected.as_deref(), "contract");
        }
    }
}

/// One severity value: in the vocabulary (case and spelling help) and equal
/// to what its declaration site expects.
fn check_value(cx: &mut Ctx<'_>, alert: &str, value: &Scalar, expected: Option<&str>, site: &str) {
    let allowed: Vec<String> = cx.policy.severities.allowed.clone();
    let label = cx.policy.severities.label.clone();
    let v = value.value.as_str();
    if v.contains("{{") {
        return;
    }
    if !allowed.iter().any(|a| a == v) {
        // fixes replace the value inside its quotes, keeping the quoting
        let inner = value.sub_span(&cx.file.text, 0..v.len());
        let fix_span = if cx.file.text.get(inner.range()) == Some(v) {
            inner
        } else {
            value.span.clone()
        };
        let case = allowed.iter().find(|a| a.eq_ignore_ascii_case(v)).cloned();
        let d = match &case {
            Some(a) => {
                let d = cx.report(
                    &META,
                    value.span.clone(),
                    format!("severity `{v}` has the wrong case; the policy's value is `{a}`"),
                );
                d.fix(Fix::safe_edit(
                    format!("Write `{a}`"),
                    fix_span.clone(),
                    a.clone(),
                ));
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
            if let Some(c) = closest(v, allowed.iter().map(String::as_str)) {
                d.help(format!("did you mean `{c}`?"));
                // a guess at what was meant: applied with --unsafe-fixes only
                d.fix(Fix::unsafe_edit(
                    format!("Replace with `{c}`"),
                    fix_span.clone(),
                    c,
                ));
            }
        }
        return;
    }
    if let Some(exp) = expected {
        if v != exp {
            let what = if alert == "(file)" {
                "the contract".to_string()
            } else {
                format!("alert `{alert}`")
            };
            cx.report(
                &META,
                value.span.clone(),
                format!("{what} has severity `{v}` but is declared in a `{exp}` {site}"),
            )
            .label("inconsistent severity")
            .help(format!(
                "move it to the `{v}` {site}, or set `{label}: {exp}`"
            ));
        }
    }
}
