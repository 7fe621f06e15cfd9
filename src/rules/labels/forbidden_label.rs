//! Policy-forbidden labels wherever they create or keep a dimension.

use crate::artifact::rule_file::{Parsed, Rule as RuleDef};
use std::ops::Range;

use crate::artifact::{Artifact, Scalar};
use crate::rules::{Ctx, Rule, RuleMeta};
use crate::source::Span;
use crate::syntax::gotemplate;
use crate::syntax::logql::GroupingKind;

crate::rule_meta!(
    "OL200",
    "forbidden-label",
    Labels,
    Error,
    "A high-cardinality label the policy forbids, used as a dimension"
);

pub struct ForbiddenLabel;

const HELP_GROUPING: &str =
    "aggregate it away (group by low-cardinality labels such as `cluster` or `instance`) and filter on it with a matcher instead";

impl Rule for ForbiddenLabel {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Ctx<'_>, artifact: &Artifact) {
        if let Artifact::Dashboard(d) = artifact {
            crate::rules::dashboards::queries::forbidden_label(cx, d, &META);
            return;
        }
        if let Artifact::Contract(c) = artifact {
            super::contract_labels::check(cx, c);
            return;
        }
        if let Artifact::Alloy(cfg) = artifact {
            super::alloy_labels::check(cx, cfg);
            return;
        }
        let Artifact::Rules(rf) = artifact else {
            return;
        };
        for g in &rf.groups {
            static_labels(cx, &g.labels, "group label");
        }
        for (_, rule) in rf.rules() {
            check_rule(cx, rule);
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
    let Some(expr) = &rule.expr else { return };
    let scalar = &expr.scalar;
    check_query(
        cx,
        &expr.parsed,
        &|text, r| scalar.sub_span(text, r),
        &|_| String::new(),
    );
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

/// Forbidden labels kept by a parsed PromQL or LogQL query. `span_of` maps
/// a byte range of the query text to a file span.
pub fn check_query(
    cx: &mut Ctx<'_>,
    parsed: &Parsed,
    span_of: &dyn Fn(&str, Range<usize>) -> Span,
    via: &dyn Fn(&Range<usize>) -> String,
) {
    match parsed {
        Parsed::Prom(Ok(a)) => {
            for l in &a.facts.labels {
                if l.role.keeps() && cx.policy.is_forbidden_label(&l.name) {
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
