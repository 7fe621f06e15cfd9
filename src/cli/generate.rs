//! `o11ylint generate [--source-prefix P] [--check]` and `o11ylint schema`.

use std::path::{Path, PathBuf};

use super::{EXIT_ERROR, EXIT_FINDINGS, EXIT_OK};
use crate::contracts::generate::{self, Drift, Settings};
use crate::contracts::{self, KINDS};
use crate::diag::escape;
use crate::engine::{self, Options};

#[derive(clap::Args, Debug, Clone)]
pub struct GenerateArgs {
    /// Source prefix generated at the top level of generated/prometheus/
    /// (the others go to generated/prometheus/<prefix>-prefix/); default: the policy's
    #[arg(long)]
    pub source_prefix: Option<String>,
    /// Write nothing; exit 1 listing every drifted file with a short diff
    #[arg(long)]
    pub check: bool,
    /// Repository root (default: nearest ancestor with .git or o11ylint.yaml)
    #[arg(long)]
    pub root: Option<PathBuf>,
    /// Extra policy file
    #[arg(long)]
    pub policy: Option<PathBuf>,
}

pub fn run(args: &GenerateArgs) -> i32 {
    let Some((root, policy)) =
        super::check::root_and_policy(args.root.as_deref(), args.policy.as_deref())
    else {
        return EXIT_ERROR;
    };
    let settings = match Settings::from_policy(&policy, args.source_prefix.as_deref()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {}", escape::text(&e));
            return EXIT_ERROR;
        }
    };
    let loaded = match contracts::load(&root) {
        Ok(c) => c,
        Err(errors) => {
            eprintln!("error: contracts do not load; nothing was generated");
            // show the exact positions through the linter
            let contracts_dir = root.join("contracts");
            if contracts_dir.is_dir() {
                let opts = Options::new(root.clone(), vec![contracts_dir]);
                let out = engine::run(&opts, &policy);
                let shown: Vec<_> = out
                    .diagnostics
                    .into_iter()
                    .filter(|d| {
                        matches!(
                            d.name,
                            "contract-schema" | "yaml-syntax" | "unreadable-file"
                        )
                    })
                    .collect();
                for d in &shown {
                    eprint!("{}", crate::outputs::render::human::render(d, false));
                }
            }
            for e in errors {
                eprintln!("  {}: {}", escape::text(&e.file), escape::text(&e.message));
            }
            return EXIT_FINDINGS;
        }
    };
    let outputs = match generate::generate(&loaded, &settings) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {}; nothing was generated", escape::text(&e));
            return EXIT_FINDINGS;
        }
    };
    if args.check {
        let drifts = generate::check(&root, &outputs);
        if drifts.is_empty() {
            println!(
                "generated/ is up to date with contracts/ ({} files)",
                outputs.len()
            );
            return EXIT_OK;
        }
        for d in &drifts {
            let path = escape::text(d.path());
            match d {
                Drift::Changed { diff, .. } => {
                    println!("drift: {path} differs from what the contracts produce");
                    print!("{}", escape::lines(diff));
                }
                Drift::Missing { .. } => println!("drift: {path} is missing"),
                Drift::Stale { .. } => {
                    println!("drift: {path} is not produced by any contract (stale)")
                }
                Drift::NotRegular { why, .. } => {
                    println!("drift: {path} {}", escape::text(why))
                }
            }
        }
        println!(
            "{} generated file(s) drifted; run `make generate` (o11ylint generate)",
            drifts.len()
        );
        return EXIT_FINDINGS;
    }
    match crate::outputs::generate::write(&root, &outputs) {
        Ok(w) => {
            println!(
                "wrote {} files to generated/ (source prefix {})",
                outputs.len(),
                settings.primary_prefix
            );
            if w.replaced_link {
                println!("replaced the symbolic link generated/ by a directory (its target was not touched)");
            }
            if !w.removed.is_empty() {
                println!(
                    "removed {} file(s) from generated/ that no contract produces:",
                    w.removed.len()
                );
                for r in &w.removed {
                    println!("  {}", escape::text(r));
                }
            }
            for warning in &w.warnings {
                eprintln!("warning: {}", escape::text(warning));
            }
            EXIT_OK
        }
        Err(e) => {
            eprintln!("error: {}", escape::text(&e));
            EXIT_ERROR
        }
    }
}

/// `o11ylint schema [KIND] [--out DIR]`
pub fn schema(kind: Option<&str>, out: Option<&Path>) -> i32 {
    let mut all: Vec<(String, &str)> = KINDS
        .iter()
        .map(|k| (format!("{}.schema.json", k.schema_name()), k.schema_text()))
        .collect();
    all.push(("policy.schema.json".into(), crate::policy::POLICY_SCHEMA));
    if let Some(dir) = out {
        if let Err(e) = std::fs::create_dir_all(dir) {
            eprintln!("error: {}: {e}", dir.display());
            return EXIT_ERROR;
        }
        for (name, text) in &all {
            if let Some(k) = kind {
                if !name.starts_with(k) {
                    continue;
                }
            }
            let path = dir.join(name);
            if let Err(e) = std::fs::write(&path, text) {
                eprintln!("error: {}: {e}", path.display());
                return EXIT_ERROR;
            }
            println!("wrote {}", path.display());
        }
        return EXIT_OK;
    }
    match kind {
        Some(k) => {
            match all.iter().find(|(n, _)| n.starts_with(k)) {
                Some((_, text)) => {
                    print!("{text}");
                    EXIT_OK
                }
                None => {
                    eprintln!("error: no schema `{k}`; one of: metrics, alerts, streams, dashboards, policy");
                    EXIT_ERROR
                }
            }
        }
        None => {
            eprintln!(
                "usage: o11ylint schema <metrics|alerts|streams|dashboards|policy> | --out DIR"
            );
            EXIT_ERROR
        }
    }
}
