//! `o11ylint init` on small repositories of different conventions: what it
//! writes loads, fits the repository (a later `check` reports the team's own
//! typos, not its conventions), and an existing policy is kept unless
//! `--force`.

mod common;

use common::*;

fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(".git")).unwrap();
    dir
}

/// A platform team: `page`/`ticket` severities, runbooks in the repository,
/// a Helm chart whose templates do not parse as YAML, a vendored mixin.
#[test]
fn a_team_with_its_own_severities_runbooks_and_a_chart() {
    let dir = repo();
    let d = dir.path();
    let alert = |name: &str, sev: &str, rb: &str| {
        format!("  - alert: {name}\n    expr: up{{job=\"{name}\"}} == 0\n    for: 5m\n    labels:\n      severity: {sev}\n    annotations:\n      runbook_url: runbooks/{rb}.md\n")
    };
    let mut rules = String::from("groups:\n- name: api\n  rules:\n");
    rules.push_str(&alert("ApiDown", "page", "api-down"));
    rules.push_str(&alert("ApiSlow", "ticket", "api-slow"));
    rules.push_str(&alert("DbDown", "page", "db-down"));
    write(d, "alerts/api.yaml", &rules);
    for rb in ["api-down", "api-slow", "db-down"] {
        write(d, &format!("runbooks/{rb}.md"), "# runbook\n");
    }
    write(
        d,
        "charts/monitoring/templates/rules.yaml",
        "{{- if .Values.rules.enabled }}\ngroups: {{ toYaml .Values.rules.groups | nindent 2 }}\n{{- end }}\n",
    );
    write(
        d,
        "vendor/mixin/rules.yaml",
        "groups:\n- name: mixin\n  rules:\n  - alert: X\n    expr: up == 0\n    labels:\n      severity: critical\n",
    );
    write(
        d,
        "dashboards/api.json",
        r#"{"uid": "api", "title": "API", "panels": [{"id": 1, "type": "timeseries", "title": "Up",
  "gridPos": {"x": 0, "y": 0, "w": 24, "h": 8},
  "datasource": {"type": "prometheus", "uid": "prom-main"},
  "targets": [{"refId": "A", "expr": "sum(up)"}]}]}"#,
    );

    let r = o11ylint(d, &["init"], None);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("severity label `severity`: page (2), ticket (1)"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("runbook annotation `runbook_url` on 3 alerts, files under runbooks/"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("excluded charts/monitoring/templates/rules.yaml: a Helm/Go template"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("excluded vendor/**: vendored"),
        "{}",
        r.stdout
    );
    let policy = std::fs::read_to_string(d.join("o11ylint.yaml")).unwrap();
    assert!(policy.contains("extends: generic"), "{policy}");
    assert!(policy.contains("target: any"), "{policy}");
    assert!(policy.contains("  label: \"severity\"\n  allowed:\n    - \"page\"  # 2 alerts\n    - \"ticket\"  # 1 alert\n"), "{policy}");
    assert!(policy.contains("  dir: \"runbooks\"\n"), "{policy}");
    assert!(
        policy.contains("  - \"charts/monitoring/templates/**\"\n  - \"vendor/**\"\n"),
        "{policy}"
    );
    assert!(
        policy.contains("    \"prom-main\": \"prometheus\"\n"),
        "{policy}"
    );
    assert!(
        policy
            .lines()
            .filter(|l| !l.trim().is_empty())
            .filter(|l| l.starts_with('#'))
            .count()
            > 10
    );

    // the repository as it is: clean
    assert_eq!(
        findings(d),
        vec![],
        "a fitting policy reports no convention"
    );
    // a later typo is caught against the team's own vocabulary
    write(
        d,
        "alerts/api.yaml",
        &rules.replace("severity: ticket", "severity: tikcet"),
    );
    let got = findings(d);
    assert!(
        got.iter()
            .any(|(n, m)| n == "severity-vocabulary" && m.contains("`tikcet`")),
        "{got:#?}"
    );

    // an existing policy is kept...
    let r = o11ylint(d, &["init"], None);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("exists; run `o11ylint init --force`"),
        "{}",
        r.stderr
    );
    assert_eq!(
        std::fs::read_to_string(d.join("o11ylint.yaml")).unwrap(),
        policy
    );
    // ...unless --force
    write(d, "o11ylint.yaml", "version: 1\n");
    let r = o11ylint(d, &["init", "--force"], None);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(std::fs::read_to_string(d.join("o11ylint.yaml"))
        .unwrap()
        .contains("extends: generic"));
}

/// A repository following the OpenBao conventions gets the openbao profile.
#[test]
fn an_openbao_style_repository_gets_the_openbao_profile() {
    let dir = repo();
    write(
        dir.path(),
        "rules/recording.yaml",
        "groups:\n- name: openbao-normalise\n  rules:\n  - record: openbao:core_unsealed:max\n    expr: max by (cluster, instance) (vault_core_unsealed)\n",
    );
    let r = o11ylint(dir.path(), &["init", "--stdout"], None);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("extends: openbao"), "{}", r.stdout);
    assert!(
        r.stdout.contains("record `openbao:core_unsealed:max`"),
        "{}",
        r.stdout
    );
    assert!(
        !dir.path().join("o11ylint.yaml").exists(),
        "--stdout writes nothing"
    );
}

/// vmalert rules with MetricsQL: target victoriametrics, and check is clean.
#[test]
fn a_vmalert_repository_gets_its_target() {
    let dir = repo();
    write(
        dir.path(),
        "rules/vm.yaml",
        "groups:\n- name: vmsingle\n  concurrency: 2\n  rules:\n  - alert: ChurnHigh\n    expr: lag(vm_new_timeseries_created_total[5m]) > 1h\n    for: 15m\n    labels:\n      severity: warning\n    annotations:\n      runbook: https://docs.example.com/runbooks/vm/churn-high\n",
    );
    let r = o11ylint(dir.path(), &["init"], None);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("target: victoriametrics"), "{}", r.stdout);
    let policy = std::fs::read_to_string(dir.path().join("o11ylint.yaml")).unwrap();
    assert!(
        policy.contains("# Seen victoriametrics keys: concurrency"),
        "{policy}"
    );
    assert!(policy.contains("  annotation: \"runbook\"\n"), "{policy}");
    assert!(
        policy.contains("# base_url: \"https://docs.example.com/runbooks/vm/\""),
        "{policy}"
    );
    assert_eq!(findings(dir.path()), vec![]);
}
