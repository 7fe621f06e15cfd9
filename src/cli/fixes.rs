//! `check --fix` and `check --diff`.
//!
//! Both lint as `check` would, then fix every file with fixable findings in
//! memory (re-linting a file between rounds when two fixes touched the same
//! place). `--diff` prints a unified diff per file and writes nothing (exit
//! 1 when there is something to fix). `--fix` writes each file atomically,
//! refusing files that changed on disk since they were read, says on
//! standard error which findings it fixed, and then reports what is left in
//! the chosen `--format`, with the usual exit code.

use std::io::Write;
use std::path::Path;

use super::check::{lint, report};
use super::{CheckArgs, EXIT_ERROR, EXIT_FINDINGS, EXIT_OK};
use crate::diag::escape;
use crate::outputs::fix::{self, FileFix};
use crate::policy::Policy;

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

fn describe(f: &FileFix) -> Vec<String> {
    f.applied
        .iter()
        .map(|g| {
            format!(
                "  {}:{}:{}: [{} {}] {}",
                escape::text(&f.display),
                g.at.line,
                g.at.column,
                g.code,
                g.name,
                escape::text(&g.message)
            )
        })
        .collect()
}

pub fn run(args: &CheckArgs, root: &Path, policy: &Policy, color: bool) -> i32 {
    let outcome = match lint(args, root, policy) {
        Ok(o) => o,
        Err(code) => return code,
    };
    let plans = fix::plan(&outcome.diagnostics, root, policy, args.unsafe_fixes);
    let findings: usize = plans.iter().map(|p| p.applied.len()).sum();
    if args.diff {
        let mut stdout = std::io::stdout().lock();
        for p in &plans {
            if stdout.write_all(fix::unified_diff(p).as_bytes()).is_err() {
                return EXIT_ERROR;
            }
        }
        for p in &plans {
            eprintln!("would fix in {}:", escape::text(&p.display));
            for l in describe(p) {
                eprintln!("{l}");
            }
        }
        eprintln!(
            "{} fixable in {}",
            plural(findings, "finding"),
            plural(plans.len(), "file")
        );
        return if plans.is_empty() {
            EXIT_OK
        } else {
            EXIT_FINDINGS
        };
    }
    let mut failed = false;
    let mut fixed_files = 0;
    let mut fixed_findings = 0;
    for p in &plans {
        match fix::write_atomic(&p.path, root, &p.original, &p.fixed) {
            Ok(()) => {
                fixed_files += 1;
                fixed_findings += p.applied.len();
                eprintln!("fixed {}:", escape::text(&p.display));
                for l in describe(p) {
                    eprintln!("{l}");
                }
            }
            Err(e) => {
                failed = true;
                eprintln!("error: {}: {e}", escape::text(&p.display));
            }
        }
    }
    eprintln!(
        "fixed {} in {}",
        plural(fixed_findings, "finding"),
        plural(fixed_files, "file")
    );
    // report what is left, on the files as they are now
    let outcome = if fixed_files > 0 {
        match lint(args, root, policy) {
            Ok(o) => o,
            Err(code) => return code,
        }
    } else {
        outcome
    };
    let code = report(args, &outcome, root, color);
    if failed {
        EXIT_ERROR
    } else {
        code
    }
}
