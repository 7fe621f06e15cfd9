//! The policy: what is forbidden, which severities exist, where runbooks
//! live, how source prefixes and log streams are named. Data, not code:
//! a built-in profile (`policies/generic.yaml`, the default, or
//! `policies/openbao.yaml`) with a repository's `o11ylint.yaml` and
//! `--policy FILE` merged over it. A policy file names the policy it starts
//! from with `extends:` (a profile name or a path); chains are followed and
//! cycles refused.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use serde_json::Value;

use crate::diag::{RuleMeta, Severity};
use crate::source::suggest::closest;
use crate::source::Span;
use crate::syntax::yaml;

pub const GENERIC_POLICY: &str = include_str!("../../policies/generic.yaml");
pub const OPENBAO_POLICY: &str = include_str!("../../policies/openbao.yaml");
/// The built-in profiles, by the name `extends:` gives them.
pub const PROFILES: &[(&str, &str)] = &[("generic", GENERIC_POLICY), ("openbao", OPENBAO_POLICY)];
/// The profile used when a policy file says no `extends:` (and with no policy file).
pub const DEFAULT_PROFILE: &str = "generic";
pub const POLICY_SCHEMA: &str = include_str!("../../schemas/policy.schema.json");
pub const REPO_POLICY_FILE: &str = "o11ylint.yaml";

/// Largest policy file read (`o11ylint.yaml`, `--policy`, `extends`): a
/// policy is a page of settings; 100,000 exclude globs (2.6 MB) took 890 MB.
pub const MAX_POLICY_BYTES: u64 = 1024 * 1024;

/// Read a policy file through the guarded reader: a regular file (a FIFO
/// cannot block, a device cannot fill memory) under [`MAX_POLICY_BYTES`].
fn read_policy_text(path: &Path) -> Result<String, String> {
    use crate::source::guard::{self, Guard, Links};
    guard::read_text(path, Guard::new(MAX_POLICY_BYTES, Links::Follow)).map_err(|e| e.message())
}

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
    /// Other annotation keys read as the runbook link when `annotation` is absent.
    pub annotation_aliases: Vec<String>,
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
    /// `duplicate-rule` only (the schema refuses it elsewhere): `file`
    /// compares the rules of each file, `folder` also the files of one folder.
    pub scope: Option<String>,
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
    /// The ruler reading the rule files (`any`, `prometheus`, `thanos`,
    /// `mimir`, `victoriametrics`).
    pub target: String,
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

/// A value of the merged policy that does not compile: the message, and
/// the value as written (to find where the user wrote it).
type CompileError = (String, Option<String>);

/// Most globs in one list of the policy (`exclude`, `loki.paths`, one
/// override's `paths`, ...): 100,000 `exclude` globs took 890 MB to compile.
pub const MAX_GLOBS: usize = 5_000;

fn globset(patterns: &[String]) -> Result<GlobSet, CompileError> {
    if patterns.len() > MAX_GLOBS {
        return Err((
            format!(
                "{} globs in one list, over the limit of {MAX_GLOBS}; use broader globs (`vendor/**`)",
                patterns.len()
            ),
            patterns.get(MAX_GLOBS).cloned(),
        ));
    }
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        let g = Glob::new(p).map_err(|e| {
            (
                format!(
                    "invalid glob `{}`: {e}",
                    crate::diag::escape::excerpt(p, 80)
                ),
                Some(p.clone()),
            )
        })?;
        b.add(g);
        // `**/x` should also match `x` at the root; globset already does.
    }
    b.build().map_err(|e| (e.to_string(), None))
}

/// Where `value` is written as a YAML string in `layers` (the last layer
/// first: it is the one that won the merge), for a located error.
fn locate(layers: &[Layer], value: &str) -> Option<(String, String, Span)> {
    fn find(n: &crate::syntax::yaml::Node, value: &str) -> Option<Span> {
        use crate::syntax::yaml::Kind;
        match &n.kind {
            Kind::Scalar { value: v, .. } if v == value && !n.from_alias => Some(n.span.clone()),
            Kind::Scalar { .. } => None,
            Kind::Seq(items) => items.iter().find_map(|i| find(i, value)),
            Kind::Map(m) => m.iter().find_map(|(_, v)| find(v, value)),
        }
    }
    layers.iter().rev().find_map(|l| {
        let docs = crate::syntax::yaml::parse(&l.text);
        docs.docs
            .iter()
            .find_map(|d| find(d, value))
            .map(|span| (l.display.clone(), l.text.clone(), span))
    })
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

/// One policy text: where it comes from (for messages and relative
/// `extends:` paths) and its content.
#[derive(Debug, Clone)]
pub struct Layer {
    pub display: String,
    pub text: String,
    /// Directory relative `extends:` paths are resolved from (`None`: the
    /// current directory).
    pub dir: Option<PathBuf>,
}

/// A parsed layer: its JSON without `extends`, and `extends` with its span.
type Parsed = (Value, Option<(String, Span)>);

/// The rules a policy may name (keys of `rules:` and `overrides[].rules`),
/// handed in by the caller (`rules::catalog()`): configuration does not know
/// the rules.
pub type Catalog<'a> = &'a [&'static RuleMeta];

/// Parse and validate one policy text into JSON. Rule names are checked
/// against `catalog`, except in built-in profiles (`None`; a test checks
/// those against the rules).
fn load_layer(
    display: &str,
    text: &str,
    catalog: Option<Catalog<'_>>,
) -> Result<Parsed, Vec<PolicyError>> {
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
        return Ok((Value::Object(Default::default()), None));
    };
    if doc.is_null() {
        return Ok((Value::Object(Default::default()), None));
    }
    let schema: Value = serde_json::from_str(POLICY_SCHEMA).unwrap_or(Value::Null);
    let mut errors: Vec<PolicyError> = crate::syntax::schema::validate(&schema, doc)
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
    let names: Vec<&str> = catalog
        .unwrap_or_default()
        .iter()
        .flat_map(|m| [m.name, m.code])
        .collect();
    for m in rule_maps.into_iter().filter(|_| catalog.is_some()) {
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
    let extends = doc
        .get("extends")
        .and_then(|n| Some((n.as_str()?.to_string(), n.span.clone())));
    let mut json = doc.to_json();
    if let Value::Object(m) = &mut json {
        m.remove("extends");
    }
    Ok((json, extends))
}

/// The text of built-in profile `name`.
pub fn profile_text(name: &str) -> Option<&'static str> {
    PROFILES.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// Whether an `extends:` value names a file rather than a profile.
fn is_path_like(v: &str) -> bool {
    v.contains('/') || v.contains('\\') || v.ends_with(".yaml") || v.ends_with(".yml")
}

/// One layer with its `extends:` chain resolved: the chain's policies merged
/// in order, this layer last. `stack` holds the identities of the layers
/// being resolved (for cycles) and their display names.
fn resolve_layer(
    layer: &Layer,
    id: String,
    stack: &mut Vec<(String, String)>,
    catalog: Catalog<'_>,
) -> Result<Value, Vec<PolicyError>> {
    let built_in = id.starts_with("profile:");
    let (value, extends) = load_layer(&layer.display, &layer.text, (!built_in).then_some(catalog))?;
    let Some((parent, span)) = extends else {
        return Ok(value);
    };
    let err = |message: String, help: Option<String>| {
        vec![PolicyError {
            file: layer.display.clone(),
            text: layer.text.clone(),
            message,
            help,
            span: span.clone(),
        }]
    };
    if stack.len() > 32 {
        return Err(err("`extends` chain deeper than 32 policies".into(), None));
    }
    let (parent_layer, parent_id) = if let Some(text) = profile_text(&parent) {
        (
            Layer {
                display: format!("policies/{parent}.yaml (built in)"),
                text: text.to_string(),
                dir: None,
            },
            format!("profile:{parent}"),
        )
    } else if is_path_like(&parent) {
        let base = layer.dir.clone().unwrap_or_default();
        if id.starts_with("profile:") {
            return Err(err(
                format!("built-in profile extends a file `{parent}`"),
                None,
            ));
        }
        let path = base.join(&parent);
        let text = match read_policy_text(&path) {
            Ok(t) => t,
            Err(e) => {
                return Err(err(
                    format!("cannot read policy `{parent}` named by `extends`: {e}"),
                    Some(format!("looked for `{}`", path.display())),
                ))
            }
        };
        let canon = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
        (
            Layer {
                display: path.display().to_string(),
                text,
                dir: canon.parent().map(Path::to_path_buf),
            },
            format!("file:{}", canon.display()),
        )
    } else {
        let names = PROFILES.iter().map(|(n, _)| *n);
        let help = match closest(&parent, names) {
            Some(c) => format!("did you mean `{c}`?"),
            None => format!(
                "built-in profiles: {}; a policy file is named by its path (`./base.yaml`)",
                PROFILES
                    .iter()
                    .map(|(n, _)| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        return Err(err(format!("unknown profile `{parent}`"), Some(help)));
    };
    if stack.iter().any(|(i, _)| *i == parent_id) {
        let chain: Vec<&str> = stack
            .iter()
            .map(|(_, d)| d.as_str())
            .chain([parent_layer.display.as_str()])
            .collect();
        return Err(err(
            format!("`extends` cycle: {}", chain.join(" -> ")),
            Some("a policy cannot extend itself, directly or through others".into()),
        ));
    }
    stack.push((parent_id.clone(), parent_layer.display.clone()));
    let mut merged = resolve_layer(&parent_layer, parent_id, stack, catalog)?;
    stack.pop();
    merge(&mut merged, value);
    Ok(merged)
}

impl Policy {
    /// The built-in default profile (`generic`) alone: the policy of a
    /// repository without `o11ylint.yaml`.
    pub fn default_policy() -> Policy {
        // only built-in text: no rule name to check
        Policy::load(&[], &[]).unwrap_or_default()
    }

    /// Built-in profile `name` (`generic`, `openbao`) alone.
    pub fn profile(name: &str) -> Option<Policy> {
        profile_text(name)?;
        Policy::load(&[("profile".into(), format!("extends: {name}\n"))], &[]).ok()
    }

    /// Default profile merged with each `(display name, text)` layer in order;
    /// relative `extends:` paths resolve from the current directory.
    pub fn load(
        layers: &[(String, String)],
        catalog: Catalog<'_>,
    ) -> Result<Policy, Vec<PolicyError>> {
        let layers: Vec<Layer> = layers
            .iter()
            .map(|(display, text)| Layer {
                display: display.clone(),
                text: text.clone(),
                dir: None,
            })
            .collect();
        Policy::load_layers(&layers, catalog)
    }

    /// The default profile, then each layer (its `extends:` chain first)
    /// merged over it in order.
    pub fn load_layers(layers: &[Layer], catalog: Catalog<'_>) -> Result<Policy, Vec<PolicyError>> {
        let base = Layer {
            display: format!("policies/{DEFAULT_PROFILE}.yaml (built in)"),
            text: profile_text(DEFAULT_PROFILE)
                .unwrap_or_default()
                .to_string(),
            dir: None,
        };
        let base_id = format!("profile:{DEFAULT_PROFILE}");
        let mut merged = resolve_layer(
            &base,
            base_id.clone(),
            &mut vec![(base_id, base.display.clone())],
            catalog,
        )?;
        for layer in layers {
            let file_name = Path::new(&layer.display)
                .file_name()
                .map(Path::new)
                .unwrap_or(Path::new(""));
            let id = match &layer.dir {
                Some(d) => format!("file:{}", d.join(file_name).display()),
                None => format!("file:{}", layer.display),
            };
            let v = resolve_layer(
                layer,
                id.clone(),
                &mut vec![(id, layer.display.clone())],
                catalog,
            )?;
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
        policy.compile().map_err(|(message, value)| {
            let at = value.and_then(|v| locate(layers, &v));
            let (file, text, span) =
                at.unwrap_or_else(|| ("policy".into(), String::new(), Span::default()));
            vec![PolicyError {
                file,
                text,
                message,
                help: None,
                span,
            }]
        })?;
        Ok(policy)
    }

    /// Find and load the policy for a repository root: `<root>/o11ylint.yaml`
    /// if present, then `extra` (`--policy`).
    pub fn discover(
        root: &Path,
        extra: Option<&Path>,
        catalog: Catalog<'_>,
    ) -> Result<Policy, Vec<PolicyError>> {
        let mut layers = Vec::new();
        let repo_file = root.join(REPO_POLICY_FILE);
        // anything named `o11ylint.yaml` is read (a directory or a device
        // is an error, never silently the default policy)
        if std::fs::symlink_metadata(&repo_file).is_ok() {
            layers.push(read_layer(&repo_file, REPO_POLICY_FILE)?);
        }
        if let Some(p) = extra {
            layers.push(read_layer(p, &p.display().to_string())?);
        }
        Policy::load_layers(&layers, catalog)
    }

    fn compile(&mut self) -> Result<(), CompileError> {
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
            // a value that does not parse (or overflows) is an error, never
            // a silently disabled check
            let r = &self.loki.max_range;
            c.max_range = Some(crate::syntax::duration::parse(r).map_err(|e| {
                (
                    format!(
                        "loki.max_range `{}`: {e}",
                        crate::diag::escape::excerpt(r, 80)
                    ),
                    Some(r.clone()),
                )
            })?);
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
                    if c.scope.is_some() {
                        cfg.scope = c.scope.clone();
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

fn read_layer(path: &Path, display: &str) -> Result<Layer, Vec<PolicyError>> {
    let canon = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    read_policy_text(path)
        .map(|text| Layer {
            display: display.to_string(),
            text,
            dir: canon.parent().map(Path::to_path_buf),
        })
        .map_err(|e| {
            vec![PolicyError {
                file: display.to_string(),
                text: String::new(),
                message: format!("cannot read policy file: {e}"),
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
    fn default_policy_is_generic() {
        let p = Policy::default_policy();
        assert!(p.is_forbidden_label("trace_id"));
        assert!(p.is_forbidden_label("request_path"));
        assert!(p.severities.allowed.is_empty());
        assert!(!p.runbooks.required);
        assert!(!p.rule_enabled("OL600", "source-prefix", "a.yaml"));
        assert!(!p.rule_enabled("OL300", "stream-separation", "a.yaml"));
        assert!(p.rule_enabled("OL200", "forbidden-label", "a.yaml"));
        assert_eq!(p.expected_severity("contracts/alerts/critical.yaml"), None);
        assert_eq!(p.source_prefix_of("vault_core_active"), None);
        assert_eq!(p.max_loki_range(), Some(Duration::from_secs(3600)));
    }

    #[test]
    fn built_in_profiles_name_only_existing_rules() {
        // built-in text skips the rule-name check when loaded; check it here
        for (name, text) in PROFILES {
            let r = load_layer(name, text, Some(crate::rules::catalog()));
            assert!(r.is_ok(), "profile {name}: {:?}", r.err());
        }
    }

    #[test]
    fn openbao_profile_loads() {
        let p = Policy::profile("openbao").unwrap();
        assert!(p.is_forbidden_label("request_path"));
        assert!(!p.is_forbidden_label("trace_id"), "lists replace");
        assert_eq!(
            p.expected_severity("contracts/alerts/critical.yaml"),
            Some("critical")
        );
        assert!(p.runbooks.required);
        assert!(p.rule_enabled("OL600", "source-prefix", "a.yaml"));
        assert!(p.is_loki_path("generated/loki/alerts-security.yaml"));
        assert_eq!(p.source_prefix_of("vault_core_active"), Some("vault"));
        assert_eq!(p.source_prefix_of("vaultx_core"), None);
        assert!(Policy::profile("nope").is_none());
    }

    #[test]
    fn layers_merge_and_override() {
        let layer = "extends: openbao\nlabels:\n  forbidden: [x]\nrules:\n  forbidden-label: {severity: warning}\noverrides:\n  - paths: [\"tests/**\"]\n    rules: {runbook-link: {enabled: false}}\n";
        let p = Policy::load(
            &[("o11ylint.yaml".into(), layer.into())],
            crate::rules::catalog(),
        )
        .unwrap();
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
    fn without_extends_a_file_starts_from_generic() {
        let p = Policy::load(
            &[("o11ylint.yaml".into(), "exclude: [x]\n".into())],
            crate::rules::catalog(),
        )
        .unwrap();
        assert!(p.severities.allowed.is_empty());
        assert_eq!(p.exclude, vec!["x"]);
    }

    fn tmp(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("o11ylint-policy-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn extends_chains_through_files() {
        let d = tmp("chain");
        std::fs::write(
            d.join("base.yaml"),
            "extends: openbao\nseverities:\n  allowed: [page, ticket]\n",
        )
        .unwrap();
        std::fs::create_dir_all(d.join("team")).unwrap();
        std::fs::write(
            d.join("team/mid.yaml"),
            "extends: ../base.yaml\nexclude: [vendor/**]\n",
        )
        .unwrap();
        std::fs::write(
            d.join(REPO_POLICY_FILE),
            "extends: team/mid.yaml\nlabels:\n  forbidden: [pod]\n",
        )
        .unwrap();
        let p = Policy::discover(&d, None, crate::rules::catalog()).unwrap();
        assert_eq!(p.severities.allowed, vec!["page", "ticket"]);
        assert_eq!(p.exclude, vec!["vendor/**"]);
        assert_eq!(p.labels.forbidden, vec!["pod"]);
        assert!(p.runbooks.required, "from openbao at the chain's end");
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn extends_cycles_are_refused_with_a_location() {
        let d = tmp("cycle");
        std::fs::write(d.join("a.yaml"), "extends: ./b.yaml\n").unwrap();
        std::fs::write(d.join("b.yaml"), "version: 1\nextends: ./a.yaml\n").unwrap();
        std::fs::write(d.join(REPO_POLICY_FILE), "extends: a.yaml\n").unwrap();
        let errs = Policy::discover(&d, None, crate::rules::catalog()).unwrap_err();
        assert_eq!(errs.len(), 1);
        let e = &errs[0];
        assert!(e.message.starts_with("`extends` cycle: "), "{}", e.message);
        assert!(e.message.contains("a.yaml -> "), "{}", e.message);
        assert!(e.file.ends_with("b.yaml"), "{}", e.file);
        assert_eq!(e.span, Span::new(20, 28), "the `extends` value in b.yaml");
        // a file extending itself
        std::fs::write(d.join(REPO_POLICY_FILE), "extends: ./o11ylint.yaml\n").unwrap();
        let errs = Policy::discover(&d, None, crate::rules::catalog()).unwrap_err();
        assert!(errs[0].message.contains("cycle"), "{}", errs[0].message);
        assert_eq!(errs[0].span, Span::new(9, 24));
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn unknown_profiles_get_did_you_mean() {
        let errs = Policy::load(
            &[("o11ylint.yaml".into(), "extends: openboa\n".into())],
            crate::rules::catalog(),
        )
        .unwrap_err();
        assert_eq!(errs[0].message, "unknown profile `openboa`");
        assert_eq!(errs[0].help.as_deref(), Some("did you mean `openbao`?"));
        assert_eq!(errs[0].span, Span::new(9, 16));
        let errs = Policy::load(
            &[("o11ylint.yaml".into(), "extends: strict\n".into())],
            crate::rules::catalog(),
        )
        .unwrap_err();
        assert!(errs[0]
            .help
            .as_deref()
            .unwrap()
            .contains("`generic`, `openbao`"));
        let errs = Policy::load(
            &[(
                "o11ylint.yaml".into(),
                "extends: ./missing-o11ylint-base.yaml\n".into(),
            )],
            crate::rules::catalog(),
        )
        .unwrap_err();
        assert!(
            errs[0].message.starts_with("cannot read policy"),
            "{}",
            errs[0].message
        );
    }

    #[test]
    fn unknown_keys_and_rules_are_located() {
        let text = "labels:\n  forbiden: [x]\nrules:\n  forbiden-label: {enabled: false}\n";
        let errs = Policy::load(
            &[("o11ylint.yaml".into(), text.into())],
            crate::rules::catalog(),
        )
        .unwrap_err();
        assert_eq!(errs.len(), 2);
        assert_eq!(errs[0].span, Span::new(10, 18));
        assert_eq!(errs[0].help.as_deref(), Some("did you mean `forbidden`?"));
        assert_eq!(
            errs[1].help.as_deref(),
            Some("did you mean `forbidden-label`?")
        );
    }

    #[test]
    fn duplicate_rule_scope_is_a_setting_of_that_rule_only() {
        let load = |text: &str| {
            Policy::load(
                &[("o11ylint.yaml".into(), text.into())],
                crate::rules::catalog(),
            )
        };
        // generic says `file`, openbao `folder`; overrides apply per path
        let p = load("overrides:\n  - paths: [\"a/**\"]\n    rules: {OL700: {scope: folder}}\n")
            .unwrap();
        let scope = |p: &Policy, rel: &str| {
            p.rule_config("OL700", "duplicate-rule", rel)
                .scope
                .unwrap_or_default()
        };
        assert_eq!(scope(&p, "b/x.yaml"), "file");
        assert_eq!(scope(&p, "a/x.yaml"), "folder");
        let p = load("extends: openbao\n").unwrap();
        assert_eq!(scope(&p, "generated/prometheus/x.yaml"), "folder");
        // an unknown value, and `scope` on another rule, are refused with a location
        let errs = load("rules:\n  duplicate-rule: {scope: repo}\n").unwrap_err();
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert!(errs[0].message.contains("scope"), "{}", errs[0].message);
        let errs = load("rules:\n  runbook-link: {scope: folder}\n").unwrap_err();
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert!(
            errs[0].message.contains("unknown key `scope`"),
            "{}",
            errs[0].message
        );
    }
}
