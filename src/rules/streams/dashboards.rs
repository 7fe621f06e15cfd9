//! `stream-separation` in Grafana dashboards: a dashboard that reads an
//! audit (or break-glass) stream is restricted by the policy (folder or
//! tag), does not also show operational streams unless the policy allows
//! it, and no panel or query mixes the two sides.

use crate::artifact::dashboard::Dashboard;
use crate::artifact::query::{Owner, QueryRef};
use crate::policy::Policy;
use crate::rules::{Ctx, RuleMeta};
use crate::source::Span;
use crate::syntax::logql::Selector;

use crate::analysis::streams::{routing_matchers, selector_classes, StreamClass};

/// Which side of the boundary one selector reads.
struct Read {
    span: Span,
    restricted: Option<StreamClass>,
    operational: bool,
}

fn read_of(policy: &Policy, q: &QueryRef<'_>, text: &str, sel: &Selector) -> Option<Read> {
    if routing_matchers(policy, sel).is_empty() {
        return None;
    }
    let classes = selector_classes(policy, sel);
    let restricted = [StreamClass::Audit, StreamClass::BreakGlass]
        .into_iter()
        .find(|c| classes.contains(c));
    Some(Read {
        span: q.span(text, sel.span.clone()),
        restricted,
        operational: classes.contains(&StreamClass::Operational),
    })
}

fn first_restricted(reads: &[Read]) -> Option<&Read> {
    reads.iter().find(|r| r.restricted.is_some())
}

fn first_operational(reads: &[Read]) -> Option<&Read> {
    reads.iter().find(|r| r.operational)
}

pub fn check(cx: &mut Ctx<'_>, d: &Dashboard, meta: &'static RuleMeta) {
    let policy = cx.policy;
    let label = policy.streams.routing_label.clone();
    let file = cx.file.clone();
    let text = file.text.as_str();
    let restricted_by = d.restricted_by(policy);
    let mut mixed_reported: Vec<Span> = Vec::new();
    // Reads per query, and per panel.
    let mut all: Vec<(String, Vec<Read>)> = Vec::new();
    for q in d.queries() {
        let owner = q.owner;
        let Some(e) = q.loki() else { continue };
        let mut reads = Vec::new();
        for sel in e.selectors() {
            match read_of(policy, &q, text, sel) {
                Some(r) => reads.push(r),
                // a variable lists label values, not log lines
                None if policy.streams.require_stream_matcher
                    && matches!(owner, Owner::Target { .. }) =>
                {
                    cx.report(
                        meta,
                        q.span(text, sel.span.clone()),
                        format!(
                            "stream selector in {} has no `{label}` matcher",
                            owner.describe()
                        ),
                    )
                    .label("which stream?")
                    .help(format!(
                        "say which stream the query reads, e.g. `{label}=\"{}\"`; without it the query can read the audit stream",
                        policy.streams.operational.first().map(String::as_str).unwrap_or("...")
                    ));
                }
                None => {}
            }
        }
        // One selector, or one query, on both sides of the boundary.
        for r in &reads {
            if let (Some(c), true) = (r.restricted, r.operational) {
                cx.report(
                    meta,
                    r.span.clone(),
                    format!(
                        "stream selector in {} can match both {} and operational streams",
                        owner.describe(),
                        c.as_str()
                    ),
                )
                .label("matches both sides")
                .help(format!("match exactly one stream with `{label}=\"...\"`"));
            }
        }
        let pure: Vec<&Read> = reads
            .iter()
            .filter(|r| !(r.restricted.is_some() && r.operational))
            .collect();
        if let (Some(a), Some(o)) = (
            pure.iter().find(|r| r.restricted.is_some()),
            pure.iter().find(|r| r.operational),
        ) {
            mixed_reported.push(o.span.clone());
            cx.report(
                meta,
                o.span.clone(),
                format!(
                    "{} combines {} and operational streams in one query",
                    owner.describe(),
                    a.restricted.map(StreamClass::as_str).unwrap_or("audit")
                ),
            )
            .label("operational")
            .related(&file, a.span.clone(), "restricted stream")
            .help("query each stream on its own, in panels of dashboards meant for it");
        }
        let key = match owner {
            Owner::Target { panel: Some(p), .. } => format!("panel@{}", p.span.start),
            _ => String::new(),
        };
        all.push((key, reads));
    }
    // A panel whose targets read both sides.
    for p in &d.panels {
        let key = format!("panel@{}", p.span.start);
        let reads: Vec<&Read> = all
            .iter()
            .filter(|(k, _)| *k == key)
            .flat_map(|(_, r)| r.iter())
            .filter(|r| !(r.restricted.is_some() && r.operational))
            .collect();
        let a = reads.iter().find(|r| r.restricted.is_some());
        let o = reads.iter().find(|r| r.operational);
        if let (Some(a), Some(o)) = (a, o) {
            // one query mixing both was reported above
            let same_query = all.iter().any(|(_, rs)| {
                rs.iter().any(|r| r.span == a.span) && rs.iter().any(|r| r.span == o.span)
            });
            if !same_query {
                mixed_reported.push(o.span.clone());
                cx.report(
                    meta,
                    o.span.clone(),
                    format!(
                        "{} shows {} and operational streams together",
                        p.describe(),
                        a.restricted.map(StreamClass::as_str).unwrap_or("audit")
                    ),
                )
                .label("operational query")
                .related(&file, a.span.clone(), "restricted query in the same panel")
                .help("split the panel: restricted streams belong in their own panels of a restricted dashboard");
            }
        }
    }
    // The dashboard as a whole.
    let flat: Vec<&Read> = all.iter().flat_map(|(_, r)| r.iter()).collect();
    let Some(audit) = flat.iter().find(|r| r.restricted.is_some()) else {
        return;
    };
    let class = audit.restricted.map(StreamClass::as_str).unwrap_or("audit");
    if restricted_by.is_none() {
        let folders = &policy.streams.restricted.folders;
        let tags = &policy.streams.restricted.tags;
        for (_, reads) in &all {
            if let Some(r) = first_restricted(reads) {
                cx.report(
                    meta,
                    r.span.clone(),
                    format!(
                        "{} stream queried in a dashboard that is not restricted",
                        r.restricted.map(StreamClass::as_str).unwrap_or("audit")
                    ),
                )
                .label("restricted stream")
                .help(format!(
                    "move the panel to a restricted dashboard: one in folder {} or tagged {} (policy `streams.restricted`)",
                    crate::analysis::streams::list_names(folders),
                    crate::analysis::streams::list_names(tags)
                ));
            }
        }
    }
    if !policy.streams.restricted.allow_operational {
        let audit_span = audit.span.clone();
        for (_, reads) in &all {
            if reads.iter().any(|r| r.restricted.is_some()) {
                continue; // reported per query above
            }
            if let Some(o) = first_operational(reads).filter(|o| !mixed_reported.contains(&o.span))
            {
                cx.report(
                    meta,
                    o.span.clone(),
                    format!("dashboard reads the {class} stream and also shows operational streams"),
                )
                .label("operational stream")
                .related(&file, audit_span.clone(), "restricted stream read here")
                .help("keep restricted dashboards to restricted streams, or allow it with `streams.restricted.allow_operational: true`");
            }
        }
    }
}
