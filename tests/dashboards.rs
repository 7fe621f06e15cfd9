//! Grafana dashboards end to end: every corpus dashboard loads and lints
//! without a panic, damaged dashboards never panic, and the OpenBao profile's
//! checks hold on the fixture dashboards.

use std::path::{Path, PathBuf};

use o11ylint::analysis::repo::RepoIndex;
use o11ylint::engine;
use o11ylint::policy::Policy;
use o11ylint::source::SourceFile;

fn fixture_dashboards() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "json") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn lint_text(text: &str, rel: &str, policy: &Policy) -> engine::FileResult {
    lint_text_in(text, rel, &RepoIndex::new(Path::new("."), policy), policy)
}

/// [`lint_text`] with one repository index for many runs: the query rules
/// read the repository's metrics contracts for every dashboard target, and
/// building the index per run made the damaged-dashboard loop minutes long.
fn lint_text_in(text: &str, rel: &str, repo: &RepoIndex, policy: &Policy) -> engine::FileResult {
    let file = SourceFile::new(rel, PathBuf::from(rel), text.to_string());
    engine::lint_file_in(&file, rel, repo, policy)
}

/// The corpus of public dashboards (monitoring mixins, Grafana's Loki and
/// Thanos dashboards, dotdc's Kubernetes views). Skipped when absent.
#[test]
fn corpus_dashboards_lint_without_panics() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/grafana-dashboards");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("corpus not found at {}: skipped", dir.display());
        return;
    };
    let policy = Policy::default_policy();
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let (mut checked, mut findings) = (0, 0);
    let mut failures = Vec::new();
    for p in &files {
        let r = engine::guarded(p, &dir, &policy, || {
            engine::lint_path(p, &dir, &policy, 16 * 1024 * 1024)
        });
        if r.diagnostics.iter().any(|d| d.code == "OL004") {
            failures.push(format!("{}: internal error", p.display()));
        }
        if !r.note.contains("Grafana dashboard") {
            failures.push(format!("{}: not recognised: {}", p.display(), r.note));
        }
        checked += usize::from(r.checked);
        findings += r.diagnostics.len();
    }
    eprintln!(
        "{} corpus dashboards, {checked} checked, {findings} findings, 0 panics",
        files.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Truncated and corrupted dashboards: every prefix of each fixture
/// dashboard, and each with one byte replaced, lints without a panic.
#[test]
fn damaged_dashboards_never_panic() {
    let policy = Policy::default_policy();
    let repo = RepoIndex::new(Path::new("."), &policy);
    let mut runs = 0;
    for p in fixture_dashboards() {
        let Ok(text) = std::fs::read_to_string(&p) else {
            continue;
        };
        let step = (text.len() / 60).max(1);
        let mut cut = 0;
        while cut <= text.len() {
            if text.is_char_boundary(cut) {
                lint_text_in(&text[..cut], "d.json", &repo, &policy);
                runs += 1;
            }
            cut += step;
        }
        for (i, c) in text.char_indices().step_by(step) {
            for replacement in ["\"", "{", "]", "$", "\\", "\u{0}"] {
                let mut t = String::with_capacity(text.len());
                t.push_str(&text[..i]);
                t.push_str(replacement);
                t.push_str(&text[i + c.len_utf8()..]);
                lint_text_in(&t, "d.json", &repo, &policy);
                runs += 1;
            }
        }
    }
    assert!(runs > 1000, "only {runs} runs");
}

/// A planted audit panel in an operational dashboard is reported, and the
/// same panel in a restricted dashboard is not.
#[test]
fn planted_audit_panel_is_caught() {
    let policy = Policy::profile("openbao").unwrap();
    let dash = |tags: &str| {
        format!(
            r#"{{"uid": "ops", "title": "Ops", "tags": [{tags}],
  "templating": {{"list": [{{"name": "logs", "type": "datasource", "query": "loki"}}]}},
  "panels": [
    {{"id": 1, "type": "logs", "title": "Audit", "datasource": {{"type": "loki", "uid": "${{logs}}"}},
      "gridPos": {{"x": 0, "y": 0, "w": 24, "h": 8}},
      "targets": [{{"refId": "A", "expr": "{{log_stream=\"openbao.audit\"}} | json"}}]}}]}}"#
        )
    };
    let open = lint_text(&dash("\"openbao\""), "dashboards/ops.json", &policy);
    let hits: Vec<_> = open
        .diagnostics
        .iter()
        .filter(|d| d.name == "stream-separation")
        .collect();
    assert_eq!(hits.len(), 1, "{:#?}", open.diagnostics);
    assert!(hits[0].message.contains("not restricted"));
    let restricted = lint_text(&dash("\"restricted\""), "dashboards/ops.json", &policy);
    assert!(!restricted
        .diagnostics
        .iter()
        .any(|d| d.name == "stream-separation"));
    // a provisioning folder named like the policy's restricted folder
    let in_folder = lint_text(&dash(""), "grafana/openbao-restricted/ops.json", &policy);
    assert!(!in_folder
        .diagnostics
        .iter()
        .any(|d| d.name == "stream-separation"));
}

/// Dashboards in the repository's generated/grafana/ lint clean of the
/// dashboard rules (skipped until `o11ylint generate` has written them).
#[test]
fn generated_dashboards_lint_clean() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("generated/grafana");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("{} not generated yet: skipped", dir.display());
        return;
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let policy = Policy::discover(root, None, o11ylint::rules::catalog())
        .unwrap_or_else(|_| Policy::default_policy());
    let mut problems = Vec::new();
    for p in entries.flatten().map(|e| e.path()) {
        if p.extension().is_none_or(|x| x != "json") {
            continue;
        }
        let r = engine::lint_path(&p, root, &policy, 16 * 1024 * 1024);
        for d in r.diagnostics.iter().filter(|d| d.suppressed.is_none()) {
            // series are checked against the contracts in the repository-wide run
            if d.name != "unknown-metric" {
                let at = d.primary.start();
                problems.push(format!(
                    "{}:{}:{}: {} {}",
                    d.file(),
                    at.line,
                    at.column,
                    d.name,
                    d.message
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
