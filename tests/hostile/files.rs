//! File system: the one guarded reader, writes that never go through a
//! symbolic link or outside the repository (review cases S1, M2, H7, S2,
//! S4, W1, W2, P11).

use std::os::unix::fs::symlink;
use std::path::Path;

use super::{copy_dir, json_diags, leftovers, o11ylint, repo, stderr, stdout, CANARY_RULES};

/// A minimal repository with one contract, generated into `generated/`.
pub fn generated_repo() -> tempfile::TempDir {
    let tmp = repo();
    let root = tmp.path();
    let src = Path::new(env!("CARGO_MANIFEST_DIR"));
    // the project's own contracts and policy: generation is what it is
    for d in ["contracts", "docs/runbooks"] {
        copy_dir(&src.join(d), &root.join(d));
    }
    std::fs::copy(src.join("o11ylint.yaml"), root.join("o11ylint.yaml")).unwrap();
    let o = o11ylint(root, &["generate"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    tmp
}

pub fn first_generated_json(root: &Path) -> String {
    let mut names: Vec<String> = std::fs::read_dir(root.join("generated/grafana"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    format!("generated/grafana/{}", names[0])
}

#[test]
fn s1_symlink_in_generated_is_drift_and_never_read() {
    let tmp = generated_repo();
    let root = tmp.path();
    let secret = tmp.path().join("outside-secret.txt");
    std::fs::write(&secret, "MY_CI_SECRET=hunter2\n").unwrap();
    let rel = first_generated_json(root);
    std::fs::remove_file(root.join(&rel)).unwrap();
    symlink(&secret, root.join(&rel)).unwrap();
    for format in ["human", "github", "sarif", "json", "concise"] {
        let o = o11ylint(root, &["check", "--format", format, "--color", "never"]);
        let out = stdout(&o) + &stderr(&o);
        assert!(!out.contains("hunter2"), "{format}: secret printed:\n{out}");
        assert!(out.contains("symbolic link"), "{format}: {out}");
        assert_eq!(o.status.code(), Some(1), "{format}");
    }
    let o = o11ylint(root, &["generate", "--check"]);
    assert!(!stdout(&o).contains("hunter2"));
    assert!(stdout(&o).contains("is a symbolic link"), "{}", stdout(&o));
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn m2_generated_symlink_to_dev_zero_is_not_read() {
    let tmp = generated_repo();
    let root = tmp.path();
    let rel = first_generated_json(root);
    std::fs::remove_file(root.join(&rel)).unwrap();
    symlink("/dev/zero", root.join(&rel)).unwrap();
    let o = o11ylint(root, &["check", "--format", "json"]);
    let d = json_diags(&o);
    let hits: Vec<_> = d
        .iter()
        .filter(|x| x["code"] == "OL814" && x["file"] == rel.as_str())
        .collect();
    assert_eq!(hits.len(), 1, "{d:#?}");
    assert!(hits[0]["message"]
        .as_str()
        .unwrap()
        .contains("symbolic link"));
}

#[test]
fn h7_fifo_in_generated_does_not_block() {
    let tmp = generated_repo();
    let root = tmp.path();
    let rel = first_generated_json(root);
    std::fs::remove_file(root.join(&rel)).unwrap();
    let st = std::process::Command::new("mkfifo")
        .arg(root.join(&rel))
        .status()
        .unwrap();
    assert!(st.success());
    // the watchdog in `o11ylint` fails the test on a hang
    let o = o11ylint(root, &["check", "--format", "json"]);
    let d = json_diags(&o);
    assert!(
        d.iter().any(|x| x["code"] == "OL814"
            && x["file"] == rel.as_str()
            && x["message"]
                .as_str()
                .unwrap()
                .contains("not a regular file")),
        "{d:#?}"
    );
    let o = o11ylint(root, &["generate", "--check"]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn w1_output_does_not_write_through_a_committed_symlink() {
    let tmp = tempfile::tempdir().unwrap();
    let victim = tmp.path().join("victim.sh");
    std::fs::write(&victim, "# important\n").unwrap();
    let root = tmp.path().join("repo");
    std::fs::create_dir_all(root.join(".git")).unwrap();
    std::fs::write(root.join("canary.yaml"), CANARY_RULES).unwrap();
    symlink("../victim.sh", root.join("o11ylint.sarif")).unwrap();
    let o = o11ylint(
        &root,
        &["check", "--format", "sarif", "--output", "o11ylint.sarif"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("symbolic link"), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "# important\n");
    // a directory link leading out of the working directory is refused too
    symlink(tmp.path(), root.join("up")).unwrap();
    let o = o11ylint(
        &root,
        &["check", "--format", "sarif", "--output", "up/x.sarif"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(!tmp.path().join("x.sarif").exists());
    // a plain path works
    let o = o11ylint(
        &root,
        &["check", "--format", "sarif", "--output", "out.sarif"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(std::fs::read_to_string(root.join("out.sarif"))
        .unwrap()
        .contains("\"version\""));
}

#[test]
fn w2_fix_does_not_write_through_a_symlink_outside_the_repository() {
    let tmp = tempfile::tempdir().unwrap();
    let outside = tmp.path().join("outside");
    std::fs::create_dir(&outside).unwrap();
    let text = "groups:\n  - name: g\n    rules:\n      - alert: OpenBaoDown\n        expr: up == 0\n        labels:\n          severity: Warning\n";
    std::fs::write(outside.join("rules.yaml"), text).unwrap();
    let root = tmp.path().join("repo");
    std::fs::create_dir_all(root.join(".git")).unwrap();
    symlink("../outside/rules.yaml", root.join("ext-rules.yaml")).unwrap();
    let o = o11ylint(&root, &["check", "--fix", "--format", "concise", "."]);
    assert_eq!(
        std::fs::read_to_string(outside.join("rules.yaml")).unwrap(),
        text
    );
    let err = stderr(&o);
    assert!(!err.contains("fixed ext-rules"), "{err}");
    assert!(
        !err.contains("outside/rules.yaml"),
        "no machine path: {err}"
    );
    let left: Vec<_> = std::fs::read_dir(&outside).unwrap().flatten().collect();
    assert_eq!(left.len(), 1, "no temporary file outside");
}

#[test]
fn s4_symlinked_rule_file_outside_the_repository_is_not_read() {
    let tmp = tempfile::tempdir().unwrap();
    let outside = tmp.path().join("outside");
    std::fs::create_dir(&outside).unwrap();
    std::fs::write(outside.join("rules.yaml"), CANARY_RULES).unwrap();
    let root = tmp.path().join("repo");
    std::fs::create_dir_all(root.join(".git")).unwrap();
    symlink("../outside/rules.yaml", root.join("ext.yaml")).unwrap();
    std::fs::write(root.join("in-target.yaml"), CANARY_RULES).unwrap();
    symlink("in-target.yaml", root.join("in-link.yaml")).unwrap();
    let o = o11ylint(&root, &["check", "--format", "json"]);
    let d = json_diags(&o);
    let ext: Vec<_> = d.iter().filter(|x| x["file"] == "ext.yaml").collect();
    assert_eq!(ext.len(), 1, "{d:#?}");
    assert_eq!(ext[0]["code"], "OL003");
    assert!(ext[0]["message"]
        .as_str()
        .unwrap()
        .contains("outside the repository"));
    let out = stdout(&o);
    assert!(!out.contains(outside.to_str().unwrap()), "no machine path");
    // a link inside the repository is followed, under its own name
    assert!(d
        .iter()
        .any(|x| x["file"] == "in-link.yaml" && x["code"] == "OL200"));
}

#[test]
fn p11_named_symlink_to_extensionless_target_is_linted() {
    let tmp = repo();
    let root = tmp.path();
    std::fs::write(root.join("target-no-ext"), CANARY_RULES).unwrap();
    symlink("target-no-ext", root.join("link.yaml")).unwrap();
    let o = o11ylint(root, &["check", "--format", "json", "link.yaml"]);
    let d = json_diags(&o);
    assert!(
        d.iter()
            .any(|x| x["file"] == "link.yaml" && x["code"] == "OL200"),
        "{d:#?}"
    );
}

#[test]
fn s2_symlinked_runbook_directory_is_not_walked() {
    let tmp = tempfile::tempdir().unwrap();
    let outside = tmp.path().join("notes");
    std::fs::create_dir(&outside).unwrap();
    std::fs::write(outside.join("private.md"), "SECRET first line\n").unwrap();
    let root = tmp.path().join("repo");
    std::fs::create_dir_all(root.join(".git")).unwrap();
    std::fs::create_dir(root.join("docs")).unwrap();
    symlink(&outside, root.join("docs/runbooks")).unwrap();
    std::fs::write(root.join("o11ylint.yaml"), "extends: openbao\n").unwrap();
    std::fs::write(
        root.join("r.yaml"),
        "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n        labels: {severity: warning}\n        annotations: {runbook_url: docs/runbooks/x.md}\n",
    )
    .unwrap();
    let o = o11ylint(&root, &["check", "--color", "never"]);
    let out = stdout(&o);
    assert!(!out.contains("SECRET"), "{out}");
    assert!(!out.contains("private.md"), "{out}");
}

#[test]
fn s4_contracts_symlink_is_not_followed_by_generate() {
    let tmp = tempfile::tempdir().unwrap();
    let outside = tmp.path().join("outside");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("contracts"),
        &outside,
    );
    let root = tmp.path().join("repo");
    std::fs::create_dir_all(root.join(".git")).unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("o11ylint.yaml"),
        root.join("o11ylint.yaml"),
    )
    .unwrap();
    symlink(&outside, root.join("contracts")).unwrap();
    let o = o11ylint(&root, &["generate"]);
    let all = stdout(&o) + &stderr(&o);
    assert!(!all.contains(outside.to_str().unwrap()), "{all}");
    assert!(!root.join("generated/grafana").exists(), "{all}");
}

#[test]
fn m3_policy_fifo_and_device_do_not_block_or_fill_memory() {
    let tmp = repo();
    let root = tmp.path();
    std::fs::write(root.join("canary.yaml"), CANARY_RULES).unwrap();
    let fifo = root.join("policy.fifo");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    for p in [fifo.to_str().unwrap(), "/dev/zero"] {
        let o = o11ylint(root, &["check", "--policy", p, "--format", "json"]);
        assert_eq!(o.status.code(), Some(2), "{p}: {}", stderr(&o));
        assert!(stderr(&o).contains("not a regular file"), "{}", stderr(&o));
    }
    let big = root.join("big.yaml");
    std::fs::write(
        &big,
        format!("exclude:\n{}", "  - \"a/**\"\n".repeat(200_000)),
    )
    .unwrap();
    let o = o11ylint(root, &["check", "--policy", big.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("limit"), "{}", stderr(&o));
}

#[test]
fn p9_repository_policy_that_is_a_directory_or_device_is_an_error() {
    let tmp = repo();
    let root = tmp.path();
    std::fs::write(root.join("canary.yaml"), CANARY_RULES).unwrap();
    std::fs::create_dir(root.join("o11ylint.yaml")).unwrap();
    let o = o11ylint(root, &["check"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    std::fs::remove_dir(root.join("o11ylint.yaml")).unwrap();
    symlink("/dev/zero", root.join("o11ylint.yaml")).unwrap();
    let o = o11ylint(root, &["check"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[test]
fn m4_stdin_obeys_max_file_size() {
    let tmp = repo();
    let text = format!("{CANARY_RULES}# {}\n", "x".repeat(5000));
    let o = super::o11ylint_stdin(
        tmp.path(),
        &[
            "check",
            "--stdin",
            "--stdin-filename",
            "r.yaml",
            "--max-file-size",
            "1000",
        ],
        &text,
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("limit"));
}

/// S2/S4 and the robustness doc: a symbolic link to a directory is never
/// followed, and o11ylint says so (`-v`, a finding where it matters, an
/// error for `generate`), never silently.
#[test]
fn s4_symlinked_directories_are_reported_not_skipped_silently() {
    let tmp = tempfile::tempdir().unwrap();
    let outside = tmp.path().join("outside");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("contracts"),
        &outside.join("contracts"),
    );
    std::fs::create_dir(outside.join("notes")).unwrap();
    std::fs::write(outside.join("notes/x.md"), "# x\n").unwrap();
    let root = tmp.path().join("repo");
    std::fs::create_dir_all(root.join(".git")).unwrap();
    std::fs::create_dir(root.join("docs")).unwrap();
    std::fs::write(root.join("o11ylint.yaml"), "extends: openbao\n").unwrap();
    symlink(outside.join("contracts"), root.join("contracts")).unwrap();
    symlink(outside.join("notes"), root.join("docs/runbooks")).unwrap();
    std::fs::write(
        root.join("r.yaml"),
        "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n        labels: {severity: warning}\n        annotations: {runbook_url: docs/runbooks/x.md}\n",
    )
    .unwrap();
    let o = o11ylint(&root, &["check", "-v", "--format", "json"]);
    let err = stderr(&o);
    for link in ["contracts", "docs/runbooks"] {
        assert!(
            err.contains(&format!(
                "skipped {link}: a symbolic link to a directory; not followed"
            )),
            "{link}: {err}"
        );
    }
    let d = json_diags(&o);
    let msgs: Vec<&str> = d
        .iter()
        .filter(|d| d["code"] == "OL400")
        .filter_map(|d| d["message"].as_str())
        .collect();
    assert!(
        msgs.iter()
            .any(|m| m.contains("runbook directory `docs/runbooks`")
                && m.contains("symbolic link `docs/runbooks`")),
        "{msgs:?}"
    );
    assert!(
        msgs.iter().any(
            |m| m.contains("runbook `docs/runbooks/x.md` is reached through the symbolic link")
        ),
        "{msgs:?}"
    );
    let g = o11ylint(&root, &["generate"]);
    assert_eq!(g.status.code(), Some(1), "{}", stderr(&g));
    assert!(
        stderr(&g).contains("contracts: is a symbolic link"),
        "{}",
        stderr(&g)
    );
    assert!(!stderr(&g).contains(outside.to_str().unwrap()));
}

#[test]
fn w3_case49_generate_lists_the_files_it_removes_and_replaces_a_generated_link() {
    let tmp = generated_repo();
    let root = tmp.path();
    std::fs::write(root.join("generated/README.md"), "# mine\n").unwrap();
    std::fs::create_dir_all(root.join("generated/custom")).unwrap();
    std::fs::write(root.join("generated/custom/mine.yaml"), "a: 1\n").unwrap();
    let o = o11ylint(root, &["generate"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        out.contains("removed 2 file(s) from generated/ that no contract produces:")
            && out.contains("  generated/README.md")
            && out.contains("  generated/custom/mine.yaml"),
        "{out}"
    );
    // a generated/ that is a link: replaced, its target untouched, and said
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("keep.txt"), "keep\n").unwrap();
    std::fs::remove_dir_all(root.join("generated")).unwrap();
    symlink(outside.path(), root.join("generated")).unwrap();
    let o = o11ylint(root, &["generate"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("replaced the symbolic link generated/ by a directory"),
        "{}",
        stdout(&o)
    );
    assert!(outside.path().join("keep.txt").exists());
    assert!(!std::fs::symlink_metadata(root.join("generated"))
        .unwrap()
        .file_type()
        .is_symlink());
}

#[test]
fn w4_no_leftover_directories_and_concurrent_runs_are_serialised() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = generated_repo();
    let root = tmp.path();
    // what a killed run leaves: a read-only tree
    let old = root.join(".generated.old-99999/grafana");
    std::fs::create_dir_all(&old).unwrap();
    std::fs::write(old.join("x.json"), "{}").unwrap();
    std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o555)).unwrap();
    std::fs::create_dir_all(root.join(".generated.new-99998")).unwrap();
    let o = o11ylint(root, &["generate"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(leftovers(root).is_empty(), "{:?}", leftovers(root));
    // four runs at once: each waits for the lock, all succeed, nothing left
    let bin = env!("CARGO_BIN_EXE_o11ylint");
    let children: Vec<_> = (0..4)
        .map(|_| {
            std::process::Command::new(bin)
                .arg("generate")
                .current_dir(root)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert!(leftovers(root).is_empty(), "{:?}", leftovers(root));
    let o = o11ylint(root, &["generate", "--check"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

#[test]
fn w6_non_utf8_names_that_look_alike_stay_two_files() {
    use std::os::unix::ffi::OsStrExt;
    let tmp = repo();
    let root = tmp.path();
    let rules =
        "groups:\n  - name: g\n    rules:\n      - record: x:y:z\n        expr: up{job=~\"api\"}\n";
    // `caf\xe9.yaml` (Latin-1) beside a real `caf\u{FFFD}.yaml`: the lossy
    // display of the first is the name of the second
    let latin1 = root.join(std::ffi::OsStr::from_bytes(b"caf\xe9.yaml"));
    let replacement = root.join("caf\u{FFFD}.yaml");
    std::fs::write(&latin1, rules).unwrap();
    std::fs::write(&replacement, rules).unwrap();
    let o = o11ylint(root, &["check", "--format", "sarif"]);
    let sarif: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let mut uris: Vec<String> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    uris.sort();
    uris.dedup();
    assert_eq!(uris, vec!["caf%E9.yaml", "caf%EF%BF%BD.yaml"], "{uris:?}");
    let o = o11ylint(root, &["check", "--format", "concise"]);
    let out = stdout(&o);
    assert!(out.contains("caf\\xE9.yaml:5:"), "{out}");
    assert!(out.contains("caf\u{FFFD}.yaml:5:"), "{out}");
    let o = o11ylint(root, &["check", "--fix", "--format", "concise"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    for p in [&latin1, &replacement] {
        let text = std::fs::read_to_string(p).unwrap();
        assert!(text.contains("up{job=\"api\"}"), "{}: {text}", p.display());
    }
}

#[test]
fn p9_invalid_glob_is_located_and_max_range_overflow_is_an_error() {
    let tmp = repo();
    let root = tmp.path();
    std::fs::write(root.join("canary.yaml"), CANARY_RULES).unwrap();
    std::fs::write(
        root.join("o11ylint.yaml"),
        "extends: generic\nexclude:\n  - \"vendor/**\"\n  - \"[invalid\"\n",
    )
    .unwrap();
    let o = o11ylint(root, &["check", "--format", "json"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("invalid glob `[invalid`"), "{err}");
    assert!(err.contains("o11ylint.yaml:4:5"), "located: {err}");
    // a range that overflows switched `loki-range` (OL303) off silently
    std::fs::write(
        root.join("o11ylint.yaml"),
        "extends: generic\nloki:\n  max_range: 99999999999999999999y\n",
    )
    .unwrap();
    let o = o11ylint(root, &["check", "--format", "json"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("loki.max_range `99999999999999999999y`")
            && err.contains("o11ylint.yaml:3:14"),
        "{err}"
    );
}

#[test]
fn m6_policy_glob_lists_are_bounded() {
    let tmp = repo();
    let root = tmp.path();
    std::fs::write(root.join("canary.yaml"), CANARY_RULES).unwrap();
    let globs = |n: usize| {
        (0..n)
            .map(|i| format!("  - \"d{i}/**\"\n"))
            .collect::<String>()
    };
    // 100,000 globs took 890 MB; past 5,000 in one list: a located error
    std::fs::write(
        root.join("o11ylint.yaml"),
        format!("extends: generic\nexclude:\n{}", globs(20_000)),
    )
    .unwrap();
    let o = o11ylint(root, &["check", "--format", "json"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("20000 globs in one list, over the limit of 5000")
            && err.contains("o11ylint.yaml:5003:5"),
        "{err}"
    );
    std::fs::write(
        root.join("o11ylint.yaml"),
        format!("extends: generic\nexclude:\n{}", globs(5_000)),
    )
    .unwrap();
    let o = o11ylint(root, &["check", "--format", "json"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(json_diags(&o).iter().any(|d| d["file"] == "canary.yaml"));
}
