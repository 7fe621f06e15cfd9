//! Applying the mechanical fixes rules attach to their findings
//! (`Diagnostic::fix`): `o11ylint check --fix` writes them, `--diff` shows
//! them, the language server offers them as code actions.
//!
//! A fix is a set of byte-range edits in the finding's file, so everything
//! outside the edited ranges (comments, key order, quoting, indentation) is
//! kept byte for byte. The edits of one finding are applied together or not
//! at all; a finding whose edits overlap an already accepted edit waits for
//! the next pass (the file is linted again and the finding, if it is still
//! there, brings fresh edits). Writes are atomic (a temporary file in the
//! same directory, then a rename) and refuse to overwrite a file whose
//! content changed on disk since it was read.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::diag::{Diagnostic, Edit};
use crate::engine;
use crate::policy::Policy;
use crate::source::{FileRef, Position, SourceFile};

/// How many lint-and-fix rounds a file gets before we stop.
pub const MAX_PASSES: usize = 8;

/// The fixes of one finding, ready to apply.
#[derive(Debug, Clone)]
pub struct FixGroup {
    pub code: &'static str,
    pub name: &'static str,
    pub message: String,
    /// Where the finding starts (in the text the fix applies to).
    pub at: Position,
    pub edits: Vec<Edit>,
}

/// Whether `edits` are valid in `text`: inside it, on char boundaries, and
/// not in conflict with each other.
fn valid(text: &str, edits: &[Edit]) -> bool {
    let in_text = edits.iter().all(|e| {
        e.span.start <= e.span.end
            && e.span.end <= text.len()
            && text.is_char_boundary(e.span.start)
            && text.is_char_boundary(e.span.end)
    });
    in_text
        && edits
            .iter()
            .enumerate()
            .all(|(i, a)| edits[i + 1..].iter().all(|b| !conflicts(a, b)))
}

/// Whether two edits conflict: overlapping ranges, or two insertions at the
/// same offset (whose order would be arbitrary). An insertion at either end
/// of a replacement is fine: sorted by position, it lands before or after.
fn conflicts(a: &Edit, b: &Edit) -> bool {
    let (a, b) = (&a.span, &b.span);
    (a.start < b.end && b.start < a.end)
        || (a.start == a.end && b.start == b.end && a.start == b.start)
}

/// Apply as many groups as do not conflict, in order of position. Returns
/// the new text and the indices of the groups applied.
pub fn apply(text: &str, groups: &[FixGroup]) -> (String, Vec<usize>) {
    let mut order: Vec<usize> = (0..groups.len()).collect();
    order.sort_by_key(|&i| {
        groups[i]
            .edits
            .iter()
            .map(|e| (e.span.start, e.span.end))
            .min()
            .unwrap_or((usize::MAX, usize::MAX))
    });
    let mut accepted: Vec<&Edit> = Vec::new();
    let mut applied = Vec::new();
    for i in order {
        let g = &groups[i];
        if g.edits.is_empty() || !valid(text, &g.edits) {
            continue;
        }
        if g.edits
            .iter()
            .any(|e| accepted.iter().any(|a| conflicts(a, e)))
        {
            continue;
        }
        accepted.extend(g.edits.iter());
        applied.push(i);
    }
    accepted.sort_by_key(|e| (e.span.start, e.span.end));
    let mut out = String::with_capacity(text.len() + 64);
    let mut pos = 0;
    for e in accepted {
        out.push_str(&text[pos..e.span.start]);
        out.push_str(&e.replacement);
        pos = e.span.end;
    }
    out.push_str(&text[pos..]);
    applied.sort_unstable();
    (out, applied)
}

/// The fix groups of the unsuppressed findings of `diags` in `file`: safe
/// fixes, and unsafe ones too with `unsafe_fixes`.
pub fn groups_for(diags: &[Diagnostic], file: &FileRef, unsafe_fixes: bool) -> Vec<FixGroup> {
    diags
        .iter()
        .filter(|d| d.suppressed.is_none() && d.fixable(unsafe_fixes))
        .filter(|d| Arc::ptr_eq(&d.primary.file, file) || d.primary.file.path == file.path)
        .map(|d| FixGroup {
            code: d.code,
            name: d.name,
            message: d.message.clone(),
            at: d.primary.start(),
            edits: d.edits().to_vec(),
        })
        .collect()
}

/// What fixing one file produced.
#[derive(Debug, Clone)]
pub struct FileFix {
    /// Where the file is on disk.
    pub path: PathBuf,
    /// Repository-relative path, as shown.
    pub display: String,
    /// The text the fixes were computed from.
    pub original: String,
    pub fixed: String,
    /// The findings fixed, in order.
    pub applied: Vec<FixGroup>,
}

/// Fix every file that has fixable findings in `diags` (safe fixes; unsafe
/// ones too with `unsafe_fixes`), linting each again after a round of fixes
/// until nothing fixable is left (at most [`MAX_PASSES`] rounds). Nothing is
/// written.
pub fn plan(
    diags: &[Diagnostic],
    root: &Path,
    policy: &Policy,
    unsafe_fixes: bool,
) -> Vec<FileFix> {
    // one entry per file on disk: two paths never merge, even when their
    // display names look alike
    let mut files: BTreeMap<PathBuf, FileRef> = BTreeMap::new();
    for d in diags {
        if d.suppressed.is_none() && d.fixable(unsafe_fixes) {
            files
                .entry(d.primary.file.path.clone())
                .or_insert_with(|| d.primary.file.clone());
        }
    }
    // what the rules know of the repository, read once for every re-lint
    let index = crate::analysis::repo::RepoIndex::new(root, policy);
    let mut out = Vec::new();
    for (_, file) in files {
        let display = file.display.clone();
        let mut groups = groups_for(diags, &file, unsafe_fixes);
        let mut text = file.text.clone();
        let mut applied = Vec::new();
        for _ in 0..MAX_PASSES {
            let (new_text, idx) = apply(&text, &groups);
            if idx.is_empty() {
                break;
            }
            let mut done: Vec<FixGroup> = idx.iter().map(|&i| groups[i].clone()).collect();
            done.sort_by_key(|g| g.at);
            applied.extend(done);
            let left = idx.len() < groups.len();
            text = new_text;
            if !left {
                break;
            }
            // lint the new text for the findings that waited
            let f = SourceFile::new(display.clone(), file.path.clone(), text.clone());
            let r = engine::lint_file_in(&f, &display, &index, policy);
            groups = groups_for(&r.diagnostics, &f, unsafe_fixes);
        }
        if text != file.text {
            out.push(FileFix {
                path: file.path.clone(),
                display,
                original: file.text.clone(),
                fixed: text,
                applied,
            });
        }
    }
    out
}

/// A unified diff of one file's fix (`--- a/path` / `+++ b/path`).
pub fn unified_diff(f: &FileFix) -> String {
    similar::TextDiff::from_lines(&f.original, &f.fixed)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{}", f.display), &format!("b/{}", f.display))
        .to_string()
}

pub use crate::source::guard::WriteError;

/// Replace `path`'s content `expected` by `new`, atomically (see
/// [`crate::source::guard::write_atomic`]): never through a symbolic link,
/// never outside `root`, and only while the file still holds `expected`.
pub fn write_atomic(path: &Path, root: &Path, expected: &str, new: &str) -> Result<(), WriteError> {
    crate::source::guard::write_atomic(path, new.as_bytes(), Some(root), Some(expected.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Span;

    fn group(edits: &[(usize, usize, &str)]) -> FixGroup {
        FixGroup {
            code: "OL0",
            name: "x",
            message: String::new(),
            at: Position { line: 1, column: 1 },
            edits: edits
                .iter()
                .map(|&(s, e, r)| Edit::new(Span::new(s, e), r))
                .collect(),
        }
    }

    #[test]
    fn applies_non_overlapping_groups_and_keeps_the_rest() {
        let text = "severity: Critical # keep\nx: =~\n";
        let g = vec![
            group(&[(10, 18, "critical")]),
            group(&[(12, 14, "zz")]), // overlaps the first: waits
            group(&[(29, 31, "=")]),
        ];
        let (out, applied) = apply(text, &g);
        assert_eq!(applied, vec![0, 2]);
        assert_eq!(out, "severity: critical # keep\nx: =\n");
    }

    #[test]
    fn invalid_edits_are_skipped() {
        let text = "é";
        let (out, applied) = apply(text, &[group(&[(1, 2, "x")]), group(&[(0, 9, "x")])]);
        assert!(applied.is_empty());
        assert_eq!(out, text);
    }

    #[test]
    fn insertions_at_the_same_offset_conflict() {
        let text = "ab";
        let (out, applied) = apply(text, &[group(&[(1, 1, "X")]), group(&[(1, 1, "Y")])]);
        assert_eq!(applied, vec![0]);
        assert_eq!(out, "aXb");
    }

    #[test]
    fn atomic_write_refuses_a_file_changed_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.yaml");
        std::fs::write(&p, "old\n").unwrap();
        assert!(matches!(
            write_atomic(&p, dir.path(), "older\n", "new\n"),
            Err(WriteError::ChangedOnDisk)
        ));
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "old\n");
        write_atomic(&p, dir.path(), "old\n", "new\n").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "new\n");
        // no temporary file is left behind
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().collect();
        assert_eq!(names.len(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn atomic_write_keeps_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.yaml");
        std::fs::write(&p, "old\n").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
        write_atomic(&p, dir.path(), "old\n", "new\n").unwrap();
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
    }
}
