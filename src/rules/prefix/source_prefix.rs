//! Raw source-prefixed metrics stay in the `openbao:*` recording layer.

use crate::artifact::contract::ExprRole;
use crate::artifact::dashboard::Dashboard;
use crate::artifact::query::{Owner, QueryRef};
use crate::artifact::rule_file::{Rule as RuleDef, RuleFile};
use crate::diag::Fix;
use crate::rules::{Ctx, Rule};
use crate::source::Span;
use crate::syntax::promql::Analysis;

crate::declare_rule! {
    pub struct SourcePrefix {
        code: "OL600",
        name: "source-prefix",
        family: Prefix,
        severity: Error,
        fix: Sometimes,
        summary: "Raw source-prefixed metrics outside the normalising recording-rule layer",
    }
}

/// `openbao:<metric>:<aggregation>`
fn well_named(record: &str, ns: &str) -> bool {
    let Some(rest) = record.strip_prefix(ns) else {
        return false;
    };
    let mut parts = rest.split(':');
    // metric names keep their source casing (database_NewUser); aggregations are lower case
    let metric_ok = parts
        .next()
        .is_some_and(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
    let agg_ok = parts.next().is_some_and(|p| {
        !p.is_empty()
            && p.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    });
    metric_ok && agg_ok && parts.next().is_none()
}

impl Rule for SourcePrefix {
    /// Every PromQL expression: rule files, contracts and dashboards each
    /// have their own layer rules (below).
    fn check_query(&self, cx: &mut Ctx<'_>, q: &QueryRef<'_>) {
        if cx.policy.source_prefix.prefixes.is_empty() {
            return;
        }
        let Some(a) = q.parsed.prom() else { return };
        match q.owner {
            Owner::Alert { rule, .. } | Owner::Recording { rule, .. } => rule_expr(cx, q, a, rule),
            Owner::Contract(role) => contract_expr(cx, q, a, role),
            Owner::Target { .. } | Owner::Variable(_) => dashboard_query(cx, q, a),
        }
    }

    /// One rule file reads one source prefix (the generator writes a file
    /// per prefix).
    fn check_rule_file(&self, cx: &mut Ctx<'_>, rf: &RuleFile) {
        let policy = cx.policy;
        if policy.source_prefix.prefixes.is_empty() {
            return;
        }
        let mut first_use: Option<(&str, Span)> = None;
        for q in rf.rules().filter_map(|(g, r)| QueryRef::rule(g, r)) {
            let Some(a) = q.parsed.prom() else { continue };
            for m in &a.facts.metrics {
                let Some(prefix) = policy.source_prefix_of(&m.name) else {
                    continue;
                };
                let span = q.span(&cx.file.text, m.span.clone());
                match &first_use {
                    None => first_use = Some((prefix, span)),
                    Some((p, first_span)) if *p != prefix => {
                        let (p, first_span) = (p.to_string(), first_span.clone());
                        let file = cx.file.clone();
                        cx.report(&META, span, format!("file mixes source prefixes `{p}_` and `{prefix}_`"))
                            .label(format!("`{prefix}_` here"))
                            .related(&file, first_span, format!("`{p}_` first used here"))
                            .help("generate one recording-rule file per prefix (`o11ylint generate --source-prefix`)");
                        return;
                    }
                    _ => {}
                }
            }
        }
    }

    /// Dashboard variables that list raw source-prefixed metric names.
    fn check_dashboard(&self, cx: &mut Ctx<'_>, d: &Dashboard) {
        let policy = cx.policy;
        if policy.source_prefix.prefixes.is_empty() {
            return;
        }
        let ns = &policy.source_prefix.recording_namespace;
        for v in &d.variables {
            let Some((re, span)) = &v.metric_regex else {
                continue;
            };
            if regex_mentions_prefix(&policy.source_prefix.prefixes, re) {
                let name = v.name.as_ref().map(|n| n.value.as_str()).unwrap_or("?");
                cx.report(
                    &META,
                    span.clone(),
                    format!("variable `${name}` lists raw source-prefixed metric names"),
                )
                .label("prefix regex")
                .help(format!(
                    "list the normalised series instead, e.g. `metrics({ns}.*)`"
                ));
            }
        }
    }
}

/// A rule file's expression: raw source metrics only in recording rules of
/// the namespace, which are named `<ns><metric>:<aggregation>`.
fn rule_expr(cx: &mut Ctx<'_>, q: &QueryRef<'_>, a: &Analysis, rule: &RuleDef) {
    let policy = cx.policy;
    let ns = policy.source_prefix.recording_namespace.as_str();
    let in_layer = rule
        .record
        .as_ref()
        .is_some_and(|r| !ns.is_empty() && r.value.starts_with(ns));
    let mut raw_used = false;
    for m in &a.facts.metrics {
        let Some(prefix) = policy.source_prefix_of(&m.name) else {
            continue;
        };
        raw_used = true;
        if in_layer {
            continue;
        }
        let span = q.span(&cx.file.text, m.span.clone());
        let stripped = &m.name[prefix.len() + 1..];
        let replacement = policy.source_prefix.replacements.get(stripped).cloned();
        let d = cx.report(
            &META,
            span.clone(),
            format!(
                "raw source-prefixed metric `{}` used outside the recording-rule layer",
                m.name
            ),
        );
        d.label("raw metric");
        match replacement {
            Some(r) => {
                d.help(format!(
                    "use `{r}` (the policy's replacement for `{stripped}`)"
                ));
                d.fix(Fix::safe_edit(format!("Read `{r}`"), span, r));
            }
            None => {
                d.help(format!(
                    "read the normalised series instead, e.g. `{ns}{stripped}:<aggregation>`, produced by a recording rule for each source prefix"
                ));
            }
        }
    }
    for mu in &a.facts.matchers {
        if mu.label != "__name__" {
            continue;
        }
        let regex = mu.op == "=~" || mu.op == "!~";
        let mentions = policy
            .source_prefix
            .prefixes
            .iter()
            .any(|p| mu.value.contains(p.as_str()));
        if regex && mentions {
            let span = q.span(&cx.file.text, mu.value_span.clone());
            cx.report(&META, span, "`__name__` regex over source prefixes")
                .label("prefix regex")
                .help(format!(
                    "normalise each prefix with a recording rule into `{ns}*` and query that"
                ));
        } else if !regex && policy.source_prefix_of(&mu.value).is_some() && !in_layer {
            let span = q.span(&cx.file.text, mu.value_span.clone());
            cx.report(
                &META,
                span,
                format!(
                    "raw source-prefixed metric `{}` used outside the recording-rule layer",
                    mu.value
                ),
            )
            .label("raw metric");
        }
    }
    if let Some(record) = &rule.record {
        if raw_used && !in_layer {
            cx.report(
                &META,
                record.span.clone(),
                format!(
                    "recording rule `{}` reads raw source metrics but records outside `{ns}`",
                    record.value
                ),
            )
            .label("record name")
            .help(format!(
                "name normalising rules `{ns}<metric>:<aggregation>`"
            ));
        } else if in_layer && !well_named(&record.value, ns) {
            cx.report(
                &META,
                record.span.clone(),
                format!(
                    "recording rule `{}` does not follow `{ns}<metric>:<aggregation>`",
                    record.value
                ),
            )
            .label("record name");
        }
    }
}

/// Contracts never name raw source metrics: recordings use `${source}`, and
/// alerts and dashboards read the normalised namespace.
fn contract_expr(cx: &mut Ctx<'_>, q: &QueryRef<'_>, a: &Analysis, role: ExprRole) {
    let ns = cx.policy.source_prefix.recording_namespace.clone();
    let recording = matches!(role, ExprRole::Recording { .. });
    for m in &a.facts.metrics {
        let Some(prefix) = cx.policy.source_prefix_of(&m.name) else {
            continue;
        };
        let stripped = m.name[prefix.len() + 1..].to_string();
        let span = q.span(&cx.file.text, m.span.clone());
        if recording {
            cx.report(
                &META,
                span,
                format!("recording expression names `{}` literally", m.name),
            )
            .label("literal source name")
            .help("write `${source}` so the generator produces the rule for every source prefix");
        } else {
            cx.report(
                &META,
                span,
                format!(
                    "raw source-prefixed metric `{}` used outside the recording-rule layer",
                    m.name
                ),
            )
            .label("raw metric")
            .help(format!(
                "read the normalised series instead, e.g. `{ns}{stripped}:<aggregation>`"
            ));
        }
    }
    for mu in &a.facts.matchers {
        let regex = mu.op == "=~" || mu.op == "!~";
        let mentions = cx
            .policy
            .source_prefix
            .prefixes
            .iter()
            .any(|p| mu.value.contains(p.as_str()));
        if mu.label == "__name__" && regex && mentions {
            let span = q.span(&cx.file.text, mu.value_span.clone());
            cx.report(&META, span, "`__name__` regex over source prefixes")
                .label("prefix regex")
                .help(format!(
                    "normalise each prefix with a recording rule into `{ns}*` and query that"
                ));
        }
    }
}

/// Dashboards read the normalised `openbao:*` recording rules, not raw
/// `vault_*`/`openbao_*` metrics or `__name__` regexes.
fn dashboard_query(cx: &mut Ctx<'_>, q: &QueryRef<'_>, a: &Analysis) {
    let policy = cx.policy;
    let ns = &policy.source_prefix.recording_namespace;
    let file = cx.file;
    for m in &a.facts.metrics {
        let Some(prefix) = policy.source_prefix_of(&m.name) else {
            continue;
        };
        let stripped = m.name.get(prefix.len() + 1..).unwrap_or("");
        cx.report(
            &META,
            q.span(&file.text, m.span.clone()),
            format!(
                "{} reads raw source-prefixed metric `{}`",
                q.describe(),
                m.name
            ),
        )
        .label("raw metric")
        .help(format!(
            "read the normalised series instead, e.g. `{ns}{stripped}:<aggregation>`, so the dashboard works for every source prefix"
        ));
    }
    for mu in &a.facts.matchers {
        if mu.label != "__name__" {
            continue;
        }
        let regex = mu.op == "=~" || mu.op == "!~";
        if regex && regex_mentions_prefix(&policy.source_prefix.prefixes, &mu.value) {
            cx.report(
                &META,
                q.span(&file.text, mu.value_span.clone()),
                format!(
                    "{} selects metrics by a `__name__` regex over source prefixes",
                    q.describe()
                ),
            )
            .label("prefix regex")
            .help(format!(
                "normalise each prefix with a recording rule into `{ns}*` and query that"
            ));
        } else if !regex && policy.source_prefix_of(&mu.value).is_some() {
            cx.report(
                &META,
                q.span(&file.text, mu.value_span.clone()),
                format!(
                    "{} reads raw source-prefixed metric `{}`",
                    q.describe(),
                    mu.value
                ),
            )
            .label("raw metric")
            .help(format!("read the normalised `{ns}*` series instead"));
        }
    }
}

/// Whether a regex over metric names can reach raw `<prefix>_*` names: it
/// spells `vault_`, or ends an alternative or group with the prefix
/// (`(vault|openbao)_.+`).
fn regex_mentions_prefix(prefixes: &[String], re: &str) -> bool {
    prefixes.iter().any(|p| {
        [format!("{p}_"), format!("{p})"), format!("{p}|")]
            .iter()
            .any(|needle| re.contains(needle.as_str()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_regexes() {
        let p = vec!["vault".to_string(), "openbao".to_string()];
        assert!(regex_mentions_prefix(&p, "vault_.*"));
        assert!(regex_mentions_prefix(&p, "(vault|openbao)_.+"));
        assert!(!regex_mentions_prefix(&p, "openbao:.+"));
    }
    #[test]
    fn naming() {
        assert!(well_named("openbao:core_active:max", "openbao:"));
        assert!(!well_named("openbao:core_active", "openbao:"));
        assert!(well_named("openbao:database_NewUser:rate5m", "openbao:"));
        assert!(!well_named("openbao:core:Max", "openbao:"));
        assert!(!well_named("openbao:a:b:c", "openbao:"));
    }
}
