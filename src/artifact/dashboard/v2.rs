//! Grafana v2 dashboards (`spec.elements` and `spec.layout`): panels from
//! elements, and grid positions from nested grid, row and tab layouts.

use std::collections::BTreeMap;

use crate::syntax::json::Node;

use super::load::{collect_units, grid_pos, panel_id, Builder};
use super::*;

impl Builder<'_> {
    pub(super) fn v2_panels(&self, body: &Node, out: &mut Vec<Panel>, grid: &mut Vec<GridItem>) {
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
                    offsets: Default::default(),
                }),
            });
        }
        let mut groups = 0usize;
        if let Some(l) = body.get("layout") {
            v2_layout(l, None, &index_of, out, grid, &mut groups, 0);
        }
    }
}

pub(super) fn v2_var_kind(kind: &str) -> &'static str {
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

/// Walk a v2 layout: each `GridLayout` is one grid group; rows and tabs hold
/// nested layouts.
pub(super) fn v2_layout(
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

pub(super) fn grid_item(
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
