//! Finding the files to lint and reading them safely.

use std::fs;
use std::path::{Path, PathBuf};

/// Extensions the engine may have something to say about. `.rules` and
/// `.rule` are rule-file names (Prometheus loads a rule file whatever its
/// name; Juju charms ship `*.rule`/`*.rules`); the engine lints such a file
/// only when it is a Prometheus or Loki rule file (udev and IDS rules are not).
pub const CANDIDATE_EXTENSIONS: &[&str] = &["yaml", "yml", "json", "alloy", "rules", "rule"];

/// Largest file read; larger files get one diagnostic and are skipped.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// A path the walker decided about.
#[derive(Debug, Clone)]
pub enum Walked {
    /// A file to read and classify.
    File(PathBuf),
    /// Not linted, with the reason (shown by `--verbose`).
    Skipped(PathBuf, String),
    /// A path that could not be walked (shown as a diagnostic).
    Error(PathBuf, String),
}

/// Walk `paths` (files or directories). Hidden entries, `target/` and
/// git-ignored paths are skipped inside directories; a file named explicitly
/// is always taken. The result is sorted so later stages are deterministic.
pub fn walk(paths: &[PathBuf], respect_ignore: bool) -> Vec<Walked> {
    let mut out = Vec::new();
    for root in paths {
        let meta = match fs::metadata(root) {
            Ok(m) => m,
            Err(e) => {
                out.push(Walked::Error(root.clone(), io_message(&e)));
                continue;
            }
        };
        if meta.is_file() {
            out.push(Walked::File(root.clone()));
            continue;
        }
        if !meta.is_dir() {
            out.push(Walked::Error(
                root.clone(),
                "not a regular file or directory".into(),
            ));
            continue;
        }
        let mut builder = ignore::WalkBuilder::new(root);
        builder
            .hidden(true)
            .git_ignore(respect_ignore)
            .git_global(false)
            .git_exclude(respect_ignore)
            .ignore(respect_ignore)
            .parents(respect_ignore)
            .require_git(false)
            .follow_links(false)
            .filter_entry(|e| {
                !(e.file_type().is_some_and(|t| t.is_dir())
                    && matches!(e.file_name().to_str(), Some("target" | "node_modules")))
            });
        for entry in builder.build() {
            match entry {
                Ok(e) => {
                    let path = e.path().to_path_buf();
                    let Some(ft) = e.file_type() else { continue };
                    if ft.is_dir() {
                        continue;
                    }
                    // a link to a directory (`contracts -> ...`,
                    // `docs/runbooks -> /`) is never walked; `--verbose`
                    // says so whatever its name
                    if ft.is_symlink() && fs::metadata(&path).is_ok_and(|m| m.is_dir()) {
                        out.push(Walked::Skipped(
                            path,
                            "a symbolic link to a directory; not followed".into(),
                        ));
                        continue;
                    }
                    if !has_candidate_extension(&path) {
                        out.push(Walked::Skipped(path, "extension not linted".into()));
                        continue;
                    }
                    if ft.is_symlink() {
                        match fs::metadata(&path) {
                            Ok(m) if m.is_file() => out.push(Walked::File(path)),
                            Ok(_) => out.push(Walked::Error(
                                path,
                                "a symbolic link to something that is not a regular file; not read"
                                    .into(),
                            )),
                            Err(e) => out.push(Walked::Error(path, io_message(&e))),
                        }
                    } else if ft.is_file() {
                        out.push(Walked::File(path));
                    } else {
                        out.push(Walked::Error(
                            path,
                            "not a regular file (FIFO, socket or device); skipped".into(),
                        ));
                    }
                }
                Err(err) => {
                    let path = match &err {
                        ignore::Error::WithPath { path, .. } => path.clone(),
                        _ => root.clone(),
                    };
                    let msg = err.to_string();
                    let msg = msg
                        .strip_prefix(&format!("{}: ", path.display()))
                        .unwrap_or(&msg)
                        .to_string();
                    out.push(Walked::Error(path, msg));
                }
            }
        }
    }
    out.sort_by(|a, b| key(a).cmp(key(b)));
    out.dedup_by(|a, b| key(a) == key(b));
    out
}

/// Deepest directory level [`list`] descends to.
const LIST_MAX_DEPTH: usize = 16;

/// The entries under `dir` that are not directories and that `keep`
/// accepts (given the path relative to `dir` and the entry's own type), as
/// `/`-separated relative paths in path order. Symbolic links are never
/// followed: a link, even to a directory, is an entry of its own, so a caller
/// can refuse it (`|_, t| t.is_file()` keeps regular files only). A missing
/// or unreadable directory lists nothing. For the tool's own trees
/// (contracts, generated output, runbooks); what to lint is found by
/// [`walk`].
pub fn list(dir: &Path, keep: impl Fn(&Path, fs::FileType) -> bool) -> Vec<String> {
    type Keep<'a> = &'a dyn Fn(&Path, fs::FileType) -> bool;
    fn descend(dir: &Path, rel: &Path, depth: usize, keep: Keep<'_>, out: &mut Vec<PathBuf>) {
        if depth > LIST_MAX_DEPTH {
            return;
        }
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let Ok(ft) = e.file_type() else { continue };
            let child = rel.join(e.file_name());
            if ft.is_dir() {
                descend(&e.path(), &child, depth + 1, keep, out);
            } else if keep(&child, ft) {
                out.push(child);
            }
        }
    }
    let mut out = Vec::new();
    descend(dir, Path::new(""), 0, &keep, &mut out);
    out.sort();
    out.iter()
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .collect()
}

/// [`list`] for the directory `rel` of the repository at `root`, refusing
/// (listing nothing) when the way there passes through a symbolic link: a
/// committed `docs/runbooks -> /` must not walk the machine's file system.
/// Returns the link found, if any, so the caller can say so.
pub fn list_in(
    root: &Path,
    rel: &str,
    keep: impl Fn(&Path, fs::FileType) -> bool,
) -> (Vec<String>, Option<String>) {
    if let Some(link) = super::guard::link_on_path(root, rel) {
        return (Vec::new(), Some(link));
    }
    (list(&root.join(rel), keep), None)
}

/// Whether `path` ends in one of `exts` (lowercase, without the dot), in any
/// case.
pub fn has_extension(path: &Path, exts: &[&str]) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| exts.contains(&e.to_ascii_lowercase().as_str()))
}

fn key(w: &Walked) -> &Path {
    match w {
        Walked::File(p) | Walked::Skipped(p, _) | Walked::Error(p, _) => p,
    }
}

pub fn has_candidate_extension(path: &Path) -> bool {
    has_extension(path, CANDIDATE_EXTENSIONS)
}

/// Why a file could not be turned into text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    Io(String),
    TooLarge {
        size: u64,
        limit: u64,
    },
    NotUtf8 {
        valid_up_to: usize,
    },
    /// A symbolic link where none may be (e.g. in `generated/`).
    Symlink,
    /// A symbolic link whose target lies outside the repository.
    OutsideRoot,
    /// A FIFO, socket, device or directory.
    NotRegular,
}

impl ReadError {
    /// A short reason, for messages.
    pub fn message(&self) -> String {
        match self {
            ReadError::Io(m) => m.clone(),
            ReadError::TooLarge { size, limit } => format!(
                "{:.1} MiB, over the {:.0} MiB limit",
                *size as f64 / 1048576.0,
                *limit as f64 / 1048576.0
            ),
            ReadError::NotUtf8 { valid_up_to } => {
                format!("not valid UTF-8 (first invalid byte at offset {valid_up_to})")
            }
            ReadError::Symlink => "a symbolic link, which is not followed here".into(),
            ReadError::OutsideRoot => {
                "a symbolic link to a file outside the repository; not read".into()
            }
            ReadError::NotRegular => {
                "not a regular file (FIFO, socket, device or directory)".into()
            }
        }
    }
}

/// Read a file as UTF-8 text with a size limit, following a symbolic link
/// (a path the user named). Repository files read by the engine go through
/// [`super::guard`] with the repository as the links' boundary.
pub fn read_text(path: &Path, limit: u64) -> Result<String, ReadError> {
    super::guard::read_text(
        path,
        super::guard::Guard::new(limit, super::guard::Links::Follow),
    )
}

pub fn io_message(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => {
            let s = e.to_string();
            match s.find(" (os error") {
                Some(i) => s[..i].to_string(),
                None => s,
            }
        }
    }
}
