//! The built-in profiles through the binary: a repository without
//! `o11ylint.yaml` gets `generic`; `extends: openbao` brings the OpenBao
//! conventions back; `extends` errors stop the run with a located message.

mod common;

use common::*;
use serde_json::Value;

/// A team's rule file following none of the OpenBao conventions.
const TEAM_RULES: &str = r#"groups:
  - name: api
    rules:
      - alert: ApiErrorsHigh
        expr: sum by (service) (rate(http_requests_total{code=~"5.."}[5m])) > 1
        for: 10m
        labels:
          severity: page
        annotations:
          runbook: docs/runbooks/missing.md
      - alert: ApiLatencyHigh
        expr: histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m]))) > 2
        labels:
          severity: ticket
        annotations:
          runbook_url: https://wiki.example.com/api-latency
      - alert: ApiDown
        expr: up{job="api"} == 0
        annotations:
          runbook_url: playbooks/api-down.md
      - alert: ApiTraces
        expr: sum by (trace_id) (rate(spans_total[5m])) > 0
      - alert: DbReplicaLag
        expr: pg_replication_lag_seconds > 30
        annotations:
          runbook_url: docs/ops/db-replica-lag.adoc
      - alert: DbDown
        expr: pg_up == 0
        annotations:
          playbook: docs/ops/
      - record: vault:raw:sum
        expr: sum(vault_core_active)
"#;

fn repo(policy: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(".git")).unwrap();
    write(dir.path(), "rules/api.yaml", TEAM_RULES);
    write(dir.path(), "docs/runbooks/api-errors.md", "# API errors\n");
    write(
        dir.path(),
        "docs/ops/db-replica-lag.adoc",
        "= Replica lag\n",
    );
    if let Some(p) = policy {
        write(dir.path(), "o11ylint.yaml", p);
    }
    dir
}

#[test]
fn without_a_policy_file_the_generic_profile_applies() {
    let dir = repo(None);
    let got = findings(dir.path());
    let names: Vec<&str> = got.iter().map(|(n, _)| n.as_str()).collect();
    // a link under an alias key to a missing runbook in a directory this
    // repository has is reported; the other alerts need no runbook, and a
    // runbook in another format (AsciiDoc) or a directory of them is fine
    assert!(
        got.iter().any(|(n, m)| n == "runbook-link"
            && m == "runbook `docs/runbooks/missing.md` does not exist"),
        "{got:#?}"
    );
    assert_eq!(
        names.iter().filter(|n| **n == "runbook-link").count(),
        1,
        "{got:#?}"
    );
    // the generic forbidden-label vocabulary
    assert!(
        got.iter()
            .any(|(n, m)| n == "forbidden-label" && m.contains("`trace_id`")),
        "{got:#?}"
    );
    // no severity vocabulary, no source-prefix convention
    assert!(!names.contains(&"severity-vocabulary"), "{got:#?}");
    assert!(!names.contains(&"source-prefix"), "{got:#?}");
}

#[test]
fn extends_openbao_brings_the_profile_conventions() {
    let dir = repo(Some("extends: openbao\n"));
    let got = findings(dir.path());
    let count = |rule: &str| got.iter().filter(|(n, _)| n == rule).count();
    // `page`/`ticket` outside critical/warning/info/security; ApiDown,
    // ApiTraces, DbReplicaLag and DbDown without severity
    assert_eq!(count("severity-vocabulary"), 6, "{got:#?}");
    // runbooks required: `runbook` is not the profile's key
    assert!(
        got.iter()
            .any(|(n, m)| n == "runbook-link" && m.contains("has no `runbook_url`")),
        "{got:#?}"
    );
    assert!(count("source-prefix") >= 1, "{got:#?}");
}

#[test]
fn extends_errors_stop_the_run_with_a_location() {
    let dir = repo(Some("version: 1\nextends: openbaoo\n"));
    let r = o11ylint(dir.path(), &["check"], None);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(
        r.stderr.contains("unknown profile `openbaoo`"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("did you mean `openbao`?"), "{}", r.stderr);
    assert!(r.stderr.contains("o11ylint.yaml:2:10"), "{}", r.stderr);

    write(dir.path(), "o11ylint.yaml", "extends: team.yaml\n");
    write(dir.path(), "team.yaml", "extends: ./o11ylint.yaml\n");
    let r = o11ylint(dir.path(), &["check"], None);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(r.stderr.contains("`extends` cycle"), "{}", r.stderr);
    assert!(r.stderr.contains("team.yaml:1:10"), "{}", r.stderr);
}

/// vmalert's group keys and MetricsQL, under three targets.
const VMALERT_RULES: &str = r#"groups:
  - name: vmsingle
    concurrency: 2
    rules:
      - alert: TooHighChurnRate
        expr: lag(vm_new_timeseries_created_total[5m]) > 1h
        for: 15m
"#;

#[test]
fn the_policy_target_decides_dialect_keys_and_metricsql() {
    let run = |policy: &str| {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".git")).unwrap();
        write(dir.path(), "rules/vm.yaml", VMALERT_RULES);
        write(dir.path(), "o11ylint.yaml", policy);
        diagnostics(dir.path())
            .iter()
            .map(|d| {
                (
                    d["name"].as_str().unwrap().to_string(),
                    d["message"].as_str().unwrap().to_string(),
                    d["help"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect::<Vec<_>>()
    };
    // any (the generic default): the key is accepted, MetricsQL is not
    // PromQL and the help says how to declare the target
    let got = run("extends: generic\n");
    assert!(
        !got.iter().any(|(n, _, _)| n == "rule-structure"),
        "{got:#?}"
    );
    let syntax: Vec<_> = got
        .iter()
        .filter(|(n, _, _)| n == "promql-syntax")
        .collect();
    assert_eq!(syntax.len(), 1, "{got:#?}");
    assert!(syntax[0].2.contains("`lag()`"), "{got:#?}");
    assert!(syntax[0].2.contains("target: victoriametrics"), "{got:#?}");
    // prometheus: the vmalert key is refused, with the target to set
    let got = run("target: prometheus\n");
    assert!(
        got.iter().any(|(n, m, h)| n == "rule-structure"
            && m == "`concurrency` is a vmalert key, and the policy's target is `prometheus`"
            && h.contains("target: victoriametrics")),
        "{got:#?}"
    );
    // victoriametrics: both accepted
    let got = run("target: victoriametrics\n");
    assert!(
        !got.iter()
            .any(|(n, _, _)| n == "rule-structure" || n == "promql-syntax"),
        "{got:#?}"
    );
    // mimir: a mimirtool namespace file is accepted, vmalert keys are not
    let got = run("target: mimir\n");
    assert!(
        got.iter()
            .any(|(n, m, _)| n == "rule-structure" && m.contains("`concurrency`")),
        "{got:#?}"
    );
}

/// Rule files named `*.rules` / `*.rule` (Prometheus loads any name; Juju
/// charms such as loki-k8s-operator ship `src/prometheus_alert_rules/*.rule`)
/// are linted; other `.rules` files (udev) and Juju templates are skipped
/// with a reason.
#[test]
fn rule_files_named_rules_are_linted_and_other_rules_files_are_not() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(".git")).unwrap();
    write(
        dir.path(),
        "src/prometheus_alert_rules/loki_request_panic.rule",
        "groups:\n  - name: loki_request_panic\n    rules:\n      - alert: LokiRequestPanic\n        expr: sum(increase(loki_panic_total[10m])) by (namespace, job) > 0\n        for: 5m\n        annotations:\n          summary: Loki request panic (instance {{ $labels.instance }})\n",
    );
    write(
        dir.path(),
        "prometheus/alert.rules",
        "groups:\n  - name: node\n    rules:\n      - alert: NodeDown\n        expr: up{job=~\"node\"} == 0\n",
    );
    write(
        dir.path(),
        "src/prometheus_alert_rules/up.rule",
        "groups:\n  - name: up\n    rules:\n      - alert: Down\n        expr: up{%%juju_topology%%} == 0\n",
    );
    write(
        dir.path(),
        "etc/udev/99-usb.rules",
        "SUBSYSTEM==\"usb\", ATTR{idVendor}==\"0bda\", MODE=\"0666\"\n",
    );
    let r = o11ylint(
        dir.path(),
        &["check", "-v", "--format", "json", "--fail-on", "never"],
        None,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let got: Vec<(String, String)> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["name"].as_str().unwrap().to_string(),
                d["file"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        got.contains(&(
            "template-label-missing".into(),
            "src/prometheus_alert_rules/loki_request_panic.rule".into()
        )),
        "{got:#?}"
    );
    assert!(
        got.contains(&(
            "regex-literal-matcher".into(),
            "prometheus/alert.rules".into()
        )),
        "{got:#?}"
    );
    assert!(
        !got.iter()
            .any(|(_, f)| f.ends_with("99-usb.rules") || f.ends_with("up.rule")),
        "{got:#?}"
    );
    assert_eq!(v["summary"]["files_checked"], 2, "{}", r.stdout);
    assert!(
        r.stderr.contains(
            "skipped etc/udev/99-usb.rules: a `.rules` file that is not a Prometheus or Loki rule file"
        ),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("skipped src/prometheus_alert_rules/up.rule: a Juju charm rule template"),
        "{}",
        r.stderr
    );
}
