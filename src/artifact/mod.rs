//! Deciding what a file is, and the typed models of each artifact kind.

pub mod contract;
pub mod dashboard;
pub mod query;
pub mod rule_file;

use std::ops::Range;

use crate::policy::Policy;
use crate::source::Span;
use crate::syntax::yaml::{self, Kind, Node, Style};
use query::QueryRef;

/// A scalar from a YAML file: its value and where it is. Sub-spans of the
/// value (a token inside an `expr: |` block) map back to the file lazily.
#[derive(Debug, Clone)]
pub struct Scalar {
    pub value: String,
    pub span: Span,
    style: Style,
    from_alias: bool,
    /// the value's offset map, computed once (a thousand template findings
    /// in one annotation were quadratic)
    offsets: crate::syntax::Lazy<Vec<usize>>,
}

impl Scalar {
    pub fn from_node(n: &Node) -> Option<Scalar> {
        match &n.kind {
            Kind::Scalar { value, style } => Some(Scalar {
                value: value.clone(),
                span: n.span.clone(),
                style: *style,
                from_alias: n.from_alias,
                offsets: Default::default(),
            }),
            _ => None,
        }
    }

    /// File span of the value bytes `r`.
    pub fn sub_span(&self, text: &str, r: Range<usize>) -> Span {
        if self.from_alias {
            return self.span.clone();
        }
        let map = self
            .offsets
            .get_or_init(|| yaml::scalar_offsets(text, self.span.start, &self.value, self.style));
        let clamp = |i: usize| i.min(self.value.len());
        let (s, e) = (clamp(r.start), clamp(r.end));
        let start = map.get(s).copied().unwrap_or(self.span.start);
        let end = if e > s {
            // end after the last character of the range
            let mut last = e - 1;
            while last > s && !self.value.is_char_boundary(last) {
                last -= 1;
            }
            let at = map.get(last).copied().unwrap_or(start);
            let ch = self.value[last..].chars().next().unwrap_or(' ');
            at + encoded_len(text, at, ch, self.style)
        } else {
            start
        };
        Span::new(start, end)
    }
}

/// Bytes the value character `ch` takes in the file at `at`: itself, or an
/// escape (`\"`, `\x41`, `\u00e9` in double quotes, `''` in single quotes).
fn encoded_len(text: &str, at: usize, ch: char, style: Style) -> usize {
    let rest = text.get(at..).unwrap_or("");
    if rest.starts_with(ch) {
        return ch.len_utf8();
    }
    match style {
        Style::DoubleQuoted if rest.starts_with('\\') => match rest.chars().nth(1) {
            Some('x') => 4,
            Some('u') => 6,
            Some('U') => 10,
            Some(c) => 1 + c.len_utf8(),
            None => 1,
        }
        .min(rest.len()),
        Style::SingleQuoted if ch == '\'' && rest.starts_with("''") => 2,
        _ => ch.len_utf8(),
    }
}

/// What a file was recognised as.
#[derive(Debug)]
pub enum Artifact {
    /// Prometheus or Loki rule groups (plain file or PrometheusRule manifests).
    Rules(rule_file::RuleFile),
    /// Grafana dashboard JSON, modelled (see [`dashboard`]).
    Dashboard(Box<dashboard::Dashboard>),
    /// An o11ylint contract, with its kind.
    Contract(Box<contract::ContractArtifact>),
    /// Grafana Alloy configuration, parsed (with its syntax errors).
    Alloy(crate::syntax::alloy::Config),
    /// Nothing to lint; the reason is shown with `--verbose`.
    Other(String),
}

impl Artifact {
    pub fn kind_name(&self) -> &'static str {
        match self {
            Artifact::Rules(r) => match (r.backend, r.from_manifest) {
                (query::Lang::PromQL, false) => "Prometheus rule file",
                (query::Lang::PromQL, true) => "PrometheusRule manifest",
                (query::Lang::LogQL, _) => "Loki rule file",
            },
            Artifact::Dashboard(_) => "Grafana dashboard",
            Artifact::Contract(_) => "contract",
            Artifact::Alloy(_) => "Alloy configuration",
            Artifact::Other(_) => "other",
        }
    }

    /// Every embedded PromQL/LogQL expression, in file order per host: rule
    /// expressions, contract expressions, dashboard targets (panels, then
    /// annotations) and query variables. See [`query`].
    pub fn queries(&self) -> Vec<QueryRef<'_>> {
        match self {
            Artifact::Rules(rf) => rf
                .rules()
                .filter_map(|(g, r)| QueryRef::rule(g, r))
                .collect(),
            Artifact::Contract(c) => c.queries().collect(),
            Artifact::Dashboard(d) => d.queries(),
            Artifact::Alloy(_) | Artifact::Other(_) => Vec::new(),
        }
    }
}

fn is_prometheus_rule_manifest(doc: &Node) -> bool {
    doc.get_str("apiVersion")
        .is_some_and(|v| v.starts_with("monitoring.coreos.com/"))
        && doc.get_str("kind") == Some("PrometheusRule")
}

/// Classify a YAML file from its documents. `rel` is the repository-relative
/// path (policy globs match against it).
pub fn classify_yaml(rel: &str, text: &str, docs: &[Node], policy: &Policy) -> Artifact {
    if docs.iter().any(is_prometheus_rule_manifest) {
        let groups: Vec<&Node> = docs
            .iter()
            .filter(|d| is_prometheus_rule_manifest(d))
            .filter_map(|d| d.get("spec"))
            .collect();
        return Artifact::Rules(rule_file::RuleFile::build(text, &groups, true, rel, policy));
    }
    let Some(first) = docs.iter().find(|d| !d.is_null()) else {
        return Artifact::Other("empty YAML document".into());
    };
    if first.get_str("apiVersion") == Some(crate::contracts::API_VERSION) {
        return Artifact::Contract(Box::new(contract::ContractArtifact::build(first)));
    }
    if first.get("groups").is_some() && first.as_map().is_some() {
        return Artifact::Rules(rule_file::RuleFile::build(
            text,
            &[first],
            false,
            rel,
            policy,
        ));
    }
    if let Some(kind) = first.get_str("kind") {
        return Artifact::Other(format!(
            "Kubernetes `{kind}` manifest, not a PrometheusRule"
        ));
    }
    Artifact::Other(
        "YAML without `groups:`, a PrometheusRule manifest or a contract `apiVersion`".into(),
    )
}

/// Classify a JSON file: a Grafana dashboard is parsed and modelled. A
/// syntax error is returned when the text looks like a dashboard (other JSON
/// files, such as editor settings with comments, are not o11ylint's concern).
pub fn classify_json(
    rel: &str,
    text: &str,
    policy: &Policy,
) -> (Artifact, Option<crate::syntax::json::JsonError>) {
    match dashboard::load(rel, text, policy) {
        dashboard::Loaded::Dashboard(d) => (Artifact::Dashboard(d), None),
        dashboard::Loaded::NotDashboard(why) => (Artifact::Other(why), None),
        dashboard::Loaded::Invalid {
            error,
            looks_like_dashboard: true,
        } => (
            Artifact::Other("dashboard JSON that does not parse".into()),
            Some(error),
        ),
        dashboard::Loaded::Invalid { .. } => (
            Artifact::Other("JSON that does not parse and does not look like a dashboard".into()),
            None,
        ),
    }
}
