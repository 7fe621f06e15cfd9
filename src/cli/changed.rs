//! `check --changed-since REF`: which files changed since a git ref.
//!
//! Changed means: differs between REF and the working tree (committed,
//! staged or not), renamed to (the new name counts), or untracked and not
//! ignored. Deleted files are not linted. Paths come back relative to the
//! o11ylint repository root, which may be below git's top level.
//!
//! The engine still reads and lints every file (their facts feed the
//! repository-wide rules: runbook orphans need every alert, series checks
//! need every definition); only the per-file findings of unchanged files are
//! dropped. Repository-wide findings are always reported.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::source::display_path;

fn git(dir: &Path, args: &[&str]) -> Result<Vec<u8>, String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(err.trim().to_string());
    }
    Ok(out.stdout)
}

fn nul_separated(bytes: &[u8]) -> Vec<String> {
    bytes
        .split(|b| *b == 0)
        .filter(|p| !p.is_empty())
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect()
}

/// Repository-relative paths (under `root`) changed since `git_ref`.
pub fn changed_files(root: &Path, git_ref: &str) -> Result<BTreeSet<String>, String> {
    if git_ref.starts_with('-') {
        return Err("a git ref cannot start with `-`".into());
    }
    let top = git(root, &["rev-parse", "--show-toplevel"])
        .map_err(|e| format!("{} is not in a git repository ({e})", root.display()))?;
    let top = PathBuf::from(String::from_utf8_lossy(&top).trim());
    let top = std::fs::canonicalize(&top).unwrap_or(top);
    let commit = format!("{git_ref}^{{commit}}");
    git(root, &["rev-parse", "--verify", "--quiet", &commit])
        .map_err(|_| format!("`{git_ref}` is not a commit in this repository"))?;
    let mut paths = nul_separated(&git(
        &top,
        &[
            "diff",
            "--name-only",
            "-z",
            "--no-ext-diff",
            "--diff-filter=d",
            git_ref,
            "--",
        ],
    )?);
    paths.extend(nul_separated(&git(
        &top,
        &["ls-files", "--others", "--exclude-standard", "-z"],
    )?));
    let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    Ok(paths
        .into_iter()
        .map(|p| top.join(p))
        .filter(|abs| abs.starts_with(&root))
        .map(|abs| display_path(&root, &abs))
        .collect())
}
