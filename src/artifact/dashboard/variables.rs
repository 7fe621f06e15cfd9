//! Dashboard variables: the model of each variable and its query, and the
//! values used to interpolate queries before parsing.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::OnceLock;

use regex::Regex;

use crate::syntax::duration;
use crate::syntax::grafana_vars::{Context, VarRef};
use crate::syntax::json::{Kind, Node};

use super::load::{finish_query, is_empty_selector, parse_lang, trim_range, Builder};
use super::v2::v2_var_kind;
use super::*;

impl Builder<'_> {
    pub(super) fn variable(&self, outer: &Node, spec: &Node, v2: bool) -> Variable {
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
    pub(super) fn variable_query(&self, var: &mut Variable, source: Text, lang: Lang) {
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

pub(super) fn label_values_re() -> Option<&'static Regex> {
    static R: OnceLock<Option<Regex>> = OnceLock::new();
    R.get_or_init(|| {
        Regex::new(r"^label_values\(\s*(?:(.+?)\s*,\s*)?([a-zA-Z_$][a-zA-Z0-9_]*)\s*\)\s*$").ok()
    })
    .as_ref()
}

pub(super) fn label_names_re() -> Option<&'static Regex> {
    static R: OnceLock<Option<Regex>> = OnceLock::new();
    R.get_or_init(|| Regex::new(r"^label_names\((.*)\)\s*$").ok())
        .as_ref()
}

pub(super) fn metrics_re() -> Option<&'static Regex> {
    static R: OnceLock<Option<Regex>> = OnceLock::new();
    R.get_or_init(|| Regex::new(r"^metrics\((.+)\)\s*$").ok())
        .as_ref()
}

pub(super) fn query_result_re() -> Option<&'static Regex> {
    static R: OnceLock<Option<Regex>> = OnceLock::new();
    R.get_or_init(|| Regex::new(r"(?s)^query_result\((.+)\)\s*$").ok())
        .as_ref()
}

#[derive(Debug, Default, Clone)]
pub(super) struct VarInfo {
    pub(super) kind: String,
    pub(super) values: Vec<String>,
    pub(super) all: bool,
    pub(super) all_value: Option<String>,
    pub(super) options: Vec<String>,
    pub(super) plugin: Option<String>,
}

#[derive(Debug, Default)]
pub(super) struct Vars {
    pub(super) map: BTreeMap<String, VarInfo>,
}

pub(super) fn strings_of(n: &Node) -> Vec<String> {
    match &n.kind {
        Kind::Str(s) => vec![s.clone()],
        Kind::Number(raw, _) => vec![raw.clone()],
        Kind::Bool(b) => vec![b.to_string()],
        Kind::Array(a) => a.iter().flat_map(strings_of).collect(),
        _ => Vec::new(),
    }
}

impl Vars {
    pub(super) fn add(&mut self, outer: &Node, spec: &Node, v2: bool) {
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
    pub(super) fn substitute(
        &self,
        r: &VarRef,
        ctx: Context,
        numeric: bool,
    ) -> Option<(String, bool)> {
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
pub(super) fn split_custom(q: &str) -> Vec<String> {
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
