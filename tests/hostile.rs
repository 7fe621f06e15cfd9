//! Hostile input: every case gets one clear diagnostic (or is handled
//! correctly), the run finishes, the other files are still linted, and
//! nothing is written. Limits are documented in docs/robustness.md.
//!
//! The watchdog below only catches hangs (a run that never ends); speed and
//! memory are measured by `make bench`, not here.

use std::io::Write;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_o11ylint"))
}

/// Run with a hang watchdog of 120 s. Standard output and error are read
/// while the process runs (a full pipe must not look like a hang).
pub fn run(mut cmd: Command) -> Output {
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_watchdog(child, None)
}

/// Wait for `child` (writing `input` to its standard input, if any), reading
/// its output; kill it and fail after 120 s.
fn wait_watchdog(mut child: std::process::Child, input: Option<String>) -> Output {
    use std::io::Read;
    let writer = input.map(|text| {
        let mut stdin = child.stdin.take().unwrap();
        std::thread::spawn(move || {
            let _ = stdin.write_all(text.as_bytes());
        })
    });
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let t_out = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let t_err = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    let start = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if start.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("o11ylint did not finish within 120 s (hang)");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    if let Some(w) = writer {
        let _ = w.join();
    }
    Output {
        status,
        stdout: t_out.join().unwrap(),
        stderr: t_err.join().unwrap(),
    }
}

fn diagnostics(o: &Output) -> Vec<serde_json::Value> {
    let v: serde_json::Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&o.stdout)));
    v["diagnostics"].as_array().cloned().unwrap_or_default()
}

fn find<'a>(diags: &'a [serde_json::Value], file: &str, code: &str) -> Vec<&'a serde_json::Value> {
    diags
        .iter()
        .filter(|d| d["file"] == file && d["code"] == code)
        .collect()
}

/// Copy a directory tree (regular files and directories).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

fn snapshot(dir: &Path) -> Vec<(PathBuf, u64)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            let meta = std::fs::symlink_metadata(&p).unwrap();
            if meta.is_dir() {
                stack.push(p.clone());
            }
            out.push((p, if meta.is_file() { meta.len() } else { 0 }));
        }
    }
    out.sort();
    out
}

const CANARY: &str = "groups:\n  - name: g\n    rules:\n      - record: openbao:x:y\n        expr: sum by (client_ip) (up)\n";

fn billion_laughs() -> String {
    let mut s = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    let mut prev = 'a';
    for n in 'b'..='j' {
        s.push_str(&format!(
            "{n}: &{n} [{}]\n",
            vec![format!("*{prev}"); 9].join(",")
        ));
        prev = n;
    }
    s
}

#[test]
fn hostile_tree_is_linted_safely() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    std::fs::create_dir(root.join(".git")).unwrap();
    let w = |name: &str, data: &[u8]| std::fs::write(root.join(name), data).unwrap();

    w("canary.yaml", CANARY.as_bytes());
    w("laughs.yaml", billion_laughs().as_bytes());
    w(
        "deep.yaml",
        format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)).as_bytes(),
    );
    w(
        "deep-block.yaml",
        {
            // block-style nesting, 2,000 levels (10,000 would be 50 MB of indentation)
            let mut s = String::new();
            for i in 0..2_000 {
                s.push_str(&" ".repeat(i));
                s.push_str("a:\n");
            }
            s
        }
        .as_bytes(),
    );
    // 100 MB: over the 16 MiB limit, never read whole
    {
        let f = std::fs::File::create(root.join("huge.yaml")).unwrap();
        f.set_len(100 * 1024 * 1024).unwrap();
    }
    w("latin1.yaml", b"groups:\n  - name: caf\xe9\n");
    w("bom.yaml", "\u{feff}grups: []\ngroups: []\n".as_bytes());
    w("crlf.yaml", CANARY.replace('\n', "\r\n").as_bytes());
    w("empty.yaml", b"");
    {
        let mut s = String::new();
        for i in 0..10_000 {
            s.push_str(&format!("---\ngroups:\n  - name: g{i}\n    rules: []\n"));
        }
        w("many-docs.yaml", s.as_bytes());
    }
    symlink(root.join("loop-b.yaml"), root.join("loop-a.yaml")).unwrap();
    symlink(root.join("loop-a.yaml"), root.join("loop-b.yaml")).unwrap();
    symlink(root, root.join("dir-loop")).unwrap();
    let fifo = root.join("fifo.yaml");
    let st = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(st.success(), "mkfifo");
    std::fs::create_dir(root.join("rules.yaml")).unwrap();
    std::fs::write(root.join("rules.yaml/inner.yaml"), CANARY).unwrap();

    let before = snapshot(root);
    let mut cmd = Command::new(bin());
    cmd.args(["check", "--format", "json", "--no-ignore"])
        .current_dir(root);
    let o = run(cmd);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!String::from_utf8_lossy(&o.stderr).contains("panicked"));
    let d = diagnostics(&o);
    let one = |file: &str, code: &str, needle: &str| {
        let hits = find(&d, file, code);
        assert_eq!(hits.len(), 1, "{file}: expected one {code}, got {hits:#?}");
        let msg = hits[0]["message"].as_str().unwrap();
        assert!(msg.contains(needle), "{file}: `{msg}` lacks `{needle}`");
        hits[0].clone()
    };

    one("laughs.yaml", "OL100", "alias expansion");
    one("deep.yaml", "OL100", "");
    one("deep-block.yaml", "OL100", "");
    one("huge.yaml", "OL003", "100.0 MiB, over the 16 MiB limit");
    let bad = one(
        "latin1.yaml",
        "OL003",
        "not valid UTF-8 (first invalid byte at offset 21)",
    );
    assert_eq!(
        bad["range"]["start"],
        serde_json::json!({"line": 2, "column": 14})
    );
    let bom = one("bom.yaml", "OL104", "unknown key `grups`");
    assert_eq!(
        bom["range"]["start"],
        serde_json::json!({"line": 1, "column": 2})
    );
    assert_eq!(
        bom["range"]["end"],
        serde_json::json!({"line": 1, "column": 7})
    );
    let crlf = one("crlf.yaml", "OL200", "client_ip");
    assert_eq!(
        crlf["range"]["start"],
        serde_json::json!({"line": 5, "column": 23})
    );
    assert_eq!(
        crlf["range"]["end"],
        serde_json::json!({"line": 5, "column": 32})
    );
    one("loop-a.yaml", "OL003", "");
    one("loop-b.yaml", "OL003", "");
    one("fifo.yaml", "OL003", "not a regular file");
    assert!(
        d.iter().all(|x| x["file"] != "empty.yaml"),
        "an empty file is skipped, not an error"
    );
    assert!(
        d.iter().all(|x| x["file"] != "many-docs.yaml"),
        "10,000 valid documents lint clean"
    );
    assert!(d.iter().all(|x| x["code"] != "OL004"), "no internal error");
    // the other files are still linted
    one("canary.yaml", "OL200", "client_ip");
    one("rules.yaml/inner.yaml", "OL200", "client_ip");

    assert_eq!(before, snapshot(root), "nothing written");
}

#[test]
fn unreadable_file_is_reported_and_others_still_linted() {
    // Root reads everything; run the binary as `nobody` so permissions apply.
    let tmp = tempfile::Builder::new()
        .prefix("o11ylint-perm")
        .tempdir()
        .unwrap();
    let root = tmp.path();
    std::fs::create_dir(root.join(".git")).unwrap();
    std::fs::write(root.join("canary.yaml"), CANARY).unwrap();
    std::fs::write(root.join("secret.yaml"), CANARY).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(
        root.join("canary.yaml"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    std::fs::set_permissions(
        root.join("secret.yaml"),
        std::fs::Permissions::from_mode(0o000),
    )
    .unwrap();
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout == b"0\n")
        .unwrap_or(false);
    let mut cmd = if is_root {
        // the test binary must also be reachable by nobody
        let copy = root.join("o11ylint");
        std::fs::copy(bin(), &copy).unwrap();
        std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o755)).unwrap();
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(copy);
        c
    } else {
        Command::new(bin())
    };
    cmd.args([
        "check",
        "--format",
        "json",
        "--no-ignore",
        "canary.yaml",
        "secret.yaml",
    ])
    .current_dir(root);
    let o = run(cmd);
    let d = diagnostics(&o);
    let secret = find(&d, "secret.yaml", "OL003");
    assert_eq!(
        secret.len(),
        1,
        "{d:#?}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(secret[0]["message"]
        .as_str()
        .unwrap()
        .contains("permission denied"));
    assert_eq!(find(&d, "canary.yaml", "OL200").len(), 1);
}

#[test]
fn stdin_garbage_never_panics() {
    for input in [
        &b"\xff\xfe\x00"[..],
        b"[[[[",
        b"groups: *nope",
        b"{",
        b"--- !!binary |\n  AAAA\n",
    ] {
        let mut child = Command::new(bin())
            .args([
                "check",
                "--stdin",
                "--stdin-filename",
                "x.yaml",
                "--format",
                "json",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(input).unwrap();
        let o = child.wait_with_output().unwrap();
        assert!(matches!(o.status.code(), Some(0..=2)), "{input:?}: {o:?}");
        assert!(
            !String::from_utf8_lossy(&o.stderr).contains("panicked"),
            "{input:?}"
        );
    }
}

/// Found by `cargo fuzz`: extreme numbers must give findings, not overflow
/// panics (dashboard grid arithmetic, PromQL durations).
#[test]
fn extreme_numbers_never_panic() {
    let max = i64::MAX;
    let cases: Vec<(&str, String)> = vec![
        (
            "d.json",
            format!(
                r#"{{"uid": "u", "title": "t", "schemaVersion": 39, "panels": [
                {{"id": 1, "type": "stat", "title": "a", "gridPos": {{"x": {max}, "y": {max}, "w": {max}, "h": {max}}}}},
                {{"id": 2, "type": "stat", "title": "b", "gridPos": {{"x": {max}, "y": {max}, "w": {max}, "h": 1}}}}]}}"#
            ),
        ),
        (
            "contracts/dashboards/u.yaml",
            "apiVersion: o11ylint.dev/v1\nkind: DashboardContract\nuid: u\ntitle: t\nfolder: OpenBao\npanels:\n  - {title: a, type: stat, gridPos: {x: 4294967295, y: 4294967295, w: 4294967295, h: 4294967295}}\n  - {title: b, type: stat, gridPos: {x: 4294967295, y: 4294967295, w: 4294967295, h: 1}}\n".to_string(),
        ),
        (
            "rules.yaml",
            "groups:\n  - name: g\n    rules:\n      - record: a:b:c\n        expr: x[8888888888888888888888888888] offset 1e400\n".to_string(),
        ),
    ];
    for (name, text) in cases {
        let mut child = Command::new(bin())
            .args([
                "check",
                "--stdin",
                "--stdin-filename",
                name,
                "--format",
                "json",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
        let o = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
        let d = diagnostics(&o);
        assert!(
            d.iter().all(|x| x["code"] != "OL004"),
            "{name}: internal error {d:#?}"
        );
        assert!(!d.is_empty(), "{name}: expected findings");
    }
}

// Regression tests for the hostile-input review (../shared/reference/
// hostile-review.md), one per case id, grouped by area.
#[path = "hostile/cases.rs"]
mod cases;
#[path = "hostile/disk.rs"]
mod disk;
#[path = "hostile/files.rs"]
mod files;
#[path = "hostile/live.rs"]
mod live;
#[path = "hostile/lsp.rs"]
mod lsp;
#[path = "hostile/output.rs"]
mod output;
#[path = "hostile/parsers.rs"]
mod parsers;
#[path = "hostile/regex.rs"]
mod regex;
#[path = "hostile/review_ok.rs"]
mod review_ok;

/// A throw-away repository (a `.git` directory marks the root).
pub fn repo() -> tempfile::TempDir {
    let tmp = tempfile::Builder::new()
        .prefix("o11ylint-hostile")
        .tempdir()
        .unwrap();
    std::fs::create_dir(tmp.path().join(".git")).unwrap();
    tmp
}

/// `o11ylint ARGS` in `dir`, with the hang watchdog.
pub fn o11ylint(dir: &Path, args: &[&str]) -> Output {
    let mut cmd = Command::new(bin());
    cmd.args(args).current_dir(dir);
    run(cmd)
}

/// The same with `text` on standard input.
pub fn o11ylint_stdin(dir: &Path, args: &[&str], text: &str) -> Output {
    let child = Command::new(bin())
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_watchdog(child, Some(text.to_string()))
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn json_diags(o: &Output) -> Vec<serde_json::Value> {
    diagnostics(o)
}

pub const CANARY_RULES: &str = CANARY;

/// A rule file with one recording rule of expression `expr`, as written.
pub fn rule_file(expr: &str) -> String {
    format!("groups:\n  - name: g\n    rules:\n      - record: openbao:x:y\n        expr: {expr}\n")
}

/// What an interrupted `generate` could leave in `root`: its staging
/// directories and temporary files.
pub fn leftovers(root: &Path) -> Vec<String> {
    std::fs::read_dir(root)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".generated.") || n.contains(".tmp"))
        .collect()
}
