//! Every case of the hostile-input review has a regression test in
//! tests/hostile/ named by its id. The ids are the fact list
//! `tests/hostile/cases.tsv` (checked against the review itself when
//! ../shared/reference/hostile-review.md is present). A test is named by an
//! id when one of the `_`-separated words of its name is the id: the review
//! id in lower case (`c1`, `p10`) or `case` and the case number (`case17`,
//! `case6a`). A case whose verdict names review ids (BUG or WEAK) is also
//! covered by tests named by all of those ids.

use std::collections::BTreeSet;
use std::path::Path;

/// Cases that have no test yet. The list may only shrink: the test fails
/// when one of them gets a test (remove it here) and when any other case
/// has none.
const KNOWN_MISSING: &[&str] = &[];

/// Cases that are memory or speed goals: measured by `make bench` (the
/// brief keeps such goals out of unit tests), by the script named here,
/// which must name the case (`case 88`).
const IN_BENCH: &[(&str, &str)] = &[
    // memory of the language server over open/close cycles
    ("88", "scripts/lsp-memory.py"),
];

struct Case {
    id: String,
    review_ids: Vec<String>,
}

fn cases() -> Vec<Case> {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/hostile/cases.tsv"),
    )
    .unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), 4, "cases.tsv: {l}");
            Case {
                id: f[0].to_string(),
                review_ids: if f[3] == "-" {
                    Vec::new()
                } else {
                    f[3].split(',').map(str::to_lowercase).collect()
                },
            }
        })
        .collect()
}

/// The `_`-separated words of every test function's name in tests/hostile/.
fn test_words() -> BTreeSet<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/hostile");
    let mut words = BTreeSet::new();
    for e in std::fs::read_dir(&dir).unwrap().flatten() {
        let p = e.path();
        if p.extension().is_none_or(|x| x != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&p).unwrap();
        let mut lines = text.lines().peekable();
        while let Some(l) = lines.next() {
            if l.trim() != "#[test]" {
                continue;
            }
            // the function after the attribute (other attributes between)
            for next in lines.by_ref() {
                let t = next.trim();
                if let Some(rest) = t.strip_prefix("fn ") {
                    let name = rest.split('(').next().unwrap_or("");
                    words.extend(name.split('_').map(str::to_string));
                    break;
                }
            }
        }
    }
    words
}

#[test]
fn every_review_case_has_a_test_named_by_its_id() {
    let cases = cases();
    assert_eq!(cases.len(), 116, "cases.tsv lists the review's 116 cases");
    let words = test_words();
    let review_ids: BTreeSet<&str> = cases
        .iter()
        .flat_map(|c| c.review_ids.iter().map(String::as_str))
        .collect();
    assert_eq!(review_ids.len(), 44, "21 BUG and 23 WEAK ids");
    let untested_ids: Vec<&&str> = review_ids
        .iter()
        .filter(|id| !words.contains(**id))
        .collect();
    assert!(
        untested_ids.is_empty(),
        "review ids without a test named by them: {untested_ids:?}"
    );
    let mut missing = Vec::new();
    for c in &cases {
        let named = words.contains(&format!("case{}", c.id));
        let by_review_id =
            !c.review_ids.is_empty() && c.review_ids.iter().all(|id| words.contains(id));
        let in_bench = IN_BENCH.iter().any(|(id, script)| {
            *id == c.id
                && std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(script))
                    .is_ok_and(|t| t.contains(&format!("case {id}")))
        });
        if !(named || by_review_id || in_bench) {
            missing.push(c.id.as_str());
        }
    }
    let unexpected: Vec<&&str> = missing
        .iter()
        .filter(|m| !KNOWN_MISSING.contains(m))
        .collect();
    assert!(
        unexpected.is_empty(),
        "cases without a test named by their id: {unexpected:?}"
    );
    let now_tested: Vec<&&str> = KNOWN_MISSING
        .iter()
        .filter(|k| !missing.contains(k))
        .collect();
    assert!(
        now_tested.is_empty(),
        "these cases have a test now: remove them from KNOWN_MISSING: {now_tested:?}"
    );
    eprintln!(
        "{} of {} review cases have a regression test named by their id; {} do not yet: {:?}",
        cases.len() - missing.len(),
        cases.len(),
        missing.len(),
        missing
    );
}

/// The fact list is the review's: same case numbers, same verdicts
/// (skipped when the review is not beside the repository).
#[test]
fn the_case_list_is_the_reviews() {
    let review =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/reference/hostile-review.md");
    let Ok(text) = std::fs::read_to_string(&review) else {
        eprintln!("SKIP: {} not present", review.display());
        return;
    };
    let mut rows = Vec::new();
    let mut dash = 0;
    let mut in_table = false;
    for l in text.lines() {
        if let Some(title) = l.strip_prefix("### ") {
            in_table = title.starts_with(|c: char| c.is_ascii_digit());
            continue;
        }
        if !in_table || !l.starts_with("| ") {
            continue;
        }
        let first = l.trim_matches('|').split('|').next().unwrap_or("").trim();
        if first.chars().all(|c| c.is_ascii_digit()) && !first.is_empty() {
            rows.push(first.to_string());
        } else if first == "–" {
            dash += 1;
            rows.push(format!("6{}", ["a", "b", "c", "d", "e", "f"][dash - 1]));
        }
    }
    let ids: Vec<String> = cases().into_iter().map(|c| c.id).collect();
    assert_eq!(rows, ids, "cases.tsv differs from the review's table");
}
