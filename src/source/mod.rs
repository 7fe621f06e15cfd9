//! Source files, byte spans and line/column conversion.
//!
//! Everything in the engine points into a file with a byte range; humans get
//! 1-based line/column (columns count Unicode scalar values), the language
//! server gets 0-based UTF-16 positions. Both come from [`LineIndex`].

pub mod guard;
pub mod suggest;
pub mod walk;

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A file's text and where it came from.
#[derive(Debug)]
pub struct SourceFile {
    /// Path as shown to users: relative to the repository root where possible.
    pub display: String,
    /// Path on disk (absolute or as given).
    pub path: PathBuf,
    pub text: String,
    pub lines: LineIndex,
}

pub type FileRef = Arc<SourceFile>;

impl SourceFile {
    pub fn new(display: impl Into<String>, path: impl Into<PathBuf>, text: String) -> FileRef {
        let lines = LineIndex::new(&text);
        Arc::new(SourceFile {
            display: display.into(),
            path: path.into(),
            text,
            lines,
        })
    }

    pub fn position(&self, offset: usize) -> Position {
        self.lines.position(&self.text, offset)
    }
}

/// A byte range inside one file.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start,
            end: end.max(start),
        }
    }
    pub fn empty(at: usize) -> Span {
        Span { start: at, end: at }
    }
    pub fn range(&self) -> Range<usize> {
        self.start..self.end
    }
    pub fn cover(&self, other: &Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

/// 1-based line and column; the column counts characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// Byte offsets of line starts, plus checkpoints inside long lines.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
    /// Every [`MARK_BYTES`] bytes of a long line: (byte offset, characters
    /// and UTF-16 units since the line's start). A column is counted from
    /// the nearest checkpoint, so N positions on one 1 MB line cost
    /// O(N x MARK_BYTES), not O(N x line length) (was quadratic).
    marks: Vec<(usize, usize, usize)>,
}

/// Distance between checkpoints in a long line.
const MARK_BYTES: usize = 4096;

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        let mut marks = Vec::new();
        let bytes = text.as_bytes();
        let mut line_start = 0usize;
        loop {
            let end = memchr_newline(&bytes[line_start..])
                .map(|j| line_start + j)
                .unwrap_or(bytes.len());
            if end - line_start >= MARK_BYTES {
                let (mut chars, mut units, mut since) = (0usize, 0usize, 0usize);
                for (i, ch) in text[line_start..end].char_indices() {
                    if since >= MARK_BYTES {
                        marks.push((line_start + i, chars, units));
                        since = 0;
                    }
                    chars += 1;
                    units += ch.len_utf16();
                    since += ch.len_utf8();
                }
            }
            if end >= bytes.len() {
                break;
            }
            line_start = end + 1;
            starts.push(line_start);
        }
        LineIndex { starts, marks }
    }

    /// Byte offset, characters and UTF-16 units from the line start at the
    /// last checkpoint at or before `offset` on the line starting at
    /// `start` (the line start itself when there is none).
    fn mark_before(&self, start: usize, offset: usize) -> (usize, usize, usize) {
        let k = self.marks.partition_point(|m| m.0 <= offset);
        match k.checked_sub(1).map(|k| self.marks[k]) {
            Some(m) if m.0 >= start => m,
            _ => (start, 0, 0),
        }
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// Byte offset of the start of 0-based line `line` (clamped).
    pub fn line_start(&self, line: usize) -> usize {
        self.starts
            .get(line)
            .copied()
            .unwrap_or_else(|| *self.starts.last().unwrap_or(&0))
    }

    /// 0-based line containing `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        }
    }

    /// Clamp an offset to the text and back to a char boundary.
    fn clamp(text: &str, offset: usize) -> usize {
        let mut o = offset.min(text.len());
        while o > 0 && !text.is_char_boundary(o) {
            o -= 1;
        }
        o
    }

    pub fn position(&self, text: &str, offset: usize) -> Position {
        let offset = Self::clamp(text, offset);
        let line = self.line_of(offset);
        let start = self.line_start(line);
        let (from, chars, _) = self.mark_before(start, offset);
        let column = chars + text[from..offset].chars().count() + 1;
        Position {
            line: line + 1,
            column,
        }
    }

    /// 0-based (line, UTF-16 code unit) for the language server protocol.
    pub fn utf16_position(&self, text: &str, offset: usize) -> (u32, u32) {
        let offset = Self::clamp(text, offset);
        let line = self.line_of(offset);
        let start = self.line_start(line);
        let (from, _, units) = self.mark_before(start, offset);
        let col: usize = units
            + text[from..offset]
                .chars()
                .map(char::len_utf16)
                .sum::<usize>();
        (line as u32, col as u32)
    }

    /// Inverse of [`utf16_position`](Self::utf16_position), clamped to the line.
    pub fn offset_of_utf16(&self, text: &str, line: u32, character: u32) -> usize {
        let line = line as usize;
        if line >= self.starts.len() {
            return text.len();
        }
        let start = self.line_start(line);
        let end = self
            .starts
            .get(line + 1)
            .copied()
            .unwrap_or(text.len())
            .min(text.len());
        let mut units = 0u32;
        for (i, ch) in text[start..end].char_indices() {
            if units >= character || ch == '\n' {
                return start + i;
            }
            units += ch.len_utf16() as u32;
        }
        end
    }

    /// Byte offset of 1-based `line` and 0-based character column `col`
    /// (what the YAML scanner reports).
    pub fn offset_of_char_col(&self, text: &str, line: usize, col: usize) -> usize {
        let start = self.line_start(line.saturating_sub(1)).min(text.len());
        let rest = &text[start..];
        if rest.is_ascii() || rest.as_bytes().iter().take(col).all(u8::is_ascii) {
            return (start + col).min(text.len());
        }
        match rest.char_indices().nth(col) {
            Some((i, _)) => start + i,
            None => text.len(),
        }
    }
}

fn memchr_newline(b: &[u8]) -> Option<usize> {
    memchr::memchr(b'\n', b)
}

/// A path as text without losing anything: a name that is not UTF-8 shows
/// each invalid byte as `\xHH` (`caf\xE9.yaml`), so two names never share a
/// display name (U+FFFD did: `caf\xE9.yaml` and a real `caf\u{FFFD}.yaml`
/// were one file to `--fix` and SARIF). See [`raw_bytes`] for the way back.
pub fn lossless(s: &std::ffi::OsStr) -> String {
    use std::os::unix::ffi::OsStrExt;
    if let Some(t) = s.to_str() {
        return t.to_string();
    }
    let mut out = String::new();
    for chunk in s.as_bytes().utf8_chunks() {
        out.push_str(chunk.valid());
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02X}"));
        }
    }
    out
}

/// The bytes a [`lossless`] display name stands for, given that the path
/// it came from was not UTF-8 (only then are `\xHH` escapes bytes).
pub fn raw_bytes(display: &str) -> Vec<u8> {
    let b = display.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && b.get(i + 1) == Some(&b'x') {
            if let Some(v) = b
                .get(i + 2..i + 4)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(v);
                i += 4;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

/// Display path of `path` relative to `root` when it lies below it.
pub fn display_path(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    // (a name that is not UTF-8 is a Unix name: its `\xHH` escapes stay)
    let s = match rel.to_str() {
        Some(t) => t.replace('\\', "/"),
        None => lossless(rel.as_os_str()),
    };
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}

/// The repository-relative display path of `p`. Only the directory is
/// resolved: a symbolic link keeps its own name (a link to a file outside the
/// repository is not shown with the target's machine path).
pub fn rel_of(root: &Path, p: &Path) -> String {
    RelPaths::new(root).rel(p)
}

/// [`rel_of`] for many paths of one run: each directory is resolved once
/// (resolving costs a `readlink` per path component, and a walk names the
/// same few directories thousands of times).
pub struct RelPaths<'a> {
    root: &'a Path,
    dirs: std::collections::HashMap<PathBuf, Option<PathBuf>>,
}

impl<'a> RelPaths<'a> {
    pub fn new(root: &'a Path) -> RelPaths<'a> {
        RelPaths {
            root,
            dirs: Default::default(),
        }
    }

    pub fn rel(&mut self, p: &Path) -> String {
        let abs = match (p.parent(), p.file_name()) {
            (Some(dir), Some(name)) => {
                let dir = if dir.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    dir
                };
                let real = self
                    .dirs
                    .entry(dir.to_path_buf())
                    .or_insert_with(|| std::fs::canonicalize(dir).ok());
                match real {
                    Some(d) => d.join(name),
                    None => p.to_path_buf(),
                }
            }
            _ => std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf()),
        };
        display_path(self.root, &abs)
    }
}

/// Normalise a repository-relative path (`a/./b/../c` -> `a/c`); `None` when
/// it escapes the root.
pub fn normalize_rel(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for p in path.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_use_checkpoints() {
        let line = format!("{}é{}", "a".repeat(5000), "b".repeat(9000));
        let text = format!("x\n{line}\ny");
        let idx = LineIndex::new(&text);
        assert!(!idx.marks.is_empty());
        for off in [2, 4000, 4098, 5002, 5004, 9000, 14003, text.len() - 1] {
            let start = idx.line_start(idx.line_of(off));
            let want = text[start..off].chars().count() + 1;
            assert_eq!(idx.position(&text, off).column, want, "{off}");
            let units: usize = text[start..off].chars().map(char::len_utf16).sum();
            assert_eq!(idx.utf16_position(&text, off).1 as usize, units, "{off}");
        }
        assert_eq!(idx.line_count(), 3);
    }

    #[test]
    fn positions_are_one_based_and_count_chars() {
        let text = "ab\nçd€x\n";
        let idx = LineIndex::new(text);
        assert_eq!(idx.position(text, 0), Position { line: 1, column: 1 });
        assert_eq!(idx.position(text, 3), Position { line: 2, column: 1 });
        // 'x' is after ç (2 bytes), d, € (3 bytes)
        let x = text.find('x').unwrap();
        assert_eq!(idx.position(text, x), Position { line: 2, column: 4 });
        assert_eq!(idx.utf16_position(text, x), (1, 3));
        assert_eq!(idx.offset_of_utf16(text, 1, 3), x);
    }

    #[test]
    fn utf16_counts_surrogate_pairs() {
        let text = "a😀b";
        let idx = LineIndex::new(text);
        let b = text.find('b').unwrap();
        assert_eq!(idx.utf16_position(text, b), (0, 3));
        assert_eq!(idx.offset_of_utf16(text, 0, 3), b);
    }

    #[test]
    fn char_columns_map_to_bytes() {
        let text = "k: é\nx: y";
        let idx = LineIndex::new(text);
        assert_eq!(idx.offset_of_char_col(text, 1, 3), 3);
        assert_eq!(idx.offset_of_char_col(text, 2, 3), text.len() - 1);
        assert_eq!(idx.offset_of_char_col(text, 1, 4), 5);
    }
}
