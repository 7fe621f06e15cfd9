//! The stable JSON report (`--format json`), documented in docs/json-format.md.

use serde::Serialize;

use crate::diag::{Applicability, Diagnostic, Label, Summary};
use crate::source::Position;

pub const FORMAT_VERSION: u32 = 1;

#[derive(Serialize)]
struct Range {
    start: Position,
    end: Position,
}

#[derive(Serialize)]
struct Related<'a> {
    file: &'a str,
    range: Range,
    message: &'a str,
}

#[derive(Serialize)]
struct Fix {
    range: Range,
    replacement: String,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    code: &'a str,
    name: &'a str,
    severity: &'a str,
    message: &'a str,
    help: Option<&'a str>,
    file: &'a str,
    range: Range,
    related: Vec<Related<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fix: Vec<Fix>,
    /// What the fix does, and whether `--fix` applies it (`safe`) or only
    /// `--unsafe-fixes` (`unsafe`).
    #[serde(skip_serializing_if = "Option::is_none")]
    fix_title: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fix_applicability: Option<Applicability>,
    #[serde(skip_serializing_if = "Option::is_none")]
    suppressed: Option<&'a str>,
}

#[derive(Serialize)]
struct Report<'a> {
    version: u32,
    diagnostics: Vec<JsonDiagnostic<'a>>,
    summary: &'a Summary,
}

fn range(l: &Label) -> Range {
    Range {
        start: l.start(),
        end: l.end(),
    }
}

pub fn to_value(diags: &[Diagnostic], summary: &Summary) -> serde_json::Value {
    let diagnostics = diags
        .iter()
        .map(|d| JsonDiagnostic {
            code: d.code,
            name: d.name,
            severity: d.severity.as_str(),
            message: &d.message,
            help: d.help.as_deref(),
            file: d.file(),
            range: range(&d.primary),
            related: d
                .related
                .iter()
                .map(|r| Related {
                    file: &r.file.display,
                    range: range(r),
                    message: &r.message,
                })
                .collect(),
            fix: d
                .edits()
                .iter()
                .map(|e| Fix {
                    range: {
                        let (start, end) = e.positions(&d.primary.file);
                        Range { start, end }
                    },
                    replacement: e.replacement.clone(),
                })
                .collect(),
            fix_title: d.fix.as_ref().map(|f| f.title.as_str()),
            fix_applicability: d.fix.as_ref().map(|f| f.applicability),
            suppressed: d.suppressed.as_deref(),
        })
        .collect();
    serde_json::to_value(Report {
        version: FORMAT_VERSION,
        diagnostics,
        summary,
    })
    .unwrap_or(serde_json::Value::Null)
}

pub fn render(diags: &[Diagnostic], summary: &Summary) -> String {
    let v = to_value(diags, summary);
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
    s.push('\n');
    s
}
