//! The diagnostic model shared by every rule and every output format.

pub mod catalog;
pub mod escape;

use std::cmp::Ordering;

use serde::Serialize;

use crate::source::{FileRef, Position, Span};

pub use catalog::{EmittedBy, Family, FixAvailability, RuleMeta};

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

/// Whether a fix keeps the meaning of what it edits: `--fix` applies safe
/// fixes, `--unsafe-fixes` the others too (a guess, or a change of meaning
/// the user should review).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Applicability {
    Safe,
    Unsafe,
}

/// A finding's fix: what it does (for editors and `--fix` output), its
/// edits, applied all or nothing, and whether it is safe.
#[derive(Debug, Clone)]
pub struct Fix {
    pub title: String,
    pub edits: Vec<Edit>,
    pub applicability: Applicability,
}

impl Fix {
    /// A safe fix of one edit.
    pub fn safe_edit(title: impl Into<String>, span: Span, replacement: impl Into<String>) -> Fix {
        Fix {
            title: title.into(),
            edits: vec![Edit::new(span, replacement)],
            applicability: Applicability::Safe,
        }
    }

    /// An unsafe fix of one edit (applied with `--unsafe-fixes` only).
    pub fn unsafe_edit(
        title: impl Into<String>,
        span: Span,
        replacement: impl Into<String>,
    ) -> Fix {
        Fix {
            applicability: Applicability::Unsafe,
            ..Fix::safe_edit(title, span, replacement)
        }
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
    pub fix: Option<Fix>,
    /// Set when an inline or policy suppression matched (kept for SARIF).
    pub suppressed: Option<String>,
    /// The human view, rendered before the source text was released.
    pub rendered: Option<String>,
}

/// A renderer run on a finding before its file's text is released, with its
/// colour choice (the human renderer lives with the other outputs).
pub type Prerender = (fn(&Diagnostic, bool) -> String, bool);

impl Diagnostic {
    /// Cache every position, render the view that will be printed (when
    /// `render` is given), and point the labels of `file` at `detached` (the
    /// same file without its text), so the text can be freed while the run
    /// goes on.
    pub fn detach(&mut self, file: &FileRef, detached: &FileRef, render: Option<Prerender>) {
        if let Some((render, color)) = render {
            self.rendered = Some(render(self, color));
        }
        let src = self.primary.file.clone();
        for e in self.fix.iter_mut().flat_map(|f| f.edits.iter_mut()) {
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
    /// Unsuppressed findings per rule, most first (ties by code).
    pub by_rule: Vec<RuleTally>,
}

/// How many unsuppressed findings one rule produced.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct RuleTally {
    pub code: &'static str,
    pub name: &'static str,
    pub count: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
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
        let i = match self.by_rule.iter().position(|t| t.code == d.code) {
            Some(i) => i,
            None => {
                self.by_rule.push(RuleTally {
                    code: d.code,
                    name: d.name,
                    ..Default::default()
                });
                self.by_rule.len() - 1
            }
        };
        let t = &mut self.by_rule[i];
        t.count += 1;
        match d.severity {
            Severity::Error => t.errors += 1,
            Severity::Warning => t.warnings += 1,
            Severity::Info => t.infos += 1,
        }
        // keep the order: most findings first, then by code
        let mut j = i;
        while j > 0
            && (
                self.by_rule[j - 1].count,
                std::cmp::Reverse(self.by_rule[j - 1].code),
            ) < (
                self.by_rule[j].count,
                std::cmp::Reverse(self.by_rule[j].code),
            )
        {
            self.by_rule.swap(j - 1, j);
            j -= 1;
        }
    }

    /// Unsuppressed findings in all.
    pub fn findings(&self) -> usize {
        self.errors + self.warnings + self.infos
    }

    /// When a few rules (at most three) make most (two thirds or more) of at
    /// least ten findings: those rules.
    pub fn dominant_rules(&self) -> Vec<&RuleTally> {
        let total = self.findings();
        if total < 10 {
            return Vec::new();
        }
        let mut sum = 0;
        let mut out = Vec::new();
        for t in self.by_rule.iter().take(3) {
            sum += t.count;
            out.push(t);
            if sum * 3 >= total * 2 {
                return out;
            }
        }
        Vec::new()
    }
}

/// A finding of rule `meta` at `span` in `file`; add to it with the builder
/// methods below.
pub fn new_diagnostic(
    meta: &'static RuleMeta,
    severity: Severity,
    file: &FileRef,
    span: Span,
    message: String,
) -> Diagnostic {
    Diagnostic {
        code: meta.code,
        name: meta.name,
        severity,
        message,
        help: None,
        primary: Label::new(file, span, ""),
        related: Vec::new(),
        fix: None,
        suppressed: None,
        rendered: None,
    }
}

impl Diagnostic {
    pub fn help(&mut self, h: impl Into<String>) -> &mut Self {
        self.help = Some(h.into());
        self
    }
    pub fn label(&mut self, text: impl Into<String>) -> &mut Self {
        self.primary.message = text.into();
        self
    }
    pub fn related(&mut self, file: &FileRef, span: Span, text: impl Into<String>) -> &mut Self {
        self.related.push(Label::new(file, span, text));
        self
    }
    pub fn fix(&mut self, fix: Fix) -> &mut Self {
        self.fix = Some(fix);
        self
    }

    /// The edits of the fix, if there is one.
    pub fn edits(&self) -> &[Edit] {
        self.fix.as_ref().map_or(&[], |f| &f.edits)
    }

    /// Whether the finding has a fix to apply (`unsafe_fixes`: unsafe ones
    /// count too).
    pub fn fixable(&self, unsafe_fixes: bool) -> bool {
        self.fix
            .as_ref()
            .is_some_and(|f| unsafe_fixes || f.applicability == Applicability::Safe)
    }
}
