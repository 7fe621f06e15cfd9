//! The policy: what is forbidden, which severities exist, where runbooks
//! live, how source prefixes and log streams are named. Data, not code:
//! `policies/default.yaml` (embedded) merged with a repository's
//! `o11ylint.yaml` and `--policy FILE`.

pub mod json_suppress;
pub mod suppress;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use serde_json::Value;

use crate::diag::{closest, Severity};
use crate::source::{walk::io_message, Span};
use crate::syntax::yaml;

pub const DEFAULT_POLICY: &str = include_str!("../../policies/default.yaml");
pub const POLICY_SCHEMA: &str = include_str!("../../schemas/policy.schema.json");
pub const REPO_POLICY_FILE: &str = "o11ylint.yaml";

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default)]
pub struct Labels {
    pub forbidden: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DeclaredIn {
    pub path: String,
    pub severity: String,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default)]
pub struct Severities {
    pub label: String,
    pub allowed: Vec<String>,
    pub declared_in: Vec<DeclaredIn>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default)]
pub struct Runbooks {
    pub dir: String,
    pub annotation: String,
    pub base_url: String,
    pub required: bool,
    /// Runbook naming convention: `kebab` or `none` (see [`Runbooks::slug_of`]).
    pub slug: String,
    /// Organisation prefixes dropped from alert names before slugging.
    pub slug_strip_prefixes: Vec<String>,
}

impl Runbooks {
    /// The runbook file name (without `.md`) the convention gives alert
    /// `alert`: kebab-case words of the name, after dropping the first
    /// `slug_strip_prefixes` entry it starts with as a whole word
    /// (`OpenBaoSealedUnexpectedly` -> `sealed-unexpectedly`). `None` with
    /// `slug: none` or when nothing is left.
    pub fn slug_of(&self, alert: &str) -> Option<String> {
        if self.slug != "kebab" {
            return None;
        }
        let mut name = alert.trim();
        for p in &self.slug_strip_prefixes {
            if let Some(rest) = name.strip_prefix(p.as_str()) {
                let whole_word = rest.chars().next().is_some_and(|c| {
                    c.is_uppercase() || c.is_ascii_digit() || c == '_' || c == '-'
                });
                if whole_word {
                    name = rest.trim_start_matches(['_', '-']);
                    break;
                }
            }
        }
        let slug = kebab_case(name);
        (!slug.is_empty()).then_some(slug)
    }
}

/// `SealedUnexpectedly` -> `sealed-unexpectedly`, `HTTPErrorsHigh` ->
/// `http-errors-high`, `Raft2PeersLost` -> `raft2-peers-lost`,
/// `audit_device_failed` -> `audit-device-failed`.
pub fn kebab_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if !out.is_empty() && !out.ends_with('-') {
                out.push('-');
            }
            continue;
        }
        if c.is_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            let boundary =
                prev.is_lowercase() || prev.is_ascii_digit() || (prev.is_uppercase() && next_lower);
            if boundary && !out.is_empty() && !out.ends_with('-') {
                out.push('-');
            }
        }
        out.extend(c.to_lowercase());
    }
    out.trim_end_matches('-').to_string()
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default)]
pub struct SourcePrefix {
    pub prefixes: Vec<String>,
    pub default: String,
    pub label: String,
    pub recording_namespace: String,
    /// `check --fix`: metric (without prefix) -> recording rule standing in for it.
    pub replacements: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default)]
pub struct Restricted {
    pub folders: Vec<String>,
    pub tags: Vec<String>,
    /// Whether a dashboard reading audit streams may also show operational ones.
    pub allow_operational: bool,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default)]
pub struct Streams {
    pub routing_label: String,
    pub audit: Vec<String>,
    pub operational: Vec<String>,
    pub break_glass: Vec<String>,
    pub require_stream_matcher: bool,
    pub audit_alert_labels: BTreeMap<String, String>,
    pub audit_alert_paths: Vec<String>,
    /// Labels every alert or recording rule reading a break-glass stream must carry.
    pub break_glass_label: BTreeMap<String, String>,
    pub restricted: Restricted,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default)]
pub struct Loki {
    pub paths: Vec<String>,
    pub max_range: String,
}

/// Grafana dashboards: how datasources and rate windows are judged.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default)]
pub struct Dashboards {
    /// The variable `rate()`/`increase()` windows must use (without `$`).
    pub rate_interval_variable: String,
    /// Plugin type of the Grafana instance's default datasource (`""`: unknown).
    pub default_datasource: String,
    /// Datasource uid or name -> plugin type, for datasources named literally.
    pub datasources: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize, Default, PartialEq, Eq)]
#[serde(default)]
pub struct RuleConfig {
    pub enabled: Option<bool>,
    pub severity: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default)]
pub struct Override {
    pub paths: Vec<String>,
    pub rules: BTreeMap<String, RuleConfig>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default)]
pub struct JsonSuppression {
    pub rule: String,
    pub reason: String,
    pub path: Option<String>,
    pub dashboard: Option<String>,
    pub panel: Option<Value>,
    pub ref_id: Option<String>,
}

/// The merged policy as the rules see it.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default)]
pub struct Policy {
    pub version: u32,
    pub exclude: Vec<String>,
    pub labels: Labels,
    pub severities: Severities,
    pub runbooks: Runbooks,
    pub source_prefix: SourcePrefix,
    pub streams: Streams,
    pub loki: Loki,
    pub dashboards: Dashboards,
    pub rules: BTreeMap<String, RuleConfig>,
    pub overrides: Vec<Override>,
    pub suppressions: Vec<JsonSuppression>,
    #[serde(skip)]
    compiled: Compiled,
}

#[derive(Debug, Clone, Default)]
struct Compiled {
    exclude: Option<GlobSet>,
    loki_paths: Option<GlobSet>,
    declared_in: Vec<(GlobSet, String)>,
    audit_alert_paths: Option<GlobSet>,
    overrides: Vec<(GlobSet, BTreeMap<String, RuleConfig>)>,
    max_range: Option<Duration>,
}

/// A policy problem, with the policy file's text so it can be rendered.
#[derive(Debug, Clone)]
pub struct PolicyError {
    pub file: String,
    pub text: String,
    pub message: String,
    pub help: Option<String>,
    pub span: Span,
}

fn globset(patterns: &[String]) -> Result<GlobSet, String> {
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        let g = Glob::new(p).map_err(|e| format!("invalid glob `{p}`: {e}"))?;
        b.add(g);
        // `**/x` should also match `x` at the root; globset already does.
    }
    b.build().map_err(|e| e.to_string())
}

/// Merge `over` into `base`: mappings recursively, everything else replaced.
fn merge(base: &mut Value, over: Value) {
    match (base, over) {
        (Value::Object(b), Value::Object(o)) => {
            for (k, v) in o {
                match b.get_mut(&k) {
                    Some(existing) => merge(existing, v),
                    None => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (b, o) => *b = o,
    }
}

/// Parse and validate one policy text into JSON.
fn load_layer(display: &str, text: &str) -> Result<Value, Vec<PolicyError>> {
    let err = |message: String, help: Option<String>, span: Span| PolicyError {
        file: display.to_string(),
        text: text.to_string(),
        message,
        help,
        span,
    };
    let docs = yaml::parse(text);
    if let Some(e) = docs.errors.first() {
        return Err(vec![err(
            format!("invalid YAML: {}", e.message),
            None,
            e.span.clone(),
        )]);
    }
    let Some(doc) = docs.docs.first() else {
        return Ok(Value::Object(Default::default()));
    };
    if doc.is_null() {
        return Ok(Value::Object(Default::default()));
    }
    let schema: Value = serde_json::from_str(POLICY_SCHEMA).unwrap_or(Value::Null);
    let mut errors: Vec<PolicyError> = crate::schema::validate(&schema, doc)
        .into_iter()
        .map(|e| err(e.message, e.help, e.span))
        .collect();
    // Rule names inside `rules:` and `overrides[].rules` must exist.
    let mut rule_maps: Vec<&yaml::Node> = Vec::new();
    if let Some(r) = doc.get("rules") {
        rule_maps.push(r);
    }
    if let Some(ovs) = doc.get("overrides").and_then(yaml::Node::as_seq) {
        for o in ovs {
            if let Some(r) = o.get("rules") {
                rule_maps.push(r);
            }
        }
    }
    let names: Vec<&str> = crate::rules::registry()
        .iter()
        .flat_map(|r| [r.meta().name, r.meta().code])
        .collect();
    for m in rule_maps {
        for (k, _) in m.as_map().unwrap_or(&[]) {
            let key = k.as_str().unwrap_or("");
            if !names.contains(&key) {
                errors.push(err(
                    format!("unknown rule `{key}`"),
                    closest(key, names.iter().copied())
                        .map(|c| format!("did you mean `{c}`?"))
                        .or_else(|| Some("`o11ylint rules` lists every rule".into())),
                    k.span.clone(),
                ));
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(doc.to_json())
}

impl Policy {
    /// The embedded default policy alone.
    pub fn default_policy() -> Policy {
        Policy::load(&[]).unwrap_or_default()
    }

    /// Default policy merged with each `(display name, text)` layer in order.
    pub fn load(layers: &[(String, String)]) -> Result<Policy, Vec<PolicyError>> {
        let mut merged = load_layer("policies/default.yaml (built in)", DEFAULT_POLICY)?;
        for (name, text) in layers {
            let v = load_layer(name, text)?;
            merge(&mut merged, v);
        }
        let mut policy: Policy = serde_json::from_value(merged).map_err(|e| {
            vec![PolicyError {
                file: "policy".into(),
                text: String::new(),
                message: format!("invalid policy: {e}"),
                help: None,
                span: Span::default(),
            }]
        })?;
        policy.compile().map_err(|m| {
            vec![PolicyError {
                file: "policy".into(),
                text: String::new(),
                message: m,
                help: None,
                span: Span::default(),
            }]
        })?;
        Ok(policy)
    }

    /// Find and load the policy for a repository root: `<root>/o11ylint.yaml`
    /// if present, then `extra` (`--policy`).
    pub fn discover(root: &Path, extra: Option<&Path>) -> Result<Policy, Vec<PolicyError>> {
        let mut layers = Vec::new();
        let repo_file = root.join(REPO_POLICY_FILE);
        if repo_file.is_file() {
            layers.push(read_layer(&repo_file, REPO_POLICY_FILE)?);
        }
        if let Some(p) = extra {
            layers.push(read_layer(p, &p.display().to_string())?);
        }
        Policy::load(&layers)
    }

    fn compile(&mut self) -> Result<(), String> {
        let mut c = Compiled {
            exclude: Some(globset(&self.exclude)?),
            loki_paths: Some(globset(&self.loki.paths)?),
            audit_alert_paths: Some(globset(&self.streams.audit_alert_paths)?),
            ..Default::default()
        };
        for d in &self.severities.declared_in {
            c.declared_in
                .push((globset(std::slice::from_ref(&d.path))?, d.severity.clone()));
        }
        for o in &self.overrides {
            c.overrides.push((globset(&o.paths)?, o.rules.clone()));
        }
        if !self.loki.max_range.is_empty() {
            c.max_range = crate::syntax::duration::parse(&self.loki.max_range).ok();
        }
        self.compiled = c;
        Ok(())
    }

    pub fn is_loki_path(&self, rel: &str) -> bool {
        self.compiled
            .loki_paths
            .as_ref()
            .is_some_and(|g| g.is_match(rel))
    }

    pub fn is_excluded(&self, rel: &str) -> bool {
        self.compiled
            .exclude
            .as_ref()
            .is_some_and(|g| g.is_match(rel))
    }

    pub fn is_audit_alert_path(&self, rel: &str) -> bool {
        self.compiled
            .audit_alert_paths
            .as_ref()
            .is_some_and(|g| g.is_match(rel))
    }

    /// The severity an alert declared in `rel` must carry, if the policy says.
    pub fn expected_severity(&self, rel: &str) -> Option<&str> {
        self.compiled
            .declared_in
            .iter()
            .find(|(g, _)| g.is_match(rel))
            .map(|(_, s)| s.as_str())
    }

    pub fn max_loki_range(&self) -> Option<Duration> {
        self.compiled.max_range
    }

    /// Effective configuration of rule (`code`, `name`) for file `rel`.
    pub fn rule_config(&self, code: &str, name: &str, rel: &str) -> RuleConfig {
        let mut cfg = RuleConfig::default();
        let mut apply = |m: &BTreeMap<String, RuleConfig>| {
            for key in [code, name] {
                if let Some(c) = m.get(key) {
                    if c.enabled.is_some() {
                        cfg.enabled = c.enabled;
                    }
                    if c.severity.is_some() {
                        cfg.severity = c.severity.clone();
                    }
                }
            }
        };
        apply(&self.rules);
        for (g, rules) in &self.compiled.overrides {
            if g.is_match(rel) {
                apply(rules);
            }
        }
        cfg
    }

    pub fn rule_enabled(&self, code: &str, name: &str, rel: &str) -> bool {
        self.rule_config(code, name, rel).enabled.unwrap_or(true)
    }

    pub fn rule_severity(&self, code: &str, name: &str, rel: &str, default: Severity) -> Severity {
        self.rule_config(code, name, rel)
            .severity
            .as_deref()
            .and_then(Severity::parse)
            .unwrap_or(default)
    }

    pub fn is_forbidden_label(&self, name: &str) -> bool {
        self.labels.forbidden.iter().any(|f| f == name)
    }

    /// The source prefix of a raw metric name (`vault_core_active` -> `vault`).
    pub fn source_prefix_of<'a>(&'a self, metric: &str) -> Option<&'a str> {
        self.source_prefix
            .prefixes
            .iter()
            .find(|p| {
                metric.len() > p.len() + 1
                    && metric.starts_with(p.as_str())
                    && metric.as_bytes()[p.len()] == b'_'
            })
            .map(String::as_str)
    }
}

fn read_layer(path: &Path, display: &str) -> Result<(String, String), Vec<PolicyError>> {
    std::fs::read_to_string(path)
        .map(|t| (display.to_string(), t))
        .map_err(|e| {
            vec![PolicyError {
                file: display.to_string(),
                text: String::new(),
                message: format!("cannot read policy file: {}", io_message(&e)),
                help: None,
                span: Span::default(),
            }]
        })
}

/// The repository root for `start`: the nearest ancestor with `.git` or an
/// `o11ylint.yaml`, else `start` itself.
pub fn find_root(start: &Path) -> PathBuf {
    let abs = std::fs::canonicalize(start).unwrap_or_else(|_| start.to_path_buf());
    let mut cur: Option<&Path> = Some(&abs);
    while let Some(dir) = cur {
        if dir.join(".git").exists() || dir.join(REPO_POLICY_FILE).is_file() {
            return dir.to_path_buf();
        }
        cur = dir.parent();
    }
    abs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_policy_loads() {
        let p = Policy::default_policy();
        assert!(p.is_forbidden_label("request_path"));
        assert_eq!(
            p.expected_severity("contracts/alerts/critical.yaml"),
            Some("critical")
        );
        assert!(p.is_loki_path("generated/loki/alerts-security.yaml"));
        assert_eq!(p.source_prefix_of("vault_core_active"), Some("vault"));
        assert_eq!(p.source_prefix_of("vaultx_core"), None);
        assert_eq!(p.max_loki_range(), Some(Duration::from_secs(3600)));
    }

    #[test]
    fn layers_merge_and_override() {
        let layer = "labels:\n  forbidden: [x]\nrules:\n  forbidden-label: {severity: warning}\noverrides:\n  - paths: [\"tests/**\"]\n    rules: {runbook-link: {enabled: false}}\n";
        let p = Policy::load(&[("o11ylint.yaml".into(), layer.into())]).unwrap();
        assert_eq!(p.labels.forbidden, vec!["x"]);
        assert_eq!(p.severities.allowed.len(), 4, "untouched keys are kept");
        assert_eq!(
            p.rule_severity("OL200", "forbidden-label", "a.yaml", Severity::Error),
            Severity::Warning
        );
        assert!(!p.rule_enabled("OL400", "runbook-link", "tests/a.yaml"));
        assert!(p.rule_enabled("OL400", "runbook-link", "rules/a.yaml"));
    }

    #[test]
    fn unknown_keys_and_rules_are_located() {
        let text = "labels:\n  forbiden: [x]\nrules:\n  forbiden-label: {enabled: false}\n";
        let errs = Policy::load(&[("o11ylint.yaml".into(), text.into())]).unwrap_err();
        assert_eq!(errs.len(), 2);
        assert_eq!(errs[0].span, Span::new(10, 18));
        assert_eq!(errs[0].help.as_deref(), Some("did you mean `forbidden`?"));
        assert_eq!(
            errs[1].help.as_deref(),
            Some("did you mean `forbidden-label`?")
        );
    }
}
