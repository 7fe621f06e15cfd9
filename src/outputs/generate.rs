//! `o11ylint generate`'s writer: replaces `generated/` by what the
//! contracts produce ([`crate::contracts::generate::generate`], in memory
//! first). A fresh directory is written beside it and swapped in under a
//! lock on the repository root (one run at a time), so a failed
//! run leaves it as it was; every output path is checked to stay inside
//! `generated/` before anything is written.

use std::path::{Path, PathBuf};

use crate::contracts::generate::{confined, Outputs, OUT_DIR};
use crate::source::walk;

/// What [`write`] did besides writing the outputs.
#[derive(Debug, Default)]
pub struct Written {
    /// Entries of the old `generated/` that no contract produces (files,
    /// links, FIFOs, ...): gone with the swap, listed so a hand-written
    /// file never disappears without a word.
    pub removed: Vec<String>,
    /// `generated/` was a symbolic link; it was replaced by a directory
    /// (its target was not touched).
    pub replaced_link: bool,
    /// Problems that did not stop the run (a previous directory that could
    /// not be deleted), one sentence each.
    pub warnings: Vec<String>,
}

/// Temporary directories of a run: `.generated.new-PID`, `.generated.old-PID`.
fn temp_dir(root: &Path, kind: &str, pid: u32) -> PathBuf {
    root.join(format!(".{OUT_DIR}.{kind}-{pid}"))
}

/// Delete a directory tree we own, making its directories writable first
/// (a read-only tree cannot otherwise be emptied).
fn remove_tree(p: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    if std::fs::symlink_metadata(p).is_err() {
        return Ok(());
    }
    fn writable(p: &Path) {
        let Ok(m) = std::fs::symlink_metadata(p) else {
            return;
        };
        if m.is_dir() {
            let mut perm = m.permissions();
            perm.set_mode(perm.mode() | 0o700);
            let _ = std::fs::set_permissions(p, perm);
            if let Ok(entries) = std::fs::read_dir(p) {
                for e in entries.flatten() {
                    writable(&e.path());
                }
            }
        }
    }
    writable(p);
    std::fs::remove_dir_all(p)
}

/// An exclusive lock on the repository root for one `generate` run
/// (concurrent runs are serialised, never interleaved); released when
/// dropped. The root directory itself is locked, so no lock file is left.
struct RootLock {
    _held: std::fs::File,
}

impl RootLock {
    fn take(root: &Path) -> Result<RootLock, String> {
        use std::os::fd::AsRawFd;
        let f = std::fs::File::open(root)
            .map_err(|e| format!("cannot open {} to lock it: {e}", root.display()))?;
        // SAFETY: flock on a file descriptor we own; no memory is shared.
        let rc = unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX) };
        if rc != 0 {
            return Err(format!(
                "cannot lock {}: {}",
                root.display(),
                std::io::Error::last_os_error()
            ));
        }
        Ok(RootLock { _held: f })
    }
}

/// Replace `root/generated` by `outputs`: write a sibling directory, then
/// swap it in, under a lock on the root. On any failure the old directory
/// is kept, and the error says where everything is.
pub fn write(root: &Path, outputs: &Outputs) -> Result<Written, String> {
    for rel in outputs.keys() {
        confined(rel).map_err(|e| format!("{e}; generated/ left as it was"))?;
    }
    let _lock = RootLock::take(root).map_err(|e| format!("{e}; generated/ left as it was"))?;
    let mut written = Written::default();
    // directories left by runs that were killed (we hold the lock: no
    // other run is using them)
    if let Ok(entries) = std::fs::read_dir(root) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let ours = [".new-", ".old-"]
                .iter()
                .any(|k| name.starts_with(&format!(".{OUT_DIR}{k}")));
            if ours && e.file_type().is_ok_and(|t| t.is_dir()) {
                if let Err(err) = remove_tree(&e.path()) {
                    written.warnings.push(format!(
                        "{name}, left by an earlier run, could not be deleted ({err}); delete it"
                    ));
                }
            }
        }
    }
    let target = root.join(OUT_DIR);
    let pid = std::process::id();
    let fresh = temp_dir(root, "new", pid);
    let old = temp_dir(root, "old", pid);
    let result = (|| -> Result<(), String> {
        for (rel, text) in outputs {
            let sub = rel.strip_prefix(&format!("{OUT_DIR}/")).unwrap_or(rel);
            let path = fresh.join(sub);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)
                    .map_err(|e| format!("{}: {e}", parent.display()))?;
            }
            std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        }
        Ok(())
    })();
    if let Err(e) = result {
        let _ = remove_tree(&fresh);
        return Err(format!("{e}; generated/ left as it was"));
    }
    let link = std::fs::symlink_metadata(&target).ok();
    written.replaced_link = link.as_ref().is_some_and(|m| m.file_type().is_symlink());
    if link.as_ref().is_some_and(|m| m.is_dir()) {
        written.removed = walk::list(&target, |_, _| true)
            .into_iter()
            .map(|r| format!("{OUT_DIR}/{r}"))
            .filter(|r| !outputs.contains_key(r))
            .collect();
    }
    if let Some(m) = &link {
        let moved = if m.file_type().is_symlink() {
            // the link goes; its target is never touched
            std::fs::remove_file(&target)
        } else {
            std::fs::rename(&target, &old)
        };
        if let Err(e) = moved {
            let _ = remove_tree(&fresh);
            return Err(format!(
                "cannot move {} aside: {e}; generated/ left as it was",
                target.display()
            ));
        }
    }
    if let Err(e) = std::fs::rename(&fresh, &target) {
        let restored = match &link {
            Some(m) if m.is_dir() => std::fs::rename(&old, &target).is_ok(),
            Some(_) => false,
            None => true,
        };
        let _ = remove_tree(&fresh);
        return Err(if restored {
            format!("cannot move the new output into place: {e}; generated/ left as it was")
        } else if link.as_ref().is_some_and(|m| m.is_dir()) {
            format!(
                "cannot move the new output into place: {e}; the previous generated/ is at {}",
                old.display()
            )
        } else {
            format!(
                "cannot move the new output into place: {e}; the symbolic link generated/ was removed and nothing replaces it"
            )
        });
    }
    if link.is_some_and(|m| m.is_dir()) {
        if let Err(e) = remove_tree(&old) {
            written.warnings.push(format!(
                "the previous generated/ could not be deleted and is kept at {} ({e}); delete it",
                old.file_name().unwrap_or_default().to_string_lossy()
            ));
        }
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contracts::generate::{check, Drift};

    #[test]
    fn write_swaps_and_check_sees_drift() {
        let tmp = tempfile::tempdir().unwrap();
        let mut outs = Outputs::new();
        outs.insert("generated/a/x.yaml".into(), "a: 1\n".into());
        write(tmp.path(), &outs).unwrap();
        assert!(check(tmp.path(), &outs).is_empty());
        std::fs::write(tmp.path().join("generated/a/x.yaml"), "a: 2\n").unwrap();
        std::fs::write(tmp.path().join("generated/stale.json"), "{}").unwrap();
        let d = check(tmp.path(), &outs);
        assert_eq!(d.len(), 2);
        assert!(
            matches!(&d[0], Drift::Changed { path, diff, .. } if path == "generated/a/x.yaml" && diff.contains("-a: 2"))
        );
        assert!(matches!(&d[1], Drift::Stale { path } if path == "generated/stale.json"));
        let w = write(tmp.path(), &outs).unwrap();
        assert!(
            check(tmp.path(), &outs).is_empty(),
            "stale file removed by the swap"
        );
        assert_eq!(w.removed, vec!["generated/stale.json".to_string()]);
    }

    #[test]
    fn a_refused_path_writes_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(tmp.path().join("generated")).unwrap();
        std::fs::write(tmp.path().join("generated/keep.yaml"), "k: 1\n").unwrap();
        let mut outs = Outputs::new();
        outs.insert("generated/ok.yaml".into(), "x\n".into());
        outs.insert("generated/../../evil.yaml".into(), "x\n".into());
        assert!(write(tmp.path(), &outs).is_err());
        assert_eq!(
            std::fs::read_to_string(tmp.path().join("generated/keep.yaml")).unwrap(),
            "k: 1\n"
        );
        assert!(!tmp.path().join("generated/ok.yaml").exists());
    }
}
