//! `--format concise`: one line per finding,
//! `path:line:col: severity[CODE name] message`, the shape editors' problem
//! matchers and `grep` expect. Suppressed findings are left out.

use std::io::Write;

use crate::diag::Diagnostic;

pub fn write_all(out: &mut dyn Write, diags: &[Diagnostic]) -> std::io::Result<()> {
    for d in diags.iter().filter(|d| d.suppressed.is_none()) {
        writeln!(out, "{}", line(d))?;
    }
    Ok(())
}

/// One finding as one line: the file name and the message are escaped
/// ([`crate::diag::escape::text`]), so the line stays one line and no control
/// character reaches the terminal or a workflow log.
pub fn line(d: &Diagnostic) -> String {
    let p = d.primary.start();
    format!(
        "{}:{}:{}: {}[{} {}] {}",
        crate::diag::escape::text(d.file()),
        p.line,
        p.column,
        d.severity.as_str(),
        d.code,
        d.name,
        crate::diag::escape::text(&d.message.replace(['\r', '\n'], " "))
    )
}
