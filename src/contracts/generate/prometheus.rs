//! Prometheus recording and alert rules, PrometheusRule manifests and Loki
//! ruler files.

use super::yaml_out::{render, Y};
use super::{yaml_header, Settings};
use crate::contracts::{record_name, Alert, Contracts};

/// `${source}` for one prefix (`vault_core_active`, or `up` when unprefixed).
pub fn source_name(metric: &str, prefixed: bool, prefix: &str) -> String {
    if prefixed {
        format!("{prefix}_{metric}")
    } else {
        metric.to_string()
    }
}

/// The recording-rule group normalising every contract metric for `prefix`.
fn recording_group(contracts: &Contracts, settings: &Settings, prefix: &str) -> Y {
    let mut rules = Vec::new();
    for (_, mc) in &contracts.metrics {
        for m in &mc.metrics {
            let src = source_name(&m.name, m.prefixed, prefix);
            for r in &m.recordings {
                rules.push(Y::map(vec![
                    (
                        "record",
                        Y::s(record_name(&settings.namespace, &m.name, &r.aggregation)),
                    ),
                    ("expr", Y::s(r.expr.trim_end().replace("${source}", &src))),
                    (
                        "labels",
                        Y::map(vec![(settings.prefix_label.as_str(), Y::s(prefix))]),
                    ),
                ]));
            }
        }
    }
    Y::map(vec![
        ("name", Y::s("openbao-recording")),
        ("rules", Y::Seq(rules)),
    ])
}

fn runbook_url(settings: &Settings, runbook: &str) -> String {
    format!("{}{}", settings.runbook_base_url, runbook)
}

fn alert_rule(a: &Alert, settings: &Settings, prefix: &str) -> Y {
    let mut labels = vec![
        (settings.severity_label.clone(), Y::s(a.severity.clone())),
        (settings.prefix_label.clone(), Y::s(prefix)),
    ];
    for (k, v) in &a.labels {
        if *k != settings.severity_label && *k != settings.prefix_label {
            labels.push((k.clone(), Y::s(v.clone())));
        }
    }
    let mut rule = vec![
        ("alert".to_string(), Y::s(a.name.clone())),
        ("expr".to_string(), Y::s(a.expr.trim_end().to_string())),
    ];
    if let Some(f) = &a.for_ {
        rule.push(("for".into(), Y::s(f.clone())));
    }
    if let Some(k) = &a.keep_firing_for {
        rule.push(("keep_firing_for".into(), Y::s(k.clone())));
    }
    rule.push(("labels".into(), Y::Map(labels)));
    rule.push((
        "annotations".into(),
        Y::Map(vec![
            ("summary".into(), Y::s(a.summary.trim_end().to_string())),
            (
                "description".into(),
                Y::s(a.description.trim_end().to_string()),
            ),
            (
                settings.runbook_annotation.clone(),
                Y::s(runbook_url(settings, &a.runbook)),
            ),
        ]),
    ));
    Y::Map(rule)
}

/// Alert groups of one backend, one per alert contract that has any.
fn alert_groups(
    contracts: &Contracts,
    settings: &Settings,
    prefix: &str,
    backend: &str,
) -> Vec<(String, String, Y)> {
    let mut out = Vec::new();
    for (file, ac) in &contracts.alerts {
        let rules: Vec<Y> = ac
            .alerts
            .iter()
            .filter(|a| a.backend == backend)
            .map(|a| alert_rule(a, settings, prefix))
            .collect();
        if rules.is_empty() {
            continue;
        }
        let suffix = if backend == "loki" { "-logs" } else { "" };
        let group = Y::map(vec![
            ("name", Y::s(format!("openbao-{}{suffix}", ac.severity))),
            ("rules", Y::Seq(rules)),
        ]);
        out.push((ac.severity.clone(), file.clone(), group));
    }
    out
}

fn metric_sources(contracts: &Contracts) -> Vec<&str> {
    contracts.metrics.iter().map(|(f, _)| f.as_str()).collect()
}

/// `recording-rules.yaml` and `alerts-<severity>.yaml` for one prefix.
pub fn rule_files(
    contracts: &Contracts,
    settings: &Settings,
    prefix: &str,
) -> Result<Vec<(String, String)>, String> {
    let mut files = Vec::new();
    let header = yaml_header(
        &metric_sources(contracts),
        &format!(
            "Source prefix: {prefix}_ ({} label \"{prefix}\").",
            settings.prefix_label
        ),
    );
    let doc = Y::map(vec![(
        "groups",
        Y::Seq(vec![recording_group(contracts, settings, prefix)]),
    )]);
    files.push(("recording-rules.yaml".to_string(), header + &render(&doc)));
    for (severity, source, group) in alert_groups(contracts, settings, prefix, "prometheus") {
        let header = yaml_header(
            &[&source],
            &format!(
                "Prometheus alerts; source prefix {prefix}_ (reads {}* recording rules only).",
                settings.namespace
            ),
        );
        let doc = Y::map(vec![("groups", Y::Seq(vec![group]))]);
        files.push((format!("alerts-{severity}.yaml"), header + &render(&doc)));
    }
    Ok(files)
}

fn manifest(name: &str, role: &str, groups: Vec<Y>) -> Y {
    Y::map(vec![
        ("apiVersion", Y::s("monitoring.coreos.com/v1")),
        ("kind", Y::s("PrometheusRule")),
        (
            "metadata",
            Y::map(vec![
                ("name", Y::s(name)),
                (
                    "labels",
                    Y::map(vec![
                        ("app.kubernetes.io/name", Y::s("openbao")),
                        ("app.kubernetes.io/part-of", Y::s("openbao-monitoring")),
                        ("app.kubernetes.io/managed-by", Y::s("o11ylint")),
                        ("o11ylint.dev/role", Y::s(role)),
                    ]),
                ),
            ]),
        ),
        ("spec", Y::map(vec![("groups", Y::Seq(groups))])),
    ])
}

/// PrometheusRule manifests for the primary prefix.
pub fn manifests(
    contracts: &Contracts,
    settings: &Settings,
) -> Result<Vec<(String, String)>, String> {
    let prefix = &settings.primary_prefix;
    let mut files = Vec::new();
    let header = yaml_header(
        &metric_sources(contracts),
        &format!("PrometheusRule; source prefix {prefix}_."),
    );
    let m = manifest(
        "openbao-recording-rules",
        "recording",
        vec![recording_group(contracts, settings, prefix)],
    );
    files.push((
        "openbao-recording-rules.yaml".to_string(),
        header + &render(&m),
    ));
    for (severity, source, group) in alert_groups(contracts, settings, prefix, "prometheus") {
        let header = yaml_header(
            &[&source],
            &format!("PrometheusRule; source prefix {prefix}_."),
        );
        let m = manifest(
            &format!("openbao-alerts-{severity}"),
            "alerting",
            vec![group],
        );
        files.push((
            format!("openbao-alerts-{severity}.yaml"),
            header + &render(&m),
        ));
    }
    Ok(files)
}

/// Loki ruler files (`groups:` with LogQL) for the Loki-backed alerts, one
/// directory per tenant (`<tenant>/alerts-<severity>.yaml`): the Loki ruler
/// evaluates a tenant's rules against that tenant's streams only, so audit
/// and operational alerts cannot share a file.
pub fn loki_files(
    contracts: &Contracts,
    settings: &Settings,
) -> Result<Vec<(String, String)>, String> {
    let tenant_of = |stream: &str| -> Option<String> {
        contracts
            .streams
            .iter()
            .flat_map(|(_, sc)| sc.streams.iter())
            .find(|s| s.id == stream)
            .and_then(|s| s.tenant.clone())
    };
    // tenant -> severity -> (source files, rules)
    let mut by_tenant: std::collections::BTreeMap<String, Vec<(String, String, Vec<Y>)>> =
        Default::default();
    for (file, ac) in &contracts.alerts {
        for a in ac.alerts.iter().filter(|a| a.backend == "loki") {
            let stream = a.stream.as_deref().ok_or_else(|| {
                format!(
                    "{file}: Loki alert `{}` does not say which `stream` it reads",
                    a.name
                )
            })?;
            let tenant = tenant_of(stream).ok_or_else(|| {
                format!("{file}: Loki alert `{}` reads stream `{stream}`, which has no `tenant` in the stream contract", a.name)
            })?;
            let entries = by_tenant.entry(tenant).or_default();
            match entries.iter_mut().find(|(sev, _, _)| *sev == ac.severity) {
                Some((_, _, rules)) => {
                    rules.push(alert_rule(a, settings, &settings.primary_prefix))
                }
                None => entries.push((
                    ac.severity.clone(),
                    file.clone(),
                    vec![alert_rule(a, settings, &settings.primary_prefix)],
                )),
            }
        }
    }
    let mut files = Vec::new();
    for (tenant, groups) in by_tenant {
        for (severity, source, rules) in groups {
            let header = yaml_header(
                &[&source],
                &format!("Loki ruler alerts (LogQL) for tenant {tenant}."),
            );
            let group = Y::map(vec![
                ("name", Y::s(format!("openbao-{severity}-logs"))),
                ("rules", Y::Seq(rules)),
            ]);
            let doc = Y::map(vec![("groups", Y::Seq(vec![group]))]);
            files.push((
                format!("{tenant}/alerts-{severity}.yaml"),
                header + &render(&doc),
            ));
        }
    }
    Ok(files)
}
