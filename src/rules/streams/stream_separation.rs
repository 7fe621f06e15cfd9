//! Audit (and break-glass) logs never mixed with operational logs: in Loki
//! rule selectors and binary expressions, in where audit alerts live and how
//! they are routed, in how break-glass reads are marked, and in the Alloy
//! pipelines that write the streams.

use std::collections::{BTreeMap, BTreeSet};

use crate::artifact::dashboard::Dashboard;
use crate::artifact::query::{Lang, Parsed};
use crate::artifact::rule_file::{Group, Rule as RuleDef, RuleFile};
use crate::artifact::Scalar;
use crate::policy::Policy;
use crate::rules::{Ctx, Rule};
use crate::source::Span;
use crate::syntax::alloy::{Block, Config};
use crate::syntax::logql::{self, Expr, Selector};

use crate::analysis::alloy_flow::{self, Route, Tenant};
use crate::analysis::streams::{
    class_of, list_names, list_with, routing_matchers, selector_streams, StreamClass,
};

crate::declare_rule! {
    pub struct StreamSeparation {
        code: "OL300",
        name: "stream-separation",
        family: Streams,
        severity: Error,
        fix: None,
        summary: "Audit or break-glass logs mixed with operational logs, or audit alerts placed or routed wrongly",
    }
}

impl Rule for StreamSeparation {
    // every hook: nothing to separate without a routing label
    fn check_rule_file(&self, cx: &mut Ctx<'_>, rf: &RuleFile) {
        if cx.policy.streams.routing_label.is_empty() || rf.backend != Lang::LogQL {
            return;
        }
        for (group, rule) in rf.rules() {
            check_rule(cx, group, rule);
        }
    }

    fn check_alloy(&self, cx: &mut Ctx<'_>, cfg: &Config) {
        if !cx.policy.streams.routing_label.is_empty() && cfg.errors.is_empty() {
            check_alloy(cx, cfg);
        }
    }

    fn check_dashboard(&self, cx: &mut Ctx<'_>, d: &Dashboard) {
        if !cx.policy.streams.routing_label.is_empty() {
            super::dashboards::check(cx, d, &META);
        }
    }
}

/// What one selector reads, as far as separation goes.
struct SelectorRead<'e> {
    selector: &'e Selector,
    has_routing: bool,
    restricted: Vec<(&'e str, StreamClass)>,
    operational: Vec<&'e str>,
}

impl SelectorRead<'_> {
    /// Reads only one side of the boundary (and says which stream).
    fn is_pure(&self) -> bool {
        self.has_routing && (self.restricted.is_empty() || self.operational.is_empty())
    }
}

fn reads<'e>(policy: &'e Policy, e: &'e Expr) -> Vec<SelectorRead<'e>> {
    e.selectors()
        .into_iter()
        .map(|selector| {
            let streams = selector_streams(policy, selector);
            SelectorRead {
                selector,
                has_routing: !routing_matchers(policy, selector).is_empty(),
                restricted: streams
                    .iter()
                    .filter(|(_, c)| c.is_restricted())
                    .copied()
                    .collect(),
                operational: streams
                    .iter()
                    .filter(|(_, c)| *c == StreamClass::Operational)
                    .map(|(n, _)| *n)
                    .collect(),
            }
        })
        .collect()
}

/// "audit", "break-glass" or "audit and break-glass".
fn restricted_words(classes: &BTreeSet<StreamClass>) -> &'static str {
    match (
        classes.contains(&StreamClass::Audit),
        classes.contains(&StreamClass::BreakGlass),
    ) {
        (true, true) => "audit and break-glass",
        (false, true) => "break-glass",
        _ => "audit",
    }
}

fn check_rule(cx: &mut Ctx<'_>, group: &Group, rule: &RuleDef) {
    let Some(expr) = &rule.expr else { return };
    let Parsed::Loki(Ok(e)) = &expr.parsed else {
        return;
    };
    let file = cx.file;
    let policy = cx.policy;
    let text = &file.text;
    let at = |r: logql::Span| expr.scalar.sub_span(text, r);
    let routing = &policy.streams.routing_label;
    let all = reads(policy, e);

    // 1. selectors
    for r in &all {
        if !r.has_routing {
            if policy.streams.require_stream_matcher {
                let example = policy
                    .streams
                    .operational
                    .first()
                    .cloned()
                    .unwrap_or_else(|| "...".into());
                cx.report(
                    &META,
                    at(r.selector.span.clone()),
                    format!("stream selector has no `{routing}` matcher: it reads every stream, audit included"),
                )
                .label("which stream?")
                .help(format!(
                    "name the one stream it reads, e.g. `{routing}=\"{example}\"`"
                ));
            }
            continue;
        }
        if !r.restricted.is_empty() && !r.operational.is_empty() {
            let classes: BTreeSet<StreamClass> = r.restricted.iter().map(|(_, c)| *c).collect();
            let names: Vec<&str> = r.restricted.iter().map(|(n, _)| *n).collect();
            let matchers = routing_matchers(policy, r.selector);
            let span = match (matchers.first(), matchers.last()) {
                (Some(a), Some(b)) => a.span.start..b.span.end,
                _ => r.selector.span.clone(),
            };
            let example = r.operational.first().copied().unwrap_or("...");
            let mut kinds: Vec<&str> = classes.iter().map(|c| c.as_str()).collect();
            kinds.push("operational");
            let kinds = match kinds.as_slice() {
                [a, b] => format!("both {a} and {b}"),
                [init @ .., last] => format!("{} and {last}", init.join(", ")),
                [] => String::new(),
            };
            cx.report(
                &META,
                at(span),
                format!("stream selector can match {kinds} streams"),
            )
            .label(format!("matches {} too", list_with(&names, "and")))
            .help(format!(
                "select one stream with `=`: `{routing}=\"{example}\"`"
            ));
        }
    }

    // 2. binary expressions joining both sides
    let mut mixing: Vec<(
        &logql::BinaryExpr,
        &SelectorRead<'_>,
        &SelectorRead<'_>,
        bool,
    )> = Vec::new();
    e.walk(&mut |node| {
        let Expr::Binary(b) = node else { return };
        let b: &logql::BinaryExpr = b;
        let side = |s: &Expr| -> Vec<&SelectorRead<'_>> {
            let sp = s.span();
            all.iter()
                .filter(|r| {
                    r.is_pure()
                        && r.selector.span.start >= sp.start
                        && r.selector.span.end <= sp.end
                })
                .collect()
        };
        let (lhs, rhs) = (side(&b.lhs), side(&b.rhs));
        let lr = lhs.iter().find(|r| !r.restricted.is_empty());
        let lo = lhs.iter().find(|r| !r.operational.is_empty());
        let rr = rhs.iter().find(|r| !r.restricted.is_empty());
        let ro = rhs.iter().find(|r| !r.operational.is_empty());
        if let (Some(a), Some(o)) = (lr, ro) {
            mixing.push((b, *a, *o, true));
        } else if let (Some(o), Some(a)) = (lo, rr) {
            mixing.push((b, *a, *o, false));
        }
    });
    // report the innermost: a mixing binary inside another explains both
    let innermost: Vec<_> = mixing
        .iter()
        .filter(|(b, ..)| {
            !mixing.iter().any(|(inner, ..)| {
                !std::ptr::eq(*inner, *b)
                    && inner.span.start >= b.span.start
                    && inner.span.end <= b.span.end
            })
        })
        .collect();
    for (b, restricted, operational, restricted_left) in innermost {
        let classes: BTreeSet<StreamClass> =
            restricted.restricted.iter().map(|(_, c)| *c).collect();
        let words = restricted_words(&classes);
        let rname = restricted.restricted.first().map_or("", |(n, _)| *n);
        let oname = operational.operational.first().copied().unwrap_or("");
        let label = if *restricted_left {
            format!("`{rname}` on the left, `{oname}` on the right")
        } else {
            format!("`{oname}` on the left, `{rname}` on the right")
        };
        let (rs, os) = (
            at(restricted.selector.span.clone()),
            at(operational.selector.span.clone()),
        );
        cx.report(
            &META,
            at(b.op_span.clone()),
            format!("binary expression combines {words} and operational queries"),
        )
        .label(label)
        .related(file, rs, words)
        .related(file, os, "operational")
        .help("split the rule: alert on each stream on its own, in the file and with the routing that stream requires");
    }

    // 3. where restricted reads may live and how they are marked
    let mut audit: Vec<(&str, Span)> = Vec::new();
    let mut break_glass: Vec<(&str, Span)> = Vec::new();
    for r in all.iter().filter(|r| r.is_pure()) {
        for (name, class) in &r.restricted {
            let span = at(r.selector.span.clone());
            match class {
                StreamClass::Audit => audit.push((*name, span)),
                StreamClass::BreakGlass => break_glass.push((*name, span)),
                _ => {}
            }
        }
    }
    let Some(name) = rule.name() else { return };
    let labels = effective_labels(group, rule);
    let what = if rule.is_alert() {
        "alert"
    } else {
        "recording rule"
    };
    let restricted_read = audit.first().or(break_glass.first()).cloned();
    if let (true, Some((stream, sel_span))) = (rule.is_alert(), restricted_read) {
        let kind = class_of(policy, stream).as_str();
        let paths = &policy.streams.audit_alert_paths;
        if !paths.is_empty() && !policy.is_audit_alert_path(cx.rel) {
            cx.report(
                &META,
                name.span.clone(),
                format!(
                    "alert `{}` reads the {kind} stream `{stream}` but is declared outside the audit alert files",
                    name.value
                ),
            )
            .label(format!("reads `{stream}`"))
            .related(file, sel_span.clone(), format!("{kind} stream"))
            .help(format!(
                "move it to a file matching {} (policy `streams.audit_alert_paths`)",
                list_names(paths)
            ));
        }
        require_labels(
            cx,
            name,
            &labels,
            &policy.streams.audit_alert_labels,
            &format!("{kind}-stream alert"),
            "so that it is routed to the security team (policy `streams.audit_alert_labels`)",
        );
    }
    if !break_glass.is_empty() {
        require_labels(
            cx,
            name,
            &labels,
            &policy.streams.break_glass_label,
            &format!("break-glass {what}"),
            "to mark it as reading the break-glass stream (policy `streams.break_glass_label`)",
        );
    }
}

/// Group labels overridden by the rule's own.
fn effective_labels<'r>(group: &'r Group, rule: &'r RuleDef) -> BTreeMap<&'r str, &'r Scalar> {
    let mut out = BTreeMap::new();
    for (k, v) in group.labels.iter().chain(rule.labels.iter()) {
        out.insert(k.value.as_str(), v);
    }
    out
}

fn require_labels(
    cx: &mut Ctx<'_>,
    name: &Scalar,
    labels: &BTreeMap<&str, &Scalar>,
    required: &BTreeMap<String, String>,
    what: &str,
    why: &str,
) {
    for (k, want) in required {
        match labels.get(k.as_str()) {
            None => {
                cx.report(
                    &META,
                    name.span.clone(),
                    format!("{what} `{}` lacks the label `{k}: {want}`", name.value),
                )
                .label(format!("no `{k}` label"))
                .help(format!("add `{k}: \"{want}\"` to its labels {why}"));
            }
            Some(v) if v.value != *want => {
                cx.report(
                    &META,
                    v.span.clone(),
                    format!(
                        "{what} `{}` has `{k}: {}`; the policy requires `{k}: {want}`",
                        name.value, v.value
                    ),
                )
                .label(format!("must be `{want}`"))
                .help(format!("set `{k}: \"{want}\"` {why}"));
            }
            Some(_) => {}
        }
    }
}

/// A stream of some class reaching a writer (and through it, a tenant).
struct Delivery<'c> {
    /// The routing-label value.
    stream: String,
    class: StreamClass,
    /// Where the value is set.
    set_at: Span,
    writer: &'c Block,
    /// Where the tenant is named, for tenant deliveries.
    tenant_at: Span,
}

/// Collector pipelines: one writer, or one tenant, must not receive
/// restricted and operational streams.
fn check_alloy(cx: &mut Ctx<'_>, cfg: &Config) {
    let policy = cx.policy;
    let file = cx.file;
    let arrivals = alloy_flow::analyze(cfg, &policy.streams.routing_label);
    // per writer (in order of first arrival) and per static tenant
    let mut writers: Vec<(&Block, Vec<Delivery<'_>>)> = Vec::new();
    let mut tenants: BTreeMap<String, Vec<Delivery<'_>>> = BTreeMap::new();
    for a in &arrivals {
        let Route::Static { value, at } = &a.route else {
            continue;
        };
        let class = class_of(policy, value);
        if class == StreamClass::Other {
            continue;
        }
        let delivery = |tenant_at: Span| Delivery {
            stream: value.clone(),
            class,
            set_at: at.clone(),
            writer: a.writer,
            tenant_at,
        };
        match writers.iter_mut().find(|(w, _)| std::ptr::eq(*w, a.writer)) {
            Some((_, seen)) => {
                if !seen.iter().any(|d| d.stream == *value) {
                    seen.push(delivery(Span::default()));
                }
            }
            None => writers.push((a.writer, vec![delivery(Span::default())])),
        }
        for t in &a.tenants {
            if let Tenant::Static { name, at: tat } = t {
                tenants
                    .entry(name.clone())
                    .or_default()
                    .push(delivery(tat.clone()));
            }
        }
    }
    let mut mixed_writers: Vec<&Block> = Vec::new();
    for (w, seen) in &writers {
        let restricted = seen.iter().find(|d| d.class.is_restricted());
        let operational = seen.iter().find(|d| d.class == StreamClass::Operational);
        let (Some(r), Some(o)) = (restricted, operational) else {
            continue;
        };
        mixed_writers.push(w);
        let header = w.header_span();
        let kind = r.class.as_str();
        cx.report(
            &META,
            Span::new(header.start, header.end),
            format!(
                "`{}` receives the {kind} stream `{}` and the operational stream `{}`",
                w.id(),
                r.stream,
                o.stream
            ),
        )
        .label("one writer for both")
        .related(file, r.set_at.clone(), format!("{kind} stream set here"))
        .related(file, o.set_at.clone(), "operational stream set here")
        .help(format!(
            "give each class of stream its own `loki.write` and tenant, and forward {kind} pipelines only to theirs"
        ));
    }
    for (tenant, seen) in &tenants {
        let Some(r) = seen.iter().find(|d| d.class.is_restricted()) else {
            continue;
        };
        // through another writer: a writer mixing both is reported above
        let Some(o) = seen
            .iter()
            .find(|d| d.class == StreamClass::Operational && !std::ptr::eq(d.writer, r.writer))
        else {
            continue;
        };
        if mixed_writers
            .iter()
            .any(|w| std::ptr::eq(*w, r.writer) || std::ptr::eq(*w, o.writer))
        {
            continue;
        }
        let kind = r.class.as_str();
        cx.report(
            &META,
            r.tenant_at.clone(),
            format!(
                "tenant `{tenant}` receives the {kind} stream `{}` through `{}` and the operational stream `{}` through `{}`",
                r.stream,
                r.writer.id(),
                o.stream,
                o.writer.id()
            ),
        )
        .label(format!("{kind} writer"))
        .related(file, o.tenant_at.clone(), "operational writer, same tenant")
        .help(format!(
            "write {kind} streams to a restricted tenant of their own"
        ));
    }
}
