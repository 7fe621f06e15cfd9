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

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::sync::OnceLock;

use regex::Regex;

use crate::policy::Policy;
use crate::source::Span;
use crate::syntax::grafana_vars::{self, Context, Interpolated, VarRef};
use crate::syntax::json::{self, Kind, Node};
use crate::syntax::{duration, logql, promql};

/// A JSON string value and where it is (quotes included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    pub value: String,
    pub span: Span,
}

impl Text {
    pub fn from_node(n: &Node) -> Option<Text> {
        n.as_str().map(|s| Text {
            value: s.to_string(),
            span: n.span.clone(),
        })
    }

    /// File span of the bytes `r` of the decoded value.
    pub fn sub_span(&self, text: &str, r: Range<usize>) -> Span {
        json::str_sub_span(text, &self.span, &self.value, r)
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

/// A query language o11ylint parses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    PromQL,
    LogQL,
}

impl Lang {
    pub fn name(self) -> &'static str {
        match self {
            Lang::PromQL => "PromQL",
            Lang::LogQL => "LogQL",
        }
    }
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

/// A parsed query: the same type rule files and contracts use.
pub use crate::artifact::rule_file::Parsed;

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
        match &self.parsed {
            Parsed::Prom(Ok(a)) => Some(a),
            _ => None,
        }
    }

    pub fn loki(&self) -> Option<&logql::Expr> {
        match &self.parsed {
            Parsed::Loki(Ok(e)) => Some(e),
            _ => None,
        }
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
}

impl Dashboard {
    /// Every target of every panel and annotation, with its panel.
    pub fn targets(&self) -> impl Iterator<Item = (Option<&Panel>, &Target)> {
        self.panels
            .iter()
            .flat_map(|p| p.targets.iter().map(move |t| (Some(p), t)))
            .chain(self.annotations.iter().map(|t| (None, t)))
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

/// Parse and model a `.json` file. `rel` is the repository-relative path
/// (its directory is a provisioning folder name).
pub fn load(rel: &str, text: &str, policy: &Policy) -> Loaded {
    let root = match json::parse(text) {
        Ok(r) => r,
        Err(error) => {
            return Loaded::Invalid {
                error,
                looks_like_dashboard: looks_like_dashboard(text),
            }
        }
    };
    match find_body(&root) {
        Some((form, body, meta)) => {
            Loaded::Dashboard(Box::new(build(rel, text, form, body, meta, policy)))
        }
        None => Loaded::NotDashboard("JSON that is not a Grafana dashboard".into()),
    }
}

/// Text markers of a dashboard, for files that do not parse.
pub fn looks_like_dashboard(text: &str) -> bool {
    let head = text.get(..text.len().min(64 * 1024)).unwrap_or(text);
    [
        "\"panels\"",
        "\"schemaVersion\"",
        "\"templating\"",
        "dashboard.grafana.app/",
    ]
    .iter()
    .any(|m| head.contains(m))
}

fn is_classic(n: &Node) -> bool {
    n.as_object().is_some()
        && (n.get("panels").is_some_and(|p| p.as_array().is_some())
            || n.get("rows").is_some_and(|p| p.as_array().is_some())
            || (n.get("schemaVersion").is_some() && n.get("title").is_some())
            || n.path(&["templating", "list"])
                .is_some_and(|l| l.as_array().is_some()))
}

fn is_v2(n: &Node) -> bool {
    n.get("elements").is_some_and(|e| e.as_object().is_some())
        && n.get("layout").is_some_and(|e| e.as_object().is_some())
}

/// (form, dashboard object, wrapper object holding `meta`/`metadata`).
fn find_body(root: &Node) -> Option<(Form, &Node, Option<&Node>)> {
    root.as_object()?;
    if let Some(api) = root.get_str("apiVersion") {
        if api.starts_with("dashboard.grafana.app/") {
            let spec = root.get("spec")?;
            spec.as_object()?;
            return Some((Form::Resource(api.to_string()), spec, Some(root)));
        }
    }
    if let Some(d) = root.get("dashboard") {
        if is_classic(d) || is_v2(d) {
            return Some((Form::Wrapped, d, Some(root)));
        }
    }
    if is_classic(root) || is_v2(root) {
        return Some((Form::Plain, root, None));
    }
    None
}

// ------------------------------------------------------------------ build

struct Builder<'a> {
    text: &'a str,
    policy: &'a Policy,
    vars: Vars,
    inputs: BTreeMap<String, String>,
    default_ds: Option<String>,
}

fn build(
    rel: &str,
    text: &str,
    form: Form,
    body: &Node,
    wrapper: Option<&Node>,
    policy: &Policy,
) -> Dashboard {
    let v2 = is_v2(body);
    let layout = if v2 {
        Layout::V2
    } else if body.get("panels").is_none() && body.get("rows").is_some() {
        Layout::Rows
    } else {
        Layout::Panels
    };
    // Names from `__inputs` (exported dashboards): `${DS_PROMETHEUS}`.
    let mut inputs = BTreeMap::new();
    let inputs_node = body
        .get("__inputs")
        .or_else(|| wrapper.and_then(|w| w.get("__inputs")));
    for i in inputs_node.map(Node::items).unwrap_or(&[]) {
        if let Some(name) = i.get_str("name") {
            let plugin = i.get_str("pluginId").unwrap_or("").to_string();
            inputs.insert(name.to_string(), plugin);
        }
    }
    let default_ds =
        Some(policy.dashboards.default_datasource.trim().to_string()).filter(|s| !s.is_empty());
    let mut b = Builder {
        text,
        policy,
        vars: Vars::default(),
        inputs,
        default_ds,
    };

    let (uid, title, tags) = if let (true, Some(meta)) = (
        matches!(form, Form::Resource(_)),
        wrapper.and_then(|w| w.get("metadata")),
    ) {
        let uid = meta
            .get("name")
            .and_then(Text::from_node)
            .or_else(|| body.get("uid").and_then(Text::from_node));
        (
            uid,
            body.get("title").and_then(Text::from_node),
            body.get("tags"),
        )
    } else {
        (
            body.get("uid").and_then(Text::from_node),
            body.get("title").and_then(Text::from_node),
            body.get("tags"),
        )
    };
    let tags: Vec<Text> = tags
        .map(Node::items)
        .unwrap_or(&[])
        .iter()
        .filter_map(Text::from_node)
        .collect();

    let mut folders = Vec::new();
    if let Some(w) = wrapper {
        if let Some(t) = w.path(&["meta", "folderTitle"]) {
            if let Some(s) = Text::from_node(t) {
                folders.push(Folder {
                    name: s.value,
                    source: "meta.folderTitle",
                    span: Some(s.span),
                });
            }
        }
        for key in ["folderUid", "folderTitle"] {
            if let Some(s) = w.get(key).and_then(Text::from_node) {
                folders.push(Folder {
                    name: s.value,
                    source: if key == "folderUid" {
                        "folderUid"
                    } else {
                        "folderTitle"
                    },
                    span: Some(s.span),
                });
            }
        }
        if let Some(s) = w
            .path(&["metadata", "annotations"])
            .and_then(|a| a.get("grafana.app/folder"))
            .and_then(Text::from_node)
        {
            folders.push(Folder {
                name: s.value,
                source: "grafana.app/folder annotation",
                span: Some(s.span),
            });
        }
    }
    if let Some((dir, _)) = rel.rsplit_once('/') {
        let last = dir.rsplit('/').next().unwrap_or(dir);
        if !last.is_empty() {
            folders.push(Folder {
                name: last.to_string(),
                source: "provisioning directory",
                span: None,
            });
        }
    }

    // Variables first: queries are interpolated with their values.
    let var_nodes: Vec<(&Node, &Node)> = if v2 {
        body.get("variables")
            .map(Node::items)
            .unwrap_or(&[])
            .iter()
            .map(|v| (v, v.get("spec").unwrap_or(Node::null())))
            .collect()
    } else {
        body.path(&["templating", "list"])
            .map(Node::items)
            .unwrap_or(&[])
            .iter()
            .map(|v| (v, v))
            .collect()
    };
    for (outer, spec) in &var_nodes {
        b.vars.add(outer, spec, v2);
    }
    let variables: Vec<Variable> = var_nodes
        .iter()
        .map(|(outer, spec)| b.variable(outer, spec, v2))
        .collect();

    let mut panels = Vec::new();
    let mut grid = Vec::new();
    if v2 {
        b.v2_panels(body, &mut panels, &mut grid);
    } else {
        let mut group_count = 1;
        let top = body.get("panels").map(Node::items).unwrap_or(&[]);
        b.classic_panels(top, None, 0, &mut group_count, &mut panels, &mut grid, 0);
        for row in body.get("rows").map(Node::items).unwrap_or(&[]) {
            let title = row.get_str("title").map(str::to_string);
            let ps = row.get("panels").map(Node::items).unwrap_or(&[]);
            let group = group_count;
            group_count += 1;
            b.classic_panels(
                ps,
                title.clone(),
                group,
                &mut group_count,
                &mut panels,
                &mut grid,
                1,
            );
        }
    }

    if layout == Layout::Rows {
        grid.clear(); // positions come from `span`, not a grid
    }

    let mut annotations = Vec::new();
    let ann_list = if v2 {
        body.get("annotations").map(Node::items).unwrap_or(&[])
    } else {
        body.path(&["annotations", "list"])
            .map(Node::items)
            .unwrap_or(&[])
    };
    for a in ann_list {
        let spec = if v2 { a.get("spec").unwrap_or(a) } else { a };
        if spec.get_str("expr").is_none() && spec.path(&["query", "spec", "expr"]).is_none() {
            continue;
        }
        let inherited = Datasource::unknown("no datasource", None);
        let ds_node = spec.get("datasource");
        let ds = match ds_node {
            Some(n) if !n.is_null() => b.resolve_ds(n),
            _ => b.default_datasource(&inherited),
        };
        let body_node = if spec.get_str("expr").is_some() {
            spec
        } else {
            spec.path(&["query", "spec"]).unwrap_or(spec)
        };
        annotations.push(b.target(
            a.span.clone(),
            body_node,
            ds,
            spec.get("refId").or_else(|| spec.get("name")),
        ));
    }

    let mut all_variables_used = false;
    for l in body.get("links").map(Node::items).unwrap_or(&[]) {
        if l.get("includeVars").and_then(Node::as_bool) == Some(true) {
            all_variables_used = true;
        }
    }
    let mut refs = Vec::new();
    collect_refs(
        text,
        body,
        Walk::default(),
        &mut refs,
        &mut all_variables_used,
        0,
    );
    // Prometheus and Loki targets interpolate only some of their fields;
    // leftovers of other editors (`groupBy: ["$interval"]`) are inert.
    let inert = |at: usize| {
        panels
            .iter()
            .flat_map(|p| p.targets.iter())
            .chain(annotations.iter())
            .any(|t| {
                t.datasource.lang().is_some()
                    && t.span.start <= at
                    && at < t.span.end
                    && !t.interpolated.iter().any(|s| s.start <= at && at < s.end)
            })
    };
    for r in refs.iter_mut() {
        if r.strict && inert(r.span.start) {
            r.strict = false;
        }
    }
    // Inside a target, a datasource plugin's own macros (ClickHouse's
    // `$timeFilter`) and, in a server-side expression, the panel's other
    // queries (`$A / $B`) are not dashboard variables.
    let not_a_variable = |at: usize, name: &str| {
        let in_target = |t: &Target, siblings: &[Target]| {
            if !(t.span.start <= at && at < t.span.end) {
                return false;
            }
            let Some(plugin) = t.datasource.plugin() else {
                return false;
            };
            grafana_vars::plugin_macros(plugin).contains(&name)
                || (grafana_vars::is_expression_plugin(plugin)
                    && siblings
                        .iter()
                        .any(|o| o.ref_id.as_ref().is_some_and(|id| id.value == name)))
        };
        panels
            .iter()
            .any(|p| p.targets.iter().any(|t| in_target(t, &p.targets)))
            || annotations.iter().any(|t| in_target(t, &[]))
    };
    for r in refs.iter_mut() {
        if r.strict && not_a_variable(r.span.start, &r.name) {
            r.strict = false;
        }
    }

    Dashboard {
        form,
        layout,
        body: body.span.clone(),
        uid,
        title,
        tags,
        folders,
        variables,
        panels,
        grid,
        annotations,
        refs,
        inputs: b.inputs,
        all_variables_used,
    }
}

impl Builder<'_> {
    fn default_datasource(&self, why: &Datasource) -> Datasource {
        match &self.default_ds {
            Some(p) => Datasource {
                kind: DsKind::Plugin(p.clone()),
                how: format!("the default datasource (`{p}` per the policy's `dashboards.default_datasource`)"),
                span: why.span.clone(),
            },
            None => Datasource::unknown("the default datasource (type unknown)", why.span.clone()),
        }
    }

    /// Resolve a datasource reference (string or `{type, uid}` object).
    fn resolve_ds(&self, n: &Node) -> Datasource {
        let span = Some(n.span.clone());
        let special = |s: &str| -> Option<DsKind> {
            match s {
                "-- Mixed --" => Some(DsKind::Mixed),
                "-- Grafana --" | "grafana" => Some(DsKind::Grafana),
                "-- Dashboard --" => Some(DsKind::DashboardDs),
                _ => None,
            }
        };
        match &n.kind {
            Kind::Null => self.default_datasource(&Datasource::unknown("", span)),
            Kind::Str(s) => {
                if let Some(k) = special(s) {
                    return Datasource {
                        kind: k,
                        how: format!("`{s}`"),
                        span,
                    };
                }
                if s == "default" || s.is_empty() {
                    return self.default_datasource(&Datasource::unknown("", span));
                }
                self.resolve_uid(s, span)
            }
            Kind::Object(_) => {
                let ty = n.get_str("type").unwrap_or("");
                let uid = n.get_str("uid").unwrap_or("");
                if let Some(k) = special(uid) {
                    return Datasource {
                        kind: k,
                        how: format!("`{uid}`"),
                        span,
                    };
                }
                if ty == "datasource" {
                    return Datasource::unknown(format!("special datasource `{uid}`"), span);
                }
                if ty == "grafana" {
                    return Datasource {
                        kind: DsKind::Grafana,
                        how: "`-- Grafana --`".into(),
                        span,
                    };
                }
                if !ty.is_empty() && !ty.contains('$') {
                    return Datasource {
                        kind: DsKind::Plugin(ty.to_string()),
                        how: format!("datasource type `{ty}`"),
                        span,
                    };
                }
                if !uid.is_empty() {
                    return self.resolve_uid(uid, span);
                }
                if let Some(name) = n.get_str("name") {
                    return self.resolve_uid(name, span);
                }
                self.default_datasource(&Datasource::unknown("", span))
            }
            _ => Datasource::unknown("an unrecognised datasource reference", span),
        }
    }

    /// A datasource named by uid or name, or through a variable.
    fn resolve_uid(&self, s: &str, span: Option<Span>) -> Datasource {
        let refs = grafana_vars::scan(s);
        if let Some(r) = refs.first() {
            if let Some(plugin) = self.inputs.get(&r.name).filter(|p| !p.is_empty()) {
                return Datasource {
                    kind: DsKind::Plugin(plugin.clone()),
                    how: format!("`{s}`, an imported `{plugin}` datasource"),
                    span,
                };
            }
            if let Some(v) = self.vars.map.get(&r.name) {
                if v.kind == "datasource" {
                    if let Some(p) = v.plugin.as_ref().filter(|p| !p.is_empty()) {
                        return Datasource {
                            kind: DsKind::Plugin(p.clone()),
                            how: format!("`{s}`, a `{p}` datasource variable"),
                            span,
                        };
                    }
                }
                // A variable holding a datasource uid: try its value.
                if let Some(cur) = v.values.first() {
                    if let Some(p) = self.policy.dashboards.datasources.get(cur) {
                        return Datasource {
                            kind: DsKind::Plugin(p.clone()),
                            how: format!("`{s}` = `{cur}`, mapped to `{p}` by the policy"),
                            span,
                        };
                    }
                }
                return Datasource::unknown(
                    format!("`{s}`, a variable that names no datasource type"),
                    span,
                );
            }
            return Datasource::unknown(format!("`{s}`, an undefined variable"), span);
        }
        if let Some(p) = self.policy.dashboards.datasources.get(s) {
            return Datasource {
                kind: DsKind::Plugin(p.clone()),
                how: format!("`{s}`, mapped to `{p}` by the policy's `dashboards.datasources`"),
                span,
            };
        }
        Datasource::unknown(
            format!("datasource `{s}` (unknown type; map it in `dashboards.datasources`)"),
            span,
        )
    }

    // -------------------------------------------------------------- panels

    #[allow(clippy::too_many_arguments)]
    fn classic_panels(
        &self,
        list: &[Node],
        row: Option<String>,
        group: usize,
        group_count: &mut usize,
        out: &mut Vec<Panel>,
        grid: &mut Vec<GridItem>,
        depth: usize,
    ) {
        let mut current_row = row.clone();
        // Panels of one row share a section: a collapsed row's own list,
        // or the panels after an expanded row up to the next row.
        let mut section = group;
        for p in list {
            if p.as_object().is_none() {
                continue;
            }
            let is_row = p.get_str("type") == Some("row");
            let title_text = p.get("title").and_then(Text::from_node);
            if is_row && depth == 0 {
                current_row = title_text.as_ref().map(|t| t.value.clone());
                *group_count += 1;
                section = *group_count;
            }
            let index = out.len();
            let mut panel = self.classic_panel(p, if is_row { None } else { current_row.clone() });
            panel.section = section;
            if let Some(mut g) = grid_pos(p.get("gridPos"), group, index) {
                if is_row {
                    // Grafana draws every row full width and one unit high,
                    // whatever its `gridPos` says.
                    g.x = 0;
                    g.w = 24;
                    g.h = 1;
                }
                grid.push(g);
            }
            out.push(panel);
            // A collapsed row keeps its panels inside; any panel may nest.
            let nested = p.get("panels").map(Node::items).unwrap_or(&[]);
            if !nested.is_empty() && depth < 8 {
                let g = *group_count;
                *group_count += 1;
                let row_title = if is_row {
                    title_text.map(|t| t.value)
                } else {
                    current_row.clone()
                };
                self.classic_panels(nested, row_title, g, group_count, out, grid, depth + 1);
            }
        }
    }

    fn classic_panel(&self, p: &Node, row: Option<String>) -> Panel {
        let kind = p.get("type").and_then(Text::from_node);
        let is_row = kind.as_ref().is_some_and(|k| k.value == "row");
        let ds = match p.get("datasource") {
            Some(n) if !n.is_null() => self.resolve_ds(n),
            _ => self.default_datasource(&Datasource::unknown("", None)),
        };
        let mut targets = Vec::new();
        for t in p.get("targets").map(Node::items).unwrap_or(&[]) {
            if t.as_object().is_none() {
                continue;
            }
            let tds = match t.get("datasource") {
                Some(n) if !n.is_null() => self.resolve_ds(n),
                _ => match ds.kind {
                    DsKind::Mixed => self.default_datasource(&Datasource::unknown("", None)),
                    _ => Datasource {
                        span: None,
                        ..ds.clone()
                    },
                },
            };
            targets.push(self.target(t.span.clone(), t, tds, t.get("refId")));
        }
        let mut units = Vec::new();
        collect_units(
            p,
            kind.as_ref().map(|k| k.value.as_str()).unwrap_or(""),
            &mut units,
        );
        let last_only = shows_last_value(kind.as_ref().map(|k| k.value.as_str()).unwrap_or(""), p);
        let library = p
            .get("libraryPanel")
            .filter(|l| l.as_object().is_some())
            .map(|l| LibraryRef {
                uid: l.get("uid").and_then(Text::from_node),
                name: l.get("name").and_then(Text::from_node),
                span: l.span.clone(),
            });
        Panel {
            span: p.span.clone(),
            id: panel_id(p.get("id")),
            title: p.get("title").and_then(Text::from_node),
            title_key: p.member("title").map(|m| m.key_span.clone()),
            kind,
            datasource: ds,
            targets,
            units,
            library,
            row,
            section: 0,
            is_row,
            element: None,
            shows_last_value: last_only,
        }
    }

    fn v2_panels(&self, body: &Node, out: &mut Vec<Panel>, grid: &mut Vec<GridItem>) {
        let mut index_of: BTreeMap<String, usize> = BTreeMap::new();
        for m in body.get("elements").map(Node::members).unwrap_or(&[]) {
            let el = &m.value;
            let spec = el.get("spec").unwrap_or(Node::null());
            let el_kind = el.get_str("kind").unwrap_or("");
            let viz = spec.get("vizConfig").unwrap_or(Node::null());
            let kind = if viz.get_str("kind") == Some("VizConfig") {
                viz.get("group").and_then(Text::from_node)
            } else {
                viz.get("kind").and_then(Text::from_node)
            };
            let mut targets = Vec::new();
            let queries = spec
                .path(&["data", "spec", "queries"])
                .map(Node::items)
                .unwrap_or(&[]);
            for q in queries {
                let qspec = q.get("spec").unwrap_or(Node::null());
                let query = qspec.get("query").unwrap_or(Node::null());
                let qkind = query.get_str("kind").unwrap_or("");
                let plugin = if qkind == "DataQuery" {
                    query.get_str("group").unwrap_or("")
                } else {
                    qkind
                };
                let ds = if !plugin.is_empty() {
                    Datasource {
                        kind: DsKind::Plugin(plugin.to_string()),
                        how: format!("query kind `{plugin}`"),
                        span: query.get("kind").map(|k| k.span.clone()),
                    }
                } else if let Some(d) = qspec.get("datasource").or_else(|| query.get("datasource"))
                {
                    self.resolve_ds(d)
                } else {
                    self.default_datasource(&Datasource::unknown("", None))
                };
                let body_node = query.get("spec").unwrap_or(Node::null());
                let mut t = self.target(q.span.clone(), body_node, ds, qspec.get("refId"));
                t.hidden = qspec.get("hidden").and_then(Node::as_bool).unwrap_or(false);
                targets.push(t);
            }
            let mut units = Vec::new();
            collect_units(viz.get("spec").unwrap_or(Node::null()), "", &mut units);
            let shows_last = shows_last_value(
                kind.as_ref().map(|k| k.value.as_str()).unwrap_or(""),
                viz.get("spec").unwrap_or(Node::null()),
            );
            let library = (el_kind == "LibraryPanel").then(|| {
                let l = spec.get("libraryPanel").unwrap_or(spec);
                LibraryRef {
                    uid: l.get("uid").and_then(Text::from_node),
                    name: l.get("name").and_then(Text::from_node),
                    span: l.span.clone(),
                }
            });
            index_of.insert(m.key.clone(), out.len());
            out.push(Panel {
                span: el.span.clone(),
                id: panel_id(spec.get("id")),
                title: spec.get("title").and_then(Text::from_node),
                title_key: spec.member("title").map(|m| m.key_span.clone()),
                kind,
                datasource: targets
                    .first()
                    .map(|t| Datasource {
                        span: None,
                        ..t.datasource.clone()
                    })
                    .unwrap_or_else(|| Datasource::unknown("no queries", None)),
                targets,
                units,
                library,
                row: None,
                section: 0,
                is_row: false,
                shows_last_value: shows_last,
                element: Some(Text {
                    value: m.key.clone(),
                    span: m.key_span.clone(),
                }),
            });
        }
        let mut groups = 0usize;
        if let Some(l) = body.get("layout") {
            v2_layout(l, None, &index_of, out, grid, &mut groups, 0);
        }
    }

    fn target(&self, span: Span, t: &Node, ds: Datasource, ref_id: Option<&Node>) -> Target {
        let instant = t.get("instant").and_then(Node::as_bool) == Some(true)
            && t.get("range").and_then(Node::as_bool) != Some(true);
        let expr = t.get("expr").and_then(Text::from_node);
        let query = match (ds.lang(), expr) {
            (Some(lang), Some(e)) if !e.value.trim().is_empty() => Some(self.query(e, lang)),
            _ => None,
        };
        let interpolated = ["expr", "legendFormat", "interval", "datasource"]
            .iter()
            .filter_map(|k| t.get(k).map(|n| n.span.clone()))
            .collect();
        Target {
            span,
            ref_id: ref_id.and_then(Text::from_node),
            datasource: ds,
            query,
            legend: t.get("legendFormat").and_then(Text::from_node),
            hidden: t.get("hide").and_then(Node::as_bool).unwrap_or(false),
            instant,
            interpolated,
        }
    }

    /// Interpolate and parse a whole query string. A placeholder for a
    /// variable without a known value is an identifier first; when the query
    /// then does not parse, a number is tried in its place (`topk($n, ...)`).
    fn query(&self, source: Text, lang: Lang) -> Query {
        let first = self.interpolate(&source.value, false);
        let (interp, parsed) = {
            let p = parse_lang(lang, &first.0.text);
            if !parsed_ok(&p) && first.1 > 0 {
                let second = self.interpolate(&source.value, true);
                let p2 = parse_lang(lang, &second.0.text);
                if parsed_ok(&p2) {
                    (second.0, p2)
                } else {
                    (first.0, p)
                }
            } else {
                (first.0, p)
            }
        };
        let range = 0..interp.text.len();
        finish_query(source, interp, range, lang, parsed)
    }

    /// Interpolate `s`; returns the result and how many bare-code
    /// placeholders (variables without a usable value) it holds.
    fn interpolate(&self, s: &str, numeric: bool) -> (Interpolated, usize) {
        let mut placeholders = 0;
        let i = grafana_vars::interpolate(s, |r, ctx| {
            let (v, placeholder) = self.vars.substitute(r, ctx, numeric)?;
            if placeholder && ctx == Context::Code {
                placeholders += 1;
            }
            Some(v)
        });
        (i, placeholders)
    }

    // ----------------------------------------------------------- variables

    fn variable(&self, outer: &Node, spec: &Node, v2: bool) -> Variable {
        let kind = if v2 {
            v2_var_kind(outer.get_str("kind").unwrap_or("")).to_string()
        } else {
            spec.get_str("type").unwrap_or("").to_string()
        };
        let name = spec.get("name").and_then(Text::from_node);
        let info = name.as_ref().and_then(|n| self.vars.map.get(&n.value));
        let mut var = Variable {
            span: outer.span.clone(),
            name: name.clone(),
            kind: kind.clone(),
            datasource: Datasource::unknown("", None),
            query: None,
            label: None,
            metric_regex: None,
            malformed: None,
            plugin: info.and_then(|i| i.plugin.clone()),
            current: info.map(|i| i.values.clone()).unwrap_or_default(),
            options: info.map(|i| i.options.clone()).unwrap_or_default(),
            multi: spec.get("multi").and_then(Node::as_bool).unwrap_or(false),
            include_all: spec
                .get("includeAll")
                .and_then(Node::as_bool)
                .unwrap_or(false),
            all_value: spec
                .get_str("allValue")
                .map(str::to_string)
                .filter(|s| !s.is_empty()),
            raw_query: spec.get_str("query").map(str::to_string),
        };
        if kind != "query" {
            return var;
        }
        // The query node: a string, `{query: ...}`, or v2 `{kind, spec: {...}}`.
        let qnode = spec.get("query").unwrap_or(Node::null());
        let (qspec, v2_plugin) = if v2 {
            let k = qnode.get_str("kind").unwrap_or("");
            let plugin = if k == "DataQuery" {
                qnode.get_str("group").unwrap_or("")
            } else {
                k
            };
            (qnode.get("spec").unwrap_or(Node::null()), plugin)
        } else {
            (qnode, "")
        };
        var.datasource = if !v2_plugin.is_empty() {
            Datasource {
                kind: DsKind::Plugin(v2_plugin.to_string()),
                how: format!("query kind `{v2_plugin}`"),
                span: None,
            }
        } else {
            match spec.get("datasource").or_else(|| qnode.get("datasource")) {
                Some(n) if !n.is_null() => self.resolve_ds(n),
                _ => self.default_datasource(&Datasource::unknown("", None)),
            }
        };
        let Some(lang) = var.datasource.lang() else {
            return var;
        };
        let text_node = match &qspec.kind {
            Kind::Str(_) => Some(qspec),
            Kind::Object(_) => ["query", "expr", "__legacyStringValue"]
                .iter()
                .find_map(|k| {
                    qspec
                        .get(k)
                        .filter(|n| n.as_str().is_some_and(|s| !s.trim().is_empty()))
                }),
            _ => None,
        }
        .or_else(|| {
            spec.get("definition")
                .filter(|n| n.as_str().is_some_and(|s| !s.trim().is_empty()))
        });
        if let Some(q) = text_node.and_then(Text::from_node) {
            if !q.value.trim().is_empty() {
                self.variable_query(&mut var, q, lang);
                return var;
            }
        }
        // Loki's structured form: {type, label, stream}
        if lang == Lang::LogQL {
            if let Some(l) = qspec.get("label").and_then(Text::from_node) {
                let sp = l.inner_span(self.text);
                var.label = Some((l.value.clone(), sp));
            }
            if let Some(s) = qspec.get("stream").and_then(Text::from_node) {
                if !s.value.trim().is_empty() {
                    var.query = Some(self.query(s, lang));
                }
            }
        }
        var
    }

    /// `label_values(selector, label)`, `label_names(match)`, `metrics(re)`,
    /// `query_result(expr)`, or a plain selector.
    fn variable_query(&self, var: &mut Variable, source: Text, lang: Lang) {
        let (interp, _) = self.interpolate(&source.value, false);
        let t = interp.text.clone();
        let to_file = |r: Range<usize>| source.sub_span(self.text, interp.to_source(r));
        let trimmed_start = t.len() - t.trim_start().len();
        let body = t.trim();
        let at = |r: Range<usize>| r.start + trimmed_start..r.end + trimmed_start;
        if let Some(c) = label_values_re().and_then(|re| re.captures(body)) {
            if let Some(l) = c.get(2) {
                var.label = Some((l.as_str().to_string(), to_file(at(l.range()))));
            }
            if let Some(sel) = c.get(1) {
                let r = at(trim_range(body, sel.range()));
                let sel_text = t.get(r.clone()).unwrap_or("");
                // `{}` is "no selector" to Grafana's Prometheus and Loki providers.
                if !is_empty_selector(sel_text) {
                    let parsed = parse_lang(lang, sel_text);
                    var.query = Some(finish_query(source, interp, r, lang, parsed));
                }
            }
            return;
        }
        if let Some(c) = label_names_re().and_then(|re| re.captures(body)) {
            if let Some(m) = c.get(1).filter(|m| !is_empty_selector(m.as_str())) {
                let r = at(trim_range(body, m.range()));
                let parsed = parse_lang(lang, t.get(r.clone()).unwrap_or(""));
                var.query = Some(finish_query(source, interp, r, lang, parsed));
            }
            return;
        }
        if body.starts_with("label_values(") || body.starts_with("label_names(") {
            let what = if body.starts_with("label_values(") {
                "`label_values(...)` needs a label name as its last argument: `label_values(selector, label)` or `label_values(label)`"
            } else {
                "`label_names(...)` is not closed"
            };
            var.malformed = Some((what.to_string(), to_file(at(0..body.len()))));
            return;
        }
        if lang == Lang::PromQL {
            if let Some(c) = metrics_re().and_then(|re| re.captures(body)) {
                if let Some(m) = c.get(1) {
                    let r = at(trim_range(body, m.range()));
                    var.metric_regex =
                        Some((t.get(r.clone()).unwrap_or("").to_string(), to_file(r)));
                }
                return;
            }
            if let Some(c) = query_result_re().and_then(|re| re.captures(body)) {
                if let Some(m) = c.get(1) {
                    let r = at(trim_range(body, m.range()));
                    let parsed = parse_lang(lang, t.get(r.clone()).unwrap_or(""));
                    var.query = Some(finish_query(source, interp, r, lang, parsed));
                }
                return;
            }
        }
        let r = at(0..body.len());
        let parsed = parse_lang(lang, body);
        var.query = Some(finish_query(source, interp, r, lang, parsed));
    }
}

fn is_empty_selector(s: &str) -> bool {
    let t = s.trim();
    t.is_empty()
        || t.strip_prefix('{')
            .and_then(|r| r.strip_suffix('}'))
            .is_some_and(|inner| inner.trim().is_empty())
}

fn trim_range(s: &str, r: Range<usize>) -> Range<usize> {
    let part = s.get(r.clone()).unwrap_or("");
    let lead = part.len() - part.trim_start().len();
    let start = r.start + lead;
    start..start + part.trim().len()
}

fn label_values_re() -> Option<&'static Regex> {
    static R: OnceLock<Option<Regex>> = OnceLock::new();
    R.get_or_init(|| {
        Regex::new(r"^label_values\(\s*(?:(.+?)\s*,\s*)?([a-zA-Z_$][a-zA-Z0-9_]*)\s*\)\s*$").ok()
    })
    .as_ref()
}

fn label_names_re() -> Option<&'static Regex> {
    static R: OnceLock<Option<Regex>> = OnceLock::new();
    R.get_or_init(|| Regex::new(r"^label_names\((.*)\)\s*$").ok())
        .as_ref()
}

fn metrics_re() -> Option<&'static Regex> {
    static R: OnceLock<Option<Regex>> = OnceLock::new();
    R.get_or_init(|| Regex::new(r"^metrics\((.+)\)\s*$").ok())
        .as_ref()
}

fn query_result_re() -> Option<&'static Regex> {
    static R: OnceLock<Option<Regex>> = OnceLock::new();
    R.get_or_init(|| Regex::new(r"(?s)^query_result\((.+)\)\s*$").ok())
        .as_ref()
}

fn parse_lang(lang: Lang, text: &str) -> Parsed {
    match lang {
        Lang::PromQL => Parsed::Prom(promql::analyze(text)),
        Lang::LogQL => Parsed::Loki(logql::parse(text)),
    }
}

fn parsed_ok(p: &Parsed) -> bool {
    match p {
        Parsed::Prom(r) => r.is_ok(),
        Parsed::Loki(r) => r.is_ok(),
    }
}

fn finish_query(
    source: Text,
    interp: Interpolated,
    range: Range<usize>,
    lang: Lang,
    parsed: Parsed,
) -> Query {
    let other_lang = if parsed_ok(&parsed) {
        None
    } else {
        let expr = interp.text.get(range.clone()).unwrap_or("");
        match lang {
            Lang::PromQL => logql::parse(expr).is_ok().then_some(Lang::LogQL),
            Lang::LogQL => promql::analyze(expr).is_ok().then_some(Lang::PromQL),
        }
    };
    Query {
        source,
        interp,
        range,
        lang,
        parsed,
        other_lang,
    }
}

fn v2_var_kind(kind: &str) -> &'static str {
    match kind {
        "QueryVariable" => "query",
        "CustomVariable" => "custom",
        "DatasourceVariable" => "datasource",
        "IntervalVariable" => "interval",
        "ConstantVariable" => "constant",
        "TextVariable" => "textbox",
        "AdhocVariable" => "adhoc",
        "GroupByVariable" => "groupby",
        "SwitchVariable" => "switch",
        _ => "unknown",
    }
}

fn panel_id(n: Option<&Node>) -> Option<PanelId> {
    let n = n?;
    let value = match &n.kind {
        Kind::Number(raw, _) => raw.clone(),
        Kind::Str(s) => s.clone(),
        _ => return None,
    };
    Some(PanelId {
        value,
        span: n.span.clone(),
    })
}

fn num_field(n: &Node, keys: &[&str]) -> (Option<i64>, Option<Span>) {
    for k in keys {
        if let Some(v) = n.get(k) {
            let num = v
                .as_f64()
                .filter(|f| f.is_finite())
                .map(|f| f.floor() as i64)
                .or_else(|| v.as_str().and_then(|s| s.trim().parse::<i64>().ok()));
            return (num, Some(v.span.clone()));
        }
    }
    (None, None)
}

fn grid_pos(n: Option<&Node>, group: usize, panel: usize) -> Option<GridItem> {
    let n = n?;
    n.as_object()?;
    let (x, xs) = num_field(n, &["x"]);
    let (y, ys) = num_field(n, &["y"]);
    let (w, ws) = num_field(n, &["w", "width"]);
    let (h, hs) = num_field(n, &["h", "height"]);
    // A position without all four numbers (the old layout's `gridPos: {}`)
    // says nothing checkable.
    if x.is_none() || y.is_none() || w.is_none() || h.is_none() {
        return None;
    }
    Some(GridItem {
        group,
        panel: Some(panel),
        x: x.unwrap_or(0),
        y: y.unwrap_or(0),
        w: w.unwrap_or(0),
        h: h.unwrap_or(0),
        span: n.span.clone(),
        field_spans: [xs, ys, ws, hs],
    })
}

/// Walk a v2 layout: each `GridLayout` is one grid group; rows and tabs hold
/// nested layouts.
fn v2_layout(
    l: &Node,
    row: Option<String>,
    index_of: &BTreeMap<String, usize>,
    panels: &mut [Panel],
    grid: &mut Vec<GridItem>,
    groups: &mut usize,
    depth: usize,
) {
    if depth > 16 {
        return;
    }
    let spec = l.get("spec").unwrap_or(Node::null());
    match l.get_str("kind").unwrap_or("") {
        "GridLayout" => {
            let group = *groups;
            *groups += 1;
            for item in spec.get("items").map(Node::items).unwrap_or(&[]) {
                let ispec = item.get("spec").unwrap_or(Node::null());
                match item.get_str("kind").unwrap_or("") {
                    "GridLayoutRow" => {
                        let title = ispec.get_str("title").map(str::to_string);
                        let g = *groups;
                        *groups += 1;
                        for e in ispec.get("elements").map(Node::items).unwrap_or(&[]) {
                            grid_item(
                                e.get("spec").unwrap_or(Node::null()),
                                g,
                                title.clone(),
                                index_of,
                                panels,
                                grid,
                            );
                        }
                    }
                    _ => grid_item(ispec, group, row.clone(), index_of, panels, grid),
                }
            }
        }
        "RowsLayout" => {
            for r in spec.get("rows").map(Node::items).unwrap_or(&[]) {
                let rs = r.get("spec").unwrap_or(Node::null());
                let title = rs.get_str("title").map(str::to_string);
                if let Some(inner) = rs.get("layout") {
                    v2_layout(inner, title, index_of, panels, grid, groups, depth + 1);
                }
            }
        }
        "TabsLayout" => {
            for t in spec.get("tabs").map(Node::items).unwrap_or(&[]) {
                let ts = t.get("spec").unwrap_or(Node::null());
                if let Some(inner) = ts.get("layout") {
                    v2_layout(
                        inner,
                        row.clone(),
                        index_of,
                        panels,
                        grid,
                        groups,
                        depth + 1,
                    );
                }
            }
        }
        _ => {
            // AutoGridLayout and unknown layouts: no positions to check.
            for item in spec.get("items").map(Node::items).unwrap_or(&[]) {
                if let Some(name) = item
                    .path(&["spec", "element", "name"])
                    .and_then(Node::as_str)
                {
                    if let Some(&i) = index_of.get(name) {
                        if let Some(p) = panels.get_mut(i) {
                            if p.row.is_none() {
                                p.row = row.clone();
                            }
                        }
                    }
                }
            }
        }
    }
}

fn grid_item(
    ispec: &Node,
    group: usize,
    row: Option<String>,
    index_of: &BTreeMap<String, usize>,
    panels: &mut [Panel],
    grid: &mut Vec<GridItem>,
) {
    let panel = ispec
        .path(&["element", "name"])
        .and_then(Node::as_str)
        .and_then(|n| index_of.get(n).copied());
    if let Some(p) = panel.and_then(|i| panels.get_mut(i)) {
        if p.row.is_none() {
            p.row = row;
        }
    }
    if let Some(mut g) = grid_pos(Some(ispec), group, 0) {
        g.panel = panel;
        grid.push(g);
    }
}

/// Whether a panel (classic) or v2 viz config spec of type `kind` shows only
/// the last value of each series: stat, gauge and bar gauge reduce with
/// `lastNotNull` unless `options.reduceOptions` says otherwise (`values:
/// true` shows every row; other calculations such as `mean` read the whole
/// range); singlestat shows the last value with `valueName: current`.
pub fn shows_last_value(kind: &str, p: &Node) -> bool {
    match kind {
        "stat" | "gauge" | "bargauge" => {
            let reduce = p.path(&["options", "reduceOptions"]);
            let Some(r) = reduce else { return true };
            if r.get("values").and_then(Node::as_bool) == Some(true) {
                return false;
            }
            match r.get("calcs").map(Node::items) {
                None => true,
                Some([]) => true,
                Some(calcs) => calcs
                    .iter()
                    .all(|c| matches!(c.as_str(), Some("last" | "lastNotNull"))),
            }
        }
        "singlestat" | "grafana-singlestat-panel" => p.get_str("valueName") == Some("current"),
        _ => false,
    }
}

/// Unit ids of a panel (classic) or a v2 viz config spec.
fn collect_units(p: &Node, panel_type: &str, out: &mut Vec<Text>) {
    if let Some(u) = p
        .path(&["fieldConfig", "defaults", "unit"])
        .and_then(Text::from_node)
    {
        out.push(u);
    }
    for o in p
        .path(&["fieldConfig", "overrides"])
        .map(Node::items)
        .unwrap_or(&[])
    {
        for prop in o.get("properties").map(Node::items).unwrap_or(&[]) {
            if prop.get_str("id") == Some("unit") {
                if let Some(u) = prop.get("value").and_then(Text::from_node) {
                    out.push(u);
                }
            }
        }
    }
    for axis in p.get("yaxes").map(Node::items).unwrap_or(&[]) {
        if let Some(u) = axis.get("format").and_then(Text::from_node) {
            out.push(u);
        }
    }
    if matches!(panel_type, "singlestat" | "grafana-singlestat-panel") {
        if let Some(u) = p.get("format").and_then(Text::from_node) {
            out.push(u);
        }
    }
    if matches!(panel_type, "table" | "table-old") {
        for s in p.get("styles").map(Node::items).unwrap_or(&[]) {
            if s.get_str("type") == Some("number") {
                if let Some(u) = s.get("unit").and_then(Text::from_node) {
                    out.push(u);
                }
            }
        }
    }
    out.retain(|u| !u.value.is_empty());
}

// ------------------------------------------------------------ variables

#[derive(Debug, Default, Clone)]
struct VarInfo {
    kind: String,
    values: Vec<String>,
    all: bool,
    all_value: Option<String>,
    options: Vec<String>,
    plugin: Option<String>,
}

#[derive(Debug, Default)]
struct Vars {
    map: BTreeMap<String, VarInfo>,
}

fn strings_of(n: &Node) -> Vec<String> {
    match &n.kind {
        Kind::Str(s) => vec![s.clone()],
        Kind::Number(raw, _) => vec![raw.clone()],
        Kind::Bool(b) => vec![b.to_string()],
        Kind::Array(a) => a.iter().flat_map(strings_of).collect(),
        _ => Vec::new(),
    }
}

impl Vars {
    fn add(&mut self, outer: &Node, spec: &Node, v2: bool) {
        let Some(name) = spec.get_str("name") else {
            return;
        };
        let kind = if v2 {
            v2_var_kind(outer.get_str("kind").unwrap_or("")).to_string()
        } else {
            spec.get_str("type").unwrap_or("").to_string()
        };
        let mut values: Vec<String> = spec
            .path(&["current", "value"])
            .map(strings_of)
            .unwrap_or_default();
        let options: Vec<String> = spec
            .get("options")
            .map(Node::items)
            .unwrap_or(&[])
            .iter()
            .flat_map(|o| o.get("value").map(strings_of).unwrap_or_default())
            .collect();
        if values.is_empty() {
            values = spec
                .get("options")
                .map(Node::items)
                .unwrap_or(&[])
                .iter()
                .filter(|o| o.get("selected").and_then(Node::as_bool) == Some(true))
                .flat_map(|o| o.get("value").map(strings_of).unwrap_or_default())
                .collect();
        }
        let raw_query = spec.get_str("query").map(str::to_string);
        if values.is_empty() {
            if let Some(q) = &raw_query {
                match kind.as_str() {
                    "custom" | "interval" => {
                        if let Some(first) = split_custom(q).into_iter().next() {
                            values.push(first);
                        }
                    }
                    "constant" | "textbox" => values.push(q.clone()),
                    _ => {}
                }
            }
        }
        let all = values.iter().any(|v| v == "$__all");
        values.retain(|v| v != "$__all");
        let plugin = if kind == "datasource" {
            raw_query
                .clone()
                .or_else(|| spec.get_str("pluginId").map(str::to_string))
        } else {
            None
        };
        self.map.insert(
            name.to_string(),
            VarInfo {
                kind,
                values,
                all,
                all_value: spec
                    .get_str("allValue")
                    .map(str::to_string)
                    .filter(|s| !s.is_empty()),
                options,
                plugin,
            },
        );
    }

    /// The text to put in place of `r`, and whether it is a placeholder
    /// rather than a value the variable really has. `None` leaves the
    /// reference as written (regex back references such as `$1`).
    fn substitute(&self, r: &VarRef, ctx: Context, numeric: bool) -> Option<(String, bool)> {
        if r.is_numeric() && !self.map.contains_key(&r.name) {
            return None;
        }
        let placeholder = |name: &str| -> (String, bool) {
            let v = match ctx {
                Context::Str { .. } => "x".to_string(),
                Context::Range => "1m".to_string(),
                Context::Code if numeric => "1".to_string(),
                Context::Code => {
                    if name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                        && !name.starts_with("__")
                    {
                        name.to_string()
                    } else {
                        "x".to_string()
                    }
                }
            };
            (v, true)
        };
        if r.is_builtin() {
            let n = r.name.as_str();
            let number = matches!(
                n,
                "__interval_ms"
                    | "__rate_interval_ms"
                    | "__range_ms"
                    | "__range_s"
                    | "__from"
                    | "__to"
            );
            let dur = matches!(n, "__interval" | "__rate_interval" | "__range" | "__auto")
                || n.starts_with("__auto_interval");
            return Some(if number {
                ("60000".to_string(), false)
            } else if dur {
                ("1m".to_string(), false)
            } else {
                placeholder(n)
            });
        }
        let Some(info) = self.map.get(&r.name) else {
            // Grafana leaves an unknown reference as written; inside a string
            // that is harmless to the parse, elsewhere a placeholder keeps the
            // query parseable (`dashboard-variables` reports the reference).
            return match ctx {
                Context::Str { .. } => None,
                _ => Some(placeholder(&r.name)),
            };
        };
        let mut vals: Vec<String> = info.values.clone();
        let all = info.all;
        match ctx {
            Context::Str { quote, regex } => {
                let clean = |s: &str, keep_regex: bool| -> String {
                    s.chars()
                        .filter(|c| *c != quote && *c != '\\' && *c != '\n' && *c != '\r')
                        .map(|c| {
                            if !keep_regex && regex && "[](){}*+?|^$".contains(c) {
                                '_'
                            } else {
                                c
                            }
                        })
                        .collect()
                };
                if all {
                    return Some(match &info.all_value {
                        Some(a) => (clean(a, true), false),
                        None if regex => (".*".to_string(), true),
                        None => placeholder(&r.name),
                    });
                }
                vals.retain(|v| !v.is_empty());
                match vals.len() {
                    0 => Some(placeholder(&r.name)),
                    1 => Some((clean(&vals[0], false), false)),
                    _ => {
                        let parts: Vec<String> = vals.iter().map(|v| clean(v, false)).collect();
                        Some((format!("({})", parts.join("|")), false))
                    }
                }
            }
            Context::Range => {
                let v = vals.first().filter(|v| duration::parse(v).is_ok()).cloned();
                Some(match v {
                    Some(v) => (v, false),
                    None => ("1m".to_string(), info.kind != "interval"),
                })
            }
            Context::Code => {
                let v = vals.into_iter().find(|v| !v.trim().is_empty());
                Some(match v {
                    Some(v) if !all => (v, false),
                    _ => placeholder(&r.name),
                })
            }
        }
    }
}

/// Values of a custom variable's query: comma-separated, `\,` escapes a
/// comma, `text : value` pairs give the value.
fn split_custom(q: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = q.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&',') => {
                cur.push(',');
                chars.next();
            }
            ',' => {
                out.push(std::mem::take(&mut cur));
            }
            c => cur.push(c),
        }
    }
    out.push(cur);
    out.into_iter()
        .map(|s| match s.split_once(" : ") {
            Some((_, v)) => v.trim().to_string(),
            None => s.trim().to_string(),
        })
        .filter(|s| !s.is_empty())
        .collect()
}

// ------------------------------------------------------ variable references

#[derive(Debug, Clone, Copy, Default)]
struct Walk {
    /// Under `description` or a text panel's `content`: uses, not strict.
    loose: bool,
}

/// Collect variable references in every string of the dashboard, except
/// places that are not interpolated (`__inputs`, `__requires`,
/// `__elements`, a variable's `current` and `options` values).
fn collect_refs(
    text: &str,
    n: &Node,
    w: Walk,
    out: &mut Vec<RefSite>,
    all_vars: &mut bool,
    depth: usize,
) {
    if depth > json::MAX_DEPTH {
        return;
    }
    match &n.kind {
        Kind::Str(s) => {
            if !s.contains('$') && !s.contains("[[") {
                return;
            }
            for r in grafana_vars::scan(s) {
                if r.name == "__all_variables" {
                    *all_vars = true;
                }
                // `$1` back references, and `\$` escaped in a regex
                let escaped =
                    r.span.start > 0 && s.as_bytes().get(r.span.start - 1) == Some(&b'\\');
                if r.is_numeric() || escaped {
                    continue;
                }
                out.push(RefSite {
                    name: r.name.clone(),
                    span: json::str_sub_span(text, &n.span, s, r.span.clone()),
                    strict: !w.loose,
                    repeat: false,
                });
            }
        }
        Kind::Array(items) => {
            for i in items {
                collect_refs(text, i, w, out, all_vars, depth + 1);
            }
        }
        Kind::Object(members) => {
            let is_variable_value = |m: &json::Member| {
                (m.key == "current" && m.value.get("value").is_some())
                    || (m.key == "options"
                        && m.value
                            .items()
                            .iter()
                            .any(|o| o.get("selected").is_some() || o.get("value").is_some()))
            };
            for m in members {
                match m.key.as_str() {
                    "__inputs" | "__requires" | "__elements" => continue,
                    _ if is_variable_value(m) => continue,
                    "repeat" => {
                        // classic: `repeat: "name"`; v2: `repeat: {mode, value}`
                        let name_node = match &m.value.kind {
                            Kind::Str(_) => Some(&m.value),
                            Kind::Object(_) => m.value.get("value"),
                            _ => None,
                        };
                        if let Some(t) = name_node.and_then(Text::from_node) {
                            if !t.value.is_empty() {
                                let name = t
                                    .value
                                    .trim_start_matches('$')
                                    .trim_start_matches('{')
                                    .trim_end_matches('}')
                                    .to_string();
                                out.push(RefSite {
                                    span: t.inner_span(text),
                                    name,
                                    strict: true,
                                    repeat: true,
                                });
                            }
                        }
                        continue;
                    }
                    _ => {}
                }
                let loose = w.loose || matches!(m.key.as_str(), "description" | "content");
                collect_refs(text, &m.value, Walk { loose }, out, all_vars, depth + 1);
            }
        }
        _ => {}
    }
}

/// The names a dashboard defines: its variables and `__inputs`.
pub fn defined_names(d: &Dashboard) -> BTreeSet<String> {
    let mut s: BTreeSet<String> = d
        .variables
        .iter()
        .filter_map(|v| v.name.as_ref().map(|n| n.value.clone()))
        .collect();
    s.extend(d.inputs.keys().cloned());
    s
}

#[cfg(test)]
mod tests;
