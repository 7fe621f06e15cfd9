//! The diagnostic model shared by every rule and every output format.

pub mod checkstyle;
pub mod concise;
pub mod escape;
pub mod github;
pub mod gitlab;
pub mod human;
pub mod json;
pub mod sarif;

use std::cmp::Ordering;

use serde::Serialize;

use crate::source::{FileRef, Position, Span};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "info" => Some(Severity::Info),
            "warning" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

/// Where the project lives (SARIF `informationUri`); rule pages are
/// `rules/<name>.md` in it. The one place this address is written.
pub const REPOSITORY_URL: &str = "https://github.com/o11ylint/o11ylint";

/// The page of rule `name` in the repository (SARIF `helpUri`).
pub fn rule_page_url(name: &str) -> String {
    format!("{REPOSITORY_URL}/blob/main/rules/{name}.md")
}

/// A place in a file with an optional note.
#[derive(Debug, Clone)]
pub struct Label {
    pub file: FileRef,
    pub span: Span,
    pub message: String,
    /// Positions cached by [`Diagnostic::detach`] once the text is released.
    pub pos: Option<(Position, Position)>,
}

impl Label {
    pub fn new(file: &FileRef, span: Span, message: impl Into<String>) -> Label {
        Label {
            file: file.clone(),
            span,
            message: message.into(),
            pos: None,
        }
    }
    pub fn start(&self) -> Position {
        self.pos
            .map_or_else(|| self.file.position(self.span.start), |p| p.0)
    }
    pub fn end(&self) -> Position {
        self.pos
            .map_or_else(|| self.file.position(self.span.end), |p| p.1)
    }
}

/// A mechanical text edit that fixes (part of) a finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub span: Span,
    pub replacement: String,
    /// Positions cached by [`Diagnostic::detach`] once the text is released.
    pub pos: Option<(Position, Position)>,
}

impl Edit {
    pub fn new(span: Span, replacement: impl Into<String>) -> Edit {
        Edit {
            span,
            replacement: replacement.into(),
            pos: None,
        }
    }
    /// Start and end position of the replaced range in `file`.
    pub fn positions(&self, file: &FileRef) -> (Position, Position) {
        self.pos
            .unwrap_or_else(|| (file.position(self.span.start), file.position(self.span.end)))
    }
}

#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub message: String,
    pub help: Option<String>,
    pub primary: Label,
    pub related: Vec<Label>,
    pub fix: Vec<Edit>,
    /// Set when an inline or policy suppression matched (kept for SARIF).
    pub suppressed: Option<String>,
    /// The human view, rendered before the source text was released.
    pub rendered: Option<String>,
}

impl Diagnostic {
    /// Cache every position, render the human view if it will be printed
    /// (`color` is its colour choice), and point the labels of `file` at
    /// `detached` (the same file without its text), so the text can be freed
    /// while the run goes on.
    pub fn detach(&mut self, file: &FileRef, detached: &FileRef, color: Option<bool>) {
        if let Some(c) = color {
            self.rendered = Some(human::render(self, c));
        }
        let src = self.primary.file.clone();
        for e in &mut self.fix {
            e.pos = Some(e.positions(&src));
        }
        for l in std::iter::once(&mut self.primary).chain(self.related.iter_mut()) {
            l.pos = Some((l.start(), l.end()));
            if std::sync::Arc::ptr_eq(&l.file, file) {
                l.file = detached.clone();
            }
        }
    }

    pub fn file(&self) -> &str {
        &self.primary.file.display
    }

    /// Deterministic order: file, position, code, message.
    pub fn sort_key_cmp(&self, other: &Diagnostic) -> Ordering {
        self.file()
            .cmp(other.file())
            .then(self.primary.span.start.cmp(&other.primary.span.start))
            .then(self.primary.span.end.cmp(&other.primary.span.end))
            .then(self.code.cmp(other.code))
            .then(self.message.cmp(&other.message))
    }
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Summary {
    pub files_checked: usize,
    pub files_skipped: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    pub suppressed: usize,
}

impl Summary {
    pub fn count(&mut self, d: &Diagnostic) {
        if d.suppressed.is_some() {
            self.suppressed += 1;
            return;
        }
        match d.severity {
            Severity::Error => self.errors += 1,
            Severity::Warning => self.warnings += 1,
            Severity::Info => self.infos += 1,
        }
    }
}

/// "did you mean" candidate by edit distance (case-insensitive first).
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lw = word.to_lowercase();
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        if c.to_lowercase() == lw {
            return Some(c);
        }
        let d = levenshtein(&lw, &c.to_lowercase());
        let limit = (c.chars().count().max(word.chars().count()) / 3).max(1);
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

pub fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn closest_prefers_case_match_then_distance() {
        let c = ["critical", "warning", "info"];
        assert_eq!(closest("Critical", c), Some("critical"));
        assert_eq!(closest("critcal", c), Some("critical"));
        assert_eq!(closest("warn", c), None);
        assert_eq!(closest("warnin", c), Some("warning"));
        assert_eq!(closest("zzz", c), None);
    }
}
