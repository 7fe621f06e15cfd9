//! Facts every file contributes to the repository-wide phase, gathered by
//! the engine whatever rules are enabled: which series exist (metrics
//! contracts, recording rules) and which are read (contract alerts and
//! dashboards), which contract ids are declared where, and which runbooks
//! alerts link (so a runbook is not orphaned because `runbook-link` is
//! disabled where its alert lives).

use crate::artifact::contract::{ContractArtifact, ExprRole};
use crate::artifact::query::Parsed;
use crate::artifact::Artifact;
use crate::contracts::{record_name, Kind, Typed, SOURCE_PLACEHOLDER};
use crate::policy::Policy;
use crate::rules::{ContractId, FileFacts, SeriesUse};
use crate::source::FileRef;

pub fn collect(artifact: &Artifact, file: &FileRef, policy: &Policy) -> FileFacts {
    let mut f = FileFacts::default();
    for q in artifact.queries() {
        // recorded series (`level:metric:operation`) read by rule files,
        // checked by unknown-metric
        if matches!(
            q.owner,
            crate::artifact::query::Owner::Alert { .. }
                | crate::artifact::query::Owner::Recording { .. }
        ) {
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
        f.field_regexes
            .extend(crate::rules::streams::multiline_field_regex::field_regexes(
                &q,
                file,
                &policy.streams.routing_label,
            ));
    }
    match artifact {
        Artifact::Rules(rf) => {
            f.rule_identities = crate::rules::hygiene::duplicate_rule::identities(rf, file);
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
                        f.series_used.push(SeriesUse {
                            name: m.name.clone(),
                            file: file.clone(),
                            span: q.span(&file.text, m.span.clone()),
                        });
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
    use crate::rules::runbooks::runbook_link::{resolve, Resolved};
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
                        f.multiline_fields.push(crate::rules::MultilineField {
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
