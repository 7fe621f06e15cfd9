//! `check --fix` and `check --diff` through the built binary, and the
//! safety of writes through the library.

mod common;

use common::*;
use o11ylint::engine::{self, Options};
use o11ylint::outputs::fix::{self, WriteError};
use o11ylint::policy::Policy;

const BEFORE: &str = r#"# OpenBao critical alerts
groups:
- name: openbao-core   # core
  rules:
  - alert: OpenBaoSealedUnexpectedly
    expr: openbao:core_unsealed:max{job=~"openbao"} == 0
    for: 2m
    labels:
      severity: "Critical"   # quoted on purpose
    annotations:
      summary: sealed
  - alert: OpenBaoNoActiveNode
    expr: |
      sum by (cluster) (openbao:core_active:max{role!~"active"}) < 1
    for: 2m
    labels:
      severity: critcal

  - alert: OpenBaoUnknownThing
    expr: up == 0
    for: 1m
    labels: {severity: critical}
  # o11ylint: disable=regex-literal-matcher -- kept as a regex on purpose
  - alert: OpenBaoKept
    expr: up{job=~"openbao"} == 0
    for: 1m
    labels: {severity: critical}
    annotations: {runbook_url: docs/runbooks/no-active-node.md}
"#;

const AFTER: &str = r#"# OpenBao critical alerts
groups:
- name: openbao-core   # core
  rules:
  - alert: OpenBaoSealedUnexpectedly
    expr: openbao:core_unsealed:max{job="openbao"} == 0
    for: 2m
    labels:
      severity: "critical"   # quoted on purpose
    annotations:
      summary: sealed
      runbook_url: docs/runbooks/sealed-unexpectedly.md
  - alert: OpenBaoNoActiveNode
    expr: |
      sum by (cluster) (openbao:core_active:max{role!="active"}) < 1
    for: 2m
    labels:
      severity: critical
    annotations:
      runbook_url: docs/runbooks/no-active-node.md

  - alert: OpenBaoUnknownThing
    expr: up == 0
    for: 1m
    labels: {severity: critical}
  # o11ylint: disable=regex-literal-matcher -- kept as a regex on purpose
  - alert: OpenBaoKept
    expr: up{job=~"openbao"} == 0
    for: 1m
    labels: {severity: critical}
    annotations: {runbook_url: docs/runbooks/no-active-node.md}
"#;

const PATH: &str = "rules/alerts-critical.yaml";

fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(".git")).unwrap();
    write(dir.path(), "o11ylint.yaml", "extends: openbao\n");
    write(
        dir.path(),
        "docs/runbooks/sealed-unexpectedly.md",
        "# Sealed\n",
    );
    write(
        dir.path(),
        "docs/runbooks/no-active-node.md",
        "# No active node\n",
    );
    write(dir.path(), PATH, BEFORE);
    dir
}

fn read(dir: &tempfile::TempDir) -> String {
    std::fs::read_to_string(dir.path().join(PATH)).unwrap()
}

#[test]
fn fix_applies_every_fix_kind_and_keeps_everything_else() {
    let dir = repo();
    let r = o11ylint(
        dir.path(),
        &["check", "--fix", "--unsafe-fixes", "--format", "concise"],
        None,
    );
    assert_eq!(read(&dir), AFTER);
    // what was fixed, on standard error
    assert!(
        r.stderr.contains("fixed rules/alerts-critical.yaml:\n"),
        "{}",
        r.stderr
    );
    for line in [
        "  rules/alerts-critical.yaml:5:12: [OL400 runbook-link]",
        "  rules/alerts-critical.yaml:6:37: [OL703 regex-literal-matcher]",
        "  rules/alerts-critical.yaml:9:17: [OL500 severity-vocabulary] severity `Critical` has the wrong case",
        "  rules/alerts-critical.yaml:12:12: [OL400 runbook-link]",
        "  rules/alerts-critical.yaml:14:49: [OL703 regex-literal-matcher]",
        "  rules/alerts-critical.yaml:17:17: [OL500 severity-vocabulary] severity `critcal`",
    ] {
        assert!(r.stderr.contains(line), "missing {line:?} in:\n{}", r.stderr);
    }
    assert!(
        r.stderr.contains("fixed 6 findings in 1 file"),
        "{}",
        r.stderr
    );
    // what is left is reported as usual: the alert whose conventional
    // runbook (docs/runbooks/unknown-thing.md) does not exist
    assert_eq!(
        r.stdout,
        "rules/alerts-critical.yaml:22:12: error[OL400 runbook-link] alert `OpenBaoUnknownThing` \
         has no `runbook_url` annotation\n"
    );
    assert_eq!(r.code, 1);
    // a second run has nothing left to fix
    let again = o11ylint(
        dir.path(),
        &["check", "--fix", "--unsafe-fixes", "--format", "concise"],
        None,
    );
    assert!(
        again.stderr.contains("fixed 0 findings in 0 files"),
        "{}",
        again.stderr
    );
    assert_eq!(read(&dir), AFTER);
}

#[test]
fn fix_alone_leaves_unsafe_fixes_for_unsafe_fixes() {
    // `critcal` -> `critical` is a guess (severity-vocabulary's closest
    // value): unsafe, so --fix alone leaves it and applies the rest
    let dir = repo();
    o11ylint(dir.path(), &["check", "--fix", "--format", "concise"], None);
    let want = AFTER.replace("      severity: critical\n    annotations:\n      runbook_url: docs/runbooks/no-active-node.md", "      severity: critcal\n    annotations:\n      runbook_url: docs/runbooks/no-active-node.md");
    assert_ne!(want, AFTER);
    assert_eq!(read(&dir), want);
}

#[test]
fn diff_shows_the_fixes_without_writing() {
    let dir = repo();
    let r = o11ylint(dir.path(), &["check", "--diff", "--unsafe-fixes"], None);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(read(&dir), BEFORE, "--diff writes nothing");
    assert!(r
        .stdout
        .starts_with("--- a/rules/alerts-critical.yaml\n+++ b/rules/alerts-critical.yaml\n@@ "));
    for line in [
        "-    expr: openbao:core_unsealed:max{job=~\"openbao\"} == 0\n",
        "+    expr: openbao:core_unsealed:max{job=\"openbao\"} == 0\n",
        "-      severity: \"Critical\"   # quoted on purpose\n",
        "+      severity: \"critical\"   # quoted on purpose\n",
        "+      runbook_url: docs/runbooks/sealed-unexpectedly.md\n",
        "+    annotations:\n+      runbook_url: docs/runbooks/no-active-node.md\n",
    ] {
        assert!(
            r.stdout.contains(line),
            "missing {line:?} in:\n{}",
            r.stdout
        );
    }
    assert!(
        !r.stdout.contains("up{job=\"openbao\"}"),
        "suppressed findings are not fixed"
    );
    assert!(
        r.stderr.contains("6 findings fixable in 1 file"),
        "{}",
        r.stderr
    );
    // applying the diff gives what --fix writes
    let patch = dir.path().join("fix.patch");
    std::fs::write(&patch, &r.stdout).unwrap();
    let applied = std::process::Command::new("git")
        .args(["apply", "--unsafe-paths", "fix.patch"])
        .current_dir(dir.path())
        .output()
        .expect("git");
    assert!(
        applied.status.success(),
        "{}",
        String::from_utf8_lossy(&applied.stderr)
    );
    assert_eq!(read(&dir), AFTER);
    let clean = o11ylint(dir.path(), &["check", "--diff", "--unsafe-fixes"], None);
    assert_eq!(clean.code, 0);
    assert_eq!(clean.stdout, "");
}

#[test]
fn runbook_fix_needs_the_runbook_file_and_a_block_mapping() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(".git")).unwrap();
    write(dir.path(), "o11ylint.yaml", "extends: openbao\n");
    write(
        dir.path(),
        "docs/runbooks/sealed-unexpectedly.md",
        "# Sealed\n",
    );
    let text = "groups:\n- name: g\n  rules:\n  - alert: OpenBaoMissingRunbook\n    expr: up == 0\n    labels: {severity: info}\n  - alert: OpenBaoSealedUnexpectedly\n    expr: up == 0\n    labels: {severity: info}\n    annotations: {summary: flow style}\n";
    write(dir.path(), "rules/a.yaml", text);
    let r = o11ylint(dir.path(), &["check", "--diff"], None);
    assert_eq!(r.code, 0, "nothing fixable: {}{}", r.stdout, r.stderr);
    assert_eq!(r.stdout, "");
    let r = o11ylint(dir.path(), &["check", "--format", "concise"], None);
    assert_eq!(
        r.stdout.matches("has no `runbook_url`").count(),
        2,
        "{}",
        r.stdout
    );
}

#[test]
fn runbook_fix_in_a_manifest_with_crlf_line_ends() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(".git")).unwrap();
    write(dir.path(), "o11ylint.yaml", "extends: openbao\n");
    write(
        dir.path(),
        "docs/runbooks/sealed-unexpectedly.md",
        "# Sealed\n",
    );
    let text = "apiVersion: monitoring.coreos.com/v1\r\nkind: PrometheusRule\r\nmetadata:\r\n  name: openbao\r\nspec:\r\n  groups:\r\n    - name: g\r\n      rules:\r\n        - alert: OpenBaoSealedUnexpectedly\r\n          expr: openbao:core_unsealed:max == 0\r\n          labels:\r\n            severity: info\r\n";
    write(dir.path(), "deploy/rules.yaml", text);
    let r = o11ylint(dir.path(), &["check", "--fix", "--format", "concise"], None);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let fixed = std::fs::read_to_string(dir.path().join("deploy/rules.yaml")).unwrap();
    assert_eq!(
        fixed,
        format!(
            "{text}          annotations:\r\n            runbook_url: docs/runbooks/sealed-unexpectedly.md\r\n"
        )
    );
}

#[test]
fn a_file_changed_on_disk_since_it_was_read_is_not_overwritten() {
    let dir = repo();
    let root = std::fs::canonicalize(dir.path()).unwrap();
    let policy = Policy::discover(&root, None, o11ylint::rules::catalog()).unwrap();
    let outcome = engine::run(&Options::new(root.clone(), vec![]), &policy);
    let plans = fix::plan(&outcome.diagnostics, &root, &policy, true);
    assert_eq!(plans.len(), 1);
    let p = &plans[0];
    assert_eq!(p.fixed, AFTER);
    // someone edits the file meanwhile
    let edited = BEFORE.replace("# core", "# core, edited");
    std::fs::write(root.join(PATH), &edited).unwrap();
    assert!(matches!(
        fix::write_atomic(&p.path, &root, &p.original, &p.fixed),
        Err(WriteError::ChangedOnDisk)
    ));
    assert_eq!(read(&dir), edited);
    // no temporary file is left next to it
    let names: Vec<String> = std::fs::read_dir(root.join("rules"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["alerts-critical.yaml"]);
}

#[test]
fn the_runbook_convention_names_every_openbao_runbook() {
    // every alert contract of the OpenBao profile links the runbook the
    // default policy's convention gives its name
    let policy = Policy::profile("openbao").unwrap();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("contracts/alerts");
    let mut checked = 0;
    for e in std::fs::read_dir(&dir).unwrap().flatten() {
        let text = std::fs::read_to_string(e.path()).unwrap();
        let docs = o11ylint::syntax::yaml::parse(&text).docs;
        for doc in &docs {
            for a in doc.get("alerts").and_then(|a| a.as_seq()).unwrap_or(&[]) {
                let (Some(name), Some(runbook)) = (a.get_str("name"), a.get_str("runbook")) else {
                    continue;
                };
                let conventional =
                    o11ylint::rules::runbooks::runbook_fix::conventional_runbook(&policy, name);
                assert_eq!(conventional.as_deref(), Some(runbook), "alert {name}");
                checked += 1;
            }
        }
    }
    assert!(checked >= 30, "only {checked} alerts checked");
    assert_eq!(
        policy.runbooks.slug_of("OpenBaoHTTPErrorsHigh").as_deref(),
        Some("http-errors-high")
    );
    assert_eq!(
        policy.runbooks.slug_of("OpenBao").as_deref(),
        Some("open-bao")
    );
    assert_eq!(
        policy.runbooks.slug_of("OpenBaos").as_deref(),
        Some("open-baos")
    );
    assert_eq!(
        policy.runbooks.slug_of("audit_device_failed").as_deref(),
        Some("audit-device-failed")
    );
}

#[test]
fn raw_metric_is_replaced_only_where_the_policy_maps_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(".git")).unwrap();
    write(dir.path(), "o11ylint.yaml", "extends: openbao\n");
    write(
        dir.path(),
        "o11ylint.yaml",
        "extends: openbao\nversion: 1\nsource_prefix:\n  replacements:\n    core_unsealed: \"openbao:core_unsealed:max\"\n",
    );
    let before = "groups:\n  - name: g\n    rules:\n      # sealed nodes\n      - record: cluster:sealed:count\n        expr: count(vault_core_unsealed == 0)  # keep\n      - record: cluster:active:max\n        expr: max(vault_core_active)\n";
    write(dir.path(), "rules/r.yaml", before);
    let r = o11ylint(dir.path(), &["check", "--fix", "--format", "concise"], None);
    let after = std::fs::read_to_string(dir.path().join("rules/r.yaml")).unwrap();
    assert_eq!(
        after,
        before.replace(
            "count(vault_core_unsealed == 0)",
            "count(openbao:core_unsealed:max == 0)"
        ),
        "{}",
        r.stderr
    );
    // the unmapped raw metric is still reported, not rewritten
    assert!(
        r.stdout
            .contains("raw source-prefixed metric `vault_core_active`"),
        "{}",
        r.stdout
    );
    assert!(after.contains("max(vault_core_active)"));
}
