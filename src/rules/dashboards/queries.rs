//! Query checks in dashboards: syntax, forbidden labels, source prefixes.
//! Each function is the `Artifact::Dashboard` arm of the rule of that name.

use crate::artifact::dashboard::{Dashboard, Lang, Parsed, Query};
use crate::rules::dashboards::{queries, via_variable, Owner, RefDisplay};
use crate::rules::labels::forbidden_label::check_query;
use crate::rules::syntax::logql_syntax::strip_position;
use crate::rules::{Ctx, RuleMeta};

/// The label of a syntax error: where, and through which variable.
fn error_label(q: &Query, r: &std::ops::Range<usize>) -> String {
    match q.var_at(r) {
        Some(v) => format!("after substituting `{}`", v.name_display()),
        None => "here".into(),
    }
}

/// A query variable whose `label_values(...)`/`label_names(...)` call is
/// malformed, in language `lang`.
fn malformed_variables(cx: &mut Ctx<'_>, d: &Dashboard, lang: Lang, meta: &'static RuleMeta) {
    for v in &d.variables {
        let Some((why, span)) = &v.malformed else {
            continue;
        };
        if v.datasource.lang() != Some(lang) {
            continue;
        }
        cx.report(
            meta,
            span.clone(),
            format!("invalid variable query in {}: {why}", Owner::Variable(v).describe()),
        )
        .label("here")
        .help("Grafana sends this query to the datasource, which rejects it; the variable stays empty");
    }
}

/// `promql-syntax`: every PromQL target and query variable parses.
pub fn promql_syntax(cx: &mut Ctx<'_>, d: &Dashboard, meta: &'static RuleMeta) {
    malformed_variables(cx, d, Lang::PromQL, meta);
    for (owner, q) in queries(d) {
        let Parsed::Prom(Err(e)) = &q.parsed else {
            continue;
        };
        if q.other_lang.is_some() {
            continue; // datasource-language says it better
        }
        let span = q.span(&cx.file.text, e.span.clone());
        if e.budget {
            let m = format!("{}: {}", owner.describe(), e.message);
            crate::rules::syntax::promql_syntax::budget(cx, span, &m);
            continue;
        }
        let label = error_label(q, &e.span);
        cx.report(
            meta,
            span,
            format!("invalid PromQL in {}: {}", owner.describe(), e.message),
        )
        .label(label)
        .help("Grafana sends the query as written after replacing variables; fix it in the query editor or the JSON, see `o11ylint explain promql-syntax`");
    }
}

/// `logql-syntax`: every LogQL target and query variable parses.
pub fn logql_syntax(cx: &mut Ctx<'_>, d: &Dashboard, meta: &'static RuleMeta) {
    malformed_variables(cx, d, Lang::LogQL, meta);
    for (owner, q) in queries(d) {
        let Parsed::Loki(Err(e)) = &q.parsed else {
            continue;
        };
        if q.other_lang.is_some() {
            continue;
        }
        let span = q.span(&cx.file.text, e.span.clone());
        let label = error_label(q, &e.span);
        cx.report(
            meta,
            span,
            format!(
                "invalid LogQL in {}: {}",
                owner.describe(),
                strip_position(&e.message)
            ),
        )
        .label(label)
        .help("see the LogQL reference; `o11ylint explain logql-syntax`");
    }
}

/// `forbidden-label`: groupings and matching (`by`, `on`, `group_left`,
/// `label_replace` targets), Loki stream selectors, legend templates, and
/// variables that enumerate a forbidden label.
pub fn forbidden_label(cx: &mut Ctx<'_>, d: &Dashboard, meta: &'static RuleMeta) {
    let text = cx.file.text.clone();
    for (_, q) in queries(d) {
        check_query(cx, &q.parsed, &|text, r| q.span(text, r), &|r| {
            via_variable(q, r)
        });
    }
    // Legend templates name the labels the panel shows.
    for (p, t) in d.targets() {
        let Some(legend) = &t.legend else { continue };
        for (name, r) in legend_labels(&legend.value) {
            if cx.policy.is_forbidden_label(&name) {
                let who = p
                    .map(|p| p.describe())
                    .unwrap_or_else(|| "annotation".into());
                cx.report(
                    meta,
                    legend.sub_span(&text, r),
                    format!("legend of {who} shows forbidden label `{name}`: the query keeps it as a dimension"),
                )
                .label("legend template")
                .help("aggregate the label away in the query and drop it from `legendFormat`");
            }
        }
    }
    // Variables that list the values of a forbidden label.
    for v in &d.variables {
        let Some((label, span)) = &v.label else {
            continue;
        };
        if cx.policy.is_forbidden_label(label) {
            let name = v.name.as_ref().map(|n| n.value.as_str()).unwrap_or("?");
            cx.report(
                meta,
                span.clone(),
                format!("variable `${name}` enumerates forbidden label `{label}`"),
            )
            .label("forbidden label")
            .help("a picker over a high-cardinality label loads every value it ever had; filter with a text box variable or on a low-cardinality label");
        }
    }
}

/// `{{ label }}` references in a legend template, with their ranges.
pub fn legend_labels(s: &str) -> Vec<(String, std::ops::Range<usize>)> {
    let mut out = Vec::new();
    let mut rest = 0;
    while let Some(open) = s.get(rest..).and_then(|t| t.find("{{")) {
        let start = rest + open + 2;
        let Some(close) = s.get(start..).and_then(|t| t.find("}}")) else {
            break;
        };
        let inner = s.get(start..start + close).unwrap_or("");
        let lead = inner.len() - inner.trim_start().len();
        let name = inner.trim();
        let is_label = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if is_label {
            let a = start + lead;
            out.push((name.to_string(), a..a + name.len()));
        }
        rest = start + close + 2;
    }
    out
}

/// `source-prefix`: dashboards read the normalised `openbao:*` recording
/// rules, not raw `vault_*`/`openbao_*` metrics or `__name__` regexes.
pub fn source_prefix(cx: &mut Ctx<'_>, d: &Dashboard, meta: &'static RuleMeta) {
    let policy = cx.policy;
    if policy.source_prefix.prefixes.is_empty() {
        return;
    }
    let ns = policy.source_prefix.recording_namespace.clone();
    let text = cx.file.text.clone();
    for (owner, q) in queries(d) {
        if q.lang != Lang::PromQL {
            continue;
        }
        let Some(a) = q.prom() else { continue };
        for m in &a.facts.metrics {
            let Some(prefix) = policy.source_prefix_of(&m.name) else {
                continue;
            };
            let stripped = m.name.get(prefix.len() + 1..).unwrap_or("");
            cx.report(
                meta,
                q.span(&text, m.span.clone()),
                format!(
                    "{} reads raw source-prefixed metric `{}`",
                    owner.describe(),
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
                    meta,
                    q.span(&text, mu.value_span.clone()),
                    format!(
                        "{} selects metrics by a `__name__` regex over source prefixes",
                        owner.describe()
                    ),
                )
                .label("prefix regex")
                .help(format!(
                    "normalise each prefix with a recording rule into `{ns}*` and query that"
                ));
            } else if !regex && policy.source_prefix_of(&mu.value).is_some() {
                cx.report(
                    meta,
                    q.span(&text, mu.value_span.clone()),
                    format!(
                        "{} reads raw source-prefixed metric `{}`",
                        owner.describe(),
                        mu.value
                    ),
                )
                .label("raw metric")
                .help(format!("read the normalised `{ns}*` series instead"));
            }
        }
    }
    for v in &d.variables {
        let Some((re, span)) = &v.metric_regex else {
            continue;
        };
        if regex_mentions_prefix(&policy.source_prefix.prefixes, re) {
            let name = v.name.as_ref().map(|n| n.value.as_str()).unwrap_or("?");
            cx.report(
                meta,
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
    fn legend_label_ranges() {
        let s = "{{ request_path }} / {{job}} {{ $labels.x }} {{";
        let got = legend_labels(s);
        assert_eq!(got.len(), 2);
        assert_eq!(&s[got[0].1.clone()], "request_path");
        assert_eq!(got[1].0, "job");
    }

    #[test]
    fn prefix_regexes() {
        let p = vec!["vault".to_string(), "openbao".to_string()];
        assert!(regex_mentions_prefix(&p, "vault_.*"));
        assert!(regex_mentions_prefix(&p, "(vault|openbao)_.+"));
        assert!(!regex_mentions_prefix(&p, "openbao:.+"));
    }

    #[test]
    fn positions_are_stripped() {
        assert_eq!(strip_position("unexpected `)` at 1:5"), "unexpected `)`");
        assert_eq!(strip_position("look at this"), "look at this");
    }
}
