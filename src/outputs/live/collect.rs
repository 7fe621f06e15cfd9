//! Every query of the profile, read from the contracts through the same
//! query view the rules use ([`QueryRef`]), with the YAML span of its text:
//! dashboard panel targets and query variables, alert expressions and
//! recording rules (once per source prefix).

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;

use crate::artifact::contract::{label_values_label, ContractArtifact, ExprRole};
use crate::artifact::query::{Lang, Owner, QueryRef};
use crate::artifact::Scalar;
use crate::contracts::{record_name, Kind, Typed};
use crate::policy::Policy;
use crate::source::{FileRef, SourceFile, Span};
use crate::syntax::yaml::Node;

/// The text of a query inside a YAML scalar: `scalar.value[range]`.
#[derive(Debug, Clone)]
pub struct Source {
    pub file: FileRef,
    pub scalar: Scalar,
    pub range: Range<usize>,
}

impl Source {
    /// The text of a contract query (a YAML scalar, or part of one).
    fn of(file: &FileRef, q: &QueryRef<'_>) -> Option<Source> {
        let (scalar, range) = q.scalar()?;
        Some(Source {
            file: file.clone(),
            scalar: scalar.clone(),
            range,
        })
    }

    pub fn text(&self) -> &str {
        self.scalar.value.get(self.range.clone()).unwrap_or("")
    }

    /// File span of `r`, a byte range of [`Self::text`].
    pub fn span(&self, r: Range<usize>) -> Span {
        let len = self.range.len();
        let (s, e) = (r.start.min(len), r.end.min(len));
        self.scalar.sub_span(
            &self.file.text,
            self.range.start + s..self.range.start + e.max(s),
        )
    }

    /// File span of the whole query text.
    pub fn whole(&self) -> Span {
        self.span(0..self.range.len())
    }
}

/// What a query is, for people.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum What {
    Panel {
        dashboard: String,
        title: String,
        target: usize,
    },
    Variable {
        dashboard: String,
        name: String,
    },
    Alert {
        name: String,
    },
    Recording {
        record: String,
        /// What `${source}` became.
        source: String,
    },
}

/// The rows of the summary table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Category {
    Panel,
    Variable,
    Alert,
    Recording,
}

impl Category {
    pub fn plural(self) -> &'static str {
        match self {
            Category::Panel => "dashboard panel queries",
            Category::Variable => "dashboard variables",
            Category::Alert => "alert expressions",
            Category::Recording => "recording rules",
        }
    }
}

impl What {
    pub fn category(&self) -> Category {
        match self {
            What::Panel { .. } => Category::Panel,
            What::Variable { .. } => Category::Variable,
            What::Alert { .. } => Category::Alert,
            What::Recording { .. } => Category::Recording,
        }
    }

    pub fn describe(&self) -> String {
        match self {
            What::Panel {
                dashboard,
                title,
                target,
            } => format!(
                "dashboard {dashboard}, panel \"{title}\", target {}",
                target + 1
            ),
            What::Variable { dashboard, name } => {
                format!("dashboard {dashboard}, variable ${name}")
            }
            What::Alert { name } => format!("alert {name}"),
            What::Recording { record, source } => format!("recording rule {record} ({source})"),
        }
    }
}

/// One query to run.
#[derive(Debug, Clone)]
pub struct Job {
    pub backend: Lang,
    pub what: What,
    pub src: Source,
    /// Index into [`Profile::dashboards`] for panel targets and variables.
    pub dashboard: Option<usize>,
    /// `${source}` in a recording rule becomes this.
    pub source_name: Option<String>,
}

/// A dashboard variable as the contract declares it.
#[derive(Debug, Clone)]
pub enum VarKind {
    /// `label_values(QUERY, label)` or `label_values(label)`; `job` is the
    /// index of the query job (None for the label-only form).
    LabelValues {
        backend: Lang,
        label: String,
        job: usize,
    },
    /// A query form this command does not run (`query_result(...)`, ...).
    Unsupported { reason: String },
    /// `custom` and `interval` variables: comma-separated values.
    List { values: Vec<String> },
}

#[derive(Debug, Clone)]
pub struct VarDef {
    pub name: String,
    pub kind: VarKind,
    pub multi: bool,
    pub include_all: bool,
}

#[derive(Debug, Clone)]
pub struct Dashboard {
    pub uid: String,
    pub vars: Vec<VarDef>,
}

/// Everything the command runs, and what it needs to choose Loki tenants.
#[derive(Debug, Default)]
pub struct Profile {
    pub jobs: Vec<Job>,
    pub dashboards: Vec<Dashboard>,
    /// Stream id to Loki tenant, from the stream contracts.
    pub tenants: BTreeMap<String, String>,
    /// The label that names a stream (`log_stream`).
    pub routing_label: String,
    /// Tenant used when a query names no stream: the operational stream's.
    pub default_tenant: Option<String>,
}

/// A contract that cannot be used (I/O, YAML or schema error).
#[derive(Debug)]
pub struct CollectError {
    pub file: String,
    pub message: String,
}

fn items<'a>(node: &'a Node, key: &str) -> &'a [Node] {
    node.get(key).and_then(Node::as_seq).unwrap_or(&[])
}

/// Read every contract under `<root>/contracts` (sorted) into jobs.
pub fn collect(root: &Path, policy: &Policy) -> Result<Profile, Vec<CollectError>> {
    let (sources, read_errors) = crate::contracts::read_sources(root);
    let mut profile = Profile {
        routing_label: policy.streams.routing_label.clone(),
        ..Profile::default()
    };
    let mut errors: Vec<CollectError> = read_errors
        .into_iter()
        .map(|e| CollectError {
            file: e.file,
            message: e.message,
        })
        .collect();
    let mut stream_docs = Vec::new();
    let mut later = Vec::new();
    for crate::contracts::ContractSource {
        rel,
        path,
        text,
        doc,
    } in sources
    {
        if doc.kind.is_none() {
            continue;
        }
        if let Some(first) = doc.schema_errors.first() {
            errors.push(CollectError {
                file: rel,
                message: format!(
                    "{} schema error(s), first: {} (run `o11ylint check`)",
                    doc.schema_errors.len(),
                    first.message
                ),
            });
            continue;
        }
        let file = SourceFile::new(rel, path.clone(), text);
        if doc.kind == Some(Kind::Streams) {
            stream_docs.push(doc);
        } else {
            later.push((file, doc));
        }
    }
    for doc in &stream_docs {
        if let Some(Typed::Streams(s)) = &doc.typed {
            for st in &s.streams {
                if let Some(t) = &st.tenant {
                    profile.tenants.insert(st.id.clone(), t.clone());
                }
            }
        }
    }
    profile.default_tenant = policy
        .streams
        .operational
        .iter()
        .find_map(|id| profile.tenants.get(id).cloned());
    for (file, doc) in later {
        let c = ContractArtifact::from_doc(doc);
        match c.kind() {
            Some(Kind::Alerts) => alerts(&mut profile, &file, &c),
            Some(Kind::Metrics) => recordings(&mut profile, &file, &c, policy),
            Some(Kind::Dashboard) => dashboard(&mut profile, &file, &c),
            _ => {}
        }
    }
    if errors.is_empty() {
        Ok(profile)
    } else {
        Err(errors)
    }
}

/// The contract's queries with their place, as jobs' sources.
fn sources<'a>(
    file: &'a FileRef,
    c: &'a ContractArtifact,
) -> impl Iterator<Item = (ExprRole, Lang, Source)> + 'a {
    c.queries().filter_map(move |q| {
        let Owner::Contract(role) = q.owner else {
            return None;
        };
        Some((role, q.lang, Source::of(file, &q)?))
    })
}

fn alerts(profile: &mut Profile, file: &FileRef, c: &ContractArtifact) {
    let items = c.alerts();
    for (role, backend, src) in sources(file, c) {
        let ExprRole::Alert { alert } = role else {
            continue;
        };
        let Some(name) = items.get(alert).and_then(|a| a.get_str("name")) else {
            continue;
        };
        profile.jobs.push(Job {
            backend,
            what: What::Alert {
                name: name.to_string(),
            },
            src,
            dashboard: None,
            source_name: None,
        });
    }
}

fn recordings(profile: &mut Profile, file: &FileRef, c: &ContractArtifact, policy: &Policy) {
    let Some(Typed::Metrics(mc)) = &c.doc.typed else {
        return;
    };
    let namespace = &policy.source_prefix.recording_namespace;
    for (role, backend, src) in sources(file, c) {
        let ExprRole::Recording { metric, recording } = role else {
            continue;
        };
        let Some(m) = mc.metrics.get(metric) else {
            continue;
        };
        let Some(rec) = m.recordings.get(recording) else {
            continue;
        };
        let prefixes: Vec<Option<&str>> = if m.prefixed {
            policy
                .source_prefix
                .prefixes
                .iter()
                .map(|p| Some(p.as_str()))
                .collect()
        } else {
            vec![None]
        };
        for prefix in &prefixes {
            let source = crate::contracts::generate::prometheus::source_name(
                &m.name,
                prefix.is_some(),
                prefix.unwrap_or(""),
            );
            profile.jobs.push(Job {
                backend,
                what: What::Recording {
                    record: record_name(namespace, &m.name, &rec.aggregation),
                    source: source.clone(),
                },
                src: src.clone(),
                dashboard: None,
                source_name: Some(source),
            });
        }
    }
}

fn lang_of(node: &Node) -> Lang {
    if node.get_str("datasource") == Some("logs") {
        Lang::LogQL
    } else {
        Lang::PromQL
    }
}

fn split_list(q: &str) -> Vec<String> {
    q.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn dashboard(profile: &mut Profile, file: &FileRef, c: &ContractArtifact) {
    let doc = &c.doc;
    let uid = doc.root.get_str("uid").unwrap_or("").to_string();
    let index = profile.dashboards.len();
    let mut parsed: BTreeMap<usize, (Lang, Source)> = BTreeMap::new();
    let mut targets = Vec::new();
    for (role, backend, src) in sources(file, c) {
        match role {
            ExprRole::Variable { variable } => {
                parsed.insert(variable, (backend, src));
            }
            ExprRole::PanelTarget { panel, target } => targets.push((panel, target, backend, src)),
            _ => {}
        }
    }
    let mut vars = Vec::new();
    for (vi, v) in items(&doc.root, "variables").iter().enumerate() {
        let Some(name) = v.get_str("name") else {
            continue;
        };
        let flag = |k: &str| v.get(k).and_then(Node::as_str) == Some("true");
        let multi = flag("multi");
        let include_all = flag("includeAll");
        let Some(query) = v.get("query").and_then(Scalar::from_node) else {
            continue;
        };
        let kind = match v.get_str("type") {
            Some("query") => {
                // `label_values(QUERY, label)`: a job over the parsed QUERY;
                // `label_values(label)`: a job over the label alone (its text
                // is the label name)
                let run = match (parsed.remove(&vi), label_values_label(&query.value)) {
                    (Some((backend, src)), Some((_, label))) => Some((backend, src, label)),
                    _ => label_only(&query.value).map(|(off, label)| {
                        let src = Source {
                            file: file.clone(),
                            scalar: query.clone(),
                            range: off..off + label.len(),
                        };
                        (lang_of(v), src, label)
                    }),
                };
                match run {
                    Some((backend, src, label)) => {
                        let label = label.to_string();
                        profile.jobs.push(Job {
                            backend,
                            what: What::Variable {
                                dashboard: uid.clone(),
                                name: name.to_string(),
                            },
                            src,
                            dashboard: Some(index),
                            source_name: None,
                        });
                        VarKind::LabelValues {
                            backend,
                            label,
                            job: profile.jobs.len() - 1,
                        }
                    }
                    None => VarKind::Unsupported {
                        reason: "only `label_values(query, label)` and `label_values(label)` \
                                 variable queries are run"
                            .into(),
                    },
                }
            }
            _ => VarKind::List {
                values: split_list(&query.value),
            },
        };
        vars.push(VarDef {
            name: name.to_string(),
            kind,
            multi,
            include_all,
        });
    }
    profile.dashboards.push(Dashboard {
        uid: uid.clone(),
        vars,
    });
    let panels = items(&doc.root, "panels");
    for (panel, target, backend, src) in targets {
        let title = panels
            .get(panel)
            .and_then(|p| p.get_str("title"))
            .unwrap_or("")
            .to_string();
        profile.jobs.push(Job {
            backend,
            what: What::Panel {
                dashboard: uid.clone(),
                title,
                target,
            },
            src,
            dashboard: Some(index),
            source_name: None,
        });
    }
}

/// `label_values(label)`: the offset and name of the label.
fn label_only(q: &str) -> Option<(usize, &str)> {
    let start = q.find("label_values(")? + "label_values(".len();
    let rest = q.get(start..)?;
    let close = rest.find(')')?;
    let inner = rest.get(..close)?;
    let lead = inner.len() - inner.trim_start().len();
    let name = inner.trim();
    let ok = name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && name.bytes().next().is_some_and(|b| !b.is_ascii_digit());
    ok.then_some((start + lead, name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_only_form() {
        assert_eq!(label_only("label_values(cluster)"), Some((13, "cluster")));
        assert_eq!(label_only("label_values( job )"), Some((14, "job")));
        assert_eq!(label_only("label_values(up, job)"), None);
        assert_eq!(label_only("query_result(up)"), None);
    }

    #[test]
    fn lists_split_on_commas() {
        assert_eq!(split_list("a, b,,c "), vec!["a", "b", "c"]);
    }
}
