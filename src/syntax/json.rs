//! A small JSON parser that keeps the byte span of every value and key.
//!
//! Grafana dashboards are JSON, and every diagnostic must point at the exact
//! value, so the tree keeps file offsets. Strings keep their decoded value;
//! [`Node::str_sub_span`] maps a byte range of the decoded value back to the
//! file through escapes (`\n`, `\"`, `\u00e9`, surrogate pairs).
//!
//! The parser follows RFC 8259 strictly (no comments, no trailing commas),
//! never panics, and refuses nesting deeper than [`MAX_DEPTH`]. Duplicate
//! keys are kept in order; [`Node::get`] returns the last one, as
//! JavaScript's `JSON.parse` (and so Grafana) does.

use crate::source::Span;

/// The deepest nesting of arrays and objects accepted.
pub const MAX_DEPTH: usize = 256;

#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    Null,
    Bool(bool),
    /// The number as written, and its value.
    Number(String, f64),
    Str(String),
    Array(Vec<Node>),
    Object(Vec<Member>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub key: String,
    /// The key literal, quotes included.
    pub key_span: Span,
    pub value: Node,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub kind: Kind,
    /// The whole value; for strings, quotes included.
    pub span: Span,
}

/// A syntax error: `span` is the offending text (empty at the end of input).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    pub message: String,
    pub span: Span,
}

static NULL: Node = Node {
    kind: Kind::Null,
    span: Span { start: 0, end: 0 },
};

impl Node {
    /// The member `key` of an object (the last one when repeated).
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.member(key).map(|m| &m.value)
    }

    /// The member `key` of an object, with its key span.
    pub fn member(&self, key: &str) -> Option<&Member> {
        match &self.kind {
            Kind::Object(ms) => ms.iter().rev().find(|m| m.key == key),
            _ => None,
        }
    }

    /// Follow a path of object keys.
    pub fn path(&self, keys: &[&str]) -> Option<&Node> {
        let mut n = self;
        for k in keys {
            n = n.get(k)?;
        }
        Some(n)
    }

    pub fn get_str(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Node::as_str)
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match &self.kind {
            Kind::Number(_, v) => Some(*v),
            _ => None,
        }
    }

    /// A number that is a whole value within `i64`.
    pub fn as_i64(&self) -> Option<i64> {
        let v = self.as_f64()?;
        (v.fract() == 0.0 && v.abs() < 9.0e15).then_some(v as i64)
    }

    pub fn as_bool(&self) -> Option<bool> {
        match &self.kind {
            Kind::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Node]> {
        match &self.kind {
            Kind::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The elements of an array, or nothing for any other value.
    pub fn items(&self) -> &[Node] {
        self.as_array().unwrap_or(&[])
    }

    pub fn as_object(&self) -> Option<&[Member]> {
        match &self.kind {
            Kind::Object(m) => Some(m),
            _ => None,
        }
    }

    /// The members of an object, or nothing for any other value.
    pub fn members(&self) -> &[Member] {
        self.as_object().unwrap_or(&[])
    }

    pub fn is_null(&self) -> bool {
        matches!(self.kind, Kind::Null)
    }

    /// A shared `null` to fall back on.
    pub fn null() -> &'static Node {
        &NULL
    }

    /// What the value is, for messages.
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            Kind::Null => "null",
            Kind::Bool(_) => "a boolean",
            Kind::Number(..) => "a number",
            Kind::Str(_) => "a string",
            Kind::Array(_) => "an array",
            Kind::Object(_) => "an object",
        }
    }

    /// The span of the text between the quotes of a string value (the whole
    /// span for other values).
    pub fn inner_span(&self) -> Span {
        match self.kind {
            Kind::Str(_) if self.span.end >= self.span.start + 2 => {
                Span::new(self.span.start + 1, self.span.end - 1)
            }
            _ => self.span.clone(),
        }
    }

    /// File span of the bytes `r` of this string's decoded value; `text` is
    /// the file the node was parsed from. Other values give their span.
    pub fn str_sub_span(&self, text: &str, r: std::ops::Range<usize>) -> Span {
        match &self.kind {
            Kind::Str(value) => str_sub_span(text, &self.span, value, r),
            _ => self.span.clone(),
        }
    }
}

/// File span of the bytes `r` of a string's decoded `value`, the string
/// literal being at `span` (quotes included) in `text`.
pub fn str_sub_span(text: &str, span: &Span, value: &str, r: std::ops::Range<usize>) -> Span {
    let map = string_offsets(text, span, value.len());
    sub_span_in(&map, span, value, r)
}

/// [`str_sub_span`] with the string's offset map already computed (see
/// [`string_offsets`]): constant time per lookup.
pub fn sub_span_in(
    map: &[(usize, usize)],
    span: &Span,
    value: &str,
    r: std::ops::Range<usize>,
) -> Span {
    let s = r.start.min(value.len());
    let e = r.end.min(value.len()).max(s);
    let start = map.get(s).map(|p| p.0).unwrap_or(span.start);
    let end = if e > s {
        map.get(e - 1).map(|p| p.1).unwrap_or(start)
    } else {
        start
    };
    Span::new(start, end)
}

/// For each byte of a string's decoded value, the file range of the source
/// text that produced it (an escape maps all its bytes to the whole escape).
/// The entry at `value_len` is the closing quote.
pub fn string_offsets(text: &str, span: &Span, value_len: usize) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::with_capacity(value_len + 1);
    let bytes = text.as_bytes();
    let end = span.end.saturating_sub(1).min(bytes.len());
    let mut i = span.start + 1;
    while i < end {
        let b = bytes[i];
        if b == b'\\' {
            let (len, esc_end) = match bytes.get(i + 1) {
                Some(b'u') => {
                    let cp = hex4(bytes, i + 2);
                    match cp {
                        Some(0xD800..=0xDBFF)
                            if bytes.get(i + 6) == Some(&b'\\')
                                && bytes.get(i + 7) == Some(&b'u')
                                && matches!(hex4(bytes, i + 8), Some(0xDC00..=0xDFFF)) =>
                        {
                            (4, i + 12)
                        }
                        Some(c) => (char::from_u32(c).map(char::len_utf8).unwrap_or(3), i + 6),
                        None => (1, (i + 2).min(end)),
                    }
                }
                Some(_) => (1, i + 2),
                None => (1, i + 1),
            };
            let esc_end = esc_end.min(end);
            for _ in 0..len {
                out.push((i, esc_end));
            }
            i = esc_end.max(i + 1);
        } else {
            let ch_len = text
                .get(i..)
                .and_then(|s| s.chars().next())
                .map(char::len_utf8)
                .unwrap_or(1);
            for k in 0..ch_len {
                out.push((i + k, i + ch_len));
            }
            i += ch_len;
        }
    }
    out.truncate(value_len);
    while out.len() < value_len {
        out.push((end, end));
    }
    out.push((end, end));
    out
}

fn hex4(bytes: &[u8], at: usize) -> Option<u32> {
    let s = bytes.get(at..at + 4)?;
    let s = std::str::from_utf8(s).ok()?;
    if !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(s, 16).ok()
}

/// A key repeated in one object: JSON parsers (and Grafana) keep the last
/// value, so a reader of the file sees one value and Grafana uses another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicate {
    pub key: String,
    /// The repeated key literal (the one that wins).
    pub span: Span,
    /// The first occurrence.
    pub first: Span,
}

/// Parse a whole JSON document.
pub fn parse(text: &str) -> Result<Node, JsonError> {
    parse_with_duplicates(text).map(|(n, _)| n)
}

/// [`parse`], and every key repeated within one object (in file order).
pub fn parse_with_duplicates(text: &str) -> Result<(Node, Vec<Duplicate>), JsonError> {
    let mut p = Parser {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        duplicates: Vec::new(),
    };
    if text.starts_with('\u{feff}') {
        p.pos = 3;
    }
    p.ws();
    if p.pos >= p.bytes.len() {
        return Err(p.err_here("empty document: expected a JSON value"));
    }
    let v = p.value(0)?;
    p.ws();
    if p.pos < p.bytes.len() {
        return Err(p.err_token("unexpected text after the end of the JSON value"));
    }
    let mut d = p.duplicates;
    d.sort_by_key(|d| d.span.start);
    Ok((v, d))
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    duplicates: Vec<Duplicate>,
}

/// Keys repeated among `members`: linear (a map only for large objects).
fn find_duplicates(members: &[Member], out: &mut Vec<Duplicate>) {
    if members.len() < 2 {
        return;
    }
    if members.len() <= 16 {
        for (i, m) in members.iter().enumerate() {
            if let Some(first) = members[..i].iter().find(|f| f.key == m.key) {
                out.push(Duplicate {
                    key: m.key.clone(),
                    span: m.key_span.clone(),
                    first: first.key_span.clone(),
                });
            }
        }
        return;
    }
    let mut seen: std::collections::HashMap<&str, &Span> = std::collections::HashMap::new();
    for m in members {
        match seen.get(m.key.as_str()) {
            Some(first) => out.push(Duplicate {
                key: m.key.clone(),
                span: m.key_span.clone(),
                first: (*first).clone(),
            }),
            None => {
                seen.insert(&m.key, &m.key_span);
            }
        }
    }
}

impl<'a> Parser<'a> {
    fn ws(&mut self) {
        while let Some(b) = self.bytes.get(self.pos) {
            if matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn char_at(&self, at: usize) -> Option<char> {
        self.text.get(at..).and_then(|s| s.chars().next())
    }

    fn err_here(&self, message: impl Into<String>) -> JsonError {
        let len = self.char_at(self.pos).map(char::len_utf8).unwrap_or(0);
        JsonError {
            message: message.into(),
            span: Span::new(self.pos, self.pos + len),
        }
    }

    /// An error covering the word or character at the current position.
    fn err_token(&self, message: impl Into<String>) -> JsonError {
        let start = self.pos;
        let mut end = start;
        while let Some(c) = self.char_at(end) {
            if c.is_alphanumeric() || c == '_' || c == '-' || c == '.' || c == '+' {
                end += c.len_utf8();
            } else {
                break;
            }
        }
        if end == start {
            end += self.char_at(start).map(char::len_utf8).unwrap_or(0);
        }
        JsonError {
            message: message.into(),
            span: Span::new(start, end),
        }
    }

    fn describe_here(&self) -> String {
        match self.char_at(self.pos) {
            None => "the end of the file".into(),
            Some(c) if c.is_control() => format!("control character U+{:04X}", c as u32),
            Some(c) => format!("`{c}`"),
        }
    }

    fn value(&mut self, depth: usize) -> Result<Node, JsonError> {
        let start = self.pos;
        match self.peek() {
            None => Err(self.err_here("unexpected end of file: expected a JSON value")),
            Some(b'{') => {
                if depth >= MAX_DEPTH {
                    return Err(self.err_here(format!(
                        "nesting deeper than {MAX_DEPTH} levels is not supported"
                    )));
                }
                self.object(depth + 1)
            }
            Some(b'[') => {
                if depth >= MAX_DEPTH {
                    return Err(self.err_here(format!(
                        "nesting deeper than {MAX_DEPTH} levels is not supported"
                    )));
                }
                self.array(depth + 1)
            }
            Some(b'"') => {
                let s = self.string()?;
                Ok(Node {
                    kind: Kind::Str(s),
                    span: Span::new(start, self.pos),
                })
            }
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b't') => self.literal("true", Kind::Bool(true)),
            Some(b'f') => self.literal("false", Kind::Bool(false)),
            Some(b'n') => self.literal("null", Kind::Null),
            Some(b'\'') => {
                Err(self.err_here("strings must use double quotes (`\"`), not single quotes"))
            }
            Some(_) => Err(self.err_token(format!(
                "expected a JSON value, found {}",
                self.describe_here()
            ))),
        }
    }

    fn literal(&mut self, word: &str, kind: Kind) -> Result<Node, JsonError> {
        let start = self.pos;
        if self.text.get(start..start + word.len()) == Some(word) {
            let after = self.bytes.get(start + word.len());
            if !after.is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_') {
                self.pos += word.len();
                return Ok(Node {
                    kind,
                    span: Span::new(start, self.pos),
                });
            }
        }
        Err(self.err_token(format!(
            "expected a JSON value, found `{}`",
            self.token_text()
        )))
    }

    fn token_text(&self) -> String {
        let e = self.err_token("");
        self.text.get(e.span.range()).unwrap_or("").to_string()
    }

    fn number(&mut self) -> Result<Node, JsonError> {
        let start = self.pos;
        let b = self.bytes;
        let mut i = start;
        let bad = |p: &Parser, msg: &str| JsonError {
            message: format!("invalid number `{}`: {msg}", p.token_text()),
            span: p.err_token("").span,
        };
        if b.get(i) == Some(&b'-') {
            i += 1;
        }
        match b.get(i) {
            Some(b'0') => {
                i += 1;
                if b.get(i).is_some_and(u8::is_ascii_digit) {
                    return Err(bad(self, "leading zeros are not allowed"));
                }
            }
            Some(b'1'..=b'9') => {
                while b.get(i).is_some_and(u8::is_ascii_digit) {
                    i += 1;
                }
            }
            _ => return Err(bad(self, "expected a digit")),
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            if !b.get(i).is_some_and(u8::is_ascii_digit) {
                return Err(bad(self, "expected a digit after `.`"));
            }
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
        }
        if matches!(b.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(b.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            if !b.get(i).is_some_and(u8::is_ascii_digit) {
                return Err(bad(self, "expected a digit in the exponent"));
            }
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
        }
        if b.get(i)
            .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
        {
            return Err(bad(self, "unexpected character in a number"));
        }
        let raw = self.text.get(start..i).unwrap_or("").to_string();
        let v = raw.parse::<f64>().unwrap_or(f64::NAN);
        self.pos = i;
        Ok(Node {
            kind: Kind::Number(raw, v),
            span: Span::new(start, i),
        })
    }

    /// A string literal at `pos` (which holds `"`); returns the decoded value.
    fn string(&mut self) -> Result<String, JsonError> {
        let open = self.pos;
        self.pos += 1;
        let mut out = String::new();
        loop {
            let Some(c) = self.char_at(self.pos) else {
                return Err(JsonError {
                    message: "unterminated string: the file ends before its closing `\"`".into(),
                    span: Span::new(open, open + 1),
                });
            };
            match c {
                '"' => {
                    self.pos += 1;
                    return Ok(out);
                }
                '\\' => {
                    let esc_start = self.pos;
                    let Some(e) = self.char_at(self.pos + 1) else {
                        return Err(JsonError {
                            message: "unterminated string: the file ends inside an escape".into(),
                            span: Span::new(open, open + 1),
                        });
                    };
                    self.pos += 2;
                    match e {
                        '"' => out.push('"'),
                        '\\' => out.push('\\'),
                        '/' => out.push('/'),
                        'b' => out.push('\u{8}'),
                        'f' => out.push('\u{c}'),
                        'n' => out.push('\n'),
                        'r' => out.push('\r'),
                        't' => out.push('\t'),
                        'u' => {
                            let Some(cp) = hex4(self.bytes, self.pos) else {
                                let end = (self.pos..self.pos + 4)
                                    .take_while(|&k| {
                                        self.bytes.get(k).is_some_and(u8::is_ascii_hexdigit)
                                    })
                                    .last()
                                    .map(|k| k + 1)
                                    .unwrap_or(self.pos);
                                return Err(JsonError {
                                    message:
                                        "invalid `\\u` escape: expected four hexadecimal digits"
                                            .into(),
                                    span: Span::new(esc_start, end),
                                });
                            };
                            self.pos += 4;
                            if (0xD800..=0xDBFF).contains(&cp)
                                && self.bytes.get(self.pos) == Some(&b'\\')
                                && self.bytes.get(self.pos + 1) == Some(&b'u')
                            {
                                if let Some(lo @ 0xDC00..=0xDFFF) = hex4(self.bytes, self.pos + 2) {
                                    self.pos += 6;
                                    let c = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                                    out.push(char::from_u32(c).unwrap_or('\u{fffd}'));
                                    continue;
                                }
                            }
                            // Lone surrogates are accepted by JSON.parse; Rust
                            // strings cannot hold them.
                            out.push(char::from_u32(cp).unwrap_or('\u{fffd}'));
                        }
                        other => {
                            return Err(JsonError {
                                message: format!(
                                    "invalid escape `\\{other}` in a string (valid: \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)"
                                ),
                                span: Span::new(esc_start, esc_start + 1 + other.len_utf8()),
                            });
                        }
                    }
                }
                c if (c as u32) < 0x20 => {
                    let what = match c {
                        '\n' => "a line break (write it as `\\n`, or close the string)".to_string(),
                        '\t' => "a tab (write it as `\\t`)".to_string(),
                        c => format!("control character U+{:04X}", c as u32),
                    };
                    return Err(JsonError {
                        message: format!("unescaped {what} inside a string"),
                        span: Span::new(self.pos, self.pos + 1),
                    });
                }
                c => {
                    out.push(c);
                    self.pos += c.len_utf8();
                }
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Node, JsonError> {
        let start = self.pos;
        self.pos += 1;
        let mut items = Vec::new();
        self.ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Node {
                kind: Kind::Array(items),
                span: Span::new(start, self.pos),
            });
        }
        loop {
            self.ws();
            if self.peek() == Some(b']') && !items.is_empty() {
                return Err(self.err_here("trailing comma before `]` is not allowed in JSON"));
            }
            if self.peek().is_none() {
                return Err(JsonError {
                    message: "unclosed array: the file ends before its `]`".into(),
                    span: Span::new(start, start + 1),
                });
            }
            items.push(self.value(depth)?);
            self.ws();
            match self.peek() {
                Some(b',') => {
                    self.pos += 1;
                }
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Node {
                        kind: Kind::Array(items),
                        span: Span::new(start, self.pos),
                    });
                }
                None => {
                    return Err(JsonError {
                        message: "unclosed array: the file ends before its `]`".into(),
                        span: Span::new(start, start + 1),
                    })
                }
                Some(_) => {
                    return Err(self.err_token(format!(
                        "expected `,` or `]` after an array element, found {}",
                        self.describe_here()
                    )))
                }
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<Node, JsonError> {
        let start = self.pos;
        self.pos += 1;
        let mut members = Vec::new();
        self.ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Node {
                kind: Kind::Object(members),
                span: Span::new(start, self.pos),
            });
        }
        loop {
            self.ws();
            match self.peek() {
                Some(b'"') => {}
                Some(b'}') if !members.is_empty() => {
                    return Err(self.err_here("trailing comma before `}` is not allowed in JSON"))
                }
                None => {
                    return Err(JsonError {
                        message: "unclosed object: the file ends before its `}`".into(),
                        span: Span::new(start, start + 1),
                    })
                }
                Some(b'\'') => {
                    return Err(self
                        .err_here("object keys must use double quotes (`\"`), not single quotes"))
                }
                Some(_) => {
                    return Err(self.err_token(format!(
                        "expected a string key in double quotes, found {}",
                        self.describe_here()
                    )))
                }
            }
            let key_start = self.pos;
            let key = self.string()?;
            let key_span = Span::new(key_start, self.pos);
            self.ws();
            if self.peek() != Some(b':') {
                return Err(self.err_token(format!(
                    "expected `:` after the key \"{key}\", found {}",
                    self.describe_here()
                )));
            }
            self.pos += 1;
            self.ws();
            let value = self.value(depth)?;
            members.push(Member {
                key,
                key_span,
                value,
            });
            self.ws();
            match self.peek() {
                Some(b',') => {
                    self.pos += 1;
                }
                Some(b'}') => {
                    self.pos += 1;
                    find_duplicates(&members, &mut self.duplicates);
                    return Ok(Node {
                        kind: Kind::Object(members),
                        span: Span::new(start, self.pos),
                    });
                }
                None => {
                    return Err(JsonError {
                        message: "unclosed object: the file ends before its `}`".into(),
                        span: Span::new(start, start + 1),
                    })
                }
                Some(_) => {
                    return Err(self.err_token(format!(
                        "expected `,` or `}}` after an object member, found {}",
                        self.describe_here()
                    )))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> JsonError {
        parse(text).expect_err("expected an error")
    }

    #[test]
    fn values_and_spans() {
        let t = r#"{"a": [1, -2.5e3, true, null], "b": "x\"y", "a": {}}"#;
        let v = parse(t).unwrap();
        assert!(
            v.get("a").unwrap().as_object().is_some(),
            "last duplicate wins"
        );
        let b = v.get("b").unwrap();
        assert_eq!(b.as_str(), Some("x\"y"));
        assert_eq!(&t[b.span.range()], r#""x\"y""#);
        let first = &v.members()[0].value;
        assert_eq!(first.items()[1].as_f64(), Some(-2500.0));
        assert_eq!(&t[first.items()[1].span.range()], "-2.5e3");
        assert_eq!(&t[v.members()[0].key_span.range()], "\"a\"");
    }

    #[test]
    fn string_sub_spans_go_through_escapes() {
        let t = r#"{"q": "a\"b\u00e9c\n d\ud83d\ude00e"}"#;
        let v = parse(t).unwrap();
        let q = v.get("q").unwrap();
        let s = q.as_str().unwrap();
        assert_eq!(s, "a\"béc\n d😀e");
        let at = |needle: &str| {
            let i = s.find(needle).unwrap();
            let sp = q.str_sub_span(t, i..i + needle.len());
            t[sp.range()].to_string()
        };
        assert_eq!(at("a"), "a");
        assert_eq!(at("\"b"), "\\\"b");
        assert_eq!(at("é"), "\\u00e9");
        assert_eq!(at("c"), "c");
        assert_eq!(at(" d"), " d");
        assert_eq!(at("😀"), "\\ud83d\\ude00");
        assert_eq!(at("e"), "e");
        assert_eq!(at("a\"bé"), "a\\\"b\\u00e9");
    }

    #[test]
    fn errors_are_located() {
        let e = err("{\"a\": 1,}");
        assert_eq!(e.span, Span::new(8, 9));
        assert!(e.message.contains("trailing comma"), "{}", e.message);
        let e = err("{\"a\" 1}");
        assert_eq!(e.span, Span::new(5, 6));
        let e = err("[1 2]");
        assert_eq!(e.span, Span::new(3, 4));
        let e = err("{\"a\": \"x");
        assert_eq!(e.span, Span::new(6, 7));
        assert!(e.message.contains("unterminated"));
        let e = err("{\"a\": tru}");
        assert_eq!(e.span, Span::new(6, 9));
        let e = err("{\"a\": \"\\q\"}");
        assert_eq!(e.span, Span::new(7, 9));
        let e = err("{\"a\": 01}");
        assert!(e.message.contains("leading zeros"));
        let e = err("{} x");
        assert_eq!(e.span, Span::new(3, 4));
        let e = err("{\"a\": [1, 2}");
        assert_eq!(e.span, Span::new(11, 12));
        let e = err("\"a\nb\"");
        assert_eq!(e.span, Span::new(2, 3));
        let e = err("");
        assert!(e.message.contains("empty"));
    }

    #[test]
    fn depth_is_limited_without_overflow() {
        let deep = "[".repeat(100_000);
        let e = err(&deep);
        assert!(e.message.contains("nesting"));
        let ok = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert!(parse(&ok).is_ok());
    }

    #[test]
    fn never_panics_on_garbage() {
        for t in [
            "",
            "{",
            "}",
            "[",
            "\"",
            "\"\\",
            "\"\\u12",
            "\"\\ud800\"",
            "-",
            "1e",
            "1.",
            "{\"a\"",
            "{\"a\":",
            "nul",
            "\u{feff}{}",
            "{\"é\": \"😀\"}",
            "[1,]",
            "[,1]",
            "{,}",
            "\u{0}",
        ] {
            let _ = parse(t);
        }
        assert!(parse("\u{feff}{}").is_ok());
        assert_eq!(parse("\"\\ud800\"").unwrap().as_str(), Some("\u{fffd}"));
    }
}
