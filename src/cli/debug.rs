//! Hidden developer commands used by differential tests.

use std::io::{BufRead, Write};

use clap::Subcommand;

use super::{EXIT_ERROR, EXIT_OK};
use crate::syntax::logql;

#[derive(Subcommand, Debug)]
pub enum DebugCommand {
    /// Read JSON lines `{"id", "expr"}` and print `{"id", "valid", "error_at", "message"}` per line
    Logql,
    /// Print the Prometheus rule groups of a rule file or PrometheusRule manifest as JSON,
    /// keeping only fields Prometheus knows (for `promtool check rules`)
    ExtractRules { file: std::path::PathBuf },
}

pub fn run(what: DebugCommand) -> i32 {
    match what {
        DebugCommand::Logql => logql_lines(),
        DebugCommand::ExtractRules { file } => extract_rules(&file),
    }
}

fn logql_lines() -> i32 {
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for line in stdin.lock().lines() {
        let Ok(line) = line else { return EXIT_ERROR };
        if line.trim().is_empty() {
            continue;
        }
        let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) else {
            eprintln!("error: not a JSON line: {line}");
            return EXIT_ERROR;
        };
        let id = v.get("id").cloned().unwrap_or(serde_json::Value::Null);
        let expr = v.get("expr").and_then(|e| e.as_str()).unwrap_or("");
        let r = match logql::parse(expr) {
            Ok(_) => {
                serde_json::json!({"id": id, "valid": true, "error_at": null, "message": null})
            }
            Err(e) => {
                serde_json::json!({"id": id, "valid": false, "error_at": e.span.start, "message": e.message})
            }
        };
        if writeln!(out, "{r}").is_err() {
            return EXIT_ERROR;
        }
    }
    EXIT_OK
}

fn extract_rules(path: &std::path::Path) -> i32 {
    use crate::syntax::yaml;
    let Ok(text) = std::fs::read_to_string(path) else {
        eprintln!("error: cannot read {}", path.display());
        return EXIT_ERROR;
    };
    let docs = yaml::parse(&text);
    let mut groups = Vec::new();
    for d in &docs.docs {
        let root = if d.get_str("kind") == Some("PrometheusRule") {
            d.get("spec")
        } else {
            Some(d)
        };
        let Some(gs) = root
            .and_then(|r| r.get("groups"))
            .and_then(yaml::Node::as_seq)
        else {
            continue;
        };
        for g in gs {
            let mut gj = serde_json::Map::new();
            for key in ["name", "interval", "limit", "query_offset", "labels"] {
                if let Some(v) = g.get(key) {
                    gj.insert(key.into(), v.to_json());
                }
            }
            let rules: Vec<serde_json::Value> = g
                .get("rules")
                .and_then(yaml::Node::as_seq)
                .unwrap_or(&[])
                .iter()
                .map(|r| {
                    let mut rj = serde_json::Map::new();
                    for key in [
                        "alert",
                        "record",
                        "expr",
                        "for",
                        "keep_firing_for",
                        "labels",
                        "annotations",
                    ] {
                        if let Some(v) = r.get(key) {
                            let mut v = v.to_json();
                            if let serde_json::Value::Number(n) = &v {
                                v = serde_json::Value::String(n.to_string());
                            }
                            rj.insert(key.into(), v);
                        }
                    }
                    serde_json::Value::Object(rj)
                })
                .collect();
            gj.insert("rules".into(), serde_json::Value::Array(rules));
            groups.push(serde_json::Value::Object(gj));
        }
    }
    println!("{}", serde_json::json!({ "groups": groups }));
    EXIT_OK
}
