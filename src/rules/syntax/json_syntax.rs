//! Dashboard JSON that does not parse (emitted by the engine while loading).

use crate::diag::Diagnostic;
use crate::policy::Policy;
use crate::source::FileRef;
use crate::syntax::json::JsonError;

crate::declare_rule! {
    pub struct JsonSyntax {
        code: "OL105",
        name: "json-syntax",
        family: Syntax,
        severity: Error,
        fix: None,
        summary: "Dashboard JSON that does not parse",
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
