//! Contracts: the YAML sources of the profile (metrics, alerts, streams,
//! dashboards), validated against `schemas/contracts/*.schema.json` with
//! exact spans, then read into typed models for the generator ([`generate`]).

pub mod generate;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use crate::source::walk;
use crate::syntax::schema::{self, SchemaError};
use crate::syntax::yaml::{self, Node};

pub const API_VERSION: &str = "o11ylint.dev/v1";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Metrics,
    Alerts,
    Streams,
    Dashboard,
}

pub const KINDS: [Kind; 4] = [Kind::Metrics, Kind::Alerts, Kind::Streams, Kind::Dashboard];

impl Kind {
    pub fn from_kind_field(s: &str) -> Option<Kind> {
        KINDS.into_iter().find(|k| k.kind_field() == s)
    }
    /// The `kind:` value in a contract file.
    pub fn kind_field(self) -> &'static str {
        match self {
            Kind::Metrics => "MetricContract",
            Kind::Alerts => "AlertContract",
            Kind::Streams => "StreamContract",
            Kind::Dashboard => "DashboardContract",
        }
    }
    /// Schema file name under `schemas/contracts/`.
    pub fn schema_name(self) -> &'static str {
        match self {
            Kind::Metrics => "metrics",
            Kind::Alerts => "alerts",
            Kind::Streams => "streams",
            Kind::Dashboard => "dashboards",
        }
    }
    pub fn schema_text(self) -> &'static str {
        match self {
            Kind::Metrics => include_str!("../../schemas/contracts/metrics.schema.json"),
            Kind::Alerts => include_str!("../../schemas/contracts/alerts.schema.json"),
            Kind::Streams => include_str!("../../schemas/contracts/streams.schema.json"),
            Kind::Dashboard => include_str!("../../schemas/contracts/dashboards.schema.json"),
        }
    }
    pub fn schema(self) -> Value {
        serde_json::from_str(self.schema_text()).unwrap_or(Value::Null)
    }
}

// ------------------------------------------------------------ typed models

#[derive(Debug, Clone, Deserialize)]
pub struct Recording {
    pub aggregation: String,
    pub expr: String,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize)]
pub struct Metric {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub help: String,
    #[serde(default)]
    pub labels: Vec<String>,
    #[serde(default)]
    pub required: bool,
    #[serde(default = "yes")]
    pub prefixed: bool,
    #[serde(default)]
    pub recordings: Vec<Recording>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct MetricContract {
    pub metrics: Vec<Metric>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Alert {
    pub name: String,
    pub severity: String,
    pub backend: String,
    pub expr: String,
    #[serde(rename = "for")]
    pub for_: Option<String>,
    #[serde(rename = "keepFiringFor")]
    pub keep_firing_for: Option<String>,
    pub summary: String,
    pub description: String,
    pub runbook: String,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    pub stream: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AlertContract {
    pub severity: String,
    pub alerts: Vec<Alert>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct StreamLabels {
    pub allowed: Vec<String>,
    pub forbidden: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Default)]
pub struct Retention {
    pub min: Option<String>,
    pub max: Option<String>,
    pub policy: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Stream {
    pub id: String,
    /// Loki tenant the stream is written to (none for archives).
    pub tenant: Option<String>,
    pub class: String,
    #[serde(default = "yes")]
    pub enabled: bool,
    pub format: String,
    pub access: String,
    #[serde(default)]
    pub retention: Retention,
    #[serde(default)]
    pub description: String,
    /// Fields queries extract from the stream's lines, with what they must
    /// know about their values (`multiline`).
    #[serde(default)]
    pub fields: Vec<StreamField>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct StreamField {
    pub name: String,
    /// Values can contain newlines.
    #[serde(default)]
    pub multiline: bool,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct StreamContract {
    #[serde(rename = "routingLabel")]
    pub routing_label: String,
    pub labels: StreamLabels,
    pub streams: Vec<Stream>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Variable {
    pub name: String,
    pub label: Option<String>,
    #[serde(rename = "type")]
    pub kind: String,
    pub datasource: Option<String>,
    pub query: String,
    #[serde(default)]
    pub multi: bool,
    #[serde(rename = "includeAll", default)]
    pub include_all: bool,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
pub struct GridPos {
    pub x: u32,
    pub y: u32,
    pub w: u32,
    pub h: u32,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Target {
    pub expr: String,
    pub legend: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Panel {
    pub title: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub datasource: Option<String>,
    #[serde(rename = "gridPos")]
    pub grid_pos: GridPos,
    pub unit: Option<String>,
    pub description: Option<String>,
    #[serde(default)]
    pub targets: Vec<Target>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DashboardContract {
    pub uid: String,
    pub title: String,
    pub folder: String,
    #[serde(default)]
    pub restricted: bool,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub variables: Vec<Variable>,
    pub panels: Vec<Panel>,
}

#[derive(Debug, Clone)]
pub enum Typed {
    Metrics(MetricContract),
    Alerts(AlertContract),
    Streams(StreamContract),
    Dashboard(DashboardContract),
}

/// One contract file: its YAML tree (for spans), its schema findings, and the
/// typed model when the schema holds.
#[derive(Debug)]
pub struct ContractDoc {
    /// `None` when `kind:` names no contract kind.
    pub kind: Option<Kind>,
    pub kind_field: String,
    pub root: Node,
    pub schema_errors: Vec<SchemaError>,
    pub typed: Option<Typed>,
}

impl ContractDoc {
    pub fn build(root: &Node) -> ContractDoc {
        let kind_field = root.get_str("kind").unwrap_or("").to_string();
        let kind = Kind::from_kind_field(&kind_field);
        let Some(k) = kind else {
            return ContractDoc {
                kind,
                kind_field,
                root: root.clone(),
                schema_errors: Vec::new(),
                typed: None,
            };
        };
        let schema_errors = schema::validate(&k.schema(), root);
        let typed = if schema_errors.is_empty() {
            let json = root.to_json();
            match k {
                Kind::Metrics => serde_json::from_value(json).ok().map(Typed::Metrics),
                Kind::Alerts => serde_json::from_value(json).ok().map(Typed::Alerts),
                Kind::Streams => serde_json::from_value(json).ok().map(Typed::Streams),
                Kind::Dashboard => serde_json::from_value(json).ok().map(Typed::Dashboard),
            }
        } else {
            None
        };
        ContractDoc {
            kind,
            kind_field,
            root: root.clone(),
            schema_errors,
            typed,
        }
    }

    /// The `i`-th item of the list under `key` (e.g. `alerts`, `panels`).
    pub fn item(&self, key: &str, i: usize) -> Option<&Node> {
        self.root
            .get(key)
            .and_then(Node::as_seq)
            .and_then(|s| s.get(i))
    }
}

/// Every contract of a repository, typed, with the file each came from.
#[derive(Debug, Default)]
pub struct Contracts {
    pub metrics: Vec<(String, MetricContract)>,
    pub alerts: Vec<(String, AlertContract)>,
    pub streams: Vec<(String, StreamContract)>,
    pub dashboards: Vec<(String, DashboardContract)>,
}

/// Why contracts could not be loaded for generation.
#[derive(Debug, Clone)]
pub struct LoadError {
    pub file: String,
    pub message: String,
}

/// A contract file read from disk: its text and its document.
#[derive(Debug)]
pub struct ContractSource {
    pub rel: String,
    pub path: PathBuf,
    pub text: String,
    pub doc: ContractDoc,
}

/// Read every YAML file under `<root>/contracts` (sorted) whose document is a
/// contract (`apiVersion: o11ylint.dev/v1`); I/O and YAML errors are listed.
pub fn read_sources(root: &Path) -> (Vec<ContractSource>, Vec<LoadError>) {
    let dir = root.join("contracts");
    // a `contracts` link is not followed (as `check`'s walker does not)
    let (files, link) = walk::list_in(root, "contracts", |p, t| {
        t.is_file() && walk::has_extension(p, &["yaml", "yml"])
    });
    let mut sources = Vec::new();
    let mut errors = Vec::new();
    if let Some(link) = link {
        errors.push(LoadError {
            file: link,
            message: "is a symbolic link, which o11ylint does not follow: contracts are read only from a real `contracts/` directory in the repository".into(),
        });
    }
    for path in files.iter().map(|f| dir.join(f)) {
        let rel = crate::source::rel_of(root, &path);
        let guard = crate::source::guard::Guard::new(
            walk::DEFAULT_MAX_FILE_BYTES,
            crate::source::guard::Links::Refuse,
        );
        let text = match crate::source::guard::read_text(&path, guard) {
            Ok(t) => t,
            Err(e) => {
                errors.push(LoadError {
                    file: rel,
                    message: e.message(),
                });
                continue;
            }
        };
        let docs = yaml::parse(&text);
        if let Some(e) = docs.errors.iter().find(|e| e.fatal) {
            errors.push(LoadError {
                file: rel,
                message: format!("invalid YAML: {}", e.message),
            });
            continue;
        }
        let Some(node) = docs.docs.first() else {
            continue;
        };
        if node.get_str("apiVersion") != Some(API_VERSION) {
            continue;
        }
        let doc = ContractDoc::build(node);
        sources.push(ContractSource {
            rel,
            path,
            text,
            doc,
        });
    }
    (sources, errors)
}

/// Load every contract under `<root>/contracts` (sorted, deterministic).
/// Files with schema errors are reported, not skipped: generation must not
/// run on half a profile.
pub fn load(root: &Path) -> Result<Contracts, Vec<LoadError>> {
    let (sources, errors) = read_sources(root);
    assemble(&sources, &errors)
}

/// The typed contracts of `sources` (as [`read_sources`] gives them, with
/// its `errors`); every problem listed when any contract does not load.
pub fn assemble(
    sources: &[ContractSource],
    errors: &[LoadError],
) -> Result<Contracts, Vec<LoadError>> {
    let mut errors = errors.to_vec();
    let mut out = Contracts::default();
    for ContractSource { rel, doc: c, .. } in sources {
        let rel = rel.clone();
        if c.kind.is_none() {
            errors.push(LoadError {
                file: rel,
                message: format!("unknown contract kind `{}`", c.kind_field),
            });
            continue;
        }
        if !c.schema_errors.is_empty() {
            errors.push(LoadError {
                file: rel,
                message: format!(
                    "{} schema error(s), first: {}",
                    c.schema_errors.len(),
                    c.schema_errors[0].message
                ),
            });
            continue;
        }
        match &c.typed {
            Some(Typed::Metrics(m)) => out.metrics.push((rel, m.clone())),
            Some(Typed::Alerts(a)) => out.alerts.push((rel, a.clone())),
            Some(Typed::Streams(s)) => out.streams.push((rel, s.clone())),
            Some(Typed::Dashboard(d)) => out.dashboards.push((rel, d.clone())),
            None => errors.push(LoadError {
                file: rel,
                message: "contract does not match its model".into(),
            }),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Text substituted for `${source}` when a recording expression is parsed
/// for linting: an identifier of the same length, so spans stay exact.
pub const SOURCE_PLACEHOLDER: &str = "_source__";

/// Replace `${source}` by [`SOURCE_PLACEHOLDER`] (same length).
pub fn placeholder_source(expr: &str) -> String {
    expr.replace("${source}", SOURCE_PLACEHOLDER)
}

/// Replace Grafana interval macros by a same-length duration so dashboard
/// expressions parse with unchanged offsets.
pub fn placeholder_grafana(expr: &str) -> String {
    let mut s = expr.to_string();
    for m in [
        "$__rate_interval",
        "$__interval_ms",
        "$__interval",
        "$__range_s",
        "$__range_ms",
        "$__range",
        "$__auto",
    ] {
        let pad = format!("5m{}", " ".repeat(m.len() - 2));
        s = s.replace(m, &pad);
    }
    s
}

/// The record name a recording produces.
pub fn record_name(namespace: &str, metric: &str, aggregation: &str) -> String {
    format!("{namespace}{metric}:{aggregation}")
}
