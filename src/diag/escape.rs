//! The one escaping function for user-controlled text in human-facing
//! output (the human view, `--format concise`, `--verbose` notes, `--fix`,
//! `generate` and `validate-queries` text).
//!
//! File names, alert names, label values, backend error messages: anything a
//! pull request or a backend controls may hold control characters. Printed
//! raw, a newline followed by `::error ...` is a GitHub workflow command (the
//! runner reads commands from stdout and stderr), and ESC/OSC sequences
//! retitle or clear a terminal. [`text`] shows every control character
//! visibly (`\n`, `\r`, `\u{1b}`, ...), so escaped text is always one line
//! and carries no escape sequence. [`lines`] is for o11ylint's own
//! multi-line text (a help with a diff): each line is escaped, and a line
//! that would start with `::` after leading blanks is prefixed with `\`, so
//! it is never a workflow command.

use std::borrow::Cow;
use std::path::Path;

/// Whether `c` must not reach a terminal or a workflow log raw: C0 (except
/// tab), DEL, C1, and the Unicode line and paragraph separators and
/// bidirectional controls (which reorder what a reviewer sees).
pub fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\t')
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

/// User-controlled text as one safe line: every unsafe character is shown
/// as a Rust-style escape (`\n`, `\r`, `\u{1b}`).
pub fn text(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_unsafe(c) {
            match c {
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                c => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// At most `max` characters of `s` for a message, escaped like [`text`];
/// a longer text ends with "… (N characters)".
pub fn excerpt(s: &str, max: usize) -> String {
    let n = s.chars().count();
    if n <= max {
        return text(s).into_owned();
    }
    let head: String = s.chars().take(max).collect();
    format!("{}… ({n} characters)", text(&head))
}

/// A path, escaped like [`text`] (non-UTF-8 bytes are shown as U+FFFD).
pub fn path(p: &Path) -> String {
    text(&p.to_string_lossy()).into_owned()
}

/// Multi-line text whose line breaks are o11ylint's own: each line escaped
/// like [`text`], and no line can start a GitHub workflow command.
pub fn lines(s: &str) -> Cow<'_, str> {
    let safe_line = |l: &str| !l.chars().any(is_unsafe) && !l.trim_start().starts_with("::");
    if s.split('\n').all(safe_line) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for (i, l) in s.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let e = text(l);
        if e.trim_start().starts_with("::") {
            out.push('\\');
        }
        out.push_str(&e);
    }
    Cow::Owned(out)
}

/// The same length in bytes as `s`, with every unsafe character replaced by
/// `?` per byte: for source snippets, whose offsets must not move.
pub fn same_length(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| is_unsafe(c) && c != '\n' && c != '\r') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if is_unsafe(c) && c != '\n' && c != '\r' {
            for _ in 0..c.len_utf8() {
                out.push('?');
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_visible_and_one_line() {
        assert_eq!(text("plain `x`"), "plain `x`");
        assert_eq!(
            text("Evil\n::error file=a::X\u{1b}]0;pwned\u{7}"),
            "Evil\\n::error file=a::X\\u{1b}]0;pwned\\u{7}"
        );
        assert_eq!(
            text("a\r\u{85}\u{2028}\u{202e}b\tc"),
            "a\\r\\u{85}\\u{2028}\\u{202e}b\tc"
        );
    }

    #[test]
    fn lines_never_start_a_workflow_command() {
        assert_eq!(lines("help\n- a\n+ b"), "help\n- a\n+ b");
        assert_eq!(lines("x\n  ::add-mask::y\n"), "x\n\\  ::add-mask::y\n");
        assert_eq!(lines("\u{1b}[2J"), "\\u{1b}[2J");
    }

    #[test]
    fn same_length_keeps_offsets() {
        let s = "a\u{1b}b\u{85}c\nd";
        assert_eq!(same_length(s).len(), s.len());
        assert_eq!(same_length(s), "a?b??c\nd");
    }
}
