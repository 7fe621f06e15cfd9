//! Loading: the JSON forms Grafana exports or provisions, and building the
//! model (panels, targets, queries) from the one the file uses.

use std::collections::BTreeMap;
use std::ops::Range;

use crate::policy::Policy;
use crate::source::Span;
use crate::syntax::grafana_vars::{self, Context, Interpolated};
use crate::syntax::json::{self, Kind, Node};
use crate::syntax::{logql, promql};

use super::refs::{collect_refs, Walk};
use super::variables::Vars;
use super::*;

/// Parse and model a `.json` file. `rel` is the repository-relative path
/// (its directory is a provisioning folder name).
pub fn load(rel: &str, text: &str, policy: &Policy) -> Loaded {
    let (root, duplicates) = match json::parse_with_duplicates(text) {
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
            let mut d = build(rel, text, form, body, meta, policy);
            d.duplicate_keys = duplicates;
            Loaded::Dashboard(Box::new(d))
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

pub(super) fn is_classic(n: &Node) -> bool {
    n.as_object().is_some()
        && (n.get("panels").is_some_and(|p| p.as_array().is_some())
            || n.get("rows").is_some_and(|p| p.as_array().is_some())
            || (n.get("schemaVersion").is_some() && n.get("title").is_some())
            || n.path(&["templating", "list"])
                .is_some_and(|l| l.as_array().is_some()))
}

pub(super) fn is_v2(n: &Node) -> bool {
    n.get("elements").is_some_and(|e| e.as_object().is_some())
        && n.get("layout").is_some_and(|e| e.as_object().is_some())
}

/// (form, dashboard object, wrapper object holding `meta`/`metadata`).
pub(super) fn find_body(root: &Node) -> Option<(Form, &Node, Option<&Node>)> {
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

pub(super) struct Builder<'a> {
    pub(super) text: &'a str,
    pub(super) policy: &'a Policy,
    pub(super) vars: Vars,
    pub(super) inputs: BTreeMap<String, String>,
    pub(super) default_ds: Option<String>,
}

pub(super) fn build(
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
    // Every target (and annotation) by position, with its panel's targets:
    // each reference finds its target by binary search (a scan of every
    // target per reference was quadratic in the panel count). Targets are
    // distinct JSON objects, so they do not overlap.
    let mut by_pos: Vec<(&Target, &[Target])> = panels
        .iter()
        .flat_map(|p| p.targets.iter().map(move |t| (t, p.targets.as_slice())))
        .chain(annotations.iter().map(|t| (t, &[][..])))
        .collect();
    by_pos.sort_by_key(|(t, _)| (t.span.start, t.span.end));
    let target_at = |at: usize| -> Option<(&Target, &[Target])> {
        let i = by_pos.partition_point(|(t, _)| t.span.start <= at);
        by_pos[..i]
            .iter()
            .rev()
            .take(4)
            .find(|(t, _)| t.span.start <= at && at < t.span.end)
            .copied()
    };
    // Prometheus and Loki targets interpolate only some of their fields;
    // leftovers of other editors (`groupBy: ["$interval"]`) are inert.
    let inert = |at: usize| {
        target_at(at).is_some_and(|(t, _)| {
            t.datasource.lang().is_some()
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
        let Some((t, siblings)) = target_at(at) else {
            return false;
        };
        let Some(plugin) = t.datasource.plugin() else {
            return false;
        };
        grafana_vars::plugin_macros(plugin).contains(&name)
            || (grafana_vars::is_expression_plugin(plugin)
                && siblings
                    .iter()
                    .any(|o| o.ref_id.as_ref().is_some_and(|id| id.value == name)))
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
        duplicate_keys: Vec::new(),
    }
}

impl Builder<'_> {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn classic_panels(
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

    pub(super) fn classic_panel(&self, p: &Node, row: Option<String>) -> Panel {
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

    pub(super) fn target(
        &self,
        span: Span,
        t: &Node,
        ds: Datasource,
        ref_id: Option<&Node>,
    ) -> Target {
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
    pub(super) fn query(&self, source: Text, lang: Lang) -> Query {
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
    pub(super) fn interpolate(&self, s: &str, numeric: bool) -> (Interpolated, usize) {
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
}

pub(super) fn is_empty_selector(s: &str) -> bool {
    let t = s.trim();
    t.is_empty()
        || t.strip_prefix('{')
            .and_then(|r| r.strip_suffix('}'))
            .is_some_and(|inner| inner.trim().is_empty())
}

pub(super) fn trim_range(s: &str, r: Range<usize>) -> Range<usize> {
    let part = s.get(r.clone()).unwrap_or("");
    let lead = part.len() - part.trim_start().len();
    let start = r.start + lead;
    start..start + part.trim().len()
}

pub(super) fn parse_lang(lang: Lang, text: &str) -> Parsed {
    match lang {
        Lang::PromQL => Parsed::Prom(promql::analyze(text)),
        Lang::LogQL => Parsed::Loki(logql::parse(text)),
    }
}

pub(super) fn parsed_ok(p: &Parsed) -> bool {
    match p {
        Parsed::Prom(r) => r.is_ok(),
        Parsed::Loki(r) => r.is_ok(),
    }
}

pub(super) fn finish_query(
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

pub(super) fn panel_id(n: Option<&Node>) -> Option<PanelId> {
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

/// Largest grid coordinate or size taken as written (Grafana's grid has 24
/// columns; rows beyond this are a mistake, not a layout).
const GRID_MAX: f64 = 1e9;

/// A `gridPos` field: its whole-number value, its span, and, when it is
/// not a whole number Grafana can place (a string, a fraction, a
/// non-finite or huge number), why, with the text as written.
type GridField = (Option<i64>, Option<Span>, Option<String>);

pub(super) fn num_field(n: &Node, keys: &[&str]) -> GridField {
    for k in keys {
        if let Some(v) = n.get(k) {
            let written = || {
                let t = match &v.kind {
                    Kind::Number(raw, _) => raw.clone(),
                    Kind::Str(s) => format!("\"{s}\""),
                    _ => v.type_name().to_string(),
                };
                crate::diag::escape::excerpt(&t, 40)
            };
            let odd = |why: &str| {
                (
                    Some(0),
                    Some(v.span.clone()),
                    Some(format!("`{k}` is {} ({why})", written())),
                )
            };
            return match &v.kind {
                Kind::Number(_, f) if !f.is_finite() => odd("not a finite number"),
                Kind::Number(_, f) if f.abs() > GRID_MAX => odd("far outside any grid"),
                Kind::Number(_, f) if f.fract() != 0.0 => odd("not a whole number"),
                Kind::Number(_, f) => (Some(*f as i64), Some(v.span.clone()), None),
                Kind::Str(_) => odd("a string, not a number"),
                _ => odd("not a number"),
            };
        }
    }
    (None, None, None)
}

pub(super) fn grid_pos(n: Option<&Node>, group: usize, panel: usize) -> Option<GridItem> {
    let n = n?;
    n.as_object()?;
    let (x, xs, xo) = num_field(n, &["x"]);
    let (y, ys, yo) = num_field(n, &["y"]);
    let (w, ws, wo) = num_field(n, &["w", "width"]);
    let (h, hs, ho) = num_field(n, &["h", "height"]);
    // A position without all four numbers (the old layout's `gridPos: {}`)
    // says nothing checkable.
    if x.is_none() || y.is_none() || w.is_none() || h.is_none() {
        return None;
    }
    let odd = [xo, yo, wo, ho]
        .into_iter()
        .enumerate()
        .find_map(|(i, o)| o.map(|why| (i, why)));
    Some(GridItem {
        group,
        panel: Some(panel),
        x: x.unwrap_or(0),
        y: y.unwrap_or(0),
        w: w.unwrap_or(0),
        h: h.unwrap_or(0),
        span: n.span.clone(),
        field_spans: [xs, ys, ws, hs],
        odd,
    })
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
pub(super) fn collect_units(p: &Node, panel_type: &str, out: &mut Vec<Text>) {
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
