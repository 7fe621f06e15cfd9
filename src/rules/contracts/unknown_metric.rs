//! Series that dashboards (and contract alerts) read must exist: in the
//! metrics contract, or as a recording rule. Checked only once a metrics
//! contract has been seen.

use std::collections::BTreeSet;

use crate::rules::{finding, RepoCtx, Rule};
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
    /// Phase 2: every series read (dashboards and contract alerts, gathered
    /// by `rules::facts` whatever is enabled) against what is defined.
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
            if !seen.insert((rel.to_string(), u.span.start, u.span.end)) {
                continue;
            }
            let Some(mut d) = finding(
                cx.policy,
                &META,
                rel,
                &u.file,
                u.span.clone(),
                format!("no contract or recording rule defines series `{}`", u.name),
            ) else {
                continue;
            };
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
