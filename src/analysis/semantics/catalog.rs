//! What metrics contracts say about series: their kind and their labels.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::Kind;
use crate::contracts::{record_name, MetricContract};

/// A series known from a metrics contract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesInfo {
    pub kind: Kind,
    /// The contract's `type:` as written.
    pub declared: String,
    /// The labels the contract lists (the series carries these and no
    /// others); `None` for recording rules, whose labels are not listed.
    pub labels: Option<Vec<String>>,
}

/// Series name -> what the contracts say. Empty when the repository has no
/// metrics contract; then every kind comes from naming or is unknown.
#[derive(Debug, Default)]
pub struct Catalog {
    id: usize,
    series: HashMap<String, SeriesInfo>,
}

static NEXT_ID: AtomicUsize = AtomicUsize::new(1);

impl Catalog {
    /// The empty catalog (no contracts).
    pub fn empty() -> &'static Catalog {
        static EMPTY: std::sync::OnceLock<Catalog> = std::sync::OnceLock::new();
        EMPTY.get_or_init(Catalog::default)
    }

    /// From metrics contracts: each metric under every source prefix (when
    /// prefixed), with the histogram and summary series, and the recording
    /// rules the contracts define.
    pub fn from_contracts(
        contracts: &[&MetricContract],
        prefixes: &[String],
        record_namespace: &str,
    ) -> Catalog {
        let mut series = HashMap::new();
        for c in contracts {
            for m in &c.metrics {
                let bases: Vec<String> = if m.prefixed {
                    prefixes.iter().map(|p| format!("{p}_{}", m.name)).collect()
                } else {
                    vec![m.name.clone()]
                };
                let labels = |extra: Option<&str>| {
                    let mut l = m.labels.clone();
                    if let Some(e) = extra {
                        if !l.iter().any(|x| x == e) {
                            l.push(e.to_string());
                        }
                    }
                    Some(l)
                };
                let parts: Vec<(&str, Kind, Option<Vec<String>>)> = match m.kind.as_str() {
                    "counter" => vec![("", Kind::Counter, labels(None))],
                    "gauge" => vec![("", Kind::Gauge, labels(None))],
                    "histogram" => vec![
                        ("_bucket", Kind::ClassicHistogram, labels(Some("le"))),
                        ("_sum", Kind::Counter, labels(None)),
                        ("_count", Kind::Counter, labels(None)),
                    ],
                    "summary" => vec![
                        ("", Kind::Summary, labels(Some("quantile"))),
                        ("_sum", Kind::Counter, labels(None)),
                        ("_count", Kind::Counter, labels(None)),
                    ],
                    "info" => vec![("", Kind::Info, labels(None))],
                    _ => vec![("", Kind::Unknown, labels(None))],
                };
                for b in &bases {
                    for (suffix, kind, labels) in &parts {
                        series.insert(
                            format!("{b}{suffix}"),
                            SeriesInfo {
                                kind: *kind,
                                declared: m.kind.clone(),
                                labels: labels.clone(),
                            },
                        );
                    }
                }
                for r in &m.recordings {
                    series
                        .entry(record_name(record_namespace, &m.name, &r.aggregation))
                        .or_insert(SeriesInfo {
                            kind: Kind::Unknown,
                            declared: "recording rule".into(),
                            labels: None,
                        });
                }
            }
        }
        // An empty catalog shares the empty one's memo entries (id 0): a
        // repository without metrics contracts analyses each text once.
        let id = if series.is_empty() {
            Catalog::default().id
        } else {
            NEXT_ID.fetch_add(1, Ordering::Relaxed)
        };
        Catalog { id, series }
    }

    /// For test catalogs: series name -> (kind, labels).
    pub fn from_series(entries: &[(&str, Kind, Option<&[&str]>)]) -> Catalog {
        Catalog {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            series: entries
                .iter()
                .map(|(n, k, l)| {
                    (
                        n.to_string(),
                        SeriesInfo {
                            kind: *k,
                            declared: k.describe().into(),
                            labels: l.map(|l| l.iter().map(|s| s.to_string()).collect()),
                        },
                    )
                })
                .collect(),
        }
    }

    pub fn get(&self, name: &str) -> Option<&SeriesInfo> {
        self.series.get(name)
    }

    pub fn is_empty(&self) -> bool {
        self.series.is_empty()
    }

    /// Distinguishes catalogs in the per-run memo.
    pub fn id(&self) -> usize {
        self.id
    }
}
