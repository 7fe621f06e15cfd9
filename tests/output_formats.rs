//! Every `--format`, `--output` and `--stdin`, through the built binary.
//! SARIF is checked with a real validator (Python `jsonschema` against the
//! official SARIF 2.1.0 schema), GitLab's report against the fields GitLab
//! documents, Checkstyle with an XML parser.

mod common;

use std::process::Command;

use common::*;
use serde_json::Value;

fn json(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("not JSON ({e}):\n{s}"))
}

#[test]
fn sarif_validates_against_the_official_schema_and_carries_everything() {
    let repo = sample_repo();
    let r = o11ylint(repo.path(), &["check", "--format", "sarif"], None);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let path = repo.path().join("report.sarif");
    std::fs::write(&path, &r.stdout).unwrap();
    if let Some((schema, root)) = sarif_schema() {
        let report = jsonschema_validate_at(&schema, root, &path)
            .unwrap_or_else(|e| panic!("SARIF does not validate:\n{e}"));
        assert!(report.contains("0 error(s)"), "{report}");
    }

    let v = json(&r.stdout);
    assert_eq!(v["version"], "2.1.0");
    let run = &v["runs"][0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "o11ylint");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    assert!(driver["informationUri"]
        .as_str()
        .unwrap()
        .starts_with("https://"));
    let rules = driver["rules"].as_array().unwrap();
    assert_eq!(rules.len(), o11ylint::rules::registry().len());
    for rule in rules {
        let name = rule["name"].as_str().unwrap();
        assert!(rule["id"].as_str().unwrap().starts_with("OL"));
        assert!(!rule["shortDescription"]["text"]
            .as_str()
            .unwrap()
            .is_empty());
        assert!(!rule["fullDescription"]["text"].as_str().unwrap().is_empty());
        assert!(rule["helpUri"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/rules/{name}.md")));
    }
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 4, "suppressed findings are included");
    let by_rule = |id: &str| -> &Value {
        results
            .iter()
            .find(|r| r["ruleId"] == id)
            .unwrap_or_else(|| panic!("no {id} result"))
    };
    // a result's rule index points at its rule
    for res in results {
        let i = res["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[i]["id"], res["ruleId"]);
    }
    // region and fix of the regex matcher (line 6: `job=~"openbao"` at column 37)
    let regex = by_rule("OL703");
    assert_eq!(regex["level"], "warning");
    let loc = &regex["locations"][0]["physicalLocation"];
    assert_eq!(
        loc["artifactLocation"]["uri"],
        "rules/alerts%20critical%20%C3%A9.yaml"
    );
    assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    assert_eq!(
        loc["region"],
        serde_json::json!({"startLine": 6, "startColumn": 37, "endLine": 6, "endColumn": 51})
    );
    let change = &regex["fixes"][0]["artifactChanges"][0];
    assert_eq!(
        change["replacements"][0]["deletedRegion"],
        serde_json::json!({"startLine": 6, "startColumn": 40, "endLine": 6, "endColumn": 42})
    );
    assert_eq!(change["replacements"][0]["insertedContent"]["text"], "=");
    // the suppressed finding says so, with the reason
    let suppressed = by_rule("OL200");
    assert_eq!(
        suppressed["suppressions"],
        serde_json::json!([{"kind": "inSource", "justification": "migration in progress, TICKET-42"}])
    );
    assert!(by_rule("OL500").get("suppressions").is_none());
    // related locations
    let mixed = by_rule("OL600");
    let related = mixed["relatedLocations"].as_array().unwrap();
    assert_eq!(related.len(), 1);
    assert_eq!(related[0]["physicalLocation"]["region"]["startLine"], 5);
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let root_uri = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .unwrap();
    assert!(root_uri.starts_with("file:///") && root_uri.ends_with('/'));
}

#[test]
fn the_sarif_validator_rejects_a_broken_log() {
    // the check above can fail: a log with a level SARIF does not define
    // is refused by the same validator
    let repo = sample_repo();
    let r = o11ylint(repo.path(), &["check", "--format", "sarif"], None);
    let mut v = json(&r.stdout);
    v["runs"][0]["results"][0]["level"] = Value::from("fatal");
    v["runs"][0]["results"][1]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        Value::from(0);
    let path = repo.path().join("broken.sarif");
    std::fs::write(&path, serde_json::to_string(&v).unwrap()).unwrap();
    let Some((schema, root)) = sarif_schema() else {
        return;
    };
    let err = jsonschema_validate_at(&schema, root, &path).unwrap_err();
    assert!(err.contains("fatal"), "{err}");
    assert!(err.contains("2 error(s)"), "{err}");
}

#[test]
fn human_is_the_default() {
    let repo = sample_repo();
    let r = o11ylint(repo.path(), &["check", "--color", "never"], None);
    assert_eq!(r.code, 1);
    assert!(r
        .stdout
        .contains("warning[OL703 regex-literal-matcher]: `job=~\"openbao\"`"));
    assert!(r.stdout.contains("┌─ rules/alerts critical é.yaml:6:37"));
    assert!(r.stdout.contains("error[OL500 severity-vocabulary]"));
    assert!(
        !r.stdout.contains("OL200"),
        "suppressed findings are not shown"
    );
    assert!(r
        .stdout
        .ends_with("2 files checked: 2 errors, 1 warning, 0 infos (1 suppressed)\n"));
}

#[test]
fn json_has_every_finding_and_the_summary() {
    let repo = sample_repo();
    let r = o11ylint(repo.path(), &["check", "--format", "json"], None);
    assert_eq!(r.code, 1);
    let v = json(&r.stdout);
    assert_eq!(v["version"], 1);
    let diags = v["diagnostics"].as_array().unwrap();
    let codes: Vec<&str> = diags.iter().map(|d| d["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["OL703", "OL500", "OL200", "OL600"]);
    assert_eq!(diags[0]["file"], ALERTS_PATH);
    assert_eq!(
        diags[0]["range"],
        serde_json::json!({"start": {"line": 6, "column": 37}, "end": {"line": 6, "column": 51}})
    );
    assert_eq!(diags[0]["fix"][0]["replacement"], "=");
    assert_eq!(diags[2]["suppressed"], "migration in progress, TICKET-42");
    assert_eq!(
        v["summary"],
        serde_json::json!({"files_checked": 2, "files_skipped": 2, "errors": 2,
        "warnings": 1, "infos": 0, "suppressed": 1,
        "by_rule": [
            {"code": "OL500", "name": "severity-vocabulary", "count": 1,
             "errors": 1, "warnings": 0, "infos": 0},
            {"code": "OL600", "name": "source-prefix", "count": 1,
             "errors": 1, "warnings": 0, "infos": 0},
            {"code": "OL703", "name": "regex-literal-matcher", "count": 1,
             "errors": 0, "warnings": 1, "infos": 0}
        ]})
    );
}

#[test]
fn concise_is_one_line_per_finding() {
    let repo = sample_repo();
    let r = o11ylint(repo.path(), &["check", "--format", "concise"], None);
    assert_eq!(r.code, 1);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", r.stdout);
    assert_eq!(
        lines[0],
        "rules/alerts critical é.yaml:6:37: warning[OL703 regex-literal-matcher] \
         `job=~\"openbao\"` is a regex matcher on a plain string; use `job=\"openbao\"`"
    );
    assert!(lines[1]
        .starts_with("rules/alerts critical é.yaml:9:17: error[OL500 severity-vocabulary] "));
    assert!(lines[2].starts_with("rules/recording.yaml:7:39: error[OL600 source-prefix] "));
}

#[test]
fn github_prints_workflow_commands() {
    let repo = sample_repo();
    let r = o11ylint(repo.path(), &["check", "--format", "github"], None);
    assert_eq!(r.code, 1);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", r.stdout);
    assert!(lines[0].starts_with(
        "::warning file=rules/alerts critical é.yaml,line=6,col=37,endLine=6,endColumn=51,\
         title=OL703 regex-literal-matcher::`job=~\"openbao\"` is a regex matcher"
    ));
    // the help line is part of the message, newline-escaped
    assert!(lines[0].contains("%0Ahelp: label regexes are anchored"));
    assert!(lines[1].starts_with("::error file=rules/alerts critical é.yaml,line=9,col=17,endLine=9,endColumn=25,title=OL500 severity-vocabulary::"));
    assert!(lines[2].starts_with("::error file=rules/recording.yaml,line=7,"));
}

#[test]
fn checkstyle_is_well_formed_xml() {
    let repo = sample_repo();
    let r = o11ylint(repo.path(), &["check", "--format", "checkstyle"], None);
    assert_eq!(r.code, 1);
    let path = repo.path().join("checkstyle.xml");
    std::fs::write(&path, &r.stdout).unwrap();
    // parse with a real XML parser and read the structure back
    let script = r#"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == "checkstyle", root.tag
for f in root.findall("file"):
    for e in f.findall("error"):
        print(f.get("name"), e.get("line"), e.get("column"), e.get("severity"), e.get("source"), e.get("message").split("`")[1])
"#;
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(&path)
        .output()
        .expect("python3");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        stdout,
        "rules/alerts critical é.yaml 6 37 warning o11ylint.OL703.regex-literal-matcher job=~\"openbao\"\n\
         rules/alerts critical é.yaml 9 17 error o11ylint.OL500.severity-vocabulary Critical\n\
         rules/recording.yaml 7 39 error o11ylint.OL600.source-prefix vault_\n"
    );
}

#[test]
fn gitlab_code_quality_has_the_documented_fields() {
    let repo = sample_repo();
    let r = o11ylint(repo.path(), &["check", "--format", "gitlab"], None);
    assert_eq!(r.code, 1);
    let path = repo.path().join("gl-code-quality-report.json");
    std::fs::write(&path, &r.stdout).unwrap();
    let schema = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/gitlab-codequality.schema.json");
    jsonschema_validate(&schema, &path).unwrap_or_else(|e| panic!("{e}"));
    let v = json(&r.stdout);
    let issues = v.as_array().unwrap();
    assert_eq!(issues.len(), 3, "suppressed findings are left out");
    assert_eq!(issues[0]["check_name"], "OL703 regex-literal-matcher");
    assert_eq!(issues[0]["severity"], "minor");
    assert_eq!(issues[1]["severity"], "major");
    assert_eq!(issues[0]["location"]["path"], ALERTS_PATH);
    assert_eq!(issues[0]["location"]["lines"]["begin"], 6);
    let mut fps: Vec<&str> = issues
        .iter()
        .map(|i| i["fingerprint"].as_str().unwrap())
        .collect();
    fps.sort_unstable();
    fps.dedup();
    assert_eq!(fps.len(), 3, "fingerprints are unique");
    // and stable from run to run
    let again = o11ylint(repo.path(), &["check", "--format", "gitlab"], None);
    assert_eq!(again.stdout, r.stdout);
}

#[test]
fn output_writes_the_format_to_a_file_and_the_terminal_gets_the_human_view() {
    let repo = sample_repo();
    let r = o11ylint(
        repo.path(),
        &[
            "check",
            "--format",
            "sarif",
            "--output",
            "o11ylint.sarif",
            "--color",
            "never",
        ],
        None,
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stdout.contains("error[OL500 severity-vocabulary]"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("2 files checked"));
    let written = std::fs::read_to_string(repo.path().join("o11ylint.sarif")).unwrap();
    let v = json(&written);
    assert_eq!(v["runs"][0]["results"].as_array().unwrap().len(), 4);
    // the report file is not linted as a repository file next time, and a
    // directory that does not exist is an I/O error (exit 2)
    let bad = o11ylint(
        repo.path(),
        &[
            "check",
            "--format",
            "json",
            "--output",
            "no/such/dir/report.json",
        ],
        None,
    );
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("cannot write no/such/dir/report.json"),
        "{}",
        bad.stderr
    );
}

#[test]
fn stdin_is_linted_as_the_named_file_with_its_repository_policy() {
    let repo = sample_repo();
    // on disk the file is clean; the buffer is not
    write(
        repo.path(),
        ALERTS_PATH,
        &ALERTS.replace("=~", "=").replace("Critical", "critical"),
    );
    write(
        repo.path(),
        "o11ylint.yaml",
        "extends: openbao\nversion: 1\nrules:\n  severity-vocabulary: {severity: warning}\n",
    );
    let elsewhere = tempfile::tempdir().unwrap();
    let abs = repo.path().join(ALERTS_PATH);
    let r = o11ylint(
        elsewhere.path(),
        &[
            "check",
            "--stdin",
            "--stdin-filename",
            abs.to_str().unwrap(),
            "--format",
            "concise",
        ],
        Some(ALERTS),
    );
    assert_eq!(r.code, 0, "only warnings: {}{}", r.stdout, r.stderr);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", r.stdout);
    assert!(lines[0].starts_with("rules/alerts critical é.yaml:6:37: warning[OL703 "));
    // the repository's o11ylint.yaml applied (error re-graded to warning)
    assert!(lines[1].starts_with("rules/alerts critical é.yaml:9:17: warning[OL500 "));
    // the runbook link resolved against the repository root: no OL400
    assert!(!r.stdout.contains("OL400"));

    // a relative --stdin-filename is taken from the working directory
    let r = o11ylint(
        repo.path(),
        &[
            "check",
            "--stdin",
            "--stdin-filename",
            ALERTS_PATH,
            "--format",
            "json",
        ],
        Some("groups: [\n"),
    );
    assert_eq!(r.code, 1);
    let v = json(&r.stdout);
    assert_eq!(v["diagnostics"][0]["code"], "OL100");
    assert_eq!(v["diagnostics"][0]["file"], ALERTS_PATH);
}

#[test]
fn force_exclude_applies_the_policy_exclude_to_named_files() {
    let repo = sample_repo();
    write(
        repo.path(),
        "o11ylint.yaml",
        "extends: openbao\nversion: 1\nexclude: [\"vendor/**\"]\n",
    );
    write(repo.path(), "vendor/rules.yaml", RECORDING);
    // named explicitly, an excluded file is linted...
    let r = o11ylint(
        repo.path(),
        &["check", "--format", "concise", "vendor/rules.yaml"],
        None,
    );
    assert_eq!(r.code, 1);
    assert!(
        r.stdout.starts_with("vendor/rules.yaml:7:39: error[OL600 "),
        "{}",
        r.stdout
    );
    // ...unless --force-exclude (what the pre-commit hook passes)
    let r = o11ylint(
        repo.path(),
        &[
            "check",
            "--force-exclude",
            "--format",
            "concise",
            "vendor/rules.yaml",
        ],
        None,
    );
    assert_eq!((r.code, r.stdout.as_str()), (0, ""), "{}", r.stderr);
    let r = o11ylint(
        repo.path(),
        &[
            "check",
            "--force-exclude",
            "--format",
            "concise",
            "vendor/rules.yaml",
            RECORDING_PATH,
        ],
        None,
    );
    assert_eq!(r.stdout.lines().count(), 1, "{}", r.stdout);
    assert!(r.stdout.starts_with("rules/recording.yaml:7:39: "));
    let r = o11ylint(
        repo.path(),
        &[
            "check",
            "--force-exclude",
            "--stdin",
            "--stdin-filename",
            "vendor/rules.yaml",
            "--format",
            "concise",
        ],
        Some(RECORDING),
    );
    assert_eq!((r.code, r.stdout.as_str()), (0, ""));
}
