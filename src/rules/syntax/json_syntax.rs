//! Dashboard JSON that does not parse (emitted by the engine while loading).

use crate::diag::Diagnostic;
use crate::policy::Policy;
use crate::source::FileRef;
use crate::syntax::json::{Duplicate, JsonError};

crate::declare_rule! {
    pub struct JsonSyntax {
        code: "OL105",
        name: "json-syntax",
        family: Syntax,
        severity: Error,
        fix: None,
        summary: "Dashboard JSON that does not parse, or repeats a key in one object",
        emitted_by: Engine,
    }
}

/// The diagnostic for a JSON syntax error in `file`, when the rule is on.
pub fn diagnostic(e: &JsonError, file: &FileRef, rel: &str, policy: &Policy) -> Option<Diagnostic> {
    let mut d = crate::rules::finding(
        policy,
        &META,
        rel,
        file,
        e.span.clone(),
        format!("invalid JSON: {}", e.message),
    )?;
    d.label("here").help(
        "Grafana refuses to import or provision this file; fix the JSON at the marked position \
         (`python3 -m json.tool FILE` confirms the fix)",
    );
    Some(d)
}

/// The warning for a key repeated in one object of a dashboard: Grafana
/// keeps the last value, so what a reviewer reads first is not what runs
/// (and o11ylint, like Grafana, checks the last one only).
pub fn duplicate(
    dup: &Duplicate,
    file: &FileRef,
    rel: &str,
    policy: &Policy,
) -> Option<Diagnostic> {
    let first = file.position(dup.first.start);
    let mut d = crate::rules::finding(
        policy,
        &META,
        rel,
        file,
        dup.span.clone(),
        format!(
            "duplicate key \"{}\" (first at line {}): Grafana keeps this last value and ignores the first",
            crate::diag::escape::text(&dup.key),
            first.line
        ),
    )?;
    d.severity = d.severity.min(crate::diag::Severity::Warning);
    d.label("duplicate")
        .help("remove one of the two; only the last one is used");
    Some(d)
}
