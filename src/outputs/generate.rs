//! `o11ylint generate`'s writer: replaces `generated/` by what the
//! contracts produce ([`crate::contracts::generate::generate`], in memory
//! first). A fresh directory is written beside it and swapped in, so a failed
//! run leaves it as it was; every output path is checked to stay inside
//! `generated/` before anything is written.

use std::path::{Path, PathBuf};

use crate::contracts::generate::{confined, Outputs, OUT_DIR};

/// Replace `root/generated` by `outputs`: write a sibling directory, then
/// swap it in. On any failure the old directory is kept.
pub fn write(root: &Path, outputs: &Outputs) -> Result<(), String> {
    for rel in outputs.keys() {
        confined(rel)?;
    }
    let target = root.join(OUT_DIR);
    let stamp = std::process::id();
    let fresh = root.join(format!(".{OUT_DIR}.new-{stamp}"));
    let old = root.join(format!(".{OUT_DIR}.old-{stamp}"));
    let cleanup = |p: &PathBuf| {
        let _ = std::fs::remove_dir_all(p);
    };
    cleanup(&fresh);
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
        cleanup(&fresh);
        return Err(e);
    }
    let had_old = target.exists();
    if had_old {
        if let Err(e) = std::fs::rename(&target, &old) {
            cleanup(&fresh);
            return Err(format!("cannot move {} aside: {e}", target.display()));
        }
    }
    if let Err(e) = std::fs::rename(&fresh, &target) {
        if had_old {
            let _ = std::fs::rename(&old, &target);
        }
        cleanup(&fresh);
        return Err(format!("cannot move new output into place: {e}"));
    }
    if had_old {
        cleanup(&old);
    }
    Ok(())
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
        write(tmp.path(), &outs).unwrap();
        assert!(
            check(tmp.path(), &outs).is_empty(),
            "stale file removed by the swap"
        );
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
