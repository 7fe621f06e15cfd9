//! Where log lines flow in an Alloy configuration, and which value of the
//! policy's routing label (`log_stream`) and which Loki tenant they carry when
//! they reach each `loki.write`.
//!
//! The components form a graph: `forward_to = [x.receiver]` sends lines from a
//! component to `x`; `targets = x.output` (or `path_targets`) feeds `x`'s
//! targets, with their labels, into the component. Lines start at components
//! that nothing feeds. Along the way the routing label is set by
//! `stage.static_labels` (a static value: this is how a pipeline is
//! identified as audit or operational), `stage.labels` (a value from the log
//! line), relabel rules with `target_label`, static `labels` of sources and
//! literal targets; it is removed by `stage.label_drop`, `stage.label_keep`,
//! `stage.pack`, and `labeldrop`/`labelkeep` rules. `stage.tenant` sets the
//! tenant; otherwise a writer's endpoints decide (`tenant_id`, or an
//! `X-Scope-OrgID` header). Stages inside `stage.match` apply to some lines
//! only, so their effect is added to, not substituted for, what came in.
//!
//! The analysis is a fixpoint over sets of (route, tenant) pairs: exact for
//! the static values written in the file, and finite because every value
//! comes from the file. It covers one file; references to components in other
//! files are not followed.

use std::collections::{BTreeSet, HashMap, VecDeque};

use crate::source::Span;
use crate::syntax::alloy::{self, Block, Config, Expr, Field};

use crate::analysis::streams::anchored_regex;

/// The routing label of lines at some point of the pipeline.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Route {
    /// No routing label. `at` is the source the lines come from, or, when
    /// `dropped`, where the label was removed.
    Unset { at: Span, dropped: bool },
    /// Set to a value written in the file, at `at`.
    Static { value: String, at: Span },
    /// Set from something only known at run time (a field of the line, a
    /// regular-expression group, an expression), at `at`.
    Dynamic { at: Span },
}

/// The Loki tenant lines are written to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tenant {
    /// No tenant configured.
    Default,
    Static {
        name: String,
        at: Span,
    },
    Dynamic {
        at: Span,
    },
}

/// Lines with one routing-label state reaching a writer.
#[derive(Debug, Clone)]
pub struct Arrival<'a> {
    pub writer: &'a Block,
    pub route: Route,
    /// Where these lines are stored: the `stage.tenant` value, else the
    /// tenant of each of the writer's endpoints.
    pub tenants: Vec<Tenant>,
}

type State = (Route, Option<Tenant>);
type States = BTreeSet<State>;

fn sp(r: &std::ops::Range<usize>) -> Span {
    Span::new(r.start, r.end)
}

/// Most components processed by the flow analysis of one file (a guard;
/// each component is processed once per batch of new states).
pub const MAX_FLOW_STEPS: usize = 1_000_000;

/// The flow of every writer's lines in `cfg`, for routing label `routing`.
/// Arrivals are in writer order, then by state.
pub fn analyze<'a>(cfg: &'a Config, routing: &str) -> Vec<Arrival<'a>> {
    if routing.is_empty() {
        return Vec::new();
    }
    let map = cfg.component_map();
    let mut comps: Vec<&Block> = map.values().copied().collect();
    comps.sort_by_key(|b| b.span.start);
    let index: HashMap<*const Block, usize> = comps
        .iter()
        .enumerate()
        .map(|(i, b)| (*b as *const Block, i))
        .collect();
    let idx = |b: &Block| index.get(&(b as *const Block)).copied();

    let n = comps.len();
    let mut succ: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); n];
    let mut has_pred = vec![false; n];
    for (i, c) in comps.iter().enumerate() {
        for a in c.attributes() {
            let forward = a.name.name == "forward_to";
            let feeds = a.name.name == "targets" || a.name.name == "path_targets";
            if !forward && !feeds {
                continue;
            }
            for r in a.value.references() {
                let Some(j) = alloy::resolve(&map, &r.path).and_then(idx) else {
                    continue;
                };
                let (from, to) = if forward { (i, j) } else { (j, i) };
                if from != to && succ[from].insert(to) {
                    has_pred[to] = true;
                }
            }
        }
    }

    let flow = Transfer { routing };
    let mut input: Vec<States> = vec![States::new(); n];
    let mut queue: VecDeque<usize> = VecDeque::new();
    for i in 0..n {
        if !has_pred[i] && !succ[i].is_empty() {
            input[i].insert((
                Route::Unset {
                    at: sp(&comps[i].header_span()),
                    dropped: false,
                },
                None,
            ));
            queue.push_back(i);
        }
    }
    // Sets only grow and every value comes from the file, so this ends. The
    // transfer works state by state, so only the states a component has not
    // seen yet go through it (a writer fed by N sources was cloned N times:
    // quadratic), a component is queued at most once at a time, and one
    // without successors is not computed at all. The cap is a guard.
    let mut done: Vec<States> = vec![States::new(); n];
    let mut queued: Vec<bool> = vec![false; n];
    for &i in &queue {
        queued[i] = true;
    }
    let mut steps = 0usize;
    while let Some(i) = queue.pop_front() {
        queued[i] = false;
        steps += 1;
        if steps > MAX_FLOW_STEPS {
            break;
        }
        if succ[i].is_empty() {
            continue;
        }
        let delta: States = input[i].difference(&done[i]).cloned().collect();
        if delta.is_empty() {
            continue;
        }
        let out = flow.component(comps[i], &delta);
        done[i].extend(delta);
        for &j in &succ[i] {
            let before = input[j].len();
            input[j].extend(out.iter().cloned());
            if input[j].len() != before && !queued[j] {
                queued[j] = true;
                queue.push_back(j);
            }
        }
    }

    let mut arrivals = Vec::new();
    for (i, c) in comps.iter().enumerate() {
        if c.name() != "loki.write" {
            continue;
        }
        let endpoint_tenants = writer_tenants(c);
        let external = c
            .attr("external_labels")
            .and_then(|a| routing_field(&a.value, routing));
        for (route, tenant) in &input[i] {
            let route = match (route, external) {
                (Route::Unset { .. }, Some(f)) => route_of(f),
                _ => route.clone(),
            };
            let tenants = match tenant {
                Some(t) => vec![t.clone()],
                None => endpoint_tenants.clone(),
            };
            arrivals.push(Arrival {
                writer: c,
                route,
                tenants,
            });
        }
    }
    arrivals
}

/// The tenants of a writer's endpoints.
fn writer_tenants(w: &Block) -> Vec<Tenant> {
    let mut out = Vec::new();
    for ep in w.blocks().filter(|b| b.name() == "endpoint") {
        let t = if let Some(a) = ep.attr("tenant_id") {
            tenant_of(&a.value)
        } else if let Some(f) = ep.attr("headers").and_then(|h| {
            h.value.as_object().and_then(|fs| {
                fs.iter()
                    .find(|f| f.name.name.eq_ignore_ascii_case("X-Scope-OrgID"))
            })
        }) {
            tenant_of(&f.value)
        } else {
            Tenant::Default
        };
        if !out.contains(&t) {
            out.push(t);
        }
    }
    if out.is_empty() {
        out.push(Tenant::Default);
    }
    out
}

fn tenant_of(e: &Expr) -> Tenant {
    match e.as_string() {
        Some(s) if s.value.is_empty() => Tenant::Default,
        Some(s) => Tenant::Static {
            name: s.value.clone(),
            at: sp(&s.span),
        },
        None => Tenant::Dynamic { at: sp(&e.span()) },
    }
}

/// The field named `routing` of an object literal.
fn routing_field<'e>(obj: &'e Expr, routing: &str) -> Option<&'e Field> {
    obj.as_object()?.iter().find(|f| f.name.name == routing)
}

/// The route a `label = value` field sets.
fn route_of(f: &Field) -> Route {
    match f.value.as_string() {
        Some(s) if s.value.is_empty() => Route::Unset {
            at: sp(&f.span),
            dropped: true,
        },
        Some(s) => Route::Static {
            value: s.value.clone(),
            at: sp(&s.span),
        },
        None => Route::Dynamic { at: sp(&f.span) },
    }
}

/// The string elements of an array literal.
fn strings(e: &Expr) -> Option<Vec<&alloy::StringLit>> {
    e.as_array()?.iter().map(Expr::as_string).collect()
}

fn set_route(states: &States, route: &Route) -> States {
    states
        .iter()
        .map(|(_, t)| (route.clone(), t.clone()))
        .collect()
}

fn string_attr<'b>(b: &'b Block, name: &str) -> Option<&'b alloy::StringLit> {
    b.attr(name).and_then(|a| a.value.as_string())
}

struct Transfer<'r> {
    routing: &'r str,
}

impl Transfer<'_> {
    fn component(&self, c: &Block, input: &States) -> States {
        let name = c.name();
        let mut s = input.clone();
        if name.starts_with("loki.source.") {
            // lines enter here: name this source as their origin
            let here = sp(&c.header_span());
            s = s
                .into_iter()
                .map(|(r, t)| match r {
                    Route::Unset { dropped: false, .. } => (
                        Route::Unset {
                            at: here.clone(),
                            dropped: false,
                        },
                        t,
                    ),
                    other => (other, t),
                })
                .collect();
            // static labels of the source or of its listeners
            let label_attrs = c
                .attr("labels")
                .into_iter()
                .chain(c.blocks().filter_map(|b| b.attr("labels")));
            for a in label_attrs {
                if let Some(f) = routing_field(&a.value, self.routing) {
                    s = set_route(&s, &route_of(f));
                }
            }
        }
        for attr in ["targets", "path_targets"] {
            if let Some(a) = c.attr(attr) {
                s = self.literal_targets(&a.value, s);
            }
        }
        match name.as_str() {
            "loki.process" => self.stages(c.blocks(), s),
            "loki.relabel" | "discovery.relabel" => {
                for rule in c.blocks().filter(|b| b.name() == "rule") {
                    s = self.rule(rule, s);
                }
                s
            }
            _ => s,
        }
    }

    /// `targets = [{__path__ = "...", log_stream = "..."}, ...]`.
    fn literal_targets(&self, e: &Expr, s: States) -> States {
        let Some(items) = e.as_array() else { return s };
        let fields: Vec<Option<&Field>> = items
            .iter()
            .map(|i| routing_field(i, self.routing))
            .collect();
        if fields.iter().all(Option::is_none) {
            return s;
        }
        let mut out = States::new();
        for f in fields {
            match f {
                Some(f) => out.extend(set_route(&s, &route_of(f))),
                None => out.extend(s.iter().cloned()),
            }
        }
        out
    }

    fn stages<'b>(&self, blocks: impl Iterator<Item = &'b Block>, mut s: States) -> States {
        for st in blocks {
            s = self.stage(st, s);
        }
        s
    }

    fn stage(&self, st: &Block, mut s: States) -> States {
        let values = st.attr("values").map(|a| &a.value);
        match st.name().as_str() {
            "stage.static_labels" => {
                if let Some(f) = values.and_then(|v| routing_field(v, self.routing)) {
                    s = set_route(&s, &route_of(f));
                }
            }
            "stage.labels" => {
                if let Some(f) = values.and_then(|v| routing_field(v, self.routing)) {
                    // the value comes from the line, and only when it has the field
                    let extra = set_route(&s, &Route::Dynamic { at: sp(&f.span) });
                    s.extend(extra);
                }
            }
            // the routing label named in the list of labels dropped, or
            // packed into the line (and so dropped as a label)
            name @ ("stage.label_drop" | "stage.pack") => {
                let list = if name == "stage.pack" {
                    "labels"
                } else {
                    "values"
                };
                if let Some(lit) = st
                    .attr(list)
                    .and_then(|a| strings(&a.value))
                    .and_then(|v| v.into_iter().find(|l| l.value == self.routing))
                {
                    s = set_route(
                        &s,
                        &Route::Unset {
                            at: sp(&lit.span),
                            dropped: true,
                        },
                    );
                }
            }
            "stage.label_keep" => {
                if let Some(list) = values.and_then(strings) {
                    if !list.iter().any(|l| l.value == self.routing) {
                        s = set_route(
                            &s,
                            &Route::Unset {
                                at: sp(&st.header_span()),
                                dropped: true,
                            },
                        );
                    }
                }
            }
            "stage.tenant" => {
                if let Some(a) = st.attr("value") {
                    let t = tenant_of(&a.value);
                    s = s.into_iter().map(|(r, _)| (r, Some(t.clone()))).collect();
                } else if let Some(a) = st.attr("label").or_else(|| st.attr("source")) {
                    let t = Tenant::Dynamic { at: sp(&a.span) };
                    let extra: States = s
                        .iter()
                        .map(|(r, _)| (r.clone(), Some(t.clone())))
                        .collect();
                    s.extend(extra);
                }
            }
            "stage.match" => {
                let drops = string_attr(st, "action").is_some_and(|a| a.value == "drop");
                if !drops {
                    let nested = self.stages(st.blocks(), s.clone());
                    s.extend(nested);
                }
            }
            _ => {}
        }
        s
    }

    /// One `rule { ... }` of `loki.relabel` / `discovery.relabel`.
    fn rule(&self, rule: &Block, s: States) -> States {
        let action = string_attr(rule, "action")
            .map(|a| a.value.to_ascii_lowercase())
            .unwrap_or_else(|| "replace".into());
        let regex = string_attr(rule, "regex");
        let targets_routing = string_attr(rule, "target_label").filter(|t| t.value == self.routing);
        match action.as_str() {
            "replace" => {
                let Some(target) = targets_routing else {
                    return s;
                };
                let route = match rule.attr("replacement") {
                    None => Route::Dynamic {
                        at: sp(&target.span),
                    },
                    Some(a) => match a.value.as_string() {
                        Some(r) if r.value.contains('$') => Route::Dynamic { at: sp(&r.span) },
                        Some(r) if r.value.is_empty() => Route::Unset {
                            at: sp(&r.span),
                            dropped: true,
                        },
                        Some(r) => Route::Static {
                            value: r.value.clone(),
                            at: sp(&r.span),
                        },
                        None => Route::Dynamic { at: sp(&a.span) },
                    },
                };
                let always = regex.is_none_or(|r| r.value == "(.*)" || r.value == ".*");
                let set = set_route(&s, &route);
                if always {
                    set
                } else {
                    let mut s = s;
                    s.extend(set);
                    s
                }
            }
            "labeldrop" | "labelkeep" => {
                let pattern = regex.map_or("(.*)", |r| r.value.as_str());
                let Some(re) = anchored_regex(pattern) else {
                    return s;
                };
                let matches = re.is_match(self.routing);
                let removes = if action == "labeldrop" {
                    matches
                } else {
                    !matches
                };
                if removes {
                    let at = regex.map_or_else(|| sp(&rule.header_span()), |r| sp(&r.span));
                    set_route(&s, &Route::Unset { at, dropped: true })
                } else {
                    s
                }
            }
            "lowercase" | "uppercase" | "hashmod" => match targets_routing {
                Some(t) => set_route(&s, &Route::Dynamic { at: sp(&t.span) }),
                None => s,
            },
            _ => s,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn routes(src: &str) -> Vec<(String, String, Vec<String>)> {
        let cfg = alloy::parse(src);
        assert!(cfg.errors.is_empty(), "{:?}", cfg.errors);
        analyze(&cfg, "log_stream")
            .into_iter()
            .map(|a| {
                let r = match &a.route {
                    Route::Unset { at, dropped } => format!(
                        "unset{}@{}",
                        if *dropped { "(dropped)" } else { "" },
                        &src[at.range()]
                    ),
                    Route::Static { value, .. } => value.clone(),
                    Route::Dynamic { at } => format!("dynamic@{}", &src[at.range()]),
                };
                let t = a
                    .tenants
                    .iter()
                    .map(|t| match t {
                        Tenant::Default => "default".to_string(),
                        Tenant::Static { name, .. } => name.clone(),
                        Tenant::Dynamic { .. } => "dynamic".into(),
                    })
                    .collect();
                (a.writer.id(), r, t)
            })
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect()
    }

    fn row(w: &str, r: &str, t: &[&str]) -> (String, String, Vec<String>) {
        (
            w.into(),
            r.into(),
            t.iter().map(|s| s.to_string()).collect(),
        )
    }

    #[test]
    fn static_labels_identify_the_stream_end_to_end() {
        let src = r#"
local.file_match "f" {
  path_targets = [{"__path__" = "/a.log"}]
}
loki.source.file "s" {
  targets    = local.file_match.f.targets
  forward_to = [loki.process.p.receiver]
}
loki.process "p" {
  forward_to = [loki.relabel.keep.receiver]
  stage.static_labels {
    values = { log_stream = "openbao.audit" }
  }
}
loki.relabel "keep" {
  forward_to = [loki.write.w.receiver]
  rule {
    action = "labelkeep"
    regex  = "cluster|log_stream"
  }
}
loki.write "w" {
  endpoint {
    url       = "http://loki"
    tenant_id = "audit"
  }
}
"#;
        assert_eq!(
            routes(src),
            [row("loki.write.w", "openbao.audit", &["audit"])]
        );
    }

    #[test]
    fn unset_routes_name_their_source_or_the_drop() {
        let src = r#"
loki.source.file "s" {
  targets    = [{"__path__" = "/a.log"}]
  forward_to = [loki.process.p.receiver, loki.write.w.receiver]
}
loki.process "p" {
  forward_to = [loki.write.w.receiver]
  stage.static_labels {
    values = { log_stream = "openbao.operational" }
  }
  stage.label_drop {
    values = ["log_stream"]
  }
}
loki.write "w" {
  endpoint { url = "http://loki" }
}
"#;
        assert_eq!(
            routes(src),
            [
                row(
                    "loki.write.w",
                    "unset(dropped)@\"log_stream\"",
                    &["default"]
                ),
                row("loki.write.w", "unset@loki.source.file \"s\"", &["default"]),
            ]
        );
    }

    #[test]
    fn conditional_and_dynamic_values() {
        let src = r#"
loki.source.api "s" {
  labels     = { log_stream = "openbao.operational" }
  forward_to = [loki.process.p.receiver]
}
loki.process "p" {
  forward_to = [loki.write.w.receiver]
  stage.match {
    selector = "{app=\"x\"}"
    stage.static_labels {
      values = { log_stream = "openbao.audit" }
    }
  }
  stage.match {
    selector = "{app=\"y\"}"
    action   = "drop"
  }
  stage.labels {
    values = { log_stream = "" }
  }
  stage.tenant {
    value = "t1"
  }
}
loki.write "w" {
  endpoint {
    url     = "http://loki"
    headers = { "X-Scope-OrgID" = "t2" }
  }
}
"#;
        assert_eq!(
            routes(src),
            [
                row("loki.write.w", "dynamic@log_stream = \"\"", &["t1"]),
                row("loki.write.w", "openbao.audit", &["t1"]),
                row("loki.write.w", "openbao.operational", &["t1"]),
            ]
        );
    }

    #[test]
    fn relabel_rules_and_external_labels() {
        let src = r#"
discovery.relabel "d" {
  targets = [{"__path__" = "/a.log"}]
  rule {
    target_label = "log_stream"
    replacement  = "openbao.operational"
  }
  rule {
    source_labels = ["x"]
    regex         = "yes"
    target_label  = "log_stream"
    replacement   = "openbao.audit"
  }
}
loki.source.file "s" {
  targets    = discovery.relabel.d.output
  forward_to = [loki.write.w.receiver]
}
loki.source.file "t" {
  targets    = [{"__path__" = "/b.log"}]
  forward_to = [loki.write.w.receiver]
}
loki.write "w" {
  external_labels = { log_stream = "openbao.completed_requests" }
  endpoint {
    url       = "http://loki"
    tenant_id = env("TENANT")
  }
}
"#;
        assert_eq!(
            routes(src),
            [
                row("loki.write.w", "openbao.audit", &["dynamic"]),
                row("loki.write.w", "openbao.completed_requests", &["dynamic"]),
                row("loki.write.w", "openbao.operational", &["dynamic"]),
            ]
        );
    }
}
