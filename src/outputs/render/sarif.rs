//! `--format sarif`: SARIF 2.1.0 for code-scanning services (GitHub code
//! scanning, and any other SARIF consumer).
//!
//! The run carries the tool (name, version, information URI) and every rule
//! of the registry with its short description (the rule summary), its full
//! description (the first paragraph of its page), its page as help text and
//! a help URI pointing at the page in the repository. Results carry the rule
//! id and index, the level, the message (with the help line), the primary
//! region, related locations, fixes, and, for findings an inline or policy
//! suppression matched, `suppressions: [{kind: "inSource", justification}]`.
//! Suppressed findings are included here (and only here) so that code
//! scanning shows them as dismissed rather than not at all.
//!
//! Columns count Unicode code points, as everywhere in o11ylint's output, and
//! the run says so with `columnKind: unicodeCodePoints`. Paths are relative
//! to `%SRCROOT%`, the repository root.

use std::collections::HashMap;
use std::path::Path;

use serde_json::{json, Map, Value};

use crate::diag::{rule_page_url, Diagnostic, Label, Severity, REPOSITORY_URL};
use crate::rules::{self, RuleMeta};
use crate::source::{FileRef, Position};

pub const SARIF_VERSION: &str = "2.1.0";
pub const SARIF_SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// The base id every artifact location is relative to.
pub const SRCROOT: &str = "%SRCROOT%";

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// The first paragraph of a rule page: the text after the `# title` line up
/// to the first blank line, joined into one line.
pub fn page_summary(doc: &str) -> String {
    let mut lines = doc
        .lines()
        .skip_while(|l| l.trim().is_empty() || l.starts_with('#'));
    let mut out: Vec<&str> = Vec::new();
    for l in lines.by_ref() {
        if l.trim().is_empty() {
            break;
        }
        out.push(l.trim());
    }
    out.join(" ")
}

fn rule_descriptor(m: &RuleMeta) -> Value {
    let full = page_summary(m.doc);
    let url = rule_page_url(m.name);
    json!({
        "id": m.code,
        "name": m.name,
        "shortDescription": {"text": m.summary},
        "fullDescription": {"text": if full.is_empty() { m.summary.to_string() } else { full.clone() }},
        "helpUri": url,
        "help": {
            "text": format!("{} See {url}", if full.is_empty() { m.summary } else { &full }),
            "markdown": m.doc,
        },
        "defaultConfiguration": {"level": level(m.severity)},
        "properties": {"tags": [m.family.as_str()]},
    })
}

/// Percent-encode a repository-relative path for a URI reference (keeps
/// `/` and the unreserved characters).
pub fn encode_path(p: &str) -> String {
    encode_bytes(p.as_bytes())
}

/// [`encode_path`] for raw path bytes.
pub fn encode_bytes(p: &[u8]) -> String {
    let mut out = String::with_capacity(p.len());
    for &b in p {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn artifact_location(file: &FileRef) -> Value {
    let display = file.display.as_str();
    // a name that is not UTF-8: its own bytes, percent-encoded (the display
    // name escapes them as `\xHH`)
    if file.path.to_str().is_none() && !Path::new(display).is_absolute() {
        let raw = crate::source::raw_bytes(display);
        return json!({"uri": encode_bytes(&raw), "uriBaseId": SRCROOT});
    }
    if Path::new(display).is_absolute() {
        // outside the repository root: an absolute file URI
        let p = display.replace('\\', "/");
        let p = if p.starts_with('/') {
            p
        } else {
            format!("/{p}")
        };
        json!({"uri": format!("file://{}", encode_path(&p))})
    } else {
        json!({"uri": encode_path(display), "uriBaseId": SRCROOT})
    }
}

fn region((s, e): (Position, Position)) -> Value {
    json!({
        "startLine": s.line,
        "startColumn": s.column,
        "endLine": e.line,
        "endColumn": e.column,
    })
}

fn location(l: &Label) -> Value {
    json!({
        "physicalLocation": {
            "artifactLocation": artifact_location(&l.file),
            "region": region((l.start(), l.end())),
        }
    })
}

fn result(d: &Diagnostic, index: Option<usize>) -> Value {
    let mut text = d.message.clone();
    if let Some(h) = &d.help {
        text.push_str("\nhelp: ");
        text.push_str(h);
    }
    let mut r = Map::new();
    r.insert("ruleId".into(), json!(d.code));
    if let Some(i) = index {
        r.insert("ruleIndex".into(), json!(i));
    }
    r.insert("level".into(), json!(level(d.severity)));
    r.insert("message".into(), json!({"text": text}));
    let mut primary = location(&d.primary);
    if !d.primary.message.is_empty() {
        if let Some(o) = primary.as_object_mut() {
            o.insert("message".into(), json!({"text": d.primary.message}));
        }
    }
    r.insert("locations".into(), json!([primary]));
    if !d.related.is_empty() {
        let related: Vec<Value> = d
            .related
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let mut v = location(l);
                if let Some(o) = v.as_object_mut() {
                    o.insert("id".into(), json!(i + 1));
                    if !l.message.is_empty() {
                        o.insert("message".into(), json!({"text": l.message}));
                    }
                }
                v
            })
            .collect();
        r.insert("relatedLocations".into(), Value::Array(related));
    }
    if let Some(fix) = &d.fix {
        let file = &d.primary.file;
        let replacements: Vec<Value> = fix
            .edits
            .iter()
            .map(|e| {
                json!({
                    "deletedRegion": region(e.positions(file)),
                    "insertedContent": {"text": e.replacement},
                })
            })
            .collect();
        r.insert(
            "fixes".into(),
            json!([{
                "description": {"text": fix.title},
                "artifactChanges": [{
                    "artifactLocation": artifact_location(file),
                    "replacements": replacements,
                }],
            }]),
        );
    }
    if let Some(reason) = &d.suppressed {
        r.insert(
            "suppressions".into(),
            json!([{"kind": "inSource", "justification": reason}]),
        );
    }
    Value::Object(r)
}

/// The whole SARIF log. `root` is the repository root the paths are
/// relative to (recorded as `%SRCROOT%`).
pub fn to_value(diags: &[Diagnostic], root: &Path) -> Value {
    let registry = rules::registry();
    let index: HashMap<&str, usize> = registry
        .iter()
        .enumerate()
        .map(|(i, r)| (r.meta().code, i))
        .collect();
    let rules: Vec<Value> = registry.iter().map(|r| rule_descriptor(r.meta())).collect();
    let results: Vec<Value> = diags
        .iter()
        .map(|d| result(d, index.get(d.code).copied()))
        .collect();
    let root_uri = {
        let p = root.to_string_lossy().replace('\\', "/");
        let p = if p.starts_with('/') {
            p
        } else {
            format!("/{p}")
        };
        let p = if p.ends_with('/') { p } else { format!("{p}/") };
        format!("file://{}", encode_path(&p))
    };
    json!({
        "$schema": SARIF_SCHEMA_URI,
        "version": SARIF_VERSION,
        "runs": [{
            "tool": {
                "driver": {
                    "name": "o11ylint",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "informationUri": REPOSITORY_URL,
                    "rules": rules,
                }
            },
            "originalUriBaseIds": {SRCROOT: {"uri": root_uri}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
}

pub fn render(diags: &[Diagnostic], root: &Path) -> String {
    let mut s = serde_json::to_string_pretty(&to_value(diags, root)).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_summary_is_the_first_paragraph() {
        let doc = "# x (OL1)\n\nFirst line\nsecond line.\n\n## Why\n\nmore\n";
        assert_eq!(page_summary(doc), "First line second line.");
    }

    #[test]
    fn every_rule_has_a_full_description() {
        for r in rules::registry() {
            let s = page_summary(r.meta().doc);
            assert!(!s.is_empty(), "{}: {s:?}", r.meta().name);
        }
    }

    #[test]
    fn paths_are_percent_encoded() {
        assert_eq!(encode_path("a b/ü.yaml"), "a%20b/%C3%BC.yaml");
    }
}
