//! The Alloy lexer: tokens with byte spans, and the statement terminators
//! a newline inserts (Go's rule).

use super::*;

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    Ident(String),
    Null,
    Bool(bool),
    Number(String),
    Str {
        value: String,
        raw: bool,
    },
    Or,
    And,
    Not,
    Neq,
    Assign,
    EqEq,
    Lt,
    Lte,
    Gt,
    Gte,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
    LCurly,
    RCurly,
    LParen,
    RParen,
    LBrack,
    RBrack,
    Comma,
    Dot,
    /// The end of a statement: a newline (or the end of the file) after an
    /// identifier, a literal or a closing bracket.
    Terminator,
    Eof,
}

impl Tok {
    pub(super) fn describe(&self) -> String {
        match self {
            Tok::Ident(s) => format!("identifier `{s}`"),
            Tok::Null => "`null`".into(),
            Tok::Bool(b) => format!("`{b}`"),
            Tok::Number(n) => format!("number `{n}`"),
            Tok::Str { .. } => "a string".into(),
            Tok::Terminator => "end of line".into(),
            Tok::Eof => "end of file".into(),
            other => format!("`{}`", other.punct()),
        }
    }

    pub(super) fn punct(&self) -> &'static str {
        match self {
            Tok::Or => "||",
            Tok::And => "&&",
            Tok::Not => "!",
            Tok::Neq => "!=",
            Tok::Assign => "=",
            Tok::EqEq => "==",
            Tok::Lt => "<",
            Tok::Lte => "<=",
            Tok::Gt => ">",
            Tok::Gte => ">=",
            Tok::Add => "+",
            Tok::Sub => "-",
            Tok::Mul => "*",
            Tok::Div => "/",
            Tok::Mod => "%",
            Tok::Pow => "^",
            Tok::LCurly => "{",
            Tok::RCurly => "}",
            Tok::LParen => "(",
            Tok::RParen => ")",
            Tok::LBrack => "[",
            Tok::RBrack => "]",
            Tok::Comma => ",",
            Tok::Dot => ".",
            _ => "",
        }
    }

    pub(super) fn binary(&self) -> Option<(BinaryOp, u8)> {
        Some(match self {
            Tok::Or => (BinaryOp::Or, 1),
            Tok::And => (BinaryOp::And, 2),
            Tok::EqEq => (BinaryOp::Eq, 3),
            Tok::Neq => (BinaryOp::Neq, 3),
            Tok::Lt => (BinaryOp::Lt, 3),
            Tok::Lte => (BinaryOp::Lte, 3),
            Tok::Gt => (BinaryOp::Gt, 3),
            Tok::Gte => (BinaryOp::Gte, 3),
            Tok::Add => (BinaryOp::Add, 4),
            Tok::Sub => (BinaryOp::Sub, 4),
            Tok::Mul => (BinaryOp::Mul, 5),
            Tok::Div => (BinaryOp::Div, 5),
            Tok::Mod => (BinaryOp::Mod, 5),
            _ => return None,
        })
    }
}

#[derive(Debug, Clone)]
pub(super) struct Token {
    pub(super) tok: Tok,
    pub(super) span: Span,
}

pub(super) fn is_letter(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || (!c.is_ascii() && c.is_alphabetic())
}

pub(super) fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || (!c.is_ascii() && c.is_numeric())
}

struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    toks: Vec<Token>,
    errors: Vec<ParseError>,
    /// Whether a newline here ends a statement.
    insert_term: bool,
}

pub(super) fn lex(src: &str) -> (Vec<Token>, Vec<ParseError>) {
    let mut lx = Lexer {
        src,
        pos: 0,
        toks: Vec::new(),
        errors: Vec::new(),
        insert_term: false,
    };
    if src.starts_with('\u{feff}') {
        lx.pos = '\u{feff}'.len_utf8();
    }
    lx.run();
    (lx.toks, lx.errors)
}

impl Lexer<'_> {
    fn peek(&self) -> Option<char> {
        self.src.get(self.pos..).and_then(|s| s.chars().next())
    }

    fn peek2(&self) -> Option<char> {
        let mut it = self.src.get(self.pos..)?.chars();
        it.next();
        it.next()
    }

    fn error(&mut self, message: impl Into<String>, span: Span) {
        self.errors.push(ParseError {
            message: message.into(),
            span,
        });
    }

    fn push(&mut self, tok: Tok, start: usize) {
        self.insert_term = matches!(
            tok,
            Tok::Ident(_)
                | Tok::Null
                | Tok::Bool(_)
                | Tok::Number(_)
                | Tok::Str { .. }
                | Tok::RCurly
                | Tok::RParen
                | Tok::RBrack
        );
        self.toks.push(Token {
            tok,
            span: start..self.pos,
        });
    }

    fn terminator(&mut self, at: usize) {
        self.insert_term = false;
        self.toks.push(Token {
            tok: Tok::Terminator,
            span: at..at,
        });
    }

    fn run(&mut self) {
        loop {
            // whitespace
            while let Some(c) = self.peek() {
                match c {
                    ' ' | '\t' | '\r' => self.pos += 1,
                    '\n' if !self.insert_term => self.pos += 1,
                    _ => break,
                }
            }
            let start = self.pos;
            let Some(c) = self.peek() else {
                if self.insert_term {
                    self.terminator(start);
                }
                self.toks.push(Token {
                    tok: Tok::Eof,
                    span: start..start,
                });
                return;
            };
            if is_letter(c) {
                self.ident(start);
                continue;
            }
            if c.is_ascii_digit() || (c == '.' && self.peek2().is_some_and(|d| d.is_ascii_digit()))
            {
                self.number(start);
                continue;
            }
            self.pos += c.len_utf8();
            let next = self.peek();
            let two = |lx: &mut Lexer<'_>, second: char, yes: Tok, no: Tok| {
                if next == Some(second) {
                    lx.pos += 1;
                    yes
                } else {
                    no
                }
            };
            let tok = match c {
                '\n' => {
                    // only reached when a newline ends a statement
                    self.terminator(start);
                    continue;
                }
                '"' => self.string(start, '"'),
                '`' => self.raw_string(start),
                '\'' => {
                    self.error(
                        "single-quoted strings are not Alloy syntax; use double quotes",
                        start..start + 1,
                    );
                    self.string(start, '\'')
                }
                '|' => {
                    if next == Some('|') {
                        self.pos += 1;
                    } else {
                        self.error("expected `||`, found a single `|`", start..self.pos);
                    }
                    Tok::Or
                }
                '&' => {
                    if next == Some('&') {
                        self.pos += 1;
                    } else {
                        self.error("expected `&&`, found a single `&`", start..self.pos);
                    }
                    Tok::And
                }
                '!' => two(self, '=', Tok::Neq, Tok::Not),
                '=' => two(self, '=', Tok::EqEq, Tok::Assign),
                '<' => two(self, '=', Tok::Lte, Tok::Lt),
                '>' => two(self, '=', Tok::Gte, Tok::Gt),
                '+' => Tok::Add,
                '-' => Tok::Sub,
                '*' => Tok::Mul,
                '/' if next == Some('/') || next == Some('*') => {
                    self.comment(start);
                    continue;
                }
                '/' => Tok::Div,
                '%' => Tok::Mod,
                '^' => Tok::Pow,
                '{' => Tok::LCurly,
                '}' => Tok::RCurly,
                '(' => Tok::LParen,
                ')' => Tok::RParen,
                '[' => Tok::LBrack,
                ']' => Tok::RBrack,
                ',' => Tok::Comma,
                '.' => Tok::Dot,
                other => {
                    let shown = if other == '\0' {
                        "NUL".to_string()
                    } else {
                        format!("`{}`", other.escape_debug())
                    };
                    self.error(format!("unexpected character {shown}"), start..self.pos);
                    continue;
                }
            };
            self.push(tok, start);
        }
    }

    fn ident(&mut self, start: usize) {
        while let Some(c) = self.peek() {
            if is_letter(c) || is_digit(c) {
                self.pos += c.len_utf8();
            } else {
                break;
            }
        }
        let text = self.src.get(start..self.pos).unwrap_or("");
        let tok = match text {
            "null" => Tok::Null,
            "true" => Tok::Bool(true),
            "false" => Tok::Bool(false),
            _ => Tok::Ident(text.to_string()),
        };
        self.push(tok, start);
    }

    fn digits(&mut self) -> usize {
        let from = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        self.pos - from
    }

    fn number(&mut self, start: usize) {
        if self.peek() != Some('.') {
            self.digits();
        }
        if self.peek() == Some('.') {
            self.pos += 1;
            self.digits();
        }
        if matches!(self.peek(), Some('e') | Some('E')) {
            self.pos += 1;
            if matches!(self.peek(), Some('+') | Some('-')) {
                self.pos += 1;
            }
            if self.digits() == 0 {
                self.error("exponent has no digits", start..self.pos);
            }
        }
        let text = self.src.get(start..self.pos).unwrap_or("").to_string();
        self.push(Tok::Number(text), start);
    }

    /// A double-quoted (or, after an error, single-quoted) string with Go
    /// escapes; the opening quote is consumed.
    fn string(&mut self, start: usize, quote: char) -> Tok {
        let mut bytes: Vec<u8> = Vec::new();
        loop {
            let Some(c) = self.peek() else {
                self.error("string literal not terminated", start..self.pos);
                break;
            };
            if c == '\n' {
                self.error("string literal not terminated", start..self.pos);
                break;
            }
            self.pos += c.len_utf8();
            if c == quote {
                break;
            }
            if c == '\\' {
                self.escape(&mut bytes);
                continue;
            }
            let mut buf = [0u8; 4];
            bytes.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
        Tok::Str {
            value: String::from_utf8_lossy(&bytes).into_owned(),
            raw: false,
        }
    }

    /// After a backslash.
    fn escape(&mut self, out: &mut Vec<u8>) {
        let at = self.pos - 1;
        let Some(c) = self.peek() else {
            self.error("escape sequence not terminated", at..self.pos);
            return;
        };
        let simple = match c {
            'a' => Some(0x07),
            'b' => Some(0x08),
            'f' => Some(0x0c),
            'n' => Some(b'\n'),
            'r' => Some(b'\r'),
            't' => Some(b'\t'),
            'v' => Some(0x0b),
            '\\' => Some(b'\\'),
            '"' => Some(b'"'),
            '\'' => Some(b'\''),
            _ => None,
        };
        if let Some(b) = simple {
            self.pos += 1;
            out.push(b);
            return;
        }
        let (n, base, max): (usize, u32, u32) = match c {
            '0'..='7' => (3, 8, 255),
            'x' => {
                self.pos += 1;
                (2, 16, 255)
            }
            'u' => {
                self.pos += 1;
                (4, 16, 0x10ffff)
            }
            'U' => {
                self.pos += 1;
                (8, 16, 0x10ffff)
            }
            '\n' => {
                self.error("escape sequence not terminated", at..self.pos);
                return;
            }
            other => {
                self.pos += other.len_utf8();
                self.error(
                    format!(
                        "unknown escape sequence `\\{}` (write `\\\\` for a backslash, or use a backtick string)",
                        other.escape_debug()
                    ),
                    at..self.pos,
                );
                return;
            }
        };
        let mut x: u32 = 0;
        for _ in 0..n {
            let d = self.peek().and_then(|c| c.to_digit(base));
            match d {
                Some(d) => {
                    x = x.saturating_mul(base).saturating_add(d);
                    self.pos += 1;
                }
                None => {
                    self.error("invalid character in escape sequence", at..self.pos);
                    return;
                }
            }
        }
        if x > max || (0xd800..0xe000).contains(&x) {
            self.error(
                "escape sequence is not a valid Unicode code point",
                at..self.pos,
            );
            return;
        }
        if base == 16 && n > 2 {
            if let Some(ch) = char::from_u32(x) {
                let mut buf = [0u8; 4];
                out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
            }
        } else {
            // octal and \x escapes are single bytes
            out.push(x as u8);
        }
    }

    fn raw_string(&mut self, start: usize) -> Tok {
        let body_start = self.pos;
        match self.src.get(body_start..).and_then(|s| s.find('`')) {
            Some(i) => {
                self.pos = body_start + i + 1;
                Tok::Str {
                    value: self
                        .src
                        .get(body_start..body_start + i)
                        .unwrap_or("")
                        .to_string(),
                    raw: true,
                }
            }
            None => {
                self.pos = self.src.len();
                self.error("raw string literal not terminated", start..start + 1);
                Tok::Str {
                    value: self.src.get(body_start..).unwrap_or("").to_string(),
                    raw: true,
                }
            }
        }
    }

    /// A comment starting at `start` (the `/` is consumed). A comment that
    /// reaches the end of the line ends a statement like the newline would.
    fn comment(&mut self, start: usize) {
        let rest = self.src.get(self.pos..).unwrap_or("");
        if rest.starts_with('/') {
            let len = rest.find('\n').unwrap_or(rest.len());
            self.pos += len;
            if self.insert_term {
                self.terminator(start);
            }
            return;
        }
        // block comment
        match rest.get(1..).and_then(|r| r.find("*/")) {
            Some(i) => {
                let body = rest.get(..i + 3).unwrap_or("");
                self.pos += i + 3;
                if self.insert_term && (body.contains('\n') || self.line_ends_here()) {
                    self.terminator(start);
                }
            }
            None => {
                self.pos = self.src.len();
                self.error("block comment not terminated", start..start + 2);
                if self.insert_term {
                    self.terminator(start);
                }
            }
        }
    }

    /// Only blanks (and maybe a line comment) before the next newline.
    fn line_ends_here(&self) -> bool {
        let rest = self.src.get(self.pos..).unwrap_or("");
        let t = rest.trim_start_matches([' ', '\t', '\r']);
        t.is_empty() || t.starts_with('\n') || t.starts_with("//")
    }
}
