//! Policy-forbidden labels wherever they create or keep a dimension.

use std::ops::Range;

use crate::artifact::contract::ContractArtifact;
use crate::artifact::dashboard::Dashboard;
use crate::artifact::query::{Parsed, QueryRef};
use crate::artifact::rule_file::{Rule as RuleDef, RuleFile};
use crate::artifact::Scalar;
use crate::rules::{Ctx, Rule};
use crate::syntax::alloy::Config;
use crate::syntax::gotemplate;
use crate::syntax::logql::GroupingKind;
use crate::syntax::promql::LabelRole;

crate::declare_rule! {
    pub struct ForbiddenLabel {
        code: "OL200",
        name: "forbidden-label",
        family: Labels,
        severity: Error,
        fix: None,
        summary: "A high-cardinality label the policy forbids, used as a dimension",
    }
}

const HELP_GROUPING: &str =
    "aggregate it away (group by low-cardinality labels such as `cluster` or `instance`) and filter on it with a matcher instead";

impl Rule for ForbiddenLabel {
    fn check_query(&self, cx: &mut Ctx<'_>, q: &QueryRef<'_>) {
        let qs = crate::rules::query::query_sem(cx, q);
        query(cx, q, qs.as_ref());
        if let Some(qs) = qs {
            check_outputs(cx, &qs);
        }
    }

    fn check_rule_file(&self, cx: &mut Ctx<'_>, rf: &RuleFile) {
        for g in &rf.groups {
            static_labels(cx, &g.labels, "group label");
        }
        for (_, rule) in rf.rules() {
            check_rule(cx, rule);
        }
    }

    fn check_dashboard(&self, cx: &mut Ctx<'_>, d: &Dashboard) {
        dashboard(cx, d);
    }

    fn check_contract(&self, cx: &mut Ctx<'_>, c: &ContractArtifact) {
        super::contract_labels::check(cx, c);
    }

    fn check_alloy(&self, cx: &mut Ctx<'_>, cfg: &Config) {
        super::alloy_labels::check(cx, cfg);
    }
}

/// Whether the syntactic check already names `label` in this query (a
/// `by`/`on`/`group_left` label, a `label_replace` target, a stream matcher).
fn named_as_dimension(parsed: &Parsed, label: &str) -> bool {
    match parsed {
        Parsed::Prom(Ok(a)) => a
            .facts
            .labels
            .iter()
            .any(|l| l.role.keeps() && l.name == label),
        Parsed::Loki(Ok(e)) => {
            e.groupings().iter().any(|g| {
                !matches!(g.kind, GroupingKind::Without | GroupingKind::Ignoring)
                    && g.labels.iter().any(|l| l.name == label)
            }) || e
                .selectors()
                .iter()
                .any(|s| s.matchers.iter().any(|m| m.name.name == label))
        }
        _ => false,
    }
}

/// What the query's output carries (semantic layer): unbounded parser
/// stages whose labels reach a Loki rule's or panel's series, forbidden
/// labels created by a parser stage or a selector and kept, and labels whose
/// value is a forbidden label's value (laundered through `label_format`,
/// `label_replace`, `label_join`). Rule files, dashboard targets and
/// contract expressions alike.
fn check_outputs(cx: &mut Ctx<'_>, q: &crate::rules::query::QuerySem<'_>) {
    use crate::analysis::semantics::{Origin, Presence};
    let file = cx.file;
    let text: &str = &file.text;
    let what = q.what();
    let labels = &q.sem.labels;
    for (stage, span) in labels.open_parsers() {
        let sp = q.span(text, span.clone());
        cx.report(
            &META,
            sp,
            format!(
                "`| {stage}` without a field list: every field it extracts (request paths, user ids, addresses...) becomes a label of this {what}'s series"
            ),
        )
        .label("unbounded labels")
        .help(format!(
            "aggregate to the labels you need (`sum by (app) (...)`), or name the fields (`| {stage} status=\"status\"`), or `| keep` the few labels that matter"
        ));
    }
    for (name, l) in &labels.known {
        let forbidden = cx.policy.is_forbidden_label(name);
        if forbidden && !named_as_dimension(q.query.parsed, name) {
            let proven = match &l.origin {
                Origin::Parser(_) | Origin::LabelFormat | Origin::LabelJoin => true,
                Origin::Selector => l.fixed.is_none() && l.presence == Presence::Certain,
                _ => false,
            };
            if proven {
                if let Some(span) = &l.span {
                    let sp = q.span(text, span.clone());
                    cx.report(
                        &META,
                        sp,
                        format!(
                            "forbidden label `{name}` (from {}) reaches this {what}'s series",
                            l.origin.describe()
                        ),
                    )
                    .label("kept in the output")
                    .help(HELP_GROUPING);
                    continue;
                }
            }
        }
        if forbidden {
            continue;
        }
        if let Some(src) = l
            .derived_from
            .iter()
            .find(|s| cx.policy.is_forbidden_label(s))
        {
            let Some(span) = &l.span else { continue };
            let sp = q.span(text, span.clone());
            cx.report(
                &META,
                sp,
                format!(
                    "label `{name}` carries the value of forbidden label `{src}` (through {}) into this {what}'s series",
                    l.origin.describe()
                ),
            )
            .label("laundered forbidden value")
            .help("renaming does not lower the cardinality: drop the label, or aggregate it away");
        }
    }
}

fn static_labels(cx: &mut Ctx<'_>, labels: &[(Scalar, Scalar)], what: &str) {
    for (k, _) in labels {
        if cx.policy.is_forbidden_label(&k.value) {
            cx.report(
                &META,
                k.span.clone(),
                format!("{what} `{}` is forbidden by policy", k.value),
            )
            .label("forbidden label")
            .help("high-cardinality values belong in the log line or an annotation, not in series labels");
        }
    }
}

fn check_rule(cx: &mut Ctx<'_>, rule: &RuleDef) {
    let what = if rule.is_alert() {
        "alert label"
    } else {
        "recording-rule label"
    };
    static_labels(cx, &rule.labels, what);
    if rule.is_alert() {
        for (key, value) in rule.labels.iter().chain(rule.annotations.iter()) {
            template_refs(cx, &key.value, value);
        }
    }
}

/// `$labels.X` (and `.Labels.X`, `index $labels "X"`) of a forbidden label in
/// a templated label or annotation.
pub fn template_refs(cx: &mut Ctx<'_>, key: &str, value: &Scalar) {
    if !value.value.contains("{{") {
        return;
    }
    for (name, span) in gotemplate::check(&value.value).label_refs {
        if cx.policy.is_forbidden_label(&name) {
            let sp = value.sub_span(&cx.file.text, span);
            cx.report(
                &META,
                sp,
                format!("`{key}` exposes forbidden label `{name}` through a template"),
            )
            .label("forbidden label")
            .help("the expression should not keep this label; drop the reference");
        }
    }
}

/// Forbidden labels kept by a parsed PromQL or LogQL query. A
/// `label_replace`/`label_join` target the output drops (`label_replace(v,
/// "l", "", "", ".*")` deletes `l`) keeps no dimension.
fn query(cx: &mut Ctx<'_>, q: &QueryRef<'_>, sem: Option<&crate::rules::query::QuerySem<'_>>) {
    let deleted = |name: &str| sem.is_some_and(|s| s.sem.labels.dropped.contains_key(name));
    let span_of = |text: &str, r: Range<usize>| q.span(text, r);
    let via = |r: &Range<usize>| q.via_variable(r);
    match q.parsed {
        Parsed::Prom(Ok(a)) => {
            for l in &a.facts.labels {
                if l.role.keeps()
                    && cx.policy.is_forbidden_label(&l.name)
                    && !(l.role == LabelRole::ReplaceTarget && deleted(&l.name))
                {
                    let sp = span_of(&cx.file.text, l.span.clone());
                    let note = via(&l.span);
                    cx.report(
                        &META,
                        sp,
                        format!("label `{}`{note} is forbidden by policy and must not be kept as a dimension", l.name),
                    )
                    .label(l.role.describe())
                    .help(HELP_GROUPING);
                }
            }
        }
        Parsed::Loki(Ok(e)) => {
            for sel in e.selectors() {
                for m in &sel.matchers {
                    if cx.policy.is_forbidden_label(&m.name.name) {
                        let sp = span_of(&cx.file.text, m.name.span.clone());
                        cx.report(
                            &META,
                            sp,
                            format!("stream selector uses forbidden label `{}`: it must not be a Loki stream label", m.name.name),
                        )
                        .label("stream label")
                        .help("keep the value in the log line and filter after a parser stage: `| json | field=\"...\"`");
                    }
                }
            }
            for g in e.groupings() {
                if matches!(g.kind, GroupingKind::Without | GroupingKind::Ignoring) {
                    continue;
                }
                for l in &g.labels {
                    if cx.policy.is_forbidden_label(&l.name) {
                        let sp = span_of(&cx.file.text, l.span.clone());
                        let note = via(&l.span);
                        cx.report(
                            &META,
                            sp,
                            format!("label `{}`{note} is forbidden by policy and must not be kept as a dimension", l.name),
                        )
                            .label("grouping")
                            .help(HELP_GROUPING);
                    }
                }
            }
        }
        _ => {}
    }
}

/// Dashboard labels outside queries: legend templates that show a label,
/// and variables that enumerate one.
fn dashboard(cx: &mut Ctx<'_>, d: &Dashboard) {
    let file = cx.file;
    let text: &str = &file.text;
    // Legend templates name the labels the panel shows.
    for (p, t) in d.targets() {
        let Some(legend) = &t.legend else { continue };
        for (name, r) in legend_labels(&legend.value) {
            if cx.policy.is_forbidden_label(&name) {
                let who = p
                    .map(|p| p.describe())
                    .unwrap_or_else(|| "annotation".into());
                cx.report(
                    &META,
                    legend.sub_span(text, r),
                    format!("legend of {who} shows forbidden label `{name}`: the query keeps it as a dimension"),
                )
                .label("legend template")
                .help("aggregate the label away in the query and drop it from `legendFormat`");
            }
        }
    }
    // Variables that list the values of a forbidden label.
    for v in &d.variables {
        let Some((label, span)) = &v.label else {
            continue;
        };
        if cx.policy.is_forbidden_label(label) {
            let name = v.name.as_ref().map(|n| n.value.as_str()).unwrap_or("?");
            cx.report(
                &META,
                span.clone(),
                format!("variable `${name}` enumerates forbidden label `{label}`"),
            )
            .label("forbidden label")
            .help("a picker over a high-cardinality label loads every value it ever had; filter with a text box variable or on a low-cardinality label");
        }
    }
}

/// `{{ label }}` references in a legend template, with their ranges.
pub fn legend_labels(s: &str) -> Vec<(String, std::ops::Range<usize>)> {
    let mut out = Vec::new();
    let mut rest = 0;
    while let Some(open) = s.get(rest..).and_then(|t| t.find("{{")) {
        let start = rest + open + 2;
        let Some(close) = s.get(start..).and_then(|t| t.find("}}")) else {
            break;
        };
        let inner = s.get(start..start + close).unwrap_or("");
        let lead = inner.len() - inner.trim_start().len();
        let name = inner.trim();
        let is_label = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if is_label {
            let a = start + lead;
            out.push((name.to_string(), a..a + name.len()));
        }
        rest = start + close + 2;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legend_label_ranges() {
        let s = "{{ request_path }} / {{job}} {{ $labels.x }} {{";
        let got = legend_labels(s);
        assert_eq!(got.len(), 2);
        assert_eq!(&s[got[0].1.clone()], "request_path");
        assert_eq!(got[1].0, "job");
    }
}
