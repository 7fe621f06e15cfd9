//! `--format github`: GitHub Actions workflow commands, which the runner turns
//! into annotations on the pull request:
//! `::error file=F,line=L,col=C,endLine=L,endColumn=C,title=CODE name::message`.
//! Suppressed findings are left out.

use std::io::Write;

use crate::diag::{Diagnostic, Severity};

pub fn write_all(out: &mut dyn Write, diags: &[Diagnostic]) -> std::io::Result<()> {
    for d in diags.iter().filter(|d| d.suppressed.is_none()) {
        writeln!(out, "{}", command(d))?;
    }
    Ok(())
}

/// The workflow command for one finding.
pub fn command(d: &Diagnostic) -> String {
    let (s, e) = (d.primary.start(), d.primary.end());
    let level = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    };
    let mut msg = d.message.clone();
    if let Some(h) = &d.help {
        msg.push_str("\nhelp: ");
        msg.push_str(h);
    }
    format!(
        "::{level} file={},line={},col={},endLine={},endColumn={},title={}::{}",
        escape_property(d.file()),
        s.line,
        s.column,
        e.line,
        e.column,
        escape_property(&format!("{} {}", d.code, d.name)),
        escape_data(&msg)
    )
}

/// Escaping of a command's message (`%`, CR and LF as the toolkit does);
/// other control characters (ESC, ...) are shown visibly as `\u{1b}`, so no
/// escape sequence reaches a log viewer.
pub fn escape_data(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c if crate::diag::escape::is_unsafe(c) => {
                out.push_str(&format!("\\u{{{:x}}}", c as u32))
            }
            c => out.push(c),
        }
    }
    out
}

/// Escaping of a command's property values (also `:` and `,`).
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_separators_in_properties_only() {
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
        assert_eq!(escape_data("a:b,c%\r\n"), "a:b,c%25%0D%0A");
    }
}
