//! Helpers shared by the integration tests that drive the built binary.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub const BIN: &str = env!("CARGO_BIN_EXE_o11ylint");

/// What one run of the binary produced.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Run `o11ylint args...` in `dir`, feeding `stdin` if given.
pub fn o11ylint(dir: &Path, args: &[&str], stdin: Option<&str>) -> Run {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn o11ylint");
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().expect("stdin pipe");
        pipe.write_all(input.as_bytes()).expect("write stdin");
    }
    let out = child.wait_with_output().expect("wait for o11ylint");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

pub fn write(root: &Path, rel: &str, text: &str) -> PathBuf {
    let p = root.join(rel);
    if let Some(dir) = p.parent() {
        std::fs::create_dir_all(dir).unwrap();
    }
    std::fs::write(&p, text).unwrap();
    p
}

/// The alert file of the sample repository: one regex-literal finding and
/// one wrong-case severity (both fixable), one suppressed forbidden label,
/// non-ASCII text, and a path with a space and a non-ASCII letter.
pub const ALERTS_PATH: &str = "rules/alerts critical é.yaml";
pub const ALERTS: &str = r#"# o11ylint integration fixture
groups:
- name: openbao-core
  rules:
  - alert: OpenBaoSealedUnexpectedly
    expr: openbao:core_unsealed:max{job=~"openbao"} == 0
    for: 2m
    labels:
      severity: Critical
    annotations:
      summary: "Nœud scellé"
      runbook_url: docs/runbooks/sealed-unexpectedly.md
  # o11ylint: disable=forbidden-label -- migration in progress, TICKET-42
  - alert: OpenBaoRequestPathErrors
    expr: sum by (request_path) (openbao:core_handle_request:rate5m) > 1
    for: 5m
    labels:
      severity: critical
    annotations:
      runbook_url: docs/runbooks/sealed-unexpectedly.md
"#;

/// A recording-rule file mixing both source prefixes (a finding with a
/// related location).
pub const RECORDING_PATH: &str = "rules/recording.yaml";
pub const RECORDING: &str = "groups:
- name: openbao-normalise
  rules:
  - record: openbao:core_active:max
    expr: max by (cluster, instance) (vault_core_active)
  - record: openbao:core_unsealed:max
    expr: max by (cluster, instance) (openbao_core_unsealed)
";

/// A repository root (a `.git` directory marks it) with the sample files.
pub fn sample_repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(".git")).unwrap();
    // the sample files follow the OpenBao profile's conventions
    write(dir.path(), "o11ylint.yaml", "extends: openbao\n");
    write(
        dir.path(),
        "docs/runbooks/sealed-unexpectedly.md",
        "# Sealed\n",
    );
    write(dir.path(), ALERTS_PATH, ALERTS);
    write(dir.path(), RECORDING_PATH, RECORDING);
    dir
}

/// Validate the JSON document at `instance` against the JSON Schema at
/// `schema` with Python's `jsonschema` (the validator named in
/// requirements-dev.txt). Returns the validator's report; panics (the test
/// fails) when python3 or jsonschema is missing.
pub fn jsonschema_validate(schema: &Path, instance: &Path) -> Result<String, String> {
    jsonschema_validate_at(schema, "", instance)
}

/// Like [`jsonschema_validate`], against the schema's subschema at the JSON
/// pointer `root` (`#/definitions/Root`) when it is not empty.
pub fn jsonschema_validate_at(
    schema: &Path,
    root: &str,
    instance: &Path,
) -> Result<String, String> {
    const SCRIPT: &str = r#"
import json, sys
try:
    import jsonschema
except ImportError:
    print("MISSING: python module jsonschema (pip install -r requirements-dev.txt)")
    sys.exit(3)
schema = json.load(open(sys.argv[1], encoding="utf-8"))
instance = json.load(open(sys.argv[2], encoding="utf-8"))
cls = jsonschema.validators.validator_for(schema)
cls.check_schema(schema)
if sys.argv[3]:
    # validate against a subschema of the document (refs stay resolvable)
    schema = dict(schema, **{"$ref": sys.argv[3]})
validator = cls(schema, format_checker=cls.FORMAT_CHECKER)
errors = sorted(validator.iter_errors(instance), key=lambda e: list(map(str, e.absolute_path)))
for e in errors:
    print("/" + "/".join(map(str, e.absolute_path)) + ": " + e.message)
print(cls.__name__ + ": " + str(len(errors)) + " error(s)")
sys.exit(1 if errors else 0)
"#;
    let out = Command::new("python3")
        .arg("-c")
        .arg(SCRIPT)
        .arg(schema)
        .arg(instance)
        .arg(root)
        .output()
        .unwrap_or_else(|e| panic!("python3 is needed to validate with jsonschema: {e}"));
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    match out.status.code() {
        Some(0) => Ok(report),
        Some(1) => Err(report),
        _ => panic!("the jsonschema validator could not run:\n{report}"),
    }
}

/// The official SARIF 2.1.0 schema and the pointer to validate against:
/// `O11YLINT_SARIF_SCHEMA` if set, else `shared/reference/schemas/` in the
/// nearest folder above the repository that has it (`../shared` of a
/// clone, `../../shared` of a worktree under `wt/`). `None`, with the reason
/// printed, when there is none: the schema is not ours to ship, so a fresh
/// clone skips that one assertion. The published schema describes the log at
/// its top level; the copy in the shared folder keeps that description under
/// `definitions.Root` with nothing at the top, against which every document
/// would pass, so the log is then validated against `#/definitions/Root`.
pub fn sarif_schema() -> Option<(PathBuf, &'static str)> {
    const REL: &str = "shared/reference/schemas/sarif-schema-2.1.0.json";
    let p = match std::env::var_os("O11YLINT_SARIF_SCHEMA") {
        Some(p) => PathBuf::from(p),
        None => {
            let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
            let Some(p) = manifest
                .ancestors()
                .skip(1)
                .map(|a| a.join(REL))
                .find(|p| p.is_file())
            else {
                eprintln!(
                    "SKIP SARIF schema validation: no {REL} above {} (set O11YLINT_SARIF_SCHEMA)",
                    manifest.display()
                );
                return None;
            };
            p
        }
    };
    assert!(
        p.is_file(),
        "O11YLINT_SARIF_SCHEMA is set, but there is no file at {}",
        p.display()
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).expect("schema is JSON");
    let describes_top = ["type", "properties", "$ref", "allOf", "anyOf", "oneOf"]
        .iter()
        .any(|k| v.get(k).is_some());
    if !describes_top && v["definitions"]["Root"].is_object() {
        Some((p, "#/definitions/Root"))
    } else {
        Some((p, ""))
    }
}

/// `check --format json` on `dir` (exit 0 required): its diagnostics.
pub fn diagnostics(dir: &Path) -> Vec<serde_json::Value> {
    let r = o11ylint(
        dir,
        &["check", "--format", "json", "--fail-on", "never"],
        None,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    v["diagnostics"].as_array().unwrap().clone()
}

/// [`diagnostics`]: each finding's rule name and message.
pub fn findings(dir: &Path) -> Vec<(String, String)> {
    diagnostics(dir)
        .iter()
        .map(|d| {
            (
                d["name"].as_str().unwrap().to_string(),
                d["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}
