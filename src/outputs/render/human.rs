//! rustc-style output through `codespan-reporting`.

use std::borrow::Cow;
use std::io::Write;
use std::ops::Range;

use codespan_reporting::diagnostic::{
    Diagnostic as CsDiagnostic, Label as CsLabel, Severity as CsSeverity,
};
use codespan_reporting::files::{Error as FilesError, Files};
use codespan_reporting::term::{self, termcolor::Buffer, Config};

use crate::diag::escape;
use crate::diag::{Diagnostic, Severity, Summary};
use crate::source::FileRef;

/// The files one diagnostic refers to, indexed by position in `files`.
/// Names and source text are escaped (user-controlled: control characters
/// must not reach the terminal or a workflow log; see [`crate::diag::escape`]).
struct DiagFiles<'a> {
    files: Vec<&'a FileRef>,
    names: Vec<String>,
    sources: Vec<Cow<'a, str>>,
}

impl<'a> Files<'a> for DiagFiles<'a> {
    type FileId = usize;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: usize) -> Result<&'a str, FilesError> {
        self.names
            .get(id)
            .map(String::as_str)
            .ok_or(FilesError::FileMissing)
    }
    fn source(&'a self, id: usize) -> Result<&'a str, FilesError> {
        self.sources
            .get(id)
            .map(|s| s.as_ref())
            .ok_or(FilesError::FileMissing)
    }
    fn line_index(&'a self, id: usize, byte_index: usize) -> Result<usize, FilesError> {
        let f = self.files.get(id).ok_or(FilesError::FileMissing)?;
        Ok(f.lines.line_of(byte_index.min(f.text.len())))
    }
    fn line_range(&'a self, id: usize, line_index: usize) -> Result<Range<usize>, FilesError> {
        let f = self.files.get(id).ok_or(FilesError::FileMissing)?;
        if line_index >= f.lines.line_count() {
            return Err(FilesError::LineTooLarge {
                given: line_index,
                max: f.lines.line_count().saturating_sub(1),
            });
        }
        let start = f.lines.line_start(line_index);
        let end = if line_index + 1 < f.lines.line_count() {
            f.lines.line_start(line_index + 1)
        } else {
            f.text.len()
        };
        Ok(start..end)
    }
}

fn cs_severity(s: Severity) -> CsSeverity {
    match s {
        Severity::Error => CsSeverity::Error,
        Severity::Warning => CsSeverity::Warning,
        Severity::Info => CsSeverity::Note,
    }
}

fn clamp(f: &FileRef, r: Range<usize>) -> Range<usize> {
    let mut s = r.start.min(f.text.len());
    let mut e = r.end.min(f.text.len()).max(s);
    while s > 0 && !f.text.is_char_boundary(s) {
        s -= 1;
    }
    while e < f.text.len() && !f.text.is_char_boundary(e) {
        e += 1;
    }
    s..e
}

/// Render one diagnostic to a string (ANSI colours when `color`).
pub fn render(d: &Diagnostic, color: bool) -> String {
    if let Some(r) = &d.rendered {
        return r.clone();
    }
    let mut files: Vec<&FileRef> = vec![&d.primary.file];
    let id_of = |f: &FileRef, files: &mut Vec<&FileRef>| -> usize {
        files
            .iter()
            .position(|x| std::sync::Arc::ptr_eq(x, f))
            .unwrap_or(0)
    };
    for r in &d.related {
        if !files.iter().any(|x| std::sync::Arc::ptr_eq(x, &r.file)) {
            files.push(&r.file);
        }
    }
    let mut labels = vec![
        CsLabel::primary(0usize, clamp(&d.primary.file, d.primary.span.range()))
            .with_message(escape::text(&d.primary.message)),
    ];
    for r in &d.related {
        let id = id_of(&r.file, &mut files);
        labels.push(
            CsLabel::secondary(id, clamp(&r.file, r.span.range()))
                .with_message(escape::text(&r.message)),
        );
    }
    let mut notes = Vec::new();
    if let Some(h) = &d.help {
        notes.push(format!("help: {}", escape::lines(h)));
    }
    if let Some(reason) = &d.suppressed {
        notes.push(format!("suppressed: {}", escape::text(reason)));
    }
    let cs = CsDiagnostic::new(cs_severity(d.severity))
        .with_code(format!("{} {}", d.code, d.name))
        .with_message(escape::text(&d.message))
        .with_labels(labels)
        .with_notes(notes);
    let names = files
        .iter()
        .map(|f| escape::text(&f.display).into_owned())
        .collect();
    let sources = files.iter().map(|f| escape::same_length(&f.text)).collect();
    let db = DiagFiles {
        files,
        names,
        sources,
    };
    let config = Config::default();
    let mut buf = if color {
        Buffer::ansi()
    } else {
        Buffer::no_color()
    };
    if term::emit_to_write_style(&mut buf, &config, &db, &cs).is_err() {
        // Fall back to a one-line form rather than lose the finding.
        let p = d.primary.start();
        return format!(
            "{}[{} {}]: {}\n  --> {}:{}:{}\n",
            d.severity.as_str(),
            d.code,
            d.name,
            escape::text(&d.message),
            escape::text(d.file()),
            p.line,
            p.column
        );
    }
    String::from_utf8_lossy(buf.as_slice()).into_owned()
}

/// `policy_file`: whether the repository has an `o11ylint.yaml` (then the
/// closing hint does not suggest `o11ylint init`).
pub fn write_all(
    out: &mut dyn Write,
    diags: &[Diagnostic],
    summary: &Summary,
    color: bool,
    policy_file: bool,
) -> std::io::Result<()> {
    for d in diags.iter().filter(|d| d.suppressed.is_none()) {
        out.write_all(render(d, color).as_bytes())?;
    }
    out.write_all(tally(summary).as_bytes())?;
    writeln!(out, "{}", summary_line(summary))?;
    if summary.files_checked == 0 && summary.files_skipped > 0 {
        // nothing recognised: say where to look rather than look clean
        writeln!(
            out,
            "no file was linted ({} skipped); `o11ylint check -v` says why for each",
            summary.files_skipped
        )?;
    }
    if let Some(hint) = guidance(summary, policy_file) {
        writeln!(out, "{hint}")?;
    }
    Ok(())
}

/// Findings per rule, most first (nothing when there are none).
pub fn tally(s: &Summary) -> String {
    if s.by_rule.is_empty() {
        return String::new();
    }
    let width = s.by_rule.iter().map(|t| t.name.len()).max().unwrap_or(0);
    let mut out = String::from("findings by rule:\n");
    for t in &s.by_rule {
        let mut kinds = Vec::new();
        for (n, w) in [
            (t.errors, "error"),
            (t.warnings, "warning"),
            (t.infos, "info"),
        ] {
            if n > 0 {
                kinds.push(format!("{n} {w}{}", if n == 1 { "" } else { "s" }));
            }
        }
        out.push_str(&format!(
            "  {:>5}  {} {:<width$}  {}\n",
            t.count,
            t.code,
            t.name,
            kinds.join(", ")
        ));
    }
    out
}

/// When a few rules make most of the findings, how to configure them.
/// Syntax findings are not a convention to switch off: the hint says to fix
/// them or to declare the ruler's dialect (`target:`) instead.
pub fn guidance(s: &Summary, policy_file: bool) -> Option<String> {
    let top = s.dominant_rules();
    let first = top.first()?;
    let names: Vec<String> = top
        .iter()
        .map(|t| format!("{} ({})", t.name, t.count))
        .collect();
    let sum: usize = top.iter().map(|t| t.count).sum();
    let init = if policy_file {
        ""
    } else {
        ", or run `o11ylint init` to write a policy that fits this repository"
    };
    let syntax = crate::rules::find(first.name)
        .is_some_and(|r| r.meta().family == crate::diag::catalog::Family::Syntax);
    let advice = if syntax {
        format!(
            "files or expressions your tools may refuse: fix them, or, where they are written for another ruler (MetricsQL, Thanos, Mimir or vmalert keys), set `target:` in o11ylint.yaml{init}"
        )
    } else {
        format!(
            "if that is a convention of yours rather than a defect, set it in o11ylint.yaml (`rules: {{{}: {{enabled: false}}}}`, or `severity: info`, or an `overrides:` entry for some paths){init}",
            first.name
        )
    };
    Some(format!(
        "{sum} of {} findings come from {}: {advice}; `o11ylint explain {}` says what the rule checks",
        s.findings(),
        names.join(", "),
        first.name
    ))
}

pub fn summary_line(s: &Summary) -> String {
    let plural = |n: usize, w: &str| {
        if n == 1 {
            format!("{n} {w}")
        } else {
            format!("{n} {w}s")
        }
    };
    let mut line = format!(
        "{} checked: {}, {}, {}",
        plural(s.files_checked, "file"),
        plural(s.errors, "error"),
        plural(s.warnings, "warning"),
        plural(s.infos, "info"),
    );
    if s.suppressed > 0 {
        line.push_str(&format!(" ({} suppressed)", s.suppressed));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::RuleTally;

    fn tally_of(counts: &[(&'static str, &'static str, usize)]) -> Summary {
        let by_rule: Vec<RuleTally> = counts
            .iter()
            .map(|&(code, name, count)| RuleTally {
                code,
                name,
                count,
                warnings: count,
                ..Default::default()
            })
            .collect();
        Summary {
            warnings: counts.iter().map(|c| c.2).sum(),
            by_rule,
            ..Default::default()
        }
    }

    #[test]
    fn a_few_dominant_rules_get_a_last_line() {
        let s = tally_of(&[
            ("OL716", "rate-interval", 30),
            ("OL700", "duplicate-rule", 3),
        ]);
        let hint = guidance(&s, false).unwrap();
        assert!(
            hint.starts_with("30 of 33 findings come from rate-interval (30)"),
            "{hint}"
        );
        assert!(
            hint.contains("rules: {rate-interval: {enabled: false}}"),
            "{hint}"
        );
        assert!(hint.contains("run `o11ylint init`"), "{hint}");
        // a repository with a policy file is not told to write one
        let hint = guidance(&s, true).unwrap();
        assert!(!hint.contains("o11ylint init"), "{hint}");
        assert!(
            hint.contains("rules: {rate-interval: {enabled: false}}"),
            "{hint}"
        );
        assert!(tally(&s).starts_with("findings by rule:\n     30  OL716 rate-interval "));
    }

    #[test]
    fn dominant_syntax_findings_are_not_called_a_convention() {
        // a VictoriaMetrics repository before `init`: MetricsQL read as PromQL
        let s = tally_of(&[
            ("OL101", "promql-syntax", 10),
            ("OL713", "panel-title", 5),
            ("OL100", "yaml-syntax", 4),
        ]);
        let hint = guidance(&s, false).unwrap();
        assert!(
            hint.starts_with("15 of 19 findings come from promql-syntax (10), panel-title (5): files or expressions your tools may refuse"),
            "{hint}"
        );
        assert!(hint.contains("set `target:` in o11ylint.yaml"), "{hint}");
        assert!(!hint.contains("enabled: false"), "{hint}");
        assert!(hint.contains("run `o11ylint init`"), "{hint}");
    }

    #[test]
    fn a_run_that_linted_nothing_says_where_to_look() {
        let s = Summary {
            files_skipped: 8,
            ..Default::default()
        };
        let mut out = Vec::new();
        write_all(&mut out, &[], &s, false, false).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.ends_with("0 files checked: 0 errors, 0 warnings, 0 infos\nno file was linted (8 skipped); `o11ylint check -v` says why for each\n"),
            "{text}"
        );
        let s = Summary {
            files_checked: 1,
            files_skipped: 8,
            ..Default::default()
        };
        let mut out = Vec::new();
        write_all(&mut out, &[], &s, false, false).unwrap();
        assert!(!String::from_utf8(out)
            .unwrap()
            .contains("no file was linted"));
    }

    #[test]
    fn spread_or_few_findings_get_no_last_line() {
        let spread: Vec<(&'static str, &'static str, usize)> = vec![
            ("OL701", "a", 3),
            ("OL702", "b", 3),
            ("OL703", "c", 3),
            ("OL704", "d", 3),
            ("OL705", "e", 3),
        ];
        assert_eq!(guidance(&tally_of(&spread), false), None);
        assert_eq!(
            guidance(&tally_of(&[("OL716", "rate-interval", 9)]), false),
            None
        );
        assert_eq!(tally(&Summary::default()), "");
    }
}
