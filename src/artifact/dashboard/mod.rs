//! Grafana dashboards: the typed model the dashboard rules read.
//!
//! Loading accepts every shape Grafana exports or provisions:
//! - a classic dashboard (`panels`, with `type: row` panels and collapsed
//!   rows' own `panels`, or the old `rows[].panels` layout);
//! - the provisioning/API wrapper `{"dashboard": {...}, "meta": {...}}`;
//! - Kubernetes-style resources (`apiVersion: dashboard.grafana.app/*`) whose
//!   `spec` is a classic dashboard, or a v2 dashboard (`spec.elements` and
//!   `spec.layout`, queries under `spec.data.spec.queries[].spec.query`).
//!
//! Each target's query language is decided by its datasource (target, then
//! panel; by plugin type, by uid through the policy's `dashboards.datasources`
//! map, through a datasource variable, or through an exported dashboard's
//! `__inputs`), never from the query text. Queries are interpolated before
//! parsing (see [`crate::syntax::grafana_vars`]) and every span maps back to
//! the exact bytes of the JSON string.
//!
//! Library panels (`libraryPanel: {uid, name}`) are references: their
//! content lives in Grafana, not in the file, so only the reference is kept.
//!
//! This file is the model; `load.rs` finds the form and builds it,
//! `datasource.rs` resolves datasources, `v2.rs` reads v2 elements and
//! layouts, `variables.rs` models variables and interpolation values, and
//! `refs.rs` collects variable references.

use std::collections::BTreeMap;
use std::ops::Range;

use crate::artifact::query::{Lang, Owner, Parsed, QueryRef};
use crate::policy::Policy;
use crate::source::Span;
use crate::syntax::grafana_vars::{Interpolated, VarRef};
use crate::syntax::json::{self, Node};
use crate::syntax::{logql, promql};

/// A JSON string value and where it is (quotes included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    pub value: String,
    pub span: Span,
    /// the offset map of the string, computed once (many references in one
    /// query were quadratic)
    pub offsets: crate::syntax::Lazy<Vec<(usize, usize)>>,
}

impl Text {
    pub fn from_node(n: &Node) -> Option<Text> {
        n.as_str().map(|s| Text {
            value: s.to_string(),
            span: n.span.clone(),
            offsets: Default::default(),
        })
    }

    /// File span of the bytes `r` of the decoded value.
    pub fn sub_span(&self, text: &str, r: Range<usize>) -> Span {
        let map = self
            .offsets
            .get_or_init(|| json::string_offsets(text, &self.span, self.value.len()));
        json::sub_span_in(map, &self.span, &self.value, r)
    }

    /// The span of the value without its quotes.
    pub fn inner_span(&self, text: &str) -> Span {
        self.sub_span(text, 0..self.value.len())
    }
}

/// The shape the dashboard was found in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Form {
    /// A dashboard object at the top level.
    Plain,
    /// `{"dashboard": {...}}`, as the HTTP API and provisioning tools take it.
    Wrapped,
    /// A Kubernetes-style resource with this `apiVersion`.
    Resource(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// `panels`, with row panels.
    Panels,
    /// The old `rows[].panels` layout.
    Rows,
    /// v2: `elements` placed by `layout`.
    V2,
}

/// What a datasource reference resolved to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DsKind {
    /// A datasource plugin type (`prometheus`, `loki`, `postgres`, ...).
    Plugin(String),
    /// `-- Mixed --`: each target names its own.
    Mixed,
    /// `-- Grafana --`: built-in test data and annotations.
    Grafana,
    /// `-- Dashboard --`: reuses another panel's results.
    DashboardDs,
    /// Not resolvable from the file and the policy.
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Datasource {
    pub kind: DsKind,
    /// How it was decided, for messages ("`${metrics}`, a `prometheus` datasource variable").
    pub how: String,
    /// The reference in the file (`None` when inherited or defaulted).
    pub span: Option<Span>,
}

impl Datasource {
    fn unknown(how: impl Into<String>, span: Option<Span>) -> Datasource {
        Datasource {
            kind: DsKind::Unknown,
            how: how.into(),
            span,
        }
    }

    pub fn plugin(&self) -> Option<&str> {
        match &self.kind {
            DsKind::Plugin(p) => Some(p),
            _ => None,
        }
    }

    /// The query language of this datasource, when o11ylint parses it.
    pub fn lang(&self) -> Option<Lang> {
        self.plugin().and_then(plugin_lang)
    }
}

/// Query language of a datasource plugin type.
pub fn plugin_lang(plugin: &str) -> Option<Lang> {
    match plugin {
        "prometheus"
        | "grafana-amazonprometheus-datasource"
        | "grafana-azureprometheus-datasource" => Some(Lang::PromQL),
        "loki" => Some(Lang::LogQL),
        _ => None,
    }
}

/// A query string: where it is, its interpolation and its parse.
#[derive(Debug)]
pub struct Query {
    /// The JSON string holding the query.
    pub source: Text,
    pub interp: Interpolated,
    /// The part of `interp.text` that is the PromQL/LogQL expression (all of
    /// it for targets; the selector inside `label_values(...)` for variables).
    pub range: Range<usize>,
    pub lang: Lang,
    pub parsed: Parsed,
    /// Set when the query does not parse in its datasource's language but
    /// parses in this other one (a query sent to the wrong datasource).
    pub other_lang: Option<Lang>,
}

impl Query {
    /// The expression text the parser saw.
    pub fn expr_text(&self) -> &str {
        self.interp.text.get(self.range.clone()).unwrap_or("")
    }

    /// File span of `r`, a range of [`Self::expr_text`].
    pub fn span(&self, text: &str, r: Range<usize>) -> Span {
        let s = self.range.start;
        let src = self.interp.to_source(r.start + s..r.end + s);
        self.source.sub_span(text, src)
    }

    /// The variable whose substituted value covers `r` of [`Self::expr_text`].
    pub fn var_at(&self, r: &Range<usize>) -> Option<&VarRef> {
        let s = self.range.start;
        self.interp.ref_in(&(r.start + s..r.end + s))
    }

    /// The query's whole span in the file.
    pub fn whole_span(&self, text: &str) -> Span {
        self.span(text, 0..self.range.len())
    }

    pub fn prom(&self) -> Option<&promql::Analysis> {
        self.parsed.prom()
    }

    pub fn loki(&self) -> Option<&logql::Expr> {
        self.parsed.loki()
    }
}

/// One query of a panel (or an annotation).
#[derive(Debug)]
pub struct Target {
    /// The target object.
    pub span: Span,
    pub ref_id: Option<Text>,
    pub datasource: Datasource,
    /// The `expr`, parsed when the datasource is Prometheus or Loki.
    pub query: Option<Query>,
    pub legend: Option<Text>,
    pub hidden: bool,
    /// An instant query only (no range).
    pub instant: bool,
    /// The values of the target that Prometheus and Loki targets interpolate
    /// (`expr`, `legendFormat`, `interval`, `datasource`).
    pub interpolated: Vec<Span>,
}

/// A panel position on the 24-column grid.
#[derive(Debug, Clone)]
pub struct GridItem {
    /// Items in the same group share a grid (the top level, one collapsed
    /// row, one v2 grid layout).
    pub group: usize,
    /// Index into [`Dashboard::panels`].
    pub panel: Option<usize>,
    pub x: i64,
    pub y: i64,
    pub w: i64,
    pub h: i64,
    /// The `gridPos` object (or v2 layout item spec).
    pub span: Span,
    /// Spans of the `x`, `y`, `w`/`width`, `h`/`height` values, when present.
    pub field_spans: [Option<Span>; 4],
    /// The first field that is not a whole number Grafana can place (a
    /// string, a fraction, a non-finite or huge number): its index and
    /// what is wrong, with the text as written. The item is then not
    /// placed on the grid.
    pub odd: Option<(usize, String)>,
}

#[derive(Debug, Clone)]
pub struct PanelId {
    /// As written (a number, or a string in some exports).
    pub value: String,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct LibraryRef {
    pub uid: Option<Text>,
    pub name: Option<Text>,
    pub span: Span,
}

#[derive(Debug)]
pub struct Panel {
    /// The panel object (v2: the element).
    pub span: Span,
    pub id: Option<PanelId>,
    pub title: Option<Text>,
    /// The `title` key when present (also for empty titles).
    pub title_key: Option<Span>,
    /// The visualization type.
    pub kind: Option<Text>,
    pub datasource: Datasource,
    pub targets: Vec<Target>,
    /// Unit ids: field defaults, overrides, legacy axes and formats.
    pub units: Vec<Text>,
    pub library: Option<LibraryRef>,
    /// Title of the row the panel sits in.
    pub row: Option<String>,
    /// Panels with the same section sit in the same row (0: no row).
    pub section: usize,
    pub is_row: bool,
    /// v2: the element's key in `elements`.
    pub element: Option<Text>,
    /// The panel shows one value per series, the last one (stat, gauge and
    /// bar gauge reduced to `last`/`lastNotNull`, singlestat `current`).
    pub shows_last_value: bool,
}

impl Panel {
    pub fn kind_str(&self) -> &str {
        self.kind.as_ref().map(|k| k.value.as_str()).unwrap_or("")
    }

    /// A name for messages: the title, else the id, else the type.
    pub fn describe(&self) -> String {
        if let Some(t) = self.title.as_ref().filter(|t| !t.value.trim().is_empty()) {
            return format!("panel \"{}\"", t.value);
        }
        if let Some(id) = &self.id {
            return format!("panel {}", id.value);
        }
        format!("untitled {} panel", self.kind_str())
    }
}

/// What a query variable enumerates.
#[derive(Debug)]
pub struct Variable {
    /// The variable object.
    pub span: Span,
    pub name: Option<Text>,
    /// `query`, `custom`, `datasource`, `interval`, `constant`, `textbox`, `adhoc`, ...
    pub kind: String,
    pub datasource: Datasource,
    /// The PromQL/LogQL part of a query variable, parsed.
    pub query: Option<Query>,
    /// The label a `label_values(...)` query enumerates, with its file span.
    pub label: Option<(String, Span)>,
    /// `metrics(regex)`: the regex over metric names, with its file span.
    pub metric_regex: Option<(String, Span)>,
    /// A variable query function that is not well formed: why, and where.
    pub malformed: Option<(String, Span)>,
    /// Datasource variables: the plugin type they choose among.
    pub plugin: Option<String>,
    pub current: Vec<String>,
    pub options: Vec<String>,
    pub multi: bool,
    pub include_all: bool,
    pub all_value: Option<String>,
    /// The raw `query` string of custom, interval, constant and textbox variables.
    pub raw_query: Option<String>,
}

/// Where the dashboard's folder was learned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Folder {
    pub name: String,
    /// `meta.folderTitle`, `folderUid`, `grafana.app/folder`, `directory`.
    pub source: &'static str,
    pub span: Option<Span>,
}

/// A variable reference somewhere in the dashboard.
#[derive(Debug, Clone)]
pub struct RefSite {
    pub name: String,
    pub span: Span,
    /// In a place Grafana interpolates for queries, titles or links (an
    /// undefined variable there is reported); descriptions and text panels
    /// only count as uses.
    pub strict: bool,
    /// `repeat: "name"` (a bare name, not `$name`).
    pub repeat: bool,
}

#[derive(Debug)]
pub struct Dashboard {
    pub form: Form,
    pub layout: Layout,
    /// The dashboard object itself (inside any wrapper).
    pub body: Span,
    pub uid: Option<Text>,
    /// Where a uid would go when missing: the body's opening brace.
    pub title: Option<Text>,
    pub tags: Vec<Text>,
    pub folders: Vec<Folder>,
    pub variables: Vec<Variable>,
    pub panels: Vec<Panel>,
    pub grid: Vec<GridItem>,
    pub annotations: Vec<Target>,
    pub refs: Vec<RefSite>,
    /// Names defined by an exported dashboard's `__inputs`.
    pub inputs: BTreeMap<String, String>,
    /// A dashboard link or data link passes every variable along
    /// (`includeVars` or `${__all_variables}`).
    pub all_variables_used: bool,
    /// Keys repeated within one object of the file (Grafana keeps the last).
    pub duplicate_keys: Vec<crate::syntax::json::Duplicate>,
}

impl Dashboard {
    /// Every target of every panel and annotation, with its panel.
    pub fn targets(&self) -> impl Iterator<Item = (Option<&Panel>, &Target)> {
        self.panels
            .iter()
            .flat_map(|p| p.targets.iter().map(move |t| (Some(p), t)))
            .chain(self.annotations.iter().map(|t| (None, t)))
    }

    /// Every parsed query: targets (panels, then annotations), then query
    /// variables.
    pub fn queries(&self) -> Vec<QueryRef<'_>> {
        let targets = self.targets().filter_map(|(panel, target)| {
            let q = target.query.as_ref()?;
            Some(QueryRef::dashboard(q, Owner::Target { panel, target }))
        });
        let variables = self
            .variables
            .iter()
            .filter_map(|v| Some(QueryRef::dashboard(v.query.as_ref()?, Owner::Variable(v))));
        targets.chain(variables).collect()
    }

    pub fn variable(&self, name: &str) -> Option<&Variable> {
        self.variables
            .iter()
            .find(|v| v.name.as_ref().is_some_and(|n| n.value == name))
    }

    /// For `--verbose`: shape, size, and what is not in the file.
    pub fn summary(&self) -> String {
        let form = match &self.form {
            Form::Plain => String::new(),
            Form::Wrapped => "`dashboard` wrapper, ".into(),
            Form::Resource(api) => format!("{api} resource, "),
        };
        let layout = match self.layout {
            Layout::Panels => "panels",
            Layout::Rows => "old rows layout",
            Layout::V2 => "v2 elements and layout",
        };
        let mut s = format!(
            "{form}{layout}, {} panels, {} variables",
            self.panels.len(),
            self.variables.len()
        );
        let lib = self.library_panels();
        if lib > 0 {
            s.push_str(&format!(
                "; {lib} library panel(s) referenced by uid: their queries live in Grafana and are not checked"
            ));
        }
        s
    }

    pub fn library_panels(&self) -> usize {
        self.panels.iter().filter(|p| p.library.is_some()).count()
    }

    /// The innermost panel and target around `offset`.
    pub fn locate(&self, offset: usize) -> (Option<&Panel>, Option<&Target>) {
        let inside = |s: &Span| s.start <= offset && offset < s.end.max(s.start + 1);
        let mut best: Option<&Panel> = None;
        for p in &self.panels {
            if inside(&p.span)
                && best.is_none_or(|b| p.span.end - p.span.start < b.span.end - b.span.start)
            {
                best = Some(p);
            }
        }
        if best.is_none() {
            // v2 layout items point at their element
            for g in &self.grid {
                if inside(&g.span) {
                    best = g.panel.and_then(|i| self.panels.get(i));
                }
            }
        }
        let target = best.and_then(|p| p.targets.iter().find(|t| inside(&t.span)));
        (best, target)
    }

    /// The folder names and tags that decide whether the dashboard is
    /// restricted by the policy.
    pub fn restricted_by(&self, policy: &Policy) -> Option<String> {
        let norm = |s: &str| -> String {
            s.chars()
                .filter(|c| c.is_alphanumeric())
                .flat_map(char::to_lowercase)
                .collect()
        };
        for f in &self.folders {
            if policy
                .streams
                .restricted
                .folders
                .iter()
                .any(|p| norm(p) == norm(&f.name) && !norm(p).is_empty())
            {
                return Some(format!("folder \"{}\" ({})", f.name, f.source));
            }
        }
        for t in &self.tags {
            if policy.streams.restricted.tags.iter().any(|p| p == &t.value) {
                return Some(format!("tag \"{}\"", t.value));
            }
        }
        None
    }
}

/// What loading a JSON file gave.
#[derive(Debug)]
pub enum Loaded {
    Dashboard(Box<Dashboard>),
    /// Valid JSON that is not a dashboard; the reason.
    NotDashboard(String),
    /// The JSON does not parse; `looks_like_dashboard` from a text scan.
    Invalid {
        error: json::JsonError,
        looks_like_dashboard: bool,
    },
}

mod datasource;
mod load;
mod refs;
mod v2;
mod variables;

pub use load::{load, looks_like_dashboard, shows_last_value};
pub use refs::defined_names;

#[cfg(test)]
mod tests;
