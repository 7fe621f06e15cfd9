//! The one guarded way to read a repository file and to write a file.
//!
//! A pull request controls every file in the checkout, including symbolic
//! links, FIFOs (locally) and sizes. Every read of a repository file goes
//! through [`read_bytes`]/[`read_text`]: a regular file only (a FIFO, socket
//! or device is refused without blocking: it is opened non-blocking and
//! checked with `fstat` on the opened descriptor), no symbolic link leaving
//! the repository (or no symbolic link at all, as the caller says), and a
//! size limit enforced while reading. Every write goes through
//! [`write_atomic`]: never through a symbolic link, a temporary file created
//! exclusively beside the target and renamed over it.

use std::fs;
use std::io::{Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use super::walk::{io_message, ReadError};

/// What to do with a path that is a symbolic link.
#[derive(Debug, Clone, Copy)]
pub enum Links<'a> {
    /// Refuse it (e.g. anything in `generated/`: a link there is drift).
    Refuse,
    /// Follow it only when its target lies inside this directory (the
    /// repository root).
    Within(&'a Path),
    /// Follow it (a path the user named on the command line).
    Follow,
}

/// How a repository file may be read.
#[derive(Debug, Clone, Copy)]
pub struct Guard<'a> {
    pub limit: u64,
    pub links: Links<'a>,
}

impl<'a> Guard<'a> {
    pub fn new(limit: u64, links: Links<'a>) -> Guard<'a> {
        Guard { limit, links }
    }
}

/// The first symbolic link on the way from `root` to `rel` (inclusive), as
/// a `/`-separated path relative to `root`, if any.
pub fn link_on_path(root: &Path, rel: &str) -> Option<String> {
    let mut p = root.to_path_buf();
    let mut shown = String::new();
    for c in Path::new(rel).components() {
        p.push(c);
        if !shown.is_empty() {
            shown.push('/');
        }
        shown.push_str(&c.as_os_str().to_string_lossy());
        if fs::symlink_metadata(&p).is_ok_and(|m| m.file_type().is_symlink()) {
            return Some(shown);
        }
    }
    None
}

/// Read a file as bytes under `guard`.
pub fn read_bytes(path: &Path, guard: Guard<'_>) -> Result<Vec<u8>, ReadError> {
    let lmeta = fs::symlink_metadata(path).map_err(|e| ReadError::Io(io_message(&e)))?;
    let mut flags = libc::O_NONBLOCK | libc::O_CLOEXEC;
    let mut open_path: PathBuf = path.to_path_buf();
    if lmeta.file_type().is_symlink() {
        match guard.links {
            Links::Refuse => return Err(ReadError::Symlink),
            Links::Within(root) => {
                let real = fs::canonicalize(path).map_err(|e| ReadError::Io(io_message(&e)))?;
                let root = fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
                if !real.starts_with(&root) {
                    return Err(ReadError::OutsideRoot);
                }
                open_path = real;
                flags |= libc::O_NOFOLLOW;
            }
            Links::Follow => {}
        }
    } else {
        flags |= libc::O_NOFOLLOW;
    }
    let file = fs::OpenOptions::new()
        .read(true)
        .custom_flags(flags)
        .open(&open_path)
        .map_err(|e| match e.raw_os_error() {
            Some(libc::ELOOP) => ReadError::Symlink,
            _ => ReadError::Io(io_message(&e)),
        })?;
    let meta = file.metadata().map_err(|e| ReadError::Io(io_message(&e)))?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular);
    }
    if meta.len() > guard.limit {
        return Err(ReadError::TooLarge {
            size: meta.len(),
            limit: guard.limit,
        });
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // `take` guards against a file that grows while we read it (and against
    // /proc files whose size is reported as 0).
    file.take(guard.limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| ReadError::Io(io_message(&e)))?;
    if bytes.len() as u64 > guard.limit {
        return Err(ReadError::TooLarge {
            size: bytes.len() as u64,
            limit: guard.limit,
        });
    }
    Ok(bytes)
}

/// Read a file as UTF-8 text under `guard`; a byte-order mark is kept
/// (parsers skip it) so offsets stay file offsets.
pub fn read_text(path: &Path, guard: Guard<'_>) -> Result<String, ReadError> {
    let bytes = read_bytes(path, guard)?;
    String::from_utf8(bytes).map_err(|e| ReadError::NotUtf8 {
        valid_up_to: e.utf8_error().valid_up_to(),
    })
}

/// Why a write was refused or failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteError {
    /// The path (last component) is a symbolic link: never written through.
    Symlink,
    /// The path resolves outside the directory it must stay in.
    Outside,
    /// The path exists and is not a regular file.
    NotRegular,
    /// The file is not what the caller expected any more.
    ChangedOnDisk,
    Io(String),
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WriteError::Symlink => write!(
                f,
                "is a symbolic link; o11ylint never writes through one (remove the link)"
            ),
            WriteError::Outside => write!(
                f,
                "resolves outside the directory it must stay in; not written"
            ),
            WriteError::NotRegular => write!(f, "is not a regular file; not written"),
            WriteError::ChangedOnDisk => {
                write!(f, "changed on disk since it was read; not overwritten")
            }
            WriteError::Io(m) => write!(f, "{m}"),
        }
    }
}

fn wio(e: std::io::Error) -> WriteError {
    WriteError::Io(io_message(&e))
}

/// Check that `path` may be written: its last component is not a symbolic
/// link and is a regular file if it exists, and (when `within` is given) its
/// parent directory resolves inside `within`.
pub fn check_writable(path: &Path, within: Option<&Path>) -> Result<(), WriteError> {
    match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => return Err(WriteError::Symlink),
        Ok(m) if !m.is_file() => return Err(WriteError::NotRegular),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(wio(e)),
    }
    if let Some(root) = within {
        let parent = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let parent = fs::canonicalize(&parent).map_err(wio)?;
        let root = fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
        if !parent.starts_with(&root) {
            return Err(WriteError::Outside);
        }
    }
    Ok(())
}

/// Write `data` to `path` atomically and without following symbolic links:
/// refuse a link (or a non-regular file) at `path` and, with `within`, a
/// parent directory resolving outside it; write a temporary file created
/// exclusively (`O_EXCL|O_NOFOLLOW`) in the same directory, then rename it
/// over `path`. When `expected` is given, the file must still hold exactly
/// those bytes (and not change while the new content is prepared). An
/// existing file keeps its permissions.
pub fn write_atomic(
    path: &Path,
    data: &[u8],
    within: Option<&Path>,
    expected: Option<&[u8]>,
) -> Result<(), WriteError> {
    check_writable(path, within)?;
    let before = match fs::symlink_metadata(path) {
        Ok(m) => Some(m),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(wio(e)),
    };
    if let Some(want) = expected {
        let current =
            read_bytes(path, Guard::new(u64::MAX / 2, Links::Refuse)).map_err(|e| match e {
                ReadError::Symlink => WriteError::Symlink,
                ReadError::NotRegular => WriteError::NotRegular,
                other => WriteError::Io(other.message()),
            })?;
        if current != want {
            return Err(WriteError::ChangedOnDisk);
        }
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut created = None;
    for n in 0..100u32 {
        let candidate = dir.join(format!(".{name}.o11ylint-tmp.{}.{n}", std::process::id()));
        match fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .mode(0o644)
            .open(&candidate)
        {
            Ok(f) => {
                created = Some((candidate, f));
                break;
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(wio(e)),
        }
    }
    let Some((tmp_path, mut file)) = created else {
        return Err(WriteError::Io("cannot create a temporary file".into()));
    };
    let cleanup = |e: WriteError| {
        let _ = fs::remove_file(&tmp_path);
        e
    };
    file.write_all(data).map_err(|e| cleanup(wio(e)))?;
    file.sync_all().map_err(|e| cleanup(wio(e)))?;
    if let Some(b) = &before {
        file.set_permissions(b.permissions())
            .map_err(|e| cleanup(wio(e)))?;
    }
    drop(file);
    // last check: nobody replaced or wrote the file meanwhile
    match (fs::symlink_metadata(path), &before) {
        (Ok(now), Some(b)) => {
            if now.file_type().is_symlink() {
                return Err(cleanup(WriteError::Symlink));
            }
            if expected.is_some()
                && (now.len() != b.len() || now.modified().ok() != b.modified().ok())
            {
                return Err(cleanup(WriteError::ChangedOnDisk));
            }
        }
        (Ok(now), None) if now.file_type().is_symlink() => {
            return Err(cleanup(WriteError::Symlink));
        }
        _ => {}
    }
    // rename replaces the directory entry itself, never a link's target
    fs::rename(&tmp_path, path).map_err(|e| cleanup(wio(e)))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn refuses_links_fifos_devices_and_large_files() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        fs::write(root.join("a.txt"), "hello").unwrap();
        symlink(root.join("a.txt"), root.join("in.txt")).unwrap();
        symlink("/etc/hostname", root.join("out.txt")).unwrap();
        symlink("/dev/zero", root.join("zero.txt")).unwrap();
        let g = |links| Guard::new(1024, links);
        assert_eq!(
            read_text(&root.join("a.txt"), g(Links::Refuse)).unwrap(),
            "hello"
        );
        assert_eq!(
            read_text(&root.join("in.txt"), g(Links::Refuse)),
            Err(ReadError::Symlink)
        );
        assert_eq!(
            read_text(&root.join("in.txt"), g(Links::Within(root))).unwrap(),
            "hello"
        );
        assert_eq!(
            read_text(&root.join("out.txt"), g(Links::Within(root))),
            Err(ReadError::OutsideRoot)
        );
        assert_eq!(
            read_bytes(&root.join("zero.txt"), g(Links::Follow)),
            Err(ReadError::NotRegular)
        );
        assert_eq!(
            read_bytes(Path::new("/dev/null"), g(Links::Follow)),
            Err(ReadError::NotRegular)
        );
        let fifo = root.join("fifo");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
        assert_eq!(
            read_bytes(&fifo, g(Links::Follow)),
            Err(ReadError::NotRegular)
        );
        fs::write(root.join("big"), vec![b'x'; 2000]).unwrap();
        assert!(matches!(
            read_bytes(&root.join("big"), g(Links::Refuse)),
            Err(ReadError::TooLarge { .. })
        ));
    }

    #[test]
    fn writes_never_go_through_links_or_outside() {
        let tmp = tempfile::tempdir().unwrap();
        let outside = tmp.path().join("victim");
        fs::write(&outside, "keep").unwrap();
        let repo = tmp.path().join("repo");
        fs::create_dir(&repo).unwrap();
        symlink(&outside, repo.join("o.sarif")).unwrap();
        assert_eq!(
            write_atomic(&repo.join("o.sarif"), b"x", None, None),
            Err(WriteError::Symlink)
        );
        assert_eq!(fs::read_to_string(&outside).unwrap(), "keep");
        symlink(tmp.path(), repo.join("up")).unwrap();
        assert_eq!(
            write_atomic(&repo.join("up/new.txt"), b"x", Some(&repo), None),
            Err(WriteError::Outside)
        );
        assert!(!tmp.path().join("new.txt").exists());
        write_atomic(&repo.join("ok.txt"), b"one", Some(&repo), None).unwrap();
        write_atomic(&repo.join("ok.txt"), b"two", Some(&repo), Some(b"one")).unwrap();
        assert_eq!(fs::read_to_string(repo.join("ok.txt")).unwrap(), "two");
        assert_eq!(
            write_atomic(&repo.join("ok.txt"), b"3", Some(&repo), Some(b"one")),
            Err(WriteError::ChangedOnDisk)
        );
        let left: Vec<_> = fs::read_dir(&repo)
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().contains("o11ylint-tmp"))
            .collect();
        assert!(left.is_empty(), "no temporary file left");
    }
}
