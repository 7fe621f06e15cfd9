//! `--format checkstyle`: Checkstyle XML, read by Jenkins' warnings plugin,
//! reviewdog, SonarQube and many CI dashboards. One `<file>` element per
//! file, one `<error>` per finding; suppressed findings are left out.

use std::io::Write;

use crate::diag::{Diagnostic, Severity};

/// Escape text for an XML attribute value. Characters XML 1.0 cannot carry
/// (control characters other than tab, newline and carriage return) are
/// replaced by U+FFFD.
pub fn escape_attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "info",
    }
}

pub fn render(diags: &[Diagnostic]) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str("<checkstyle version=\"4.3\">\n");
    let mut current: Option<&str> = None;
    for d in diags.iter().filter(|d| d.suppressed.is_none()) {
        if current != Some(d.file()) {
            if current.is_some() {
                out.push_str("  </file>\n");
            }
            out.push_str(&format!("  <file name=\"{}\">\n", escape_attr(d.file())));
            current = Some(d.file());
        }
        let p = d.primary.start();
        let mut message = d.message.clone();
        if let Some(h) = &d.help {
            message.push_str(" (help: ");
            message.push_str(h);
            message.push(')');
        }
        out.push_str(&format!(
            "    <error line=\"{}\" column=\"{}\" severity=\"{}\" message=\"{}\" source=\"o11ylint.{}.{}\"/>\n",
            p.line,
            p.column,
            severity(d.severity),
            escape_attr(&message),
            escape_attr(d.code),
            escape_attr(d.name),
        ));
    }
    if current.is_some() {
        out.push_str("  </file>\n");
    }
    out.push_str("</checkstyle>\n");
    out
}

pub fn write_all(out: &mut dyn Write, diags: &[Diagnostic]) -> std::io::Result<()> {
    out.write_all(render(diags).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_are_escaped() {
        assert_eq!(
            escape_attr("a<b>&\"c'\n\u{1}"),
            "a&lt;b&gt;&amp;&quot;c&apos;&#10;\u{FFFD}"
        );
    }
}
