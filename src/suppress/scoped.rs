//! Suppressions for Grafana dashboards. JSON has no comments, so a finding
//! in a dashboard is suppressed by an entry of the policy's `suppressions`
//! list, scoped by file path (glob), dashboard uid, panel (id, or title) and
//! target `ref_id`, with a reason:
//!
//! ```yaml
//! suppressions:
//!   - rule: rate-interval
//!     dashboard: openbao-capacity
//!     panel: "Requests per hour"
//!     ref_id: A
//!     reason: hourly buckets on purpose
//! ```
//!
//! Per-file findings are matched while the file is linted ([`apply_file`]);
//! repository-wide findings (`unknown-metric`) and entries that matched
//! nothing are handled once every file is done ([`finish`]).

use std::collections::BTreeSet;
use std::path::Path;

use globset::Glob;
use serde_json::Value;

use crate::artifact::dashboard::Dashboard;
use crate::diag::Diagnostic;
use crate::policy::{JsonSuppression, Policy, REPO_POLICY_FILE};
use crate::rules::{self, meta::unused_suppression};
use crate::source::suggest::closest;
use crate::source::{FileRef, SourceFile, Span};
use crate::syntax::yaml;

/// A panel or target of a dashboard, for scoping.
#[derive(Debug, Clone)]
pub struct Region {
    pub span: Span,
    pub panel_id: Option<String>,
    pub panel_title: Option<String>,
    pub ref_id: Option<String>,
}

/// What the repository-wide pass needs to know about one dashboard.
#[derive(Debug, Clone)]
pub struct DashboardScope {
    pub file: FileRef,
    pub uid: Option<(String, Span)>,
    /// Panels first, then targets (a target region lies inside its panel's).
    pub regions: Vec<Region>,
}

/// Facts gathered per file, merged for [`finish`].
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// Entries whose `path`/`dashboard` scope matched a linted dashboard.
    pub in_scope: BTreeSet<usize>,
    /// Entries that suppressed a finding.
    pub used: BTreeSet<usize>,
    pub dashboards: Vec<DashboardScope>,
}

impl Facts {
    pub fn merge(&mut self, other: Facts) {
        self.in_scope.extend(other.in_scope);
        self.used.extend(other.used);
        self.dashboards.extend(other.dashboards);
    }
}

fn scope_of(d: &Dashboard, file: &FileRef) -> DashboardScope {
    let mut regions = Vec::new();
    for p in &d.panels {
        let panel = Region {
            span: p.span.clone(),
            panel_id: p.id.as_ref().map(|i| i.value.clone()),
            panel_title: p.title.as_ref().map(|t| t.value.clone()),
            ref_id: None,
        };
        for t in &p.targets {
            regions.push(Region {
                span: t.span.clone(),
                ref_id: t.ref_id.as_ref().map(|r| r.value.clone()),
                ..panel.clone()
            });
        }
        regions.push(panel);
    }
    for g in &d.grid {
        if let Some(p) = g.panel.and_then(|i| d.panels.get(i)) {
            regions.push(Region {
                span: g.span.clone(),
                panel_id: p.id.as_ref().map(|i| i.value.clone()),
                panel_title: p.title.as_ref().map(|t| t.value.clone()),
                ref_id: None,
            });
        }
    }
    DashboardScope {
        file: file.clone(),
        uid: d.uid.as_ref().map(|u| (u.value.clone(), u.span.clone())),
        regions,
    }
}

/// The smallest region holding `offset`.
fn region_at(scope: &DashboardScope, offset: usize) -> Option<&Region> {
    scope
        .regions
        .iter()
        .filter(|r| r.span.start <= offset && offset < r.span.end.max(r.span.start + 1))
        .min_by_key(|r| r.span.end - r.span.start)
}

fn path_matches(pattern: &str, rel: &str) -> bool {
    pattern == rel
        || Glob::new(pattern)
            .map(|g| g.compile_matcher().is_match(rel))
            .unwrap_or(false)
}

/// Whether entry `e` covers this dashboard at all (path and uid).
fn in_scope(e: &JsonSuppression, scope: &DashboardScope) -> bool {
    e.path
        .as_deref()
        .is_none_or(|p| path_matches(p, &scope.file.display))
        && e.dashboard
            .as_deref()
            .is_none_or(|u| scope.uid.as_ref().is_some_and(|(uid, _)| uid == u))
}

fn panel_matches(want: &Value, region: Option<&Region>) -> bool {
    let Some(r) = region else { return false };
    let id_eq = |s: &str| {
        r.panel_id.as_deref().is_some_and(|id| {
            id == s || matches!((id.parse::<f64>(), s.parse::<f64>()), (Ok(a), Ok(b)) if a == b)
        })
    };
    match want {
        Value::Number(n) => id_eq(&n.to_string()),
        Value::String(s) => r.panel_title.as_deref() == Some(s.as_str()) || id_eq(s),
        _ => false,
    }
}

/// Whether entry `e` suppresses diagnostic `d` of the dashboard `scope`.
fn matches(e: &JsonSuppression, scope: &DashboardScope, d: &Diagnostic) -> bool {
    let rule_ok = e.rule == "all" || e.rule == d.code || e.rule == d.name;
    if !rule_ok || !in_scope(e, scope) {
        return false;
    }
    let region = region_at(scope, d.primary.span.start);
    if let Some(p) = &e.panel {
        if !panel_matches(p, region) {
            return false;
        }
    }
    if let Some(r) = &e.ref_id {
        if region.and_then(|x| x.ref_id.as_deref()) != Some(r.as_str()) {
            return false;
        }
    }
    true
}

fn suppress(
    diags: &mut [Diagnostic],
    scope: &DashboardScope,
    policy: &Policy,
    used: &mut BTreeSet<usize>,
) {
    for d in diags.iter_mut() {
        if d.suppressed.is_some() || d.primary.file.display != scope.file.display {
            continue;
        }
        if let Some((i, e)) = policy
            .suppressions
            .iter()
            .enumerate()
            .find(|(_, e)| matches(e, scope, d))
        {
            used.insert(i);
            d.suppressed = Some(e.reason.clone());
        }
    }
}

/// Apply the policy's entries to the findings of one dashboard file.
pub fn apply_file(
    diags: &mut [Diagnostic],
    d: &Dashboard,
    file: &FileRef,
    policy: &Policy,
) -> Facts {
    let scope = scope_of(d, file);
    let mut facts = Facts::default();
    if !policy.suppressions.is_empty() {
        for (i, e) in policy.suppressions.iter().enumerate() {
            if in_scope(e, &scope) {
                facts.in_scope.insert(i);
            }
        }
        suppress(diags, &scope, policy, &mut facts.used);
    }
    facts.dashboards.push(scope);
    facts
}

/// After every file: apply the entries to repository-wide findings, then
/// report entries that name an unknown rule or matched nothing (when their
/// dashboard was linted, or the whole repository was).
pub fn finish(
    diags: &mut Vec<Diagnostic>,
    facts: &Facts,
    policy: &Policy,
    root: &Path,
    whole_repo: bool,
) {
    if policy.suppressions.is_empty() {
        return;
    }
    let mut used = facts.used.clone();
    for scope in &facts.dashboards {
        suppress(diags, scope, policy, &mut used);
    }
    let located = PolicyFile::read(root);
    let m = &unused_suppression::META;
    let names: Vec<&str> = rules::registry()
        .iter()
        .flat_map(|r| [r.meta().name, r.meta().code])
        .collect();
    for (i, e) in policy.suppressions.iter().enumerate() {
        let known = e.rule == "all" || names.contains(&e.rule.as_str());
        if known && (used.contains(&i) || !(whole_repo || facts.in_scope.contains(&i))) {
            continue;
        }
        // Where to point: the dashboard named by the entry, else the entry in the policy file.
        let at_dashboard = facts.dashboards.iter().find(|s| {
            e.dashboard.is_some() && in_scope(e, s)
                || e.dashboard.is_none() && e.path.is_some() && in_scope(e, s)
        });
        let (file, span) = match (known, at_dashboard) {
            (true, Some(s)) => (
                s.file.clone(),
                s.uid
                    .as_ref()
                    .map(|(_, sp)| sp.clone())
                    .unwrap_or_else(|| Span::new(0, 1.min(s.file.text.len()))),
            ),
            _ => located.entry(i, e),
        };
        let rel = file.display.clone();
        let scope = describe(e);
        let message = if known {
            format!(
                "policy suppression of `{}`{scope} matches no diagnostic",
                e.rule
            )
        } else {
            format!("policy suppression names unknown rule `{}`", e.rule)
        };
        let Some(mut d) = rules::finding(policy, m, &rel, &file, span, message) else {
            continue;
        };
        if known {
            d.label("unused").help(
                "remove the entry from `suppressions`, or correct its `dashboard` uid, `panel` id or title, or `ref_id`",
            );
        } else {
            d.label("unknown rule");
            if let Some(c) = closest(&e.rule, names.iter().copied()) {
                d.help(format!("did you mean `{c}`?"));
            } else {
                d.help("`o11ylint rules` lists every rule");
            }
        }
        d.suppressed = None;
        diags.push(d);
    }
}

/// " (dashboard `x`, panel 3, ref_id A)"
fn describe(e: &JsonSuppression) -> String {
    let mut parts = Vec::new();
    if let Some(p) = &e.path {
        parts.push(format!("path `{p}`"));
    }
    if let Some(u) = &e.dashboard {
        parts.push(format!("dashboard `{u}`"));
    }
    match &e.panel {
        Some(Value::String(s)) => parts.push(format!("panel \"{s}\"")),
        Some(v) => parts.push(format!("panel {v}")),
        None => {}
    }
    if let Some(r) = &e.ref_id {
        parts.push(format!("ref_id {r}"));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join(", "))
    }
}

/// The repository's policy file, to point at its `suppressions` entries.
struct PolicyFile {
    file: FileRef,
    entries: Vec<(Option<String>, Option<String>, Span)>,
}

impl PolicyFile {
    fn read(root: &Path) -> PolicyFile {
        let path = root.join(REPO_POLICY_FILE);
        let guard = crate::source::guard::Guard::new(
            crate::policy::MAX_POLICY_BYTES,
            crate::source::guard::Links::Within(root),
        );
        let text = crate::source::guard::read_text(&path, guard).unwrap_or_default();
        let mut entries = Vec::new();
        let parsed = yaml::parse(&text);
        if let Some(list) = parsed
            .docs
            .first()
            .and_then(|d| d.get("suppressions"))
            .and_then(yaml::Node::as_seq)
        {
            for item in list {
                entries.push((
                    item.get_str("rule").map(str::to_string),
                    item.get_str("reason").map(str::to_string),
                    item.span.clone(),
                ));
            }
        }
        PolicyFile {
            file: SourceFile::new(REPO_POLICY_FILE, path, text),
            entries,
        }
    }

    /// The span of entry `i` (found by position, else by rule and reason).
    fn entry(&self, i: usize, e: &JsonSuppression) -> (FileRef, Span) {
        let same = |(r, why, _): &&(Option<String>, Option<String>, Span)| {
            r.as_deref() == Some(e.rule.as_str()) && why.as_deref() == Some(e.reason.as_str())
        };
        let span = self
            .entries
            .get(i)
            .filter(same)
            .or_else(|| self.entries.iter().find(same))
            .map(|(_, _, s)| s.clone())
            .unwrap_or_default();
        (self.file.clone(), span)
    }
}
