//! `check --changed-since REF` in a real git repository: only changed and
//! untracked files are reported, while repository-wide rules still see
//! every file.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .output()
        .expect("git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn alert(name: &str, runbook: &str, extra: &str) -> String {
    format!(
        "groups:\n- name: g\n  rules:\n  - alert: {name}\n    expr: up{{job=\"openbao\"{extra}}} == 0\n    for: 5m\n    labels:\n      severity: info\n    annotations:\n      runbook_url: docs/runbooks/{runbook}.md\n"
    )
}

/// a.yaml (unchanged, with a finding) links a.md; b.yaml links b.md;
/// orphan.md is linked by nobody.
fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    git(d, &["init", "-q", "-b", "main"]);
    write(d, "o11ylint.yaml", "extends: openbao\n");
    write(
        d,
        "rules/a.yaml",
        &alert("OpenBaoA", "a", ",instance=~\"x\""),
    );
    write(d, "rules/b.yaml", &alert("OpenBaoB", "b", ""));
    for rb in ["a", "b", "orphan"] {
        write(d, &format!("docs/runbooks/{rb}.md"), "# runbook\n");
    }
    git(d, &["add", "-A"]);
    git(d, &["commit", "-q", "-m", "initial"]);
    dir
}

fn concise(dir: &Path, args: &[&str]) -> (i32, Vec<String>) {
    let mut all = vec!["check", "--format", "concise", "--fail-on", "warning"];
    all.extend_from_slice(args);
    let r = o11ylint(dir, &all, None);
    assert!(r.code == 0 || r.code == 1, "{}{}", r.stdout, r.stderr);
    (r.code, r.stdout.lines().map(str::to_string).collect())
}

#[test]
fn only_changed_and_untracked_files_are_reported() {
    let dir = repo();
    let d = dir.path();
    // the whole repository: a.yaml's finding and the orphan runbook
    let (_, all) = concise(d, &[]);
    assert_eq!(all.len(), 2, "{all:?}");
    assert!(
        all[0].starts_with("docs/runbooks/orphan.md:1:1: error[OL400 runbook-link] orphan runbook")
    );
    assert!(all[1].starts_with("rules/a.yaml:5:28: warning[OL703 regex-literal-matcher]"));

    // nothing changed: no per-file finding; the repository-wide one stays
    let (_, none) = concise(d, &["--changed-since", "HEAD"]);
    assert_eq!(none, all[..1].to_vec());

    // change b.yaml (committed and not), add an untracked c.yaml
    write(
        d,
        "rules/b.yaml",
        &alert("OpenBaoB", "b", ",role=~\"active\""),
    );
    write(
        d,
        "rules/c.yaml",
        &alert("OpenBaoC", "orphan", ",cluster!~\"dr\""),
    );
    let (code, changed) = concise(d, &["--changed-since", "HEAD"]);
    assert_eq!(code, 1);
    // a.yaml is not reported, but its alert still counts as linking a.md
    // (no orphan for a.md), and c.yaml now links orphan.md
    assert_eq!(changed.len(), 2, "{changed:?}");
    assert!(
        changed[0].starts_with("rules/b.yaml:5:28: warning[OL703 "),
        "{changed:?}"
    );
    assert!(
        changed[1].starts_with("rules/c.yaml:5:28: warning[OL703 "),
        "{changed:?}"
    );

    git(d, &["add", "rules/b.yaml"]);
    git(d, &["commit", "-q", "-m", "change b"]);
    let (_, since_first) = concise(d, &["--changed-since", "HEAD~1"]);
    assert_eq!(since_first, changed, "committed changes count too");
    let (_, since_head) = concise(d, &["--changed-since", "HEAD"]);
    assert_eq!(
        since_head,
        changed[1..].to_vec(),
        "only the untracked file is left"
    );
}

#[test]
fn deleted_files_are_not_linted_but_count_for_orphans() {
    let dir = repo();
    let d = dir.path();
    std::fs::remove_file(d.join("rules/a.yaml")).unwrap();
    let (code, out) = concise(d, &["--changed-since", "HEAD"]);
    assert_eq!(code, 1);
    // a.md lost its only link: reported although no changed file names it
    assert_eq!(out.len(), 2, "{out:?}");
    assert!(out[0].starts_with("docs/runbooks/a.md:1:1: error[OL400 runbook-link] orphan runbook"));
    assert!(
        out[1].starts_with("docs/runbooks/orphan.md:1:1: error[OL400 runbook-link] orphan runbook")
    );
}

#[test]
fn a_bad_ref_or_no_repository_is_an_error() {
    let dir = repo();
    let r = o11ylint(
        dir.path(),
        &["check", "--changed-since", "no-such-ref"],
        None,
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("`no-such-ref` is not a commit in this repository"),
        "{}",
        r.stderr
    );
    let r = o11ylint(
        dir.path(),
        &["check", "--changed-since", "--upload-pack=x"],
        None,
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    let plain = sample_repo(); // a `.git` directory, but no git repository
    let r = o11ylint(plain.path(), &["check", "--changed-since", "HEAD"], None);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("is not in a git repository"),
        "{}",
        r.stderr
    );
}
