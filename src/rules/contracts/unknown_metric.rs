//! Series that dashboards (and contract alerts) read must exist: in the
//! metrics contract, or as a recording rule. Checked only once a metrics
//! contract has been seen.

use crate::artifact::dashboard::Dashboard;
use std::collections::BTreeSet;

use crate::rules::{new_diagnostic, Ctx, RepoCtx, Rule, SeriesUse};
use crate::source::suggest::closest;

crate::declare_rule! {
    pub struct UnknownMetric {
        code: "OL800",
        name: "unknown-metric",
        family: Contracts,
        severity: Error,
        fix: None,
        summary: "A series read by a dashboard or alert that no metrics contract or recording rule defines",
    }
}

/// Series Prometheus itself produces for every target and alert.
const SYNTHETIC: &[&str] = &[
    "up",
    "scrape_duration_seconds",
    "scrape_samples_scraped",
    "scrape_samples_post_metric_relabeling",
    "scrape_series_added",
    "ALERTS",
    "ALERTS_FOR_STATE",
];

impl Rule for UnknownMetric {
    /// Phase 1: the series a dashboard reads (names built from a variable
    /// are not known and are skipped). Recording rules of rule files and the
    /// contracts' series are gathered by `rules::facts`.
    fn check_dashboard(&self, cx: &mut Ctx<'_>, d: &Dashboard) {
        for q in d.queries() {
            let Some(a) = q.prom() else { continue };
            for m in &a.facts.metrics {
                if q.var_at(&m.span).is_some() {
                    continue;
                }
                let span = q.span(&cx.file.text, m.span.clone());
                cx.facts.series_used.push(SeriesUse {
                    name: m.name.clone(),
                    file: cx.file.clone(),
                    span,
                });
            }
        }
    }

    fn check_repo(&self, cx: &mut RepoCtx<'_>) {
        let facts = cx.facts;
        if !facts.has_metrics_contract {
            return;
        }
        let defined = &facts.series_defined;
        let mut seen = BTreeSet::new();
        for u in &facts.series_used {
            if defined.contains(&u.name) || SYNTHETIC.contains(&u.name.as_str()) {
                continue;
            }
            let rel = u.file.display.as_str();
            if !seen.insert((rel.to_string(), u.span.start, u.span.end))
                || !cx.policy.rule_enabled(META.code, META.name, rel)
            {
                continue;
            }
            let severity = cx
                .policy
                .rule_severity(META.code, META.name, rel, META.severity);
            let mut d = new_diagnostic(
                &META,
                severity,
                &u.file,
                u.span.clone(),
                format!("no contract or recording rule defines series `{}`", u.name),
            );
            d.label("unknown series");
            match closest(&u.name, defined.iter().map(String::as_str)) {
                Some(c) => d.help(format!("did you mean `{c}`?")),
                None => d.help(
                    "add the metric to a metrics contract (contracts/metrics/), or read a series that exists",
                ),
            };
            cx.diags.push(d);
        }
    }
}
