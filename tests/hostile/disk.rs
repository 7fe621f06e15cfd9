//! A full disk and a read-only repository (review cases #56-#59): the run
//! ends with a clear error and leaves every file as it was. The disk is a
//! small tmpfs mounted for the test (root only: the tests skip, saying so,
//! where mounting is not allowed); the read-only root is enforced by running
//! the binary as `nobody` (`setpriv`).

use std::path::{Path, PathBuf};
use std::process::Command;

use super::{copy_dir, leftovers, o11ylint, stderr, stdout};

/// A tmpfs of `kib` KiB at a fresh directory, unmounted when dropped.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(kib: u64) -> Option<SmallDisk> {
        let dir = tempfile::tempdir().unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={kib}k"), "tmpfs"])
            .arg(dir.path())
            .output()
            .is_ok_and(|o| o.status.success());
        if !ok {
            eprintln!("SKIP: cannot mount a tmpfs here (needs root)");
            return None;
        }
        Some(SmallDisk { dir })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Fill the disk to the last byte.
    fn fill(&self) {
        use std::io::Write;
        let mut f = std::fs::File::create(self.path().join("filler")).unwrap();
        let block = vec![b'x'; 4096];
        while f.write_all(&block).is_ok() {}
        while f.write_all(b"x").is_ok() {}
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

#[test]
fn case57_generate_on_a_full_disk_leaves_generated_as_it_was() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"));
    // contracts, runbooks and one generated tree fit; a second tree does not
    let Some(disk) = SmallDisk::mount(1024) else {
        return;
    };
    let root = disk.path().join("repo");
    std::fs::create_dir_all(root.join(".git")).unwrap();
    for d in ["contracts", "docs/runbooks"] {
        copy_dir(&src.join(d), &root.join(d));
    }
    std::fs::copy(src.join("o11ylint.yaml"), root.join("o11ylint.yaml")).unwrap();
    let o = o11ylint(&root, &["generate"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let keep = disk.path().join("keep");
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&keep).unwrap();
        // everything but 64 KiB
        let total: u64 = 1024 * 1024;
        let used: u64 = du(disk.path());
        let room = total.saturating_sub(used).saturating_sub(64 * 1024);
        f.write_all(&vec![b'x'; room as usize]).ok();
    }
    let o = o11ylint(&root, &["generate"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("No space left on device"), "{err}");
    assert!(err.contains("generated/ left as it was"), "{err}");
    assert!(leftovers(&root).is_empty(), "{:?}", leftovers(&root));
    std::fs::remove_file(&keep).unwrap();
    let o = o11ylint(&root, &["generate", "--check"]);
    assert_eq!(o.status.code(), Some(0), "old tree intact: {}", stdout(&o));
}

/// Bytes used under `p` (file sizes rounded up to 4 KiB pages).
fn du(p: &Path) -> u64 {
    let mut n = 0;
    for e in std::fs::read_dir(p).unwrap().flatten() {
        let m = e.metadata().unwrap();
        if m.is_dir() {
            n += 4096 + du(&e.path());
        } else {
            n += m.len().div_ceil(4096) * 4096;
        }
    }
    n
}

fn fixable_repo(at: &Path) -> PathBuf {
    let root = at.join("repo");
    std::fs::create_dir_all(root.join(".git")).unwrap();
    std::fs::write(
        root.join("r.yaml"),
        "groups:\n  - name: g\n    rules:\n      - record: x:y:z\n        expr: up{job=~\"api\"}\n",
    )
    .unwrap();
    root
}

#[test]
fn case58_case59_fix_and_output_on_a_full_disk_change_nothing() {
    let Some(disk) = SmallDisk::mount(256) else {
        return;
    };
    let root = fixable_repo(disk.path());
    let before = std::fs::read(root.join("r.yaml")).unwrap();
    disk.fill();
    let o = o11ylint(&root, &["check", "--fix", "--format", "concise"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("No space left on device"), "{err}");
    assert_eq!(std::fs::read(root.join("r.yaml")).unwrap(), before);
    let o = o11ylint(
        &root,
        &["check", "--format", "json", "--output", "out.json"],
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("out.json") && err.contains("No space left on device"),
        "{err}"
    );
    let names: Vec<String> = std::fs::read_dir(&root)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names
            .iter()
            .all(|n| n == ".git" || n == "r.yaml" || n == "out.json"),
        "temporary files left: {names:?}"
    );
}

#[test]
fn case56_generate_in_a_read_only_repository_says_so() {
    use std::os::unix::fs::PermissionsExt;
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout == b"0\n");
    if !is_root || Command::new("setpriv").arg("--version").output().is_err() {
        eprintln!("SKIP: needs root and setpriv to run as nobody");
        return;
    }
    let src = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::Builder::new()
        .prefix("o11ylint-ro")
        .tempdir()
        .unwrap();
    let root = tmp.path();
    std::fs::create_dir(root.join(".git")).unwrap();
    for d in ["contracts", "docs/runbooks"] {
        copy_dir(&src.join(d), &root.join(d));
    }
    std::fs::copy(src.join("o11ylint.yaml"), root.join("o11ylint.yaml")).unwrap();
    let copy = root.join("o11ylint");
    std::fs::copy(super::bin(), &copy).unwrap();
    let o = o11ylint(root, &["generate"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // readable by all, writable by none but root
    let o = Command::new("chmod")
        .args(["-R", "a+rX,go-w"])
        .arg(root)
        .output()
        .unwrap();
    assert!(o.status.success());
    std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o555)).unwrap();
    let mut c = Command::new("setpriv");
    c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(&copy)
        .arg("generate")
        .current_dir(root);
    let o = super::run(c);
    std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o755)).unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("Permission denied") && err.contains("generated/ left as it was"),
        "{err}"
    );
    assert!(leftovers(root).is_empty(), "{:?}", leftovers(root));
    let o = o11ylint(root, &["generate", "--check"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}
