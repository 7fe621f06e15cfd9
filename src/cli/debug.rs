//! Hidden developer commands used by differential tests.

use std::io::{BufRead, Write};

use clap::Subcommand;

use super::{EXIT_ERROR, EXIT_OK};
use crate::syntax::logql;

#[derive(Subcommand, Debug)]
pub enum DebugCommand {
    /// Read JSON lines `{"id", "expr"}` and print `{"id", "valid", "error_at", "message"}` per line
    Logql,
}

pub fn run(what: DebugCommand) -> i32 {
    match what {
        DebugCommand::Logql => logql_lines(),
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
