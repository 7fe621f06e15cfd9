//! Go RE2 regular expressions (Prometheus and Loki matchers, relabel rules)
//! judged with Rust's `regex`.
//!
//! The two dialects differ where it matters for a linter: Go accepts
//! `\Q…\E` quoting, its `\w`, `\d`, `\s` and `\b` are ASCII (Rust's are
//! Unicode, so `\w{300}` is past Rust's default size limit), and Go refuses
//! repeat counts over 1000, which Rust accepts. [`translate`] rewrites a Go
//! pattern into the Rust pattern with the same meaning, refusing what Go
//! refuses; [`compile_anchored`] compiles it the way Prometheus does
//! (anchored, `.` matching newlines) within an explicit budget. A pattern
//! over the budget is [`Re2Error::Budget`]: callers must judge it
//! conservatively ("may match anything"), never as "matches nothing".

use regex::Regex;

/// Longest pattern compiled ([`Re2Error::Budget`] past it). Real matchers
/// are a few hundred bytes; a 200,000-way alternation is 1.5 MB.
pub const MAX_REGEX_BYTES: usize = 64 * 1024;

/// Size limit of one compiled regular expression (Rust's default is 10 MiB;
/// Go has no comparable limit below 128 MB of program).
pub const MAX_REGEX_PROGRAM_BYTES: usize = 32 * 1024 * 1024;

/// Go's largest repeat count (`{1001}` is "invalid repeat count").
pub const MAX_REPEAT: u32 = 1000;

/// Why a pattern was not compiled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Re2Error {
    /// Go RE2 rejects it too: the query is invalid.
    Syntax(String),
    /// Valid as far as we know, but over o11ylint's budget: not analysed.
    Budget(String),
}

impl Re2Error {
    pub fn message(&self) -> &str {
        match self {
            Re2Error::Syntax(m) | Re2Error::Budget(m) => m,
        }
    }
}

/// A pattern shortened for messages (the first 60 characters).
pub fn shorten(pattern: &str) -> String {
    let mut out: String = pattern.chars().take(60).collect();
    if out.len() < pattern.len() {
        out.push('…');
    }
    out
}

/// Rewrite a Go RE2 pattern into the Rust pattern with the same meaning.
pub fn translate(pattern: &str) -> Result<String, Re2Error> {
    if pattern.len() > MAX_REGEX_BYTES {
        return Err(budget_len(pattern));
    }
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut chars = pattern.char_indices().peekable();
    // depth of `[...]` classes (Rust allows nested classes; Go does not,
    // but `[[:alpha:]]` opens one level in both)
    let mut in_class = 0usize;
    // 0: no repetition just before; 1: a repetition; 2: a lazy one (`*?`).
    // Go refuses a repetition of a repetition (`a**`), Rust accepts it.
    let mut rep = 0u8;
    while let Some((i, c)) = chars.next() {
        if in_class == 0 {
            let is_rep =
                matches!(c, '*' | '+') || (c == '{' && repeat_max(&pattern[i + 1..]).is_some());
            let prev = rep;
            rep = 0;
            if is_rep || c == '?' {
                if c == '?' && prev == 1 {
                    rep = 2;
                } else if prev != 0 {
                    return Err(Re2Error::Syntax(format!(
                        "invalid nested repetition operator at byte {i}"
                    )));
                } else {
                    rep = 1;
                }
            }
        }
        match c {
            '\\' => {
                let Some((_, e)) = chars.next() else {
                    return Err(Re2Error::Syntax(
                        "trailing backslash at end of expression".into(),
                    ));
                };
                match e {
                    'Q' => {
                        // literal text up to `\E` (or the end)
                        let rest = &pattern[i + 2..];
                        let (lit, skip) = match rest.find("\\E") {
                            Some(j) => (&rest[..j], j + 2),
                            None => (rest, rest.len()),
                        };
                        for ch in lit.chars() {
                            if in_class > 0 {
                                if ch.is_ascii_punctuation() || ch == ' ' {
                                    out.push('\\');
                                }
                                out.push(ch);
                            } else {
                                out.push_str(&regex::escape(ch.encode_utf8(&mut [0; 4])));
                            }
                        }
                        let end = i + 2 + skip;
                        while chars.peek().is_some_and(|&(k, _)| k < end) {
                            chars.next();
                        }
                    }
                    'E' => {} // a stray `\E` is ignored by Go
                    'w' if in_class > 0 => out.push_str("0-9A-Za-z_"),
                    'd' if in_class > 0 => out.push_str("0-9"),
                    's' if in_class > 0 => out.push_str("\\t\\n\\x0C\\r "),
                    'W' if in_class > 0 => out.push_str("[^0-9A-Za-z_]"),
                    'D' if in_class > 0 => out.push_str("[^0-9]"),
                    'S' if in_class > 0 => out.push_str("[^\\t\\n\\x0C\\r ]"),
                    'w' => out.push_str("[0-9A-Za-z_]"),
                    'd' => out.push_str("[0-9]"),
                    's' => out.push_str("[\\t\\n\\x0C\\r ]"),
                    'W' => out.push_str("[^0-9A-Za-z_]"),
                    'D' => out.push_str("[^0-9]"),
                    'S' => out.push_str("[^\\t\\n\\x0C\\r ]"),
                    'b' if in_class == 0 => out.push_str("(?-u:\\b)"),
                    'B' if in_class == 0 => out.push_str("(?-u:\\B)"),
                    'C' => return Err(Re2Error::Syntax("invalid escape sequence: `\\C`".into())),
                    e => {
                        out.push('\\');
                        out.push(e);
                    }
                }
            }
            '[' => {
                in_class += 1;
                out.push('[');
                // `[]a]` and `[^]a]`: a leading `]` is literal
                if chars.peek().is_some_and(|&(_, n)| n == '^') {
                    chars.next();
                    out.push('^');
                }
                if chars.peek().is_some_and(|&(_, n)| n == ']') {
                    chars.next();
                    out.push_str("\\]");
                }
            }
            ']' if in_class > 0 => {
                in_class -= 1;
                out.push(']');
            }
            '{' if in_class == 0 => match repeat_max(&pattern[i + 1..]) {
                Some(n) if n > MAX_REPEAT => {
                    return Err(Re2Error::Syntax(format!(
                        "invalid repeat count: {n} is over Go's limit of {MAX_REPEAT}"
                    )));
                }
                Some(_) => out.push('{'),
                // Go takes a `{` that starts no repetition literally
                None => out.push_str("\\{"),
            },
            c => out.push(c),
        }
    }
    Ok(out)
}

/// The largest number of a repetition `{n}`, `{n,}` or `{n,m}` starting
/// right after the `{`, if it is one.
fn repeat_max(rest: &str) -> Option<u32> {
    let end = rest.find('}')?;
    let body = &rest[..end];
    if body.is_empty() || !body.chars().all(|c| c.is_ascii_digit() || c == ',') {
        return None;
    }
    let mut parts = body.splitn(2, ',');
    let a = parts.next()?;
    if a.is_empty() {
        return None;
    }
    let big = |s: &str| s.parse::<u64>().unwrap_or(u64::MAX).min(u32::MAX as u64) as u32;
    let mut n = big(a);
    if let Some(b) = parts.next() {
        if !b.is_empty() {
            n = n.max(big(b));
        }
    }
    Some(n)
}

fn budget_len(pattern: &str) -> Re2Error {
    Re2Error::Budget(format!(
        "regular expression of {} bytes is over the {} KiB budget; not analysed",
        pattern.len(),
        MAX_REGEX_BYTES / 1024
    ))
}

/// Compile a Go pattern as Prometheus and Loki match label values:
/// anchored at both ends, `.` matching newlines.
pub fn compile_anchored(pattern: &str) -> Result<Regex, Re2Error> {
    let rust = translate(pattern)?;
    regex::RegexBuilder::new(&format!("^(?s:{rust})$"))
        .size_limit(MAX_REGEX_PROGRAM_BYTES)
        .nest_limit(1000)
        .build()
        .map_err(|e| match e {
            regex::Error::CompiledTooBig(_) => Re2Error::Budget(format!(
                "regular expression compiles past the {} MiB budget; not analysed",
                MAX_REGEX_PROGRAM_BYTES >> 20
            )),
            regex::Error::Syntax(s) => Re2Error::Syntax(syntax_reason(&s)),
            other => Re2Error::Syntax(other.to_string()),
        })
}

/// The last line of the regex crate's message (the reason, without the
/// pattern echoed above it).
fn syntax_reason(s: &str) -> String {
    s.lines()
        .rev()
        .find(|l| l.trim_start().starts_with("error:"))
        .map(|l| {
            l.trim_start()
                .trim_start_matches("error:")
                .trim()
                .to_string()
        })
        .unwrap_or_else(|| s.lines().last().unwrap_or("").trim().to_string())
}

/// Check a Go pattern without keeping the compiled program.
/// Whether `rust` (a pattern `translate` produced) parses, without
/// compiling it: for callers that compile it next anyway.
pub fn check_syntax(rust: &str) -> Result<(), Re2Error> {
    regex_syntax::ParserBuilder::new()
        .nest_limit(1000)
        .build()
        .parse(&format!("^(?s:{rust})$"))
        .map(|_| ())
        .map_err(|e| Re2Error::Syntax(syntax_reason(&e.to_string())))
}

pub fn check(pattern: &str) -> Result<(), Re2Error> {
    compile_anchored(pattern).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, v: &str) -> bool {
        compile_anchored(p).unwrap().is_match(v)
    }

    #[test]
    fn go_only_syntax_is_translated() {
        assert!(m(r"\Qa.b\E", "a.b"));
        assert!(!m(r"\Qa.b\E", "axb"));
        assert!(m(r"x\Q(*)", "x(*)"));
        assert!(m(r"openbao.+|\Qx\E", "openbao.audit"));
        assert!(m(r"\w{300}", &"a".repeat(300)));
        assert!(!m(r"\w", "é"), "Go's \\w is ASCII");
        assert!(m(r"[\w.-]+", "a.b-c"));
        assert!(m(r"\bab\b", "ab"));
        assert!(m(r"[]a]", "]"));
        assert!(m(r"a{b}", "a{b}"));
        assert!(m(r"a{2}", "aa"));
    }

    #[test]
    fn what_go_rejects_is_a_syntax_error() {
        for p in [r"a{1001}", r"[[[", r"(", r"\", r"a**", r"\C"] {
            assert!(matches!(check(p), Err(Re2Error::Syntax(_))), "{p}");
        }
        assert!(check(r"a{1000}").is_ok());
    }

    #[test]
    fn huge_patterns_are_over_budget_not_invalid() {
        let alt: Vec<String> = (0..200_000).map(|i| format!("v{i}")).collect();
        assert!(matches!(check(&alt.join("|")), Err(Re2Error::Budget(_))));
        assert_eq!(shorten(&"x".repeat(100)).chars().count(), 61);
    }
}
