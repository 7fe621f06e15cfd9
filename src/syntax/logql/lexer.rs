//! Tokenizer for LogQL.
//!
//! The lexer runs over the whole query once and produces a vector of tokens
//! with byte spans. A lexical error does not abort the scan immediately: it is
//! stored as a final [`Tok::Error`] token so that the parser reports whichever
//! problem comes first in the text.

use super::Span;

/// One lexical token.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    /// `[a-zA-Z_:][a-zA-Z0-9_:]*`; keywords are identifiers too and are
    /// recognised by the parser, case-insensitively, where they may appear.
    Ident(String),
    /// A double-quoted or backtick string, already unescaped.
    Str(String),
    /// A number literal (decimal, float with exponent, or `0x` hexadecimal).
    Number(f64),
    /// A duration literal such as `5m`, `1h30m`, `1.5s`, `250ms`; value in seconds.
    Duration(f64),
    /// A byte-size literal such as `20MB`, `1.5KiB`; value in bytes.
    Bytes(f64),
    /// `--strict`, `--keep-empty` or any other `--word` (validated by the parser).
    Flag(String),
    LBrace,
    RBrace,
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    /// `=`
    Eq,
    /// `!=`
    Neq,
    /// `=~`
    Re,
    /// `!~`
    Nre,
    /// `==`
    EqEq,
    /// `>`
    Gt,
    /// `>=`
    Gte,
    /// `<`
    Lt,
    /// `<=`
    Lte,
    /// `|`
    Pipe,
    /// `|=`
    PipeExact,
    /// `|~`
    PipeMatch,
    /// `|>`
    PipePattern,
    /// `!>`
    NotPattern,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    Caret,
    /// A lexical error; always the last token before `Eof`.
    Error(String),
    Eof,
}

impl Tok {
    /// How the token is named in "expected ..." messages.
    pub(crate) fn describe(&self) -> String {
        match self {
            Tok::Ident(s) => format!("'{s}'"),
            Tok::Str(_) => "a string".to_string(),
            Tok::Number(_) => "a number".to_string(),
            Tok::Duration(_) => "a duration".to_string(),
            Tok::Bytes(_) => "a byte size".to_string(),
            Tok::Flag(f) => format!("'{f}'"),
            Tok::Error(_) => "an invalid token".to_string(),
            Tok::Eof => "end of query".to_string(),
            other => format!("'{}'", other.punct()),
        }
    }

    /// Source text of punctuation and operator tokens.
    pub(crate) fn punct(&self) -> &'static str {
        match self {
            Tok::LBrace => "{",
            Tok::RBrace => "}",
            Tok::LParen => "(",
            Tok::RParen => ")",
            Tok::LBracket => "[",
            Tok::RBracket => "]",
            Tok::Comma => ",",
            Tok::Eq => "=",
            Tok::Neq => "!=",
            Tok::Re => "=~",
            Tok::Nre => "!~",
            Tok::EqEq => "==",
            Tok::Gt => ">",
            Tok::Gte => ">=",
            Tok::Lt => "<",
            Tok::Lte => "<=",
            Tok::Pipe => "|",
            Tok::PipeExact => "|=",
            Tok::PipeMatch => "|~",
            Tok::PipePattern => "|>",
            Tok::NotPattern => "!>",
            Tok::Plus => "+",
            Tok::Minus => "-",
            Tok::Star => "*",
            Tok::Slash => "/",
            Tok::Percent => "%",
            Tok::Caret => "^",
            _ => "",
        }
    }
}

/// A token and the byte range it covers.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub tok: Tok,
    pub span: Span,
}

/// Splits `src` into tokens. The result always ends with an `Eof` token.
pub(crate) fn tokenize(src: &str) -> Vec<Token> {
    let mut lx = Lexer {
        src,
        bytes: src.as_bytes(),
        pos: 0,
        out: Vec::new(),
    };
    lx.run();
    let end = src.len();
    lx.out.push(Token {
        tok: Tok::Eof,
        span: end..end,
    });
    lx.out
}

struct Lexer<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
    out: Vec<Token>,
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b == b':'
}

fn is_ident_continue(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b':'
}

impl Lexer<'_> {
    fn peek_at(&self, i: usize) -> Option<u8> {
        self.bytes.get(i).copied()
    }

    fn push(&mut self, tok: Tok, start: usize, end: usize) {
        self.out.push(Token {
            tok,
            span: start..end,
        });
    }

    fn run(&mut self) {
        while let Some(b) = self.peek_at(self.pos) {
            let start = self.pos;
            match b {
                b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c => self.pos += 1,
                b'#' => {
                    while let Some(c) = self.peek_at(self.pos) {
                        if c == b'\n' {
                            break;
                        }
                        self.pos += 1;
                    }
                }
                b'"' => {
                    if !self.double_quoted() {
                        return;
                    }
                }
                b'`' => {
                    if !self.backtick() {
                        return;
                    }
                }
                b'0'..=b'9' => {
                    if !self.number() {
                        return;
                    }
                }
                b'.' if self.peek_at(start + 1).is_some_and(|c| c.is_ascii_digit()) => {
                    if !self.number() {
                        return;
                    }
                }
                _ if is_ident_start(b) => {
                    let mut end = start + 1;
                    while self.peek_at(end).is_some_and(is_ident_continue) {
                        end += 1;
                    }
                    let text = self.src.get(start..end).unwrap_or_default().to_string();
                    self.pos = end;
                    self.push(Tok::Ident(text), start, end);
                }
                _ => {
                    if !self.operator() {
                        return;
                    }
                }
            }
        }
    }

    fn error(&mut self, message: String, start: usize, end: usize) -> bool {
        self.push(Tok::Error(message), start, end);
        false
    }

    /// Operators and punctuation. Returns false after pushing an error token.
    fn operator(&mut self) -> bool {
        let start = self.pos;
        let b = self.peek_at(start).unwrap_or(0);
        let next = self.peek_at(start + 1);
        let (tok, len) = match (b, next) {
            (b'{', _) => (Tok::LBrace, 1),
            (b'}', _) => (Tok::RBrace, 1),
            (b'(', _) => (Tok::LParen, 1),
            (b')', _) => (Tok::RParen, 1),
            (b'[', _) => (Tok::LBracket, 1),
            (b']', _) => (Tok::RBracket, 1),
            (b',', _) => (Tok::Comma, 1),
            (b'=', Some(b'~')) => (Tok::Re, 2),
            (b'=', Some(b'=')) => (Tok::EqEq, 2),
            (b'=', _) => (Tok::Eq, 1),
            (b'!', Some(b'=')) => (Tok::Neq, 2),
            (b'!', Some(b'~')) => (Tok::Nre, 2),
            (b'!', Some(b'>')) => (Tok::NotPattern, 2),
            (b'>', Some(b'=')) => (Tok::Gte, 2),
            (b'>', _) => (Tok::Gt, 1),
            (b'<', Some(b'=')) => (Tok::Lte, 2),
            (b'<', _) => (Tok::Lt, 1),
            (b'|', Some(b'=')) => (Tok::PipeExact, 2),
            (b'|', Some(b'~')) => (Tok::PipeMatch, 2),
            (b'|', Some(b'>')) => (Tok::PipePattern, 2),
            (b'|', _) => (Tok::Pipe, 1),
            (b'+', _) => (Tok::Plus, 1),
            (b'-', Some(b'-'))
                if self
                    .peek_at(start + 2)
                    .is_some_and(|c| c.is_ascii_alphabetic()) =>
            {
                let mut end = start + 2;
                while self
                    .peek_at(end)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
                {
                    end += 1;
                }
                let text = self.src.get(start..end).unwrap_or_default().to_string();
                self.pos = end;
                self.push(Tok::Flag(text), start, end);
                return true;
            }
            (b'-', _) => (Tok::Minus, 1),
            (b'*', _) => (Tok::Star, 1),
            (b'/', _) => (Tok::Slash, 1),
            (b'%', _) => (Tok::Percent, 1),
            (b'^', _) => (Tok::Caret, 1),
            _ => {
                let ch = self
                    .src
                    .get(start..)
                    .and_then(|s| s.chars().next())
                    .unwrap_or('?');
                let end = start + ch.len_utf8();
                let msg = if ch == '\'' {
                    "single-quoted strings are not allowed in LogQL; use \"...\" or `...`"
                        .to_string()
                } else {
                    format!("unexpected character {ch:?}")
                };
                return self.error(msg, start, end);
            }
        };
        self.pos = start + len;
        self.push(tok, start, start + len);
        true
    }

    /// A Go-style interpreted string. Returns false after pushing an error token.
    fn double_quoted(&mut self) -> bool {
        let start = self.pos;
        let mut i = start + 1;
        let mut value: Vec<u8> = Vec::new();
        loop {
            let Some(b) = self.peek_at(i) else {
                return self.error("unterminated string".to_string(), start, i);
            };
            match b {
                b'"' => {
                    i += 1;
                    break;
                }
                b'\n' => {
                    return self.error("unterminated string (newline in string)".into(), start, i);
                }
                b'\\' => {
                    let esc_start = i;
                    let Some(e) = self.peek_at(i + 1) else {
                        return self.error("unterminated string".to_string(), start, i + 1);
                    };
                    i += 2;
                    match e {
                        b'a' => value.push(0x07),
                        b'b' => value.push(0x08),
                        b'f' => value.push(0x0c),
                        b'n' => value.push(b'\n'),
                        b'r' => value.push(b'\r'),
                        b't' => value.push(b'\t'),
                        b'v' => value.push(0x0b),
                        b'\\' => value.push(b'\\'),
                        b'"' => value.push(b'"'),
                        b'x' | b'u' | b'U' => {
                            let n = match e {
                                b'x' => 2,
                                b'u' => 4,
                                _ => 8,
                            };
                            let digits = self.src.get(i..i + n).unwrap_or("");
                            let ok =
                                digits.len() == n && digits.bytes().all(|c| c.is_ascii_hexdigit());
                            let code = if ok {
                                u32::from_str_radix(digits, 16).ok()
                            } else {
                                None
                            };
                            let Some(code) = code else {
                                return self.error(
                                    "invalid escape sequence in string".to_string(),
                                    esc_start,
                                    (i + n).min(self.bytes.len()).max(esc_start + 2),
                                );
                            };
                            if e == b'x' {
                                value.push(code as u8);
                            } else if let Some(c) = char::from_u32(code) {
                                let mut buf = [0u8; 4];
                                value.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                            } else {
                                return self.error(
                                    "invalid Unicode code point in escape sequence".to_string(),
                                    esc_start,
                                    i + n,
                                );
                            }
                            i += n;
                        }
                        b'0'..=b'7' => {
                            let digits = self.src.get(i - 1..i + 2).unwrap_or("");
                            let code = if digits.len() == 3
                                && digits.bytes().all(|c| (b'0'..=b'7').contains(&c))
                            {
                                u32::from_str_radix(digits, 8).ok().filter(|&c| c <= 255)
                            } else {
                                None
                            };
                            let Some(code) = code else {
                                return self.error(
                                    "invalid octal escape sequence in string".to_string(),
                                    esc_start,
                                    i,
                                );
                            };
                            value.push(code as u8);
                            i += 2;
                        }
                        _ => {
                            let ch_len = self
                                .src
                                .get(i - 1..)
                                .and_then(|s| s.chars().next())
                                .map_or(1, char::len_utf8);
                            return self.error(
                                "invalid escape sequence in string (write \\\\ for a backslash, or use a `backtick` string)"
                                    .to_string(),
                                esc_start,
                                i - 1 + ch_len,
                            );
                        }
                    }
                }
                _ => {
                    value.push(b);
                    i += 1;
                }
            }
        }
        self.pos = i;
        let text = String::from_utf8(value)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        self.push(Tok::Str(text), start, i);
        true
    }

    /// A raw backtick string. Returns false after pushing an error token.
    fn backtick(&mut self) -> bool {
        let start = self.pos;
        let rest = self.src.get(start + 1..).unwrap_or("");
        match rest.find('`') {
            Some(off) => {
                let end = start + 1 + off + 1;
                let value: String = rest
                    .get(..off)
                    .unwrap_or("")
                    .chars()
                    .filter(|&c| c != '\r')
                    .collect();
                self.pos = end;
                self.push(Tok::Str(value), start, end);
                true
            }
            None => self.error(
                "unterminated raw string".to_string(),
                start,
                self.bytes.len(),
            ),
        }
    }

    /// A number, duration or byte size. Returns false after pushing an error token.
    fn number(&mut self) -> bool {
        let start = self.pos;
        // The maximal run of characters that could belong to a literal with a unit.
        let mut run_end = start;
        while let Some(c) = self.src.get(run_end..).and_then(|s| s.chars().next()) {
            if c.is_ascii_alphanumeric() || c == '.' || c == '_' || c == 'µ' {
                run_end += c.len_utf8();
            } else {
                break;
            }
        }
        let run = self.src.get(start..run_end).unwrap_or("");
        if let Some(secs) = parse_duration(run) {
            self.pos = run_end;
            self.push(Tok::Duration(secs), start, run_end);
            return true;
        }
        if let Some(bytes) = parse_bytes(run) {
            self.pos = run_end;
            self.push(Tok::Bytes(bytes), start, run_end);
            return true;
        }
        let num_end = self.scan_number(start);
        if num_end > start && num_end >= run_end {
            let text = self.src.get(start..num_end).unwrap_or("");
            if let Some(v) = parse_number(text) {
                self.pos = num_end;
                self.push(Tok::Number(v), start, num_end);
                return true;
            }
        }
        let end = run_end.max(num_end).max(start + 1);
        let text = self.src.get(start..end).unwrap_or("");
        self.error(
            format!("invalid number, duration or byte size '{text}'"),
            start,
            end,
        )
    }

    /// End of the longest number literal starting at `start`.
    fn scan_number(&self, start: usize) -> usize {
        let b = |i: usize| self.peek_at(i).unwrap_or(0);
        let mut i = start;
        if b(i) == b'0' && (b(i + 1) == b'x' || b(i + 1) == b'X') && b(i + 2).is_ascii_hexdigit() {
            i += 2;
            while b(i).is_ascii_hexdigit() {
                i += 1;
            }
            return i;
        }
        while b(i).is_ascii_digit() {
            i += 1;
        }
        if b(i) == b'.' {
            i += 1;
            while b(i).is_ascii_digit() {
                i += 1;
            }
        }
        if b(i) == b'e' || b(i) == b'E' {
            let mut j = i + 1;
            if b(j) == b'+' || b(j) == b'-' {
                j += 1;
            }
            if b(j).is_ascii_digit() {
                while b(j).is_ascii_digit() {
                    j += 1;
                }
                i = j;
            }
        }
        i
    }
}

/// Parses a number literal as the lexer scanned it.
fn parse_number(text: &str) -> Option<f64> {
    if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        return u64::from_str_radix(hex, 16).ok().map(|v| v as f64);
    }
    text.parse::<f64>().ok()
}

/// Units of a duration, in the only order they may appear, with their length
/// in seconds and whether a fraction is allowed before them.
const DURATION_UNITS: &[(&str, f64, bool)] = &[
    ("y", 365.0 * 86400.0, false),
    ("w", 7.0 * 86400.0, false),
    ("d", 86400.0, false),
    ("h", 3600.0, true),
    ("m", 60.0, true),
    ("s", 1.0, true),
    ("ms", 1e-3, true),
    ("us", 1e-6, true),
    ("µs", 1e-6, true),
    ("ns", 1e-9, true),
];

/// Parses an unsigned duration such as `1h30m`, `1.5s`, `250ms`, `2d`.
///
/// Units go from largest to smallest, each at most once (`y w d h m s ms us|µs ns`);
/// `y`, `w` and `d` take whole numbers, the others may have a fraction.
/// Returns the length in seconds.
pub(crate) fn parse_duration(text: &str) -> Option<f64> {
    let mut rest = text;
    let mut total = 0.0f64;
    // Index in DURATION_UNITS after which the next unit must come.
    let mut next_unit = 0usize;
    let mut any = false;
    while !rest.is_empty() {
        let num_len = rest
            .bytes()
            .take_while(|c| c.is_ascii_digit() || *c == b'.')
            .count();
        let num = rest.get(..num_len)?;
        if num.is_empty()
            || num.starts_with('.')
            || num.ends_with('.')
            || num.matches('.').count() > 1
        {
            return None;
        }
        rest = rest.get(num_len..)?;
        let unit_len = rest
            .char_indices()
            .find(|(_, c)| !(c.is_ascii_alphabetic() || *c == 'µ'))
            .map_or(rest.len(), |(i, _)| i);
        let unit = rest.get(..unit_len)?;
        rest = rest.get(unit_len..)?;
        let idx = DURATION_UNITS.iter().position(|(u, _, _)| *u == unit)?;
        // `us` and `µs` are the same slot.
        let slot = if idx >= 8 { idx - 1 } else { idx };
        if slot < next_unit {
            return None;
        }
        let (_, secs, frac_ok) = DURATION_UNITS.get(idx)?;
        if !frac_ok && num.contains('.') {
            return None;
        }
        let value: f64 = num.parse().ok()?;
        total += value * secs;
        next_unit = slot + 1;
        any = true;
    }
    if any && total.is_finite() {
        Some(total)
    } else {
        None
    }
}

/// Byte-size units accepted by Loki's lexer.
const BYTE_UNITS: &[(&str, f64)] = &[
    ("B", 1.0),
    ("kB", 1e3),
    ("KB", 1e3),
    ("MB", 1e6),
    ("GB", 1e9),
    ("TB", 1e12),
    ("PB", 1e15),
    ("KiB", 1024.0),
    ("MiB", 1_048_576.0),
    ("GiB", 1_073_741_824.0),
    ("TiB", 1_099_511_627_776.0),
    ("PiB", 1_125_899_906_842_624.0),
];

/// Parses a byte size such as `20MB` or `1.5KiB`; returns the number of bytes.
pub(crate) fn parse_bytes(text: &str) -> Option<f64> {
    let num_len = text
        .bytes()
        .take_while(|c| c.is_ascii_digit() || *c == b'.')
        .count();
    let num = text.get(..num_len)?;
    let unit = text.get(num_len..)?;
    if num.is_empty() || num.starts_with('.') || num.ends_with('.') || num.matches('.').count() > 1
    {
        return None;
    }
    let (_, mult) = BYTE_UNITS.iter().find(|(u, _)| *u == unit)?;
    let v: f64 = num.parse().ok()?;
    Some(v * mult)
}
