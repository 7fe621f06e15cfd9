//! `o11ylint rules` and `o11ylint explain`.

use super::{EXIT_ERROR, EXIT_OK};
use crate::rules;
use crate::source::suggest::closest;

pub fn list(json: bool, markdown: bool) -> i32 {
    if markdown {
        print!("{}", rules::markdown_table());
        return EXIT_OK;
    }
    let all = rules::registry();
    if json {
        let v: Vec<serde_json::Value> = all
            .iter()
            .map(|r| {
                let m = r.meta();
                serde_json::json!({"code": m.code, "name": m.name, "family": m.family.as_str(),
                "severity": m.severity.as_str(), "summary": m.summary,
                "fix": m.fix.as_str(), "emitted_by": match m.emitted_by {
                    rules::EmittedBy::Rule => "rule",
                    rules::EmittedBy::Engine => "engine",
                }})
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        return EXIT_OK;
    }
    println!(
        "{:<6}  {:<28} {:<9} {:<8} summary",
        "code", "name", "family", "severity"
    );
    for r in all {
        let m = r.meta();
        println!(
            "{:<6}  {:<28} {:<9} {:<8} {}",
            m.code,
            m.name,
            m.family.as_str(),
            m.severity.as_str(),
            m.summary
        );
    }
    EXIT_OK
}

pub fn explain(rule: &str) -> i32 {
    match rules::find(rule) {
        Some(r) => {
            print!("{}", r.meta().doc);
            EXIT_OK
        }
        None => {
            let names = rules::registry().iter().map(|r| r.meta().name);
            eprintln!("error: no rule named `{rule}`");
            if let Some(c) = closest(rule, names) {
                eprintln!("help: did you mean `{c}`?");
            } else {
                eprintln!("help: `o11ylint rules` lists every rule");
            }
            EXIT_ERROR
        }
    }
}
