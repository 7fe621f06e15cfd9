//! `o11ylint schema` output validates every contract of this repository with
//! a real JSON Schema validator (Python `jsonschema`, Draft 2020-12), and
//! rejects a broken one. Requires python3 with `jsonschema` and `pyyaml`
//! (requirements-dev.txt, installed by .ci/run): the test fails without them.

use std::path::Path;
use std::process::Command;

const VALIDATE: &str = r#"
import glob, json, os, sys
import jsonschema, yaml
schemas, root = sys.argv[1], sys.argv[2]
kinds = {"MetricContract": "metrics", "AlertContract": "alerts",
         "StreamContract": "streams", "DashboardContract": "dashboards"}
bad = 0
files = sorted(glob.glob(os.path.join(root, "**", "*.yaml"), recursive=True))
for f in files:
    doc = yaml.safe_load(open(f))
    schema = json.load(open(os.path.join(schemas, kinds[doc["kind"]] + ".schema.json")))
    jsonschema.Draft202012Validator.check_schema(schema)
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(doc))
    for e in errors:
        print(f"{f}: {list(e.path)}: {e.message}")
    bad += bool(errors)
print(f"validated {len(files)} contracts, {bad} invalid")
sys.exit(1 if bad else 0)
"#;

fn run_validator(schemas: &Path, contracts: &Path) -> (bool, String) {
    let out = Command::new("python3")
        .args(["-c", VALIDATE])
        .arg(schemas)
        .arg(contracts)
        .output()
        .expect("python3 must be installed (see requirements-dev.txt)");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !text.contains("ModuleNotFoundError"),
        "install requirements-dev.txt: {text}"
    );
    (out.status.success(), text)
}

#[test]
fn every_contract_validates_against_the_written_schemas() {
    let tmp = tempfile::tempdir().unwrap();
    let status = Command::new(env!("CARGO_BIN_EXE_o11ylint"))
        .args(["schema", "--out"])
        .arg(tmp.path())
        .status()
        .unwrap();
    assert!(status.success());
    for name in ["metrics", "alerts", "streams", "dashboards", "policy"] {
        assert!(
            tmp.path().join(format!("{name}.schema.json")).is_file(),
            "{name} schema written"
        );
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (ok, text) = run_validator(tmp.path(), &root.join("contracts"));
    assert!(ok, "{text}");
    assert!(
        text.contains("validated 25 contracts, 0 invalid") || text.contains(", 0 invalid"),
        "{text}"
    );

    // and the validator really rejects a broken contract
    let broken = tempfile::tempdir().unwrap();
    std::fs::write(
        broken.path().join("bad.yaml"),
        "apiVersion: o11ylint.dev/v1\nkind: AlertContract\nseverity: critical\nalerts:\n  - name: A\n    severity: critical\n    backend: graphite\n    expr: up\n",
    )
    .unwrap();
    let (ok, text) = run_validator(tmp.path(), broken.path());
    assert!(!ok, "broken contract accepted: {text}");
    assert!(text.contains("graphite"), "{text}");
}

#[test]
fn policy_files_validate_against_the_policy_schema() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let script = r#"
import json, sys, jsonschema, yaml
schema = json.load(open(sys.argv[1]))
for f in sys.argv[2:]:
    jsonschema.Draft202012Validator(schema).validate(yaml.safe_load(open(f)))
print("ok")
"#;
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(root.join("schemas/policy.schema.json"))
        .arg(root.join("policies/generic.yaml"))
        .arg(root.join("policies/openbao.yaml"))
        .arg(root.join("o11ylint.yaml"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
