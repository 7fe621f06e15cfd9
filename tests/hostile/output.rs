//! Output: user-controlled text is escaped in every human-facing format
//! (review cases I1, I2, I3).

use super::{o11ylint, repo, stderr, stdout, CANARY_RULES};

const EVIL_ALERT: &str = "groups:\n  - name: g\n    rules:\n      - alert: \"Evil\\n::error file=README.md,line=1::INJECTED\\e]0;pwned\\a\"\n        expr: up == 0\n        labels:\n          severity: \"bogus\\r\\n::warning::W\"\n";

/// No line of `text` is a workflow command and no ESC/BEL is raw.
fn assert_safe(what: &str, text: &str) {
    for line in text.lines() {
        assert!(
            !line.trim_start().starts_with("::"),
            "{what}: workflow command line `{line}` in:\n{text}"
        );
    }
    assert!(!text.contains('\u{1b}'), "{what}: raw ESC in:\n{text}");
    assert!(!text.contains('\u{7}'), "{what}: raw BEL in:\n{text}");
}

#[test]
fn i1_human_view_escapes_user_text() {
    let tmp = repo();
    std::fs::write(tmp.path().join("a.yaml"), EVIL_ALERT).unwrap();
    // the OpenBao profile requires runbooks and a severity vocabulary
    std::fs::write(tmp.path().join("o11ylint.yaml"), "extends: openbao\n").unwrap();
    for args in [
        &["check", "--color", "never"][..],
        &["check", "--format", "concise"],
        &[
            "check", "--format", "sarif", "--output", "o.sarif", "--color", "never",
        ],
    ] {
        let o = o11ylint(tmp.path(), args);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {}", stderr(&o));
        assert_safe(&format!("{args:?} stdout"), &stdout(&o));
        assert_safe(&format!("{args:?} stderr"), &stderr(&o));
        assert!(
            stdout(&o).contains("\\u{1b}]0;pwned\\u{7}"),
            "escaped visibly: {}",
            stdout(&o)
        );
    }
}

#[test]
fn i2_verbose_lines_escape_file_names() {
    let tmp = repo();
    let name = "f\n::error::FILENAME-INJECT\n.yaml";
    std::fs::write(tmp.path().join(name), CANARY_RULES).unwrap();
    let o = o11ylint(tmp.path(), &["check", "-v", "--format", "github", "."]);
    // stdout holds the (escaped) annotations themselves: stderr must not
    assert_safe("stderr", &stderr(&o));
    assert!(stdout(&o).contains("::error file=f%0A%3A%3Aerror"));
    assert!(
        stderr(&o).contains("f\\n::error::FILENAME-INJECT\\n.yaml"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn i3_concise_escapes_file_names_and_escapes() {
    let tmp = repo();
    let name = "x\n\u{1b}[31mforged.yaml:1:1: error[OL000] fake\n.yaml";
    std::fs::write(tmp.path().join(name), CANARY_RULES).unwrap();
    let o = o11ylint(tmp.path(), &["check", "--format", "concise", "."]);
    let out = stdout(&o);
    assert_eq!(out.lines().count(), 1, "one line per finding: {out}");
    assert_safe("concise", &out);
}
