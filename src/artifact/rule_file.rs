//! Prometheus and Loki rule files (`groups:`), also inside PrometheusRule
//! manifests (`spec.groups`). Each expression is parsed once here; rules read
//! the results.

use crate::artifact::query::{Lang, Parsed};
use crate::artifact::Scalar;
use crate::policy::Policy;
use crate::source::suggest::closest;
use crate::source::Span;
use crate::syntax::logql;
use crate::syntax::promql;
use crate::syntax::yaml::Node;

#[derive(Debug)]
pub struct Expr {
    pub scalar: Scalar,
    pub parsed: Parsed,
}

#[derive(Debug)]
pub struct Rule {
    pub alert: Option<Scalar>,
    pub record: Option<Scalar>,
    pub expr: Option<Expr>,
    pub for_: Option<Scalar>,
    pub keep_firing_for: Option<Scalar>,
    pub labels: Vec<(Scalar, Scalar)>,
    pub annotations: Vec<(Scalar, Scalar)>,
    pub span: Span,
}

impl Rule {
    /// The alert or record name.
    pub fn name(&self) -> Option<&Scalar> {
        self.alert.as_ref().or(self.record.as_ref())
    }
    pub fn is_alert(&self) -> bool {
        self.alert.is_some()
    }
    pub fn label(&self, key: &str) -> Option<&(Scalar, Scalar)> {
        self.labels.iter().find(|(k, _)| k.value == key)
    }
    pub fn annotation(&self, key: &str) -> Option<&(Scalar, Scalar)> {
        self.annotations.iter().find(|(k, _)| k.value == key)
    }
}

#[derive(Debug)]
pub struct Group {
    pub name: Option<Scalar>,
    pub interval: Option<Scalar>,
    pub query_offset: Option<Scalar>,
    pub labels: Vec<(Scalar, Scalar)>,
    pub rules: Vec<Rule>,
    pub span: Span,
}

/// A shape problem (what promtool would refuse to load).
#[derive(Debug, Clone)]
pub struct StructureIssue {
    pub span: Span,
    pub message: String,
    pub help: Option<String>,
}

#[derive(Debug)]
pub struct RuleFile {
    /// Prometheus or Loki rules, by the language of their expressions.
    pub backend: Lang,
    /// Why this backend was chosen (for `--verbose`).
    pub backend_reason: String,
    pub from_manifest: bool,
    pub groups: Vec<Group>,
    pub structure: Vec<StructureIssue>,
}

impl RuleFile {
    pub fn alerts(&self) -> impl Iterator<Item = (&Group, &Rule)> {
        self.groups
            .iter()
            .flat_map(|g| g.rules.iter().map(move |r| (g, r)))
            .filter(|(_, r)| r.is_alert())
    }
    pub fn rules(&self) -> impl Iterator<Item = (&Group, &Rule)> {
        self.groups
            .iter()
            .flat_map(|g| g.rules.iter().map(move |r| (g, r)))
    }
}

/// Keys Prometheus itself reads.
const TOP_KEYS: &[&str] = &["groups"];
const GROUP_KEYS: &[&str] = &[
    "name",
    "interval",
    "query_offset",
    "limit",
    "rules",
    "labels",
];
const RULE_KEYS: &[&str] = &[
    "alert",
    "record",
    "expr",
    "for",
    "keep_firing_for",
    "labels",
    "annotations",
];

/// Keys other rulers add, by dialect: (dialect, where, key, the policy
/// targets that allow it). `any` (and an empty target) allows them all.
const DIALECT_KEYS: &[(&str, Where, &str, &[&str])] = &[
    (
        "Thanos",
        Where::Group,
        "partial_response_strategy",
        &["thanos"],
    ),
    ("Cortex/Mimir", Where::Group, "source_tenants", &["mimir"]),
    ("Cortex/Mimir", Where::Group, "evaluation_delay", &["mimir"]),
    (
        "Cortex/Mimir",
        Where::Group,
        "align_evaluation_time_on_interval",
        &["mimir"],
    ),
    (
        "Cortex/Loki ruler",
        Where::Group,
        "remote_write",
        &["mimir"],
    ),
    ("mimirtool/cortextool", Where::Top, "namespace", &["mimir"]),
    ("vmalert", Where::Group, "concurrency", &["victoriametrics"]),
    ("vmalert", Where::Group, "type", &["victoriametrics"]),
    ("vmalert", Where::Group, "params", &["victoriametrics"]),
    ("vmalert", Where::Group, "headers", &["victoriametrics"]),
    (
        "vmalert",
        Where::Group,
        "notifier_headers",
        &["victoriametrics"],
    ),
    ("vmalert", Where::Group, "eval_offset", &["victoriametrics"]),
    ("vmalert", Where::Group, "eval_delay", &["victoriametrics"]),
    (
        "vmalert",
        Where::Group,
        "eval_alignment",
        &["victoriametrics"],
    ),
    ("vmalert", Where::Group, "tenant", &["victoriametrics"]),
    ("vmalert", Where::Group, "debug", &["victoriametrics"]),
    ("vmalert", Where::Rule, "debug", &["victoriametrics"]),
    (
        "vmalert",
        Where::Rule,
        "update_entries_limit",
        &["victoriametrics"],
    ),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Where {
    Top,
    Group,
    Rule,
}

/// The ruler dialects a policy `target` allows.
fn allows(target: &str, targets: &[&str]) -> bool {
    matches!(target, "" | "any") || targets.contains(&target)
}

/// A Prometheus metric name (the classic character set every ruler accepts).
pub fn is_metric_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// A Prometheus label name (the classic character set).
pub fn is_label_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

struct Builder {
    structure: Vec<StructureIssue>,
    target: String,
}

impl Builder {
    fn issue(&mut self, span: Span, message: impl Into<String>, help: Option<String>) {
        self.structure.push(StructureIssue {
            span,
            message: message.into(),
            help,
        });
    }

    fn unknown_keys(&mut self, node: &Node, allowed: &[&str], what: &str) {
        let place = match what {
            "a rule file" => Where::Top,
            "a rule group" => Where::Group,
            _ => Where::Rule,
        };
        for (k, _) in node.as_map().unwrap_or(&[]) {
            let key = k.as_str().unwrap_or("");
            if allowed.contains(&key) {
                continue;
            }
            if let Some((dialect, _, _, targets)) = DIALECT_KEYS
                .iter()
                .find(|(_, w, dk, _)| *w == place && *dk == key)
            {
                if !allows(&self.target, targets) {
                    self.issue(
                        k.span.clone(),
                        format!(
                            "`{key}` is a {dialect} key, and the policy's target is `{}`",
                            self.target
                        ),
                        Some(format!(
                            "set `target: {}` (or `any`) in o11ylint.yaml if these rules run there; `{}` refuses the file",
                            targets[0], self.target
                        )),
                    );
                }
                continue;
            }
            {
                let help = closest(key, allowed.iter().copied())
                    .map(|c| format!("did you mean `{c}`?"))
                    .unwrap_or_else(|| format!("{what} keys are: {}", allowed.join(", ")));
                self.issue(
                    k.span.clone(),
                    format!("unknown key `{key}` in {what}"),
                    Some(help),
                );
            }
        }
    }

    /// Label names a rule or group sets: valid, and never `__name__`.
    fn label_names(&mut self, labels: &[(Scalar, Scalar)], whose: &str) {
        for (k, _) in labels {
            if k.value == "__name__" {
                self.issue(
                    k.span.clone(),
                    format!("a {whose} cannot set `__name__`; Prometheus refuses the file"),
                    Some("the metric name of a recording rule is its `record`".into()),
                );
            } else if !is_label_name(&k.value) {
                self.issue(
                    k.span.clone(),
                    format!(
                        "label name `{}` is not a valid label name; Prometheus refuses the file",
                        k.value
                    ),
                    Some("label names match [a-zA-Z_][a-zA-Z0-9_]*".into()),
                );
            }
        }
    }

    fn scalar(&mut self, node: &Node, key: &str, what: &str) -> Option<Scalar> {
        let (k, v) = node.entry(key)?;
        match Scalar::from_node(v) {
            Some(s) if !v.is_null() => Some(s),
            _ => {
                self.issue(
                    v.span.clone().cover(&k.span),
                    format!(
                        "`{key}` in {what} must be a string, found a {}",
                        v.type_name()
                    ),
                    None,
                );
                None
            }
        }
    }

    fn string_map(&mut self, node: &Node, key: &str) -> Vec<(Scalar, Scalar)> {
        let Some(v) = node.get(key) else {
            return Vec::new();
        };
        if v.is_null() {
            return Vec::new();
        }
        let Some(entries) = v.as_map() else {
            self.issue(
                v.span.clone(),
                format!(
                    "`{key}` must be a mapping of names to strings, found a {}",
                    v.type_name()
                ),
                None,
            );
            return Vec::new();
        };
        // sized exactly: most rules carry one or two labels (a growing vector
        // starts at four)
        let mut out = Vec::with_capacity(entries.len());
        for (k, val) in entries {
            match (Scalar::from_node(k), Scalar::from_node(val)) {
                (Some(ks), Some(vs)) => out.push((ks, vs)),
                _ => self.issue(
                    val.span.clone(),
                    format!(
                        "values in `{key}` must be strings, found a {}",
                        val.type_name()
                    ),
                    None,
                ),
            }
        }
        out
    }
}

/// Decide whether rule groups hold LogQL: policy path globs first, then
/// content (log pipeline stages or bare stream selectors).
fn decide_backend(rel: &str, roots: &[&Node], policy: &Policy) -> (Lang, String) {
    if policy.is_loki_path(rel) {
        return (Lang::LogQL, "path matches the policy's `loki.paths`".into());
    }
    let markers = [
        "|=",
        "|~",
        "| json",
        "| logfmt",
        "| pattern",
        "| regexp",
        "| line_format",
        "| label_format",
        "| unpack",
        "| unwrap",
        "|json",
        "|logfmt",
    ];
    let mut exprs = Vec::new();
    for root in roots {
        for g in root.get("groups").and_then(Node::as_seq).unwrap_or(&[]) {
            for r in g.get("rules").and_then(Node::as_seq).unwrap_or(&[]) {
                if let Some(e) = r.get_str("expr") {
                    exprs.push(e.to_string());
                }
            }
        }
    }
    // Per expression: LogQL-only (a pipeline stage, or parses as LogQL and
    // not as PromQL), PromQL-only, or both (a bare selector such as
    // `absent_over_time({job="api"}[5m])`). Unambiguous expressions decide
    // the file; `{job="api"} == 0` is PromQL (a LogQL log query cannot be
    // compared).
    let (mut prom_only, mut loki_only, mut ambiguous_range) = (0usize, 0usize, 0usize);
    for e in &exprs {
        if markers.iter().any(|m| e.contains(m)) {
            loki_only += 1;
            continue;
        }
        let prom_ok = promql::analyze(e).is_ok();
        let t = e.trim_start();
        let bare_selector = t.starts_with('{') || e.contains("({");
        if prom_ok && !bare_selector {
            prom_only += 1;
            continue;
        }
        let loki_ok = logql::parse(e).is_ok_and(|x| x.is_metric());
        match (prom_ok, loki_ok) {
            (true, false) => prom_only += 1,
            (false, true) => loki_only += 1,
            (true, true) => {
                let range_over_stream =
                    ["_over_time({", "rate({", "bytes_rate({", "rate_counter({"]
                        .iter()
                        .any(|m| t.contains(m));
                if range_over_stream && !e.contains("__name__") {
                    ambiguous_range += 1;
                }
            }
            (false, false) => {}
        }
    }
    if loki_only > prom_only {
        return (
            Lang::LogQL,
            "an expression contains a LogQL pipeline stage or parses only as LogQL".into(),
        );
    }
    if prom_only == 0 && ambiguous_range > 0 {
        return (
            Lang::LogQL,
            "every expression reads a stream selector without a metric name in a range aggregation"
                .into(),
        );
    }
    (Lang::PromQL, "rule groups with PromQL expressions".into())
}

impl RuleFile {
    /// Build from the nodes that hold `groups:` (a file's document, or the
    /// `spec` of each PrometheusRule manifest).
    pub fn build(
        text: &str,
        roots: &[&Node],
        from_manifest: bool,
        rel: &str,
        policy: &Policy,
    ) -> RuleFile {
        let (backend, backend_reason) = decide_backend(rel, roots, policy);
        let mut b = Builder {
            structure: Vec::new(),
            target: policy.target.clone(),
        };
        let line_of = |at: usize| text.get(..at).map_or(0, |t| t.matches('\n').count()) + 1;
        let mut groups = Vec::new();
        for root in roots {
            if !from_manifest {
                b.unknown_keys(root, TOP_KEYS, "a rule file");
            }
            let Some(gnode) = root.get("groups") else {
                if root.as_map().is_none() {
                    b.issue(
                        root.span.clone(),
                        "`spec` must be a mapping with `groups`",
                        None,
                    );
                }
                continue;
            };
            if gnode.is_null() {
                continue;
            }
            let Some(gs) = gnode.as_seq() else {
                b.issue(
                    gnode.span.clone(),
                    format!(
                        "`groups` must be a list of rule groups, found a {}",
                        gnode.type_name()
                    ),
                    None,
                );
                continue;
            };
            // group names seen in this file (Prometheus refuses repeats)
            let mut seen: Vec<(String, usize)> = Vec::new();
            for g in gs {
                if g.as_map().is_none() {
                    b.issue(
                        g.span.clone(),
                        format!("a rule group must be a mapping, found a {}", g.type_name()),
                        None,
                    );
                    continue;
                }
                b.unknown_keys(g, GROUP_KEYS, "a rule group");
                let name = b.scalar(g, "name", "a rule group");
                if name.is_none() && g.get("name").is_none() {
                    b.issue(Span::empty(g.span.start), "rule group has no `name`", None);
                }
                if let Some(n) = &name {
                    if n.value.is_empty() {
                        b.issue(
                            n.span.clone(),
                            "rule group name is empty; Prometheus refuses the file",
                            None,
                        );
                    } else if let Some((_, first)) = seen.iter().find(|(v, _)| *v == n.value) {
                        b.issue(
                            n.span.clone(),
                            format!(
                                "rule group `{}` is repeated in this file (first at line {}); Prometheus refuses the file",
                                n.value,
                                line_of(*first)
                            ),
                            Some("give each group of a file its own name, or merge them".into()),
                        );
                    } else {
                        seen.push((n.value.clone(), n.span.start));
                    }
                }
                if let Some((k, v)) = g.entry("limit") {
                    let int = v.as_str().is_some_and(|t| t.trim().parse::<i64>().is_ok())
                        && v.style() == Some(crate::syntax::yaml::Style::Plain);
                    if !int {
                        b.issue(
                            v.span.clone().cover(&k.span),
                            "`limit` must be an integer (the most alerts or series a rule may produce)",
                            None,
                        );
                    }
                }
                let interval = b.scalar(g, "interval", "a rule group");
                let query_offset = b.scalar(g, "query_offset", "a rule group");
                let glabels = b.string_map(g, "labels");
                b.label_names(&glabels, "group");
                let mut rules = Vec::new();
                match g.get("rules") {
                    None => {}
                    Some(rn) if rn.is_null() => {}
                    Some(rn) => match rn.as_seq() {
                        None => b.issue(
                            rn.span.clone(),
                            format!("`rules` must be a list, found a {}", rn.type_name()),
                            None,
                        ),
                        Some(rs) => {
                            // sized once: a 10,000-rule group grew by doubling
                            rules.reserve_exact(rs.len());
                            for r in rs {
                                if let Some(rule) = build_rule(&mut b, r, backend) {
                                    rules.push(rule);
                                }
                            }
                        }
                    },
                }
                groups.push(Group {
                    name,
                    interval,
                    query_offset,
                    labels: glabels,
                    rules,
                    span: g.span.clone(),
                });
            }
        }
        RuleFile {
            backend,
            backend_reason,
            from_manifest,
            groups,
            structure: b.structure,
        }
    }
}

fn build_rule(b: &mut Builder, r: &Node, backend: Lang) -> Option<Rule> {
    if r.as_map().is_none() {
        b.issue(
            r.span.clone(),
            format!("a rule must be a mapping, found a {}", r.type_name()),
            None,
        );
        return None;
    }
    b.unknown_keys(r, RULE_KEYS, "a rule");
    let alert = b.scalar(r, "alert", "a rule");
    let record = b.scalar(r, "record", "a rule");
    match (&alert, &record) {
        (Some(a), Some(_)) => b.issue(
            a.span.clone(),
            "a rule has both `alert` and `record`; use one",
            None,
        ),
        (None, None) if r.get("alert").is_none() && r.get("record").is_none() => b.issue(
            Span::empty(r.span.start),
            "a rule needs `alert` or `record`",
            None,
        ),
        _ => {}
    }
    let expr = match b.scalar(r, "expr", "a rule") {
        Some(s) => {
            let parsed = match backend {
                Lang::PromQL => Parsed::Prom(promql::analyze(&s.value)),
                Lang::LogQL => Parsed::Loki(logql::parse(&s.value)),
            };
            Some(Expr { scalar: s, parsed })
        }
        None => {
            if r.get("expr").is_none() {
                b.issue(Span::empty(r.span.start), "a rule needs an `expr`", None);
            }
            None
        }
    };
    let for_ = b.scalar(r, "for", "a rule");
    let keep_firing_for = b.scalar(r, "keep_firing_for", "a rule");
    if record.is_some() {
        for key in ["for", "keep_firing_for", "annotations"] {
            if let Some((k, _)) = r.entry(key) {
                b.issue(
                    k.span.clone(),
                    format!("recording rules cannot have `{key}`"),
                    None,
                );
            }
        }
    }
    for (what, n) in [("alert", &alert), ("record", &record)] {
        if let Some(n) = n.as_ref().filter(|n| n.value.trim().is_empty()) {
            b.issue(
                n.span.clone(),
                format!("`{what}` is empty; Prometheus refuses the file"),
                None,
            );
        }
    }
    if let Some(rec) = record.as_ref().filter(|n| !n.value.trim().is_empty()) {
        if !is_metric_name(&rec.value) {
            let braces = rec.value.contains('{') || rec.value.contains('}');
            b.issue(
                rec.span.clone(),
                if braces {
                    format!(
                        "recording rule name `{}` has braces: a record is a metric name, not a selector",
                        rec.value
                    )
                } else {
                    format!(
                        "recording rule name `{}` is not a valid metric name",
                        rec.value
                    )
                },
                Some(if braces {
                    "set labels under `labels:`, or move the selector into `expr`".into()
                } else {
                    "metric names match [a-zA-Z_:][a-zA-Z0-9_:]*".into()
                }),
            );
        }
    }
    let labels = b.string_map(r, "labels");
    b.label_names(&labels, "rule");
    let annotations = b.string_map(r, "annotations");
    for (k, _) in &annotations {
        if !is_label_name(&k.value) {
            b.issue(
                k.span.clone(),
                format!("annotation name `{}` is not a valid label name; promtool and Prometheus 2 refuse the file", k.value),
                Some("annotation names match [a-zA-Z_][a-zA-Z0-9_]* (Prometheus 3 with UTF-8 names accepts it)".into()),
            );
        }
    }
    Some(Rule {
        alert,
        record,
        expr,
        for_,
        keep_firing_for,
        labels,
        annotations,
        span: r.span.clone(),
    })
}
