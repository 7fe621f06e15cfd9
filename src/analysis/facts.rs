//! Facts every file contributes to the repository-wide phase, gathered by
//! the engine whatever rules are enabled: which series exist (metrics
//! contracts, recording rules) and which are read (contract alerts and
//! dashboards), which contract ids are declared where, and which runbooks
//! alerts link (so a runbook is not orphaned because `runbook-link` is
//! disabled where its alert lives). A fact only one rule reads is added by
//! that rule's `file_facts` hook (rule identities, LogQL field regexes);
//! rules read the merged facts in phase 2.

use std::collections::BTreeSet;

use crate::artifact::contract::{ContractArtifact, ExprRole};
use crate::artifact::query::{Owner, Parsed, QueryRef};
use crate::artifact::Artifact;
use crate::contracts::{record_name, Kind, Typed, SOURCE_PLACEHOLDER};
use crate::policy::Policy;
use crate::source::{normalize_rel, FileRef, Span};

/// A series name read somewhere, checked against what is defined in phase 2.
#[derive(Debug, Clone)]
pub struct SeriesUse {
    pub name: String,
    pub file: FileRef,
    pub span: Span,
}

/// A contract id (metric name, alert name, stream id, dashboard uid) and
/// where it is declared.
#[derive(Debug, Clone)]
pub struct ContractId {
    pub kind: &'static str,
    pub id: String,
    pub file: FileRef,
    pub span: Span,
}

/// A rule's output identity (`duplicate-rule` compares them across files).
#[derive(Debug, Clone)]
pub struct RuleIdentity {
    pub key: String,
    pub name: String,
    pub alert: bool,
    pub file: FileRef,
    pub span: Span,
}

/// Facts a file contributes to repository-wide checks.
#[derive(Debug, Default, Clone)]
pub struct FileFacts {
    /// Runbook files linked from alerts (rule files and alert contracts),
    /// repository-relative with `/`.
    pub runbooks_linked: BTreeSet<String>,
    /// Series that exist: metrics-contract names (raw, for every source
    /// prefix), recording rules of contracts and rule files.
    pub series_defined: BTreeSet<String>,
    /// Whether a metrics contract was seen (cross-checks on series run only then).
    pub has_metrics_contract: bool,
    /// Series read by dashboards and contract alerts, checked in phase 2.
    pub series_used: Vec<SeriesUse>,
    /// Contract ids with their declarations (duplicates across files).
    pub contract_ids: Vec<ContractId>,
    /// Recorded series (`level:metric:operation` names) read by rule files:
    /// each must be defined by a recording rule or a contract.
    pub recorded_used: Vec<SeriesUse>,
    /// Output identities of the rules of rule files.
    pub rule_identities: Vec<RuleIdentity>,
    /// Stream fields a stream contract declares multi-line.
    pub multiline_fields: Vec<MultilineField>,
    /// LogQL regex label filters on extracted fields, checked in phase 2 by
    /// `multiline-field-regex`.
    pub field_regexes: Vec<FieldRegexUse>,
}

/// A stream field whose values can contain newlines, from a stream contract.
#[derive(Debug, Clone)]
pub struct MultilineField {
    pub stream: String,
    pub field: String,
    pub file: FileRef,
    pub span: Span,
}

/// A regex label filter (`| field =~ "re"`) after a parser stage, with the
/// streams its selector can read (`streams` empty: the selector names none).
#[derive(Debug, Clone)]
pub struct FieldRegexUse {
    /// Routing-label matchers of the selector: (operator is regex, value).
    pub routing: Vec<(bool, String)>,
    pub field: String,
    pub pattern: String,
    pub file: FileRef,
    /// The pattern's string literal, quotes included.
    pub span: Span,
}

/// `into` gets every member of `from`. A set about as large as `into` (a
/// generated file's 10,000 recording rules) is merged as two sorted runs in
/// one pass; a small one is inserted member by member.
fn merge_set(into: &mut BTreeSet<String>, from: &mut BTreeSet<String>) {
    if from.len().saturating_mul(8) >= into.len() {
        into.append(from);
    } else {
        into.extend(std::mem::take(from));
    }
}

impl FileFacts {
    pub fn merge(&mut self, mut other: FileFacts) {
        merge_set(&mut self.runbooks_linked, &mut other.runbooks_linked);
        merge_set(&mut self.series_defined, &mut other.series_defined);
        self.has_metrics_contract |= other.has_metrics_contract;
        self.series_used.extend(other.series_used);
        self.contract_ids.extend(other.contract_ids);
        self.multiline_fields.extend(other.multiline_fields);
        self.field_regexes.extend(other.field_regexes);
        self.rule_identities.extend(other.rule_identities);
        self.recorded_used.extend(other.recorded_used);
    }
}

/// How a runbook link (`runbook_url`, a contract alert's `runbook`)
/// resolves.
#[derive(Debug, PartialEq, Eq)]
pub enum Resolved {
    /// A repository-relative runbook path.
    Local(String),
    /// An external URL we cannot check.
    External,
    /// A template or other value we do not resolve.
    Dynamic,
    Invalid(String),
}

pub fn resolve(value: &str, base_url: &str) -> Resolved {
    let v = value.trim();
    if v.contains("{{") {
        return Resolved::Dynamic;
    }
    let (path, from_url) = if !base_url.is_empty() && v.starts_with(base_url) {
        (&v[base_url.len()..], true)
    } else if v.contains("://") {
        return Resolved::External;
    } else {
        (v, false)
    };
    let path = path.split(['#', '?']).next().unwrap_or("");
    if path.is_empty() {
        return Resolved::Invalid("empty runbook path".into());
    }
    if !from_url
        && (path.starts_with('/') || path.starts_with('\\') || path.chars().nth(1) == Some(':'))
    {
        return Resolved::Invalid(format!(
            "`{path}` is an absolute path; use a repository-relative one"
        ));
    }
    match normalize_rel(path) {
        Some(p) => Resolved::Local(p),
        None => Resolved::Invalid(format!("`{path}` escapes the repository")),
    }
}

pub fn collect(
    artifact: &Artifact,
    queries: &[QueryRef<'_>],
    file: &FileRef,
    policy: &Policy,
) -> FileFacts {
    let mut f = FileFacts::default();
    for q in queries {
        // recorded series (`level:metric:operation`) read by rule files,
        // checked by unknown-metric
        if matches!(q.owner, Owner::Alert { .. } | Owner::Recording { .. }) {
            if let Some(a) = q.parsed.prom() {
                for m in a.facts.metrics.iter().filter(|m| m.name.contains(':')) {
                    f.recorded_used.push(SeriesUse {
                        name: m.name.clone(),
                        file: file.clone(),
                        span: q.span(&file.text, m.span.clone()),
                    });
                }
            }
        }
    }
    match artifact {
        Artifact::Rules(rf) => {
            for (_, r) in rf.rules() {
                if let Some(rec) = &r.record {
                    f.series_defined.insert(rec.value.clone());
                }
            }
            let keys: Vec<&str> = std::iter::once(policy.runbooks.annotation.as_str())
                .chain(
                    policy
                        .runbooks
                        .annotation_aliases
                        .iter()
                        .map(String::as_str),
                )
                .collect();
            for (_, r) in rf.alerts() {
                if let Some((_, v)) = keys.iter().find_map(|k| r.annotation(k)) {
                    linked(&v.value, policy, &mut f);
                }
            }
        }
        Artifact::Contract(c) => {
            for a in c.alerts() {
                if let Some(v) = a.get("runbook").and_then(|n| n.as_str()) {
                    linked(v, policy, &mut f);
                }
            }
            contract(c, file, policy, &mut f)
        }
        Artifact::Dashboard(d) => {
            // series a dashboard reads (one substituted from a variable is
            // not known), checked by unknown-metric
            for q in d.queries() {
                let Some(a) = q.prom() else { continue };
                for m in &a.facts.metrics {
                    if q.var_at(&m.span).is_none() {
                        let u = SeriesUse {
                            name: m.name.clone(),
                            file: file.clone(),
                            span: q.span(&file.text, m.span.clone()),
                        };
                        // a recorded series (`level:metric:operation`) must
                        // be recorded somewhere, contract or not
                        if m.name.contains(':') {
                            f.recorded_used.push(u.clone());
                        }
                        f.series_used.push(u);
                    }
                }
            }
        }
        _ => {}
    }
    f
}

/// A runbook link that resolves to a repository path counts as linking it.
fn linked(value: &str, policy: &Policy, f: &mut FileFacts) {
    if let Resolved::Local(rel) = resolve(value, &policy.runbooks.base_url) {
        f.runbooks_linked.insert(rel);
    }
}

fn contract(c: &ContractArtifact, file: &FileRef, policy: &Policy, f: &mut FileFacts) {
    let ns = &policy.source_prefix.recording_namespace;
    if let Some(Typed::Metrics(mc)) = &c.doc.typed {
        f.has_metrics_contract = true;
        for m in &mc.metrics {
            let suffixes: &[&str] = match m.kind.as_str() {
                "summary" => &["", "_sum", "_count"],
                "histogram" => &["_bucket", "_sum", "_count"],
                _ => &[""],
            };
            let bases: Vec<String> = if m.prefixed {
                policy
                    .source_prefix
                    .prefixes
                    .iter()
                    .map(|p| format!("{p}_{}", m.name))
                    .collect()
            } else {
                vec![m.name.clone()]
            };
            for b in &bases {
                for s in suffixes {
                    f.series_defined.insert(format!("{b}{s}"));
                }
            }
            for r in &m.recordings {
                f.series_defined
                    .insert(record_name(ns, &m.name, &r.aggregation));
            }
        }
    }
    // ids for cross-file duplicate checks
    let id_key = match c.doc.kind {
        Some(Kind::Metrics) => Some(("metrics", "metric", "name")),
        Some(Kind::Alerts) => Some(("alerts", "alert", "name")),
        Some(Kind::Streams) => Some(("streams", "stream", "id")),
        _ => None,
    };
    // stream fields declared multi-line
    if c.doc.kind == Some(Kind::Streams) {
        for stream in c
            .doc
            .root
            .get("streams")
            .and_then(|n| n.as_seq())
            .unwrap_or(&[])
        {
            let Some(id) = stream.get("id").and_then(|n| n.as_str()) else {
                continue;
            };
            for field in stream.get("fields").and_then(|n| n.as_seq()).unwrap_or(&[]) {
                let multiline = field.get("multiline").and_then(|n| n.as_str()) == Some("true");
                if let (true, Some((_, name))) = (multiline, field.entry("name")) {
                    if let Some(n) = name.as_str() {
                        f.multiline_fields.push(MultilineField {
                            stream: id.to_string(),
                            field: n.to_string(),
                            file: file.clone(),
                            span: name.span.clone(),
                        });
                    }
                }
            }
        }
    }
    if let Some((list, what, key)) = id_key {
        for item in c.doc.root.get(list).and_then(|n| n.as_seq()).unwrap_or(&[]) {
            if let Some((_, v)) = item.entry(key) {
                if let Some(id) = v.as_str() {
                    f.contract_ids.push(ContractId {
                        kind: what,
                        id: id.to_string(),
                        file: file.clone(),
                        span: v.span.clone(),
                    });
                }
            }
        }
    }
    if c.doc.kind == Some(Kind::Dashboard) {
        if let Some((_, v)) = c.doc.root.entry("uid") {
            if let Some(id) = v.as_str() {
                f.contract_ids.push(ContractId {
                    kind: "dashboard",
                    id: id.to_string(),
                    file: file.clone(),
                    span: v.span.clone(),
                });
            }
        }
    }
    // series read by alerts, panels and variables
    for e in &c.exprs {
        if matches!(e.role, ExprRole::Recording { .. }) {
            continue;
        }
        let Parsed::Prom(Ok(a)) = &e.parsed else {
            continue;
        };
        for m in &a.facts.metrics {
            if m.name.starts_with(SOURCE_PLACEHOLDER) {
                continue;
            }
            f.series_used.push(SeriesUse {
                name: m.name.clone(),
                file: file.clone(),
                span: e.span(&file.text, m.span.clone()),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn merged_sets_hold_every_member_once_whichever_way_they_merge() {
        let big: Vec<String> = (0..100).map(|i| format!("job:x:{i:03}")).collect();
        let big: Vec<&str> = big.iter().map(String::as_str).collect();
        // a small set into a large one (member by member), then a large one
        // into a large one (two sorted runs), then into an empty one
        let mut into = set(&big[..90]);
        merge_set(&mut into, &mut set(&["job:x:005", "a:new"]));
        merge_set(&mut into, &mut set(&big[50..]));
        let mut empty = BTreeSet::new();
        merge_set(&mut empty, &mut into.clone());
        let mut want = set(&big);
        want.insert("a:new".into());
        assert_eq!(into, want);
        assert_eq!(empty, want);
    }
}
