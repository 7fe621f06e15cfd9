//! `o11ylint generate`: drift detection without writing, atomic and confined
//! writes, determinism, both source prefixes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_o11ylint"))
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        let t = to.join(e.file_name());
        if p.is_dir() {
            copy_dir(&p, &t);
        } else {
            std::fs::copy(&p, &t).unwrap();
        }
    }
}

/// A throwaway repository with this repository's contracts, runbooks and
/// generated artifacts.
fn repo_copy() -> tempfile::TempDir {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::tempdir().unwrap();
    for d in ["contracts", "docs/runbooks", "generated"] {
        copy_dir(&src.join(d), &tmp.path().join(d));
    }
    std::fs::create_dir(tmp.path().join(".git")).unwrap();
    std::fs::write(tmp.path().join("o11ylint.yaml"), "extends: openbao\n").unwrap();
    tmp
}

fn run(root: &Path, args: &[&str]) -> Output {
    bin().args(args).arg("--root").arg(root).output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((
                    p.strip_prefix(dir).unwrap().to_path_buf(),
                    std::fs::read(&p).unwrap(),
                ));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn committed_artifacts_are_up_to_date() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let o = run(root, &["generate", "--check"]);
    assert!(o.status.success(), "{}", text(&o));
}

#[test]
fn editing_a_contract_without_regenerating_is_drift_and_check_writes_nothing() {
    let repo = repo_copy();
    let root = repo.path();
    let contract = root.join("contracts/alerts/critical.yaml");
    let original = std::fs::read_to_string(&contract).unwrap();
    let edited = original.replacen("    for: 5m\n", "    for: 7m\n", 1);
    assert_ne!(original, edited);
    std::fs::write(&contract, edited).unwrap();
    let before = snapshot(&root.join("generated"));

    let o = run(root, &["generate", "--check"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let t = text(&o);
    assert!(
        t.contains("drift: generated/prometheus/alerts-critical.yaml"),
        "{t}"
    );
    assert!(t.contains("+        for: 7m"), "{t}");
    assert_eq!(
        before,
        snapshot(&root.join("generated")),
        "--check must not write"
    );

    // the linter reports the same drift against the generated file
    let o = bin()
        .args(["check", "--format", "concise"])
        .current_dir(root)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let t = text(&o);
    assert!(
        t.contains("generated/prometheus/alerts-critical.yaml:")
            && t.contains("OL814 generated-drift"),
        "{t}"
    );

    // regenerating fixes it
    let o = run(root, &["generate"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(run(root, &["generate", "--check"]).status.success());
}

#[test]
fn output_is_deterministic() {
    let a = repo_copy();
    let b = repo_copy();
    assert!(run(a.path(), &["generate"]).status.success());
    assert!(run(b.path(), &["generate"]).status.success());
    assert!(run(b.path(), &["generate"]).status.success());
    assert_eq!(
        snapshot(&a.path().join("generated")),
        snapshot(&b.path().join("generated"))
    );
}

#[test]
fn either_prefix_can_be_primary() {
    let repo = repo_copy();
    let o = run(repo.path(), &["generate", "--source-prefix", "openbao"]);
    assert!(o.status.success(), "{}", text(&o));
    let top = std::fs::read_to_string(
        repo.path()
            .join("generated/prometheus/recording-rules.yaml"),
    )
    .unwrap();
    assert!(top.contains("(openbao_core_active)") && !top.contains("vault_core_active"));
    let other = std::fs::read_to_string(
        repo.path()
            .join("generated/prometheus/vault-prefix/recording-rules.yaml"),
    )
    .unwrap();
    assert!(other.contains("(vault_core_active)"));
    assert!(!repo
        .path()
        .join("generated/prometheus/openbao-prefix")
        .exists());
    let o = run(repo.path(), &["generate", "--source-prefix", "graphite"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn an_unsafe_uid_or_broken_contract_leaves_generated_as_it_was() {
    let repo = repo_copy();
    let root = repo.path();
    let before = snapshot(&root.join("generated"));
    let dash = root.join("contracts/dashboards/openbao-overview.yaml");
    let t = std::fs::read_to_string(&dash).unwrap();
    std::fs::write(
        &dash,
        t.replacen("uid: openbao-overview", "uid: ../../escape", 1),
    )
    .unwrap();
    let o = run(root, &["generate"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("contract-schema"), "{}", text(&o));
    assert_eq!(before, snapshot(&root.join("generated")));
    assert!(!root.join("escape").exists() && !root.join("../escape.json").exists());

    std::fs::write(
        &dash,
        "apiVersion: o11ylint.dev/v1\nkind: DashboardContract\nuid: [oops\n",
    )
    .unwrap();
    let o = run(root, &["generate"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert_eq!(before, snapshot(&root.join("generated")));
}
