//! Series that dashboards (and contract alerts) read must exist: in the
//! metrics contract, or as a recording rule. Checked only once a metrics
//! contract has been seen. Recorded series (`level:metric:operation`) that
//! rule files read must be recorded somewhere in the repository.

use std::collections::BTreeSet;

use crate::rules::{finding, RepoCtx, Rule, SeriesUse};
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
    /// by `analysis::facts` whatever is enabled; recorded series read by rule
    /// files) against what is defined.
    fn check_repo(&self, cx: &mut RepoCtx<'_>) {
        let facts = cx.facts;
        let defined = &facts.series_defined;
        // Without a metrics contract, only names one or two edits away from
        // a defined recording rule (a typo or a rename): a series with no
        // near name is likely recorded by another repository's rules (see
        // docs/precision.md, issue 16). Only when the whole repository was
        // read: a definition may sit in a file not linted this run.
        let recorded_names: Vec<&str> = defined
            .iter()
            .filter(|d| d.contains(':'))
            .map(String::as_str)
            .collect();
        let near_defined = |name: &str| {
            !name.starts_with(':')
                && recorded_names.iter().any(|d| {
                    d.len().abs_diff(name.len()) <= 2 && {
                        let dist = crate::source::suggest::levenshtein(d, name);
                        dist > 0 && dist <= 2
                    }
                })
        };
        // (a name read in many files is judged once: the search is linear
        // in the recording rules)
        let mut near: std::collections::HashMap<&str, bool> = Default::default();
        let recorded: Vec<SeriesUse> = if cx.whole_repo {
            facts
                .recorded_used
                .iter()
                .filter(|u| {
                    !defined.contains(&u.name)
                        && (facts.has_metrics_contract
                            || *near
                                .entry(u.name.as_str())
                                .or_insert_with(|| near_defined(&u.name)))
                })
                .cloned()
                .collect()
        } else {
            Vec::new()
        };
        let contract_uses: &[SeriesUse] = if facts.has_metrics_contract {
            &facts.series_used
        } else {
            &[]
        };
        let mut seen = BTreeSet::new();
        for u in contract_uses.iter().chain(recorded.iter()) {
            if defined.contains(&u.name) || SYNTHETIC.contains(&u.name.as_str()) {
                continue;
            }
            let rel = u.file.display.as_str();
            if !seen.insert((rel.to_string(), u.span.start, u.span.end)) {
                continue;
            }
            let message = if u.name.contains(':') && !facts.has_metrics_contract {
                format!(
                    "no recording rule in the repository defines series `{}`",
                    u.name
                )
            } else {
                format!("no contract or recording rule defines series `{}`", u.name)
            };
            let Some(mut d) = finding(cx.policy, &META, rel, &u.file, u.span.clone(), message)
            else {
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
