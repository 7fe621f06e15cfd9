//! Fixture tests: `tests/fixtures/<rule>/{pass,fail}/` are each linted as a
//! repository root with the default policy (plus an `o11ylint.yaml` in the
//! folder, if any). Only the folder's rule is compared:
//! - `pass/` must produce no finding of that rule;
//! - `fail/` must produce exactly the findings in `fail/expected.txt`, spans
//!   included, and each finding's fix (`fix (safe|unsafe): title` and its
//!   edits as `line:col-line:col => "replacement"`), so every rule's fix is
//!   pinned by its fixture;
//! - each `fail/` file that the rule's safe fixes change has the result
//!   beside it as `<file>.fixed` (what one `check --fix` pass writes; clippy's
//!   `.fixed`), and no other `.fixed` file exists there.
//!
//! `UPDATE_EXPECT=1 cargo test --test fixtures` rewrites `expected.txt` and
//! `.fixed` files (review the diff before committing).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use o11ylint::diag::Diagnostic;
use o11ylint::engine::{self, Options};
use o11ylint::outputs::fix;
use o11ylint::policy::Policy;
use o11ylint::rules;

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn lint(dir: &Path) -> Vec<Diagnostic> {
    let policy = Policy::discover(dir, None, o11ylint::rules::catalog())
        .unwrap_or_else(|e| panic!("policy in {}: {:?}", dir.display(), e));
    let mut opts = Options::new(dir.to_path_buf(), vec![]);
    // fixture folders are not git repositories: do not let a parent's
    // .gitignore hide them
    opts.respect_ignore = false;
    engine::run(&opts, &policy).diagnostics
}

/// One finding per entry: `file:line:col: line:col: severity[CODE name] message`,
/// then `  help: ...`, `  related file:line:col: message` and `  fix ...` lines.
pub fn render_expected(diags: &[&Diagnostic]) -> String {
    let mut s = String::new();
    for d in diags {
        let (a, b) = (d.primary.start(), d.primary.end());
        let _ = writeln!(
            s,
            "{}:{}:{}: {}:{}: {}[{} {}] {}",
            d.file(),
            a.line,
            a.column,
            b.line,
            b.column,
            d.severity.as_str(),
            d.code,
            d.name,
            d.message
        );
        if let Some(h) = &d.help {
            let _ = writeln!(s, "  help: {h}");
        }
        for r in &d.related {
            let p = r.start();
            let _ = writeln!(
                s,
                "  related {}:{}:{}: {}",
                r.file.display, p.line, p.column, r.message
            );
        }
        if let Some(fix) = &d.fix {
            let kind = match fix.applicability {
                o11ylint::diag::Applicability::Safe => "safe",
                o11ylint::diag::Applicability::Unsafe => "unsafe",
            };
            let _ = writeln!(s, "  fix ({kind}): {}", fix.title);
            for e in &fix.edits {
                let (a, b) = e.positions(&d.primary.file);
                let _ = writeln!(
                    s,
                    "    {}:{}-{}:{} => {:?}",
                    a.line, a.column, b.line, b.column, e.replacement
                );
            }
        }
        if let Some(reason) = &d.suppressed {
            let _ = writeln!(s, "  suppressed: {reason}");
        }
    }
    s
}

fn rule_dirs() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(fixtures_dir())
        .expect("tests/fixtures exists")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    v.sort();
    v
}

#[test]
fn every_rule_has_pass_and_fail_fixtures_and_a_page() {
    // internal-error reports o11ylint's own bugs: no input may trigger it, so
    // it has no fixture; engine::tests covers it with a deliberate panic.
    let no_fixture = ["internal-error"];
    let mut missing = Vec::new();
    for r in rules::registry() {
        let m = r.meta();
        let dir = fixtures_dir().join(m.name);
        for sub in ["pass", "fail"] {
            if no_fixture.contains(&m.name) {
                continue;
            }
            if !dir.join(sub).is_dir() {
                missing.push(format!("tests/fixtures/{}/{sub}/", m.name));
            }
        }
        if !no_fixture.contains(&m.name) && !dir.join("fail/expected.txt").is_file() {
            missing.push(format!("tests/fixtures/{}/fail/expected.txt", m.name));
        }
        let page = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("rules")
            .join(format!("{}.md", m.name));
        if !page.is_file() {
            missing.push(format!("rules/{}.md", m.name));
        }
        for section in [
            "## Why it matters",
            "## Bad",
            "## Good",
            "## How to fix",
            "## Configuration",
        ] {
            if !m.doc.contains(section) {
                missing.push(format!("rules/{}.md: section `{section}`", m.name));
            }
        }
    }
    assert!(missing.is_empty(), "missing:\n{}", missing.join("\n"));
}

#[test]
fn fixture_folders_name_real_rules() {
    for dir in rule_dirs() {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            rules::find(&name).is_some(),
            "tests/fixtures/{name} names no rule"
        );
    }
}

#[test]
fn fixtures() {
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    let mut failures = Vec::new();
    for dir in rule_dirs() {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let Some(rule) = rules::find(&name) else {
            continue;
        };
        let code = rule.meta().code;

        let pass = dir.join("pass");
        if pass.is_dir() {
            let diags = lint(&pass);
            let mine: Vec<&Diagnostic> = diags
                .iter()
                .filter(|d| d.code == code && d.suppressed.is_none())
                .collect();
            if !mine.is_empty() {
                failures.push(format!(
                    "{name}/pass produced findings:\n{}",
                    render_expected(&mine)
                ));
            }
        }

        let fail = dir.join("fail");
        if fail.is_dir() {
            let diags = lint(&fail);
            let mine: Vec<&Diagnostic> = diags.iter().filter(|d| d.code == code).collect();
            let got = render_expected(&mine);
            let exp_path = fail.join("expected.txt");
            check_fixed(&name, &fail, &mine, update, &mut failures);
            if update {
                std::fs::write(&exp_path, &got).unwrap();
                continue;
            }
            let expected = std::fs::read_to_string(&exp_path).unwrap_or_default();
            if mine.is_empty() {
                failures.push(format!("{name}/fail produced no finding of {name}"));
            }
            if got != expected {
                let diff = similar::TextDiff::from_lines(&expected, &got)
                    .unified_diff()
                    .header("expected.txt", "actual")
                    .to_string();
                failures.push(format!("{name}/fail differs:\n{diff}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Every `*.fixed` file under `dir`.
fn fixed_files(dir: &Path, out: &mut BTreeSet<PathBuf>) {
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            fixed_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "fixed") {
            out.insert(p);
        }
    }
}

/// The rule's safe fixes applied to each `fail/` file they touch (one pass,
/// as `check --fix` applies non-conflicting fixes) must equal
/// `<file>.fixed` beside it.
fn check_fixed(
    name: &str,
    fail: &Path,
    mine: &[&Diagnostic],
    update: bool,
    failures: &mut Vec<String>,
) {
    let mut by_file: BTreeMap<String, Vec<Diagnostic>> = BTreeMap::new();
    for d in mine.iter().filter(|d| d.fix.is_some()) {
        by_file
            .entry(d.file().to_string())
            .or_default()
            .push((*d).clone());
    }
    let mut wanted = BTreeSet::new();
    for (rel, diags) in &by_file {
        let file = diags[0].primary.file.clone();
        let groups = fix::groups_for(diags, &file, false);
        if groups.is_empty() {
            continue;
        }
        let (fixed, _) = fix::apply(&file.text, &groups);
        let path = fail.join(format!("{rel}.fixed"));
        wanted.insert(path.clone());
        if update {
            std::fs::write(&path, &fixed).unwrap();
            continue;
        }
        match std::fs::read_to_string(&path) {
            Ok(have) if have == fixed => {}
            Ok(have) => {
                let diff = similar::TextDiff::from_lines(&have, &fixed)
                    .unified_diff()
                    .header(&format!("{rel}.fixed"), "after the fixes")
                    .to_string();
                failures.push(format!("{name}/fail/{rel}.fixed differs:\n{diff}"));
            }
            Err(_) => failures.push(format!(
                "{name}/fail/{rel}.fixed is missing: the rule's fixes change {rel}"
            )),
        }
    }
    let mut present = BTreeSet::new();
    fixed_files(fail, &mut present);
    for stale in present.difference(&wanted) {
        if update {
            std::fs::remove_file(stale).unwrap();
        } else {
            failures.push(format!(
                "{} is not what any fix of {name} writes",
                stale.display()
            ));
        }
    }
}

/// Every row of the construct tables in docs/query-semantics.md names
/// fixtures (paths under tests/fixtures/) that exist: a `fail/` file where
/// the construct makes a rule report and a `pass/` file where it keeps the
/// rule quiet, unless the row says why there is none (`no fail fixture:`,
/// `no pass fixture:`, `no fixture:`).
#[test]
fn semantics_table_names_fixtures() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc = std::fs::read_to_string(root.join("docs/query-semantics.md"))
        .expect("docs/query-semantics.md exists");
    let mut problems = Vec::new();
    let mut rows = 0;
    let mut section = "";
    let mut column = None;
    for line in doc.lines() {
        if let Some(h) = line.strip_prefix("## ") {
            section = h;
            column = None;
            continue;
        }
        if !matches!(section, "PromQL" | "LogQL") || !line.starts_with('|') {
            continue;
        }
        // `\|` inside a cell is a literal bar (LogQL pipelines)
        let escaped = line.replace("\\|", "\u{1}");
        let cells: Vec<String> = escaped
            .trim()
            .trim_matches('|')
            .split('|')
            .map(|c| c.trim().replace('\u{1}', "|"))
            .collect();
        if cells.first().is_some_and(|c| c == "construct") {
            column = cells.iter().position(|c| c.starts_with("fixtures"));
            if column.is_none() {
                problems.push(format!("{section} table has no `fixtures` column"));
            }
            continue;
        }
        if line.starts_with("|---") {
            continue;
        }
        let Some(col) = column else { continue };
        rows += 1;
        let construct = cells.first().map(String::as_str).unwrap_or("?");
        let Some(cell) = cells.get(col) else {
            problems.push(format!("{section} `{construct}`: no fixtures cell"));
            continue;
        };
        if cell.starts_with("no fixture:") {
            continue;
        }
        let paths: Vec<&str> = cell
            .split('`')
            .skip(1)
            .step_by(2)
            .filter(|p| p.ends_with(".yaml") || p.ends_with(".json"))
            .collect();
        for p in &paths {
            if !fixtures_dir().join(p).is_file() {
                problems.push(format!(
                    "{section} `{construct}`: tests/fixtures/{p} does not exist"
                ));
            }
            let rule = p.split('/').next().unwrap_or("");
            if rules::find(rule).is_none() || !(p.contains("/fail/") || p.contains("/pass/")) {
                problems.push(format!(
                    "{section} `{construct}`: {p} is not under <rule>/{{pass,fail}}/"
                ));
            }
        }
        for (side, exempt) in [
            ("/fail/", "no fail fixture:"),
            ("/pass/", "no pass fixture:"),
        ] {
            if !paths.iter().any(|p| p.contains(side)) && !cell.contains(exempt) {
                problems.push(format!(
                    "{section} `{construct}`: no {} fixture named (or `{exempt}` with the reason)",
                    side.trim_matches('/')
                ));
            }
        }
    }
    assert!(
        rows >= 40,
        "only {rows} table rows found in docs/query-semantics.md"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
