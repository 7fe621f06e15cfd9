//! Grafana Alloy configuration syntax, parsed with byte spans.
//!
//! An Alloy file is a body of statements. A statement is an attribute
//! (`name = expression`) or a block (`dotted.name "optional label" { body }`).
//! Expressions are literals (strings, including raw backtick strings,
//! numbers, `true`/`false`, `null`), arrays `[a, b]`, objects
//! `{ key = value, "quoted key" = value }`, identifiers, member access
//! (`loki.write.audit.receiver`), indexing `a[0]`, calls `env("X")`,
//! `sys.env("X")`, unary `!`/`-` and binary operators with Alloy's
//! precedence (`||` < `&&` < comparisons < `+ -` < `* / %` < right-associative
//! `^`). Comments are `// ...` and `/* ... */`.
//!
//! Like Go, the language ends a statement at a newline that follows an
//! identifier, a literal or a closing bracket, so a multi-line list needs a
//! comma after its last element, and an operator must end the line when an
//! expression continues on the next one.
//!
//! [`parse`] never fails outright and never panics: it returns what it could
//! build together with every error it found (one per line, like Alloy), each
//! with a byte span. Nesting deeper than [`MAX_DEPTH`] levels is an error, so
//! hostile input cannot exhaust the stack.

use std::ops::Range;

/// A byte range into the parsed text.
pub type Span = Range<usize>;

/// The deepest nesting of blocks, brackets, operators and member accesses
/// [`parse`] accepts.
pub const MAX_DEPTH: usize = 200;

/// Most stack the parser may use before it reports the input as nested too
/// deeply (unoptimised builds have large frames and reach this before
/// [`MAX_DEPTH`]).
const STACK_BUDGET: usize = 1 << 20;

/// A syntax error: what was expected or what is wrong, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub message: String,
    pub span: Span,
}

/// An identifier and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// A string literal: the unescaped value and the span including the quotes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StringLit {
    pub value: String,
    /// Written between backticks (no escapes).
    pub raw: bool,
    pub span: Span,
}

/// The parsed file: its statements and the syntax errors found.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Config {
    pub body: Vec<Stmt>,
    pub errors: Vec<ParseError>,
}

/// A statement of a body.
#[derive(Debug, Clone, PartialEq)]
pub enum Stmt {
    Attribute(Attribute),
    Block(Block),
}

/// `name = value`.
#[derive(Debug, Clone, PartialEq)]
pub struct Attribute {
    pub name: Ident,
    pub value: Expr,
    pub span: Span,
}

/// `a.b.c "label" { ... }`.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    /// The dot-separated fragments of the name.
    pub name: Vec<Ident>,
    pub label: Option<StringLit>,
    pub body: Vec<Stmt>,
    /// From the first name fragment to the closing brace.
    pub span: Span,
}

/// A field of an object literal: `key = value` or `"key" = value`.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// The key without quotes; its span includes the quotes when quoted.
    pub name: Ident,
    pub quoted: bool,
    pub value: Expr,
    pub span: Span,
}

/// Unary operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    /// `!`
    Not,
    /// `-`
    Neg,
}

/// Binary operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    Or,
    And,
    Eq,
    Neq,
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
}

impl BinaryOp {
    pub fn as_str(self) -> &'static str {
        match self {
            BinaryOp::Or => "||",
            BinaryOp::And => "&&",
            BinaryOp::Eq => "==",
            BinaryOp::Neq => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Lte => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Gte => ">=",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Mod => "%",
            BinaryOp::Pow => "^",
        }
    }
}

/// An expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Null(Span),
    Bool {
        value: bool,
        span: Span,
    },
    /// An integer or float literal, with its text as written.
    Number {
        value: f64,
        text: String,
        span: Span,
    },
    String(StringLit),
    Ident(Ident),
    /// `value.name`
    Access {
        value: Box<Expr>,
        name: Ident,
        span: Span,
    },
    /// `value[index]`
    Index {
        value: Box<Expr>,
        index: Box<Expr>,
        span: Span,
    },
    /// `func(args...)`
    Call {
        func: Box<Expr>,
        args: Vec<Expr>,
        span: Span,
    },
    Array {
        elements: Vec<Expr>,
        span: Span,
    },
    Object {
        fields: Vec<Field>,
        span: Span,
    },
    Unary {
        op: UnaryOp,
        value: Box<Expr>,
        span: Span,
    },
    Binary {
        op: BinaryOp,
        op_span: Span,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
        span: Span,
    },
    Paren {
        inner: Box<Expr>,
        span: Span,
    },
}

/// A reference to a named value: `loki.write.audit.receiver`,
/// `local.file_match.logs.targets`, `argument.in.value`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// The identifiers of the dotted path, in order.
    pub path: Vec<Ident>,
    pub span: Span,
}

impl Reference {
    /// The path joined with dots.
    pub fn dotted(&self) -> String {
        join_names(&self.path)
    }
}

fn join_names(idents: &[Ident]) -> String {
    let mut s = String::new();
    for (i, id) in idents.iter().enumerate() {
        if i > 0 {
            s.push('.');
        }
        s.push_str(&id.name);
    }
    s
}

impl Expr {
    pub fn span(&self) -> Span {
        match self {
            Expr::Null(span) => span.clone(),
            Expr::String(s) => s.span.clone(),
            Expr::Ident(i) => i.span.clone(),
            Expr::Bool { span, .. }
            | Expr::Number { span, .. }
            | Expr::Access { span, .. }
            | Expr::Index { span, .. }
            | Expr::Call { span, .. }
            | Expr::Array { span, .. }
            | Expr::Object { span, .. }
            | Expr::Unary { span, .. }
            | Expr::Binary { span, .. }
            | Expr::Paren { span, .. } => span.clone(),
        }
    }

    /// The expression inside any number of parentheses.
    pub fn unparen(&self) -> &Expr {
        let mut e = self;
        while let Expr::Paren { inner, .. } = e {
            e = inner;
        }
        e
    }

    /// The string literal this expression is, if it is one.
    pub fn as_string(&self) -> Option<&StringLit> {
        match self.unparen() {
            Expr::String(s) => Some(s),
            _ => None,
        }
    }

    /// The elements of an array literal.
    pub fn as_array(&self) -> Option<&[Expr]> {
        match self.unparen() {
            Expr::Array { elements, .. } => Some(elements),
            _ => None,
        }
    }

    /// The fields of an object literal.
    pub fn as_object(&self) -> Option<&[Field]> {
        match self.unparen() {
            Expr::Object { fields, .. } => Some(fields),
            _ => None,
        }
    }

    /// The identifiers of a dotted path (`a`, `a.b.c`), if the expression
    /// is one.
    pub fn path(&self) -> Option<Vec<&Ident>> {
        let mut out = Vec::new();
        let mut e = self;
        loop {
            match e {
                Expr::Ident(i) => {
                    out.push(i);
                    out.reverse();
                    return Some(out);
                }
                Expr::Access { value, name, .. } => {
                    out.push(name);
                    e = value;
                }
                _ => return None,
            }
        }
    }

    /// Calls `f` on this expression and every sub-expression, parents first.
    pub fn walk<'a>(&'a self, f: &mut dyn FnMut(&'a Expr)) {
        f(self);
        match self {
            Expr::Access { value, .. } => value.walk(f),
            Expr::Index { value, index, .. } => {
                value.walk(f);
                index.walk(f);
            }
            Expr::Call { func, args, .. } => {
                func.walk(f);
                for a in args {
                    a.walk(f);
                }
            }
            Expr::Array { elements, .. } => {
                for e in elements {
                    e.walk(f);
                }
            }
            Expr::Object { fields, .. } => {
                for fl in fields {
                    fl.value.walk(f);
                }
            }
            Expr::Unary { value, .. } => value.walk(f),
            Expr::Binary { lhs, rhs, .. } => {
                lhs.walk(f);
                rhs.walk(f);
            }
            Expr::Paren { inner, .. } => inner.walk(f),
            Expr::Null(_)
            | Expr::Bool { .. }
            | Expr::Number { .. }
            | Expr::String(_)
            | Expr::Ident(_) => {}
        }
    }

    /// Every reference in the expression: maximal dotted paths that are not
    /// the function of a call (`sys.env` in `sys.env("HOME")` is a function
    /// of the standard library, not a reference), in source order.
    pub fn references(&self) -> Vec<Reference> {
        let mut out = Vec::new();
        self.collect_refs(&mut out);
        out
    }

    fn collect_refs(&self, out: &mut Vec<Reference>) {
        if let Some(path) = self.path() {
            out.push(Reference {
                path: path.into_iter().cloned().collect(),
                span: self.span(),
            });
            return;
        }
        match self {
            Expr::Access { value, .. } => value.collect_refs(out),
            Expr::Index { value, index, .. } => {
                value.collect_refs(out);
                index.collect_refs(out);
            }
            Expr::Call { func, args, .. } => {
                if func.path().is_none() {
                    func.collect_refs(out);
                }
                for a in args {
                    a.collect_refs(out);
                }
            }
            Expr::Array { elements, .. } => {
                for e in elements {
                    e.collect_refs(out);
                }
            }
            Expr::Object { fields, .. } => {
                for f in fields {
                    f.value.collect_refs(out);
                }
            }
            Expr::Unary { value, .. } => value.collect_refs(out),
            Expr::Binary { lhs, rhs, .. } => {
                lhs.collect_refs(out);
                rhs.collect_refs(out);
            }
            Expr::Paren { inner, .. } => inner.collect_refs(out),
            Expr::Null(_)
            | Expr::Bool { .. }
            | Expr::Number { .. }
            | Expr::String(_)
            | Expr::Ident(_) => {}
        }
    }
}

impl Block {
    /// The name with its fragments joined: `loki.process`.
    pub fn name(&self) -> String {
        join_names(&self.name)
    }

    /// From the first to the last name fragment.
    pub fn name_span(&self) -> Span {
        match (self.name.first(), self.name.last()) {
            (Some(a), Some(b)) => a.span.start..b.span.end,
            _ => self.span.start..self.span.start,
        }
    }

    /// The name and the label: what the header `loki.write "audit"` covers.
    pub fn header_span(&self) -> Span {
        let n = self.name_span();
        match &self.label {
            Some(l) => n.start..l.span.end,
            None => n,
        }
    }

    /// How other components refer to this one: `loki.write.audit` (the name
    /// alone for a block without a label).
    pub fn id(&self) -> String {
        match &self.label {
            Some(l) => format!("{}.{}", self.name(), l.value),
            None => self.name(),
        }
    }

    /// The attribute `name` of this block's body.
    pub fn attr(&self, name: &str) -> Option<&Attribute> {
        self.attributes().find(|a| a.name.name == name)
    }

    pub fn attributes(&self) -> impl Iterator<Item = &Attribute> {
        self.body.iter().filter_map(|s| match s {
            Stmt::Attribute(a) => Some(a),
            Stmt::Block(_) => None,
        })
    }

    /// The blocks directly inside this one.
    pub fn blocks(&self) -> impl Iterator<Item = &Block> {
        blocks_of(&self.body)
    }
}

fn blocks_of(body: &[Stmt]) -> impl Iterator<Item = &Block> {
    body.iter().filter_map(|s| match s {
        Stmt::Block(b) => Some(b),
        Stmt::Attribute(_) => None,
    })
}

impl Config {
    /// The top-level blocks.
    pub fn blocks(&self) -> impl Iterator<Item = &Block> {
        blocks_of(&self.body)
    }

    /// Every labelled block, at any depth, in source order: the components
    /// (and the labelled blocks of `declare`, such as `argument "x"`).
    pub fn components(&self) -> Vec<&Block> {
        fn visit<'a>(body: &'a [Stmt], out: &mut Vec<&'a Block>) {
            for b in blocks_of(body) {
                if b.label.is_some() {
                    out.push(b);
                }
                visit(&b.body, out);
            }
        }
        let mut out = Vec::new();
        visit(&self.body, &mut out);
        out
    }

    /// The components by id (`loki.write.audit`); the first block wins when
    /// an id is defined twice.
    pub fn component_map(&self) -> std::collections::HashMap<String, &Block> {
        let mut map = std::collections::HashMap::new();
        for b in self.components() {
            map.entry(b.id()).or_insert(b);
        }
        map
    }

    /// Every attribute in the file, at any depth, with the blocks that
    /// enclose it (outermost first).
    pub fn attributes(&self) -> Vec<(Vec<&Block>, &Attribute)> {
        fn visit<'a>(
            body: &'a [Stmt],
            stack: &mut Vec<&'a Block>,
            out: &mut Vec<(Vec<&'a Block>, &'a Attribute)>,
        ) {
            for s in body {
                match s {
                    Stmt::Attribute(a) => out.push((stack.clone(), a)),
                    Stmt::Block(b) => {
                        stack.push(b);
                        visit(&b.body, stack, out);
                        stack.pop();
                    }
                }
            }
        }
        let mut out = Vec::new();
        visit(&self.body, &mut Vec::new(), &mut out);
        out
    }
}

/// The component a reference points into: the one whose name and label are
/// a prefix of the path (`loki.write.audit` for `loki.write.audit.receiver`).
pub fn resolve<'a>(
    components: &std::collections::HashMap<String, &'a Block>,
    path: &[Ident],
) -> Option<&'a Block> {
    (1..path.len()).find_map(|k| {
        let id = format!("{}.{}", join_names(&path[..k]), path[k].name);
        components.get(&id).copied()
    })
}

/// Parses an Alloy configuration file.
pub fn parse(src: &str) -> Config {
    let (toks, mut errors) = lex(src);
    let mut p = Parser {
        toks,
        pos: 0,
        errors: Vec::new(),
        depth: 0,
        stack_base: stack_position(),
        open: Vec::new(),
    };
    let body = p.body(false);
    errors.append(&mut p.errors);
    Config {
        body,
        errors: one_per_line(src, errors),
    }
}

/// Is `s` a valid Alloy identifier?
pub fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if is_letter(c) => chars.all(|c| is_letter(c) || is_digit(c)),
        _ => false,
    }
}

/// Errors sorted by position, keeping the first of each line (later errors on
/// a line are usually consequences of the first).
fn one_per_line(src: &str, mut errors: Vec<ParseError>) -> Vec<ParseError> {
    errors.sort_by_key(|e| (e.span.start, e.span.end));
    let mut out: Vec<ParseError> = Vec::new();
    let mut last_line = None;
    // errors are sorted: count newlines incrementally
    let (mut line, mut counted) = (0usize, 0usize);
    for e in errors {
        let at = e.span.start.min(src.len());
        line += src
            .as_bytes()
            .get(counted..at.max(counted))
            .unwrap_or(&[])
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        counted = at.max(counted);
        if last_line != Some(line) {
            last_line = Some(line);
            out.push(e);
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Lexer
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum Tok {
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
    fn describe(&self) -> String {
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

    fn punct(&self) -> &'static str {
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

    fn binary(&self) -> Option<(BinaryOp, u8)> {
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
struct Token {
    tok: Tok,
    span: Span,
}

fn is_letter(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || (!c.is_ascii() && c.is_alphabetic())
}

fn is_digit(c: char) -> bool {
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

fn lex(src: &str) -> (Vec<Token>, Vec<ParseError>) {
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

// ---------------------------------------------------------------------------
// Parser
// ---------------------------------------------------------------------------

static EOF_TOKEN: Token = Token {
    tok: Tok::Eof,
    span: 0..0,
};

/// An address on the current stack frame, to measure how deep the parser is.
#[inline(never)]
fn stack_position() -> usize {
    let marker = 0u8;
    std::hint::black_box(&marker) as *const u8 as usize
}

struct Parser {
    toks: Vec<Token>,
    pos: usize,
    errors: Vec<ParseError>,
    depth: usize,
    stack_base: usize,
    /// Brackets of the current statement's expression opened and not yet
    /// closed: recovery after an error skips to their close first.
    open: Vec<Tok>,
}

type PResult<T> = Result<T, ParseError>;

impl Parser {
    fn token(&self) -> &Token {
        self.toks
            .get(self.pos)
            .or_else(|| self.toks.last())
            .unwrap_or(&EOF_TOKEN)
    }

    fn tok(&self) -> &Tok {
        &self.token().tok
    }

    fn span(&self) -> Span {
        self.token().span.clone()
    }

    fn bump(&mut self) -> Token {
        let t = self.token().clone();
        if self.pos + 1 < self.toks.len() {
            self.pos += 1;
        }
        t
    }

    fn prev_end(&self) -> usize {
        self.pos
            .checked_sub(1)
            .and_then(|i| self.toks.get(i))
            .map_or(0, |t| t.span.end)
    }

    fn err(&self, message: impl Into<String>) -> ParseError {
        ParseError {
            message: message.into(),
            span: self.span(),
        }
    }

    fn expected(&self, what: &str) -> ParseError {
        self.err(format!("expected {what}, found {}", self.tok().describe()))
    }

    fn enter(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH || self.stack_base.abs_diff(stack_position()) > STACK_BUDGET {
            self.depth -= 1;
            return Err(self.err(format!(
                "configuration nested too deeply (the limit is {MAX_DEPTH} levels)"
            )));
        }
        Ok(())
    }

    /// Skips the rest of a statement after an error: up to and including the
    /// next end of line outside brackets, or up to the `}` closing the
    /// enclosing block.
    fn recover(&mut self, nested: bool) {
        // the closers still expected, innermost last
        let mut stack = std::mem::take(&mut self.open);
        loop {
            let tok = self.tok().clone();
            match tok {
                Tok::Eof => return,
                Tok::Terminator if stack.is_empty() => {
                    self.bump();
                    return;
                }
                Tok::LCurly => stack.push(Tok::RCurly),
                Tok::LParen => stack.push(Tok::RParen),
                Tok::LBrack => stack.push(Tok::RBrack),
                Tok::RCurly | Tok::RParen | Tok::RBrack => {
                    if let Some(i) = stack.iter().rposition(|t| *t == tok) {
                        stack.truncate(i);
                    } else if tok == Tok::RCurly && nested {
                        // closes the enclosing block
                        return;
                    }
                }
                _ => {}
            }
            self.bump();
        }
    }

    /// Statements up to the end of the file, or up to (not including) the
    /// `}` that closes the block when `nested`.
    fn body(&mut self, nested: bool) -> Vec<Stmt> {
        let mut body = Vec::new();
        loop {
            match self.tok() {
                Tok::Eof => break,
                Tok::RCurly if nested => break,
                Tok::Terminator => {
                    self.bump();
                    continue;
                }
                _ => {}
            }
            match self.statement() {
                Ok(s) => body.push(s),
                Err(e) => {
                    self.errors.push(e);
                    self.recover(nested);
                    continue;
                }
            }
            match self.tok() {
                Tok::Eof => break,
                Tok::RCurly if nested => break,
                Tok::Terminator => {
                    self.bump();
                }
                other => {
                    let msg = format!(
                        "expected the end of the line after a statement, found {}",
                        other.describe()
                    );
                    self.errors.push(self.err(msg));
                    self.recover(nested);
                }
            }
        }
        body
    }

    fn ident(&mut self, what: &str) -> PResult<Ident> {
        match self.tok() {
            Tok::Ident(name) => {
                let name = name.clone();
                let span = self.bump().span;
                Ok(Ident { name, span })
            }
            _ => Err(self.expected(what)),
        }
    }

    fn statement(&mut self) -> PResult<Stmt> {
        // an error may leave the depth counter raised; reset it here
        let saved = self.depth;
        self.open.clear();
        let r = self.statement_inner();
        self.depth = saved;
        if r.is_ok() {
            self.open.clear();
        }
        r
    }

    fn statement_inner(&mut self) -> PResult<Stmt> {
        let first = self.ident("an attribute name or a block name")?;
        let mut name = vec![first];
        while matches!(self.tok(), Tok::Dot) {
            self.bump();
            name.push(self.ident("an identifier after `.`")?);
        }
        let mut label = None;
        if let Tok::Str { value, raw } = self.tok() {
            let (value, raw) = (value.clone(), *raw);
            let span = self.bump().span;
            if raw {
                self.errors.push(ParseError {
                    message: "a block label must be a double-quoted string".into(),
                    span: span.clone(),
                });
            } else if !value.is_empty() && !is_identifier(&value) {
                self.errors.push(ParseError {
                    message: format!(
                        "block label \"{value}\" is not a valid identifier (letters, digits and `_`, not starting with a digit)"
                    ),
                    span: span.clone(),
                });
            }
            label = Some(StringLit { value, raw, span });
        }
        let start = name.first().map_or(0, |i| i.span.start);
        match self.tok() {
            Tok::Assign => {
                let joined = join_names(&name);
                if name.len() > 1 {
                    let end = name.last().map_or(start, |i| i.span.end);
                    self.errors.push(ParseError {
                        message: format!(
                            "attribute name `{joined}` must be a single identifier without `.`"
                        ),
                        span: start..end,
                    });
                }
                if let Some(l) = &label {
                    self.errors.push(ParseError {
                        message: "an attribute cannot have a label".into(),
                        span: l.span.clone(),
                    });
                }
                self.bump();
                let value = self.expr()?;
                let name = name.into_iter().next().unwrap_or(Ident {
                    name: joined,
                    span: start..start,
                });
                let span = start..value.span().end;
                Ok(Stmt::Attribute(Attribute { name, value, span }))
            }
            Tok::LCurly => {
                self.enter()?;
                self.bump();
                let body = self.body(true);
                self.depth -= 1;
                if !matches!(self.tok(), Tok::RCurly) {
                    let msg = format!(
                        "expected `}}` to close block `{}`, found {}",
                        join_names(&name),
                        self.tok().describe()
                    );
                    return Err(self.err(msg));
                }
                let end = self.bump().span.end;
                Ok(Stmt::Block(Block {
                    name,
                    label,
                    body,
                    span: start..end,
                }))
            }
            _ => {
                let joined = join_names(&name);
                if name.len() == 1 && label.is_none() {
                    Err(self.expected(&format!("`=` or `{{` after `{joined}`")))
                } else {
                    Err(self.expected(&format!("`{{` after block name `{joined}`")))
                }
            }
        }
    }

    fn expr(&mut self) -> PResult<Expr> {
        self.binary(1)
    }

    fn binary(&mut self, min_prec: u8) -> PResult<Expr> {
        let saved = self.depth;
        let mut lhs = self.pow()?;
        while let Some((op, prec)) = self.tok().binary() {
            if prec < min_prec {
                break;
            }
            let op_span = self.bump().span;
            let rhs = self.binary(prec + 1)?;
            // each link of a chain nests the tree one level deeper
            self.enter()?;
            let span = lhs.span().start..rhs.span().end;
            lhs = Expr::Binary {
                op,
                op_span,
                lhs: Box::new(lhs),
                rhs: Box::new(rhs),
                span,
            };
        }
        self.depth = saved;
        Ok(lhs)
    }

    fn pow(&mut self) -> PResult<Expr> {
        let lhs = self.unary()?;
        if matches!(self.tok(), Tok::Pow) {
            let op_span = self.bump().span;
            self.enter()?;
            let rhs = self.pow()?;
            self.depth -= 1;
            let span = lhs.span().start..rhs.span().end;
            return Ok(Expr::Binary {
                op: BinaryOp::Pow,
                op_span,
                lhs: Box::new(lhs),
                rhs: Box::new(rhs),
                span,
            });
        }
        Ok(lhs)
    }

    fn unary(&mut self) -> PResult<Expr> {
        let op = match self.tok() {
            Tok::Not => Some(UnaryOp::Not),
            Tok::Sub => Some(UnaryOp::Neg),
            _ => None,
        };
        if let Some(op) = op {
            let start = self.bump().span.start;
            self.enter()?;
            let value = self.unary()?;
            self.depth -= 1;
            let span = start..value.span().end;
            return Ok(Expr::Unary {
                op,
                value: Box::new(value),
                span,
            });
        }
        self.postfix()
    }

    fn postfix(&mut self) -> PResult<Expr> {
        let saved = self.depth;
        let mut e = self.primary()?;
        loop {
            match self.tok() {
                Tok::Dot => {
                    self.bump();
                    let name = self.ident("a name after `.`")?;
                    self.enter()?;
                    let span = e.span().start..name.span.end;
                    e = Expr::Access {
                        value: Box::new(e),
                        name,
                        span,
                    };
                }
                Tok::LBrack => {
                    self.bump();
                    self.open.push(Tok::RBrack);
                    self.enter()?;
                    let index = self.expr()?;
                    if !matches!(self.tok(), Tok::RBrack) {
                        return Err(self.expected("`]` after the index"));
                    }
                    self.open.pop();
                    let end = self.bump().span.end;
                    let span = e.span().start..end;
                    e = Expr::Index {
                        value: Box::new(e),
                        index: Box::new(index),
                        span,
                    };
                }
                Tok::LParen => {
                    self.bump();
                    self.open.push(Tok::RParen);
                    self.enter()?;
                    let args = self.list(Tok::RParen, "the arguments")?;
                    let end = self.prev_end();
                    let span = e.span().start..end;
                    e = Expr::Call {
                        func: Box::new(e),
                        args,
                        span,
                    };
                }
                _ => break,
            }
        }
        self.depth = saved;
        Ok(e)
    }

    /// Comma-separated expressions up to and including `close`.
    fn list(&mut self, close: Tok, what: &str) -> PResult<Vec<Expr>> {
        let mut out = Vec::new();
        loop {
            if *self.tok() == close {
                self.bump();
                self.open.pop();
                return Ok(out);
            }
            out.push(self.expr()?);
            match self.tok() {
                Tok::Comma => {
                    self.bump();
                }
                t if *t == close => {}
                Tok::Terminator => {
                    return Err(self.err(format!(
                        "missing `,` at the end of the line in {what} (a list that continues on the next line needs a comma after each element, the last one included)"
                    )))
                }
                _ => {
                    return Err(self.expected(&format!("`,` or `{}` in {what}", close.punct())))
                }
            }
        }
    }

    fn primary(&mut self) -> PResult<Expr> {
        let t = self.token().clone();
        match t.tok {
            Tok::Ident(name) => {
                self.bump();
                Ok(Expr::Ident(Ident { name, span: t.span }))
            }
            Tok::Null => {
                self.bump();
                Ok(Expr::Null(t.span))
            }
            Tok::Bool(value) => {
                self.bump();
                Ok(Expr::Bool {
                    value,
                    span: t.span,
                })
            }
            Tok::Number(text) => {
                self.bump();
                let value = text.parse::<f64>().unwrap_or(f64::NAN);
                Ok(Expr::Number {
                    value,
                    text,
                    span: t.span,
                })
            }
            Tok::Str { value, raw } => {
                self.bump();
                Ok(Expr::String(StringLit {
                    value,
                    raw,
                    span: t.span,
                }))
            }
            Tok::LParen => {
                self.bump();
                self.open.push(Tok::RParen);
                self.enter()?;
                let inner = self.expr()?;
                self.depth -= 1;
                if !matches!(self.tok(), Tok::RParen) {
                    return Err(self.expected("`)`"));
                }
                self.open.pop();
                let end = self.bump().span.end;
                Ok(Expr::Paren {
                    inner: Box::new(inner),
                    span: t.span.start..end,
                })
            }
            Tok::LBrack => {
                self.bump();
                self.open.push(Tok::RBrack);
                self.enter()?;
                let elements = self.list(Tok::RBrack, "the array")?;
                self.depth -= 1;
                Ok(Expr::Array {
                    elements,
                    span: t.span.start..self.prev_end(),
                })
            }
            Tok::LCurly => {
                self.bump();
                self.open.push(Tok::RCurly);
                self.enter()?;
                let fields = self.fields()?;
                self.depth -= 1;
                Ok(Expr::Object {
                    fields,
                    span: t.span.start..self.prev_end(),
                })
            }
            _ => Err(self.expected("an expression")),
        }
    }

    /// Object fields up to and including `}`.
    fn fields(&mut self) -> PResult<Vec<Field>> {
        let mut out = Vec::new();
        loop {
            if matches!(self.tok(), Tok::RCurly) {
                self.bump();
                self.open.pop();
                return Ok(out);
            }
            let t = self.token().clone();
            let (name, quoted) = match t.tok {
                Tok::Ident(name) => (name, false),
                Tok::Str { value, .. } => (value, true),
                _ => return Err(self.expected("a field name (an identifier or a string)")),
            };
            self.bump();
            if !matches!(self.tok(), Tok::Assign) {
                return Err(self.expected(&format!("`=` after field `{name}`")));
            }
            self.bump();
            let value = self.expr()?;
            let span = t.span.start..value.span().end;
            out.push(Field {
                name: Ident { name, span: t.span },
                quoted,
                value,
                span,
            });
            match self.tok() {
                Tok::Comma => {
                    self.bump();
                }
                Tok::RCurly => {}
                Tok::Terminator => {
                    return Err(self.err(
                        "missing `,` at the end of the line in the object (an object that continues on the next line needs a comma after each field, the last one included)",
                    ))
                }
                _ => return Err(self.expected("`,` or `}` in the object")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(src: &str) -> Config {
        let c = parse(src);
        assert!(c.errors.is_empty(), "{src:?}: {:?}", c.errors);
        c
    }

    fn first_error(src: &str) -> ParseError {
        let c = parse(src);
        c.errors
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("{src:?} parsed without error"))
    }

    fn attr_value(c: &Config, name: &str) -> Expr {
        for s in &c.body {
            if let Stmt::Attribute(a) = s {
                if a.name.name == name {
                    return a.value.clone();
                }
            }
        }
        panic!("no attribute {name}")
    }

    #[test]
    fn blocks_labels_and_attributes_keep_spans() {
        let src = "loki.write \"audit\" {\n  endpoint {\n    url = \"http://x\"\n  }\n}\n";
        let c = ok(src);
        let b = c.blocks().next().unwrap();
        assert_eq!(b.name(), "loki.write");
        assert_eq!(b.id(), "loki.write.audit");
        assert_eq!(&src[b.name_span()], "loki.write");
        assert_eq!(&src[b.header_span()], "loki.write \"audit\"");
        assert_eq!(&src[b.span.clone()], src.trim_end());
        let ep = b.blocks().next().unwrap();
        assert_eq!(ep.name(), "endpoint");
        assert!(ep.label.is_none());
        let url = ep.attr("url").unwrap();
        assert_eq!(&src[url.span.clone()], "url = \"http://x\"");
        assert_eq!(url.value.as_string().unwrap().value, "http://x");
        assert_eq!(c.components().len(), 1);
    }

    #[test]
    fn literals() {
        let c = ok("a = null\nb = true\nc = false\nd = 12\ne = 1.5e3\nf = .5\ng = `raw\\n\nline`\nh = \"q\\\"\\n\\u00e9\\x41\\101\"\n");
        assert_eq!(attr_value(&c, "a"), Expr::Null(4..8));
        assert!(matches!(
            attr_value(&c, "b"),
            Expr::Bool { value: true, .. }
        ));
        assert!(matches!(attr_value(&c, "d"), Expr::Number { value, .. } if value == 12.0));
        assert!(matches!(attr_value(&c, "e"), Expr::Number { value, .. } if value == 1500.0));
        assert!(matches!(attr_value(&c, "f"), Expr::Number { value, .. } if value == 0.5));
        let g = attr_value(&c, "g");
        let g = g.as_string().unwrap();
        assert!(g.raw);
        assert_eq!(g.value, "raw\\n\nline");
        assert_eq!(
            attr_value(&c, "h").as_string().unwrap().value,
            "q\"\né\u{41}A"
        );
    }

    #[test]
    fn arrays_objects_and_trailing_commas() {
        let src = "values = {\n  cluster = \"a\",\n  \"log_stream\" = \"b\",\n}\nlist = [\n  1,\n  2,\n]\nempty = {}\nnone = []\n";
        let c = ok(src);
        let v = attr_value(&c, "values");
        let fields = v.as_object().unwrap();
        assert_eq!(fields.len(), 2);
        assert_eq!(fields[1].name.name, "log_stream");
        assert!(fields[1].quoted);
        assert_eq!(&src[fields[1].name.span.clone()], "\"log_stream\"");
        assert_eq!(attr_value(&c, "list").as_array().unwrap().len(), 2);
        assert!(attr_value(&c, "empty").as_object().unwrap().is_empty());
        assert!(attr_value(&c, "none").as_array().unwrap().is_empty());
    }

    #[test]
    fn references_calls_and_operators() {
        let src = "forward_to = [loki.write.audit.receiver, loki.relabel.x.receiver]\npw = sys.env(\"PW\") + env(\"X\")\nn = -2 ^ 2 * 3 + 1 > 4 || !ok && a[0] == remote.kubernetes.secret.s.data[\"k\"]\n";
        let c = ok(src);
        let refs = attr_value(&c, "forward_to").references();
        let names: Vec<String> = refs.iter().map(Reference::dotted).collect();
        assert_eq!(
            names,
            ["loki.write.audit.receiver", "loki.relabel.x.receiver"]
        );
        assert_eq!(&src[refs[0].span.clone()], "loki.write.audit.receiver");
        assert!(
            attr_value(&c, "pw").references().is_empty(),
            "function names are not references"
        );
        let n = attr_value(&c, "n");
        let names: Vec<String> = n.references().iter().map(Reference::dotted).collect();
        assert_eq!(names, ["ok", "a", "remote.kubernetes.secret.s.data"]);
        // || binds loosest
        assert!(matches!(
            n,
            Expr::Binary {
                op: BinaryOp::Or,
                ..
            }
        ));
        // ^ binds tighter than unary minus's operand chain: (-2)^2
        let Expr::Binary { lhs, .. } = n else {
            unreachable!()
        };
        let Expr::Binary {
            op: BinaryOp::Gt,
            lhs: add,
            ..
        } = *lhs
        else {
            panic!()
        };
        let Expr::Binary {
            op: BinaryOp::Add,
            lhs: mul,
            ..
        } = *add
        else {
            panic!()
        };
        let Expr::Binary {
            op: BinaryOp::Mul,
            lhs: pow,
            ..
        } = *mul
        else {
            panic!()
        };
        assert!(matches!(
            *pow,
            Expr::Binary {
                op: BinaryOp::Pow,
                ..
            }
        ));
    }

    #[test]
    fn comments_anywhere() {
        let src = "// head\n/* block\n comment */\nlogging { // trailing\n  level = \"info\" /* inline */\n  format = /* before */ \"json\"\n}\n";
        let c = ok(src);
        let b = c.blocks().next().unwrap();
        assert_eq!(b.attributes().count(), 2);
    }

    #[test]
    fn statement_needs_its_own_line() {
        let e = first_error("a = 1 b = 2\n");
        assert_eq!(e.span, 6..7);
        assert!(e.message.contains("end of the line"), "{}", e.message);
    }

    #[test]
    fn multi_line_list_needs_trailing_comma() {
        let src = "forward_to = [\n  loki.write.a.receiver\n]\n";
        let e = first_error(src);
        assert!(e.message.contains("missing `,`"), "{}", e.message);
        assert_eq!(
            e.span.start,
            src.find("receiver").unwrap() + "receiver".len()
        );
    }

    #[test]
    fn errors_say_what_was_expected() {
        let cases: &[(&str, &str)] = &[
            ("a = \n", "expected an expression, found end of file"),
            (
                "a = [1, 2\n",
                "missing `,` at the end of the line in the array",
            ),
            ("a b\n", "expected `=` or `{` after `a`"),
            ("a.b \"x\" = 1\n", "attribute name `a.b`"),
            ("x = [1 2]\n", "expected `,` or `]` in the array"),
            (
                "x = { a 1 }\n",
                "expected `=` after field `a`, found number `1`",
            ),
            ("x = { a: 1 }\n", "unexpected character `:`"),
            ("x = \"abc\n", "string literal not terminated"),
            ("x = 'a'\n", "single-quoted"),
            ("x = \"\\d\"\n", "unknown escape sequence `\\d`"),
            ("x = 1 | 2\n", "expected `||`"),
            ("b \"not valid\" {}\n", "not a valid identifier"),
            ("b `raw` {}\n", "double-quoted"),
            ("x = 1e\n", "exponent has no digits"),
            ("/* open\n", "block comment not terminated"),
            ("b {\n a = 1\n", "expected `}` to close block `b`"),
            ("x = $\n", "unexpected character `$`"),
            (
                "}\n",
                "expected an attribute name or a block name, found `}`",
            ),
        ];
        for (src, want) in cases {
            let e = first_error(src);
            assert!(e.message.contains(want), "{src:?}: got {:?}", e.message);
            assert!(e.span.end <= src.len(), "{src:?}");
        }
    }

    #[test]
    fn recovery_skips_the_rest_of_an_unclosed_list() {
        let src = "b {\n  x = [\n    a.b\n  ]\n  y = {\n    k = (1\n  }\n}\nz = 1\n";
        let c = parse(src);
        assert_eq!(c.errors.len(), 2, "{:?}", c.errors);
        assert!(c.errors[0].message.contains("missing `,`"));
        assert!(
            c.errors[1].message.contains("expected `)`"),
            "{:?}",
            c.errors
        );
        assert!(c
            .body
            .iter()
            .any(|s| matches!(s, Stmt::Attribute(a) if a.name.name == "z")));
    }

    #[test]
    fn recovery_reports_one_error_per_line_and_keeps_going() {
        let src = "a = = 1\nb {\n  c = [\n}\nd = 2\n";
        let c = parse(src);
        assert_eq!(c.errors.len(), 2, "{:?}", c.errors);
        assert!(c
            .body
            .iter()
            .any(|s| matches!(s, Stmt::Attribute(a) if a.name.name == "d")));
    }

    #[test]
    fn one_line_blocks_and_nested_blocks() {
        let c = ok("loki.process \"p\" { stage.static_labels { values = { a = \"b\" } } }\n");
        let p = c.blocks().next().unwrap();
        let st = p.blocks().next().unwrap();
        assert_eq!(st.name(), "stage.static_labels");
        assert_eq!(
            st.attr("values").unwrap().value.as_object().unwrap().len(),
            1
        );
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        for src in [
            format!("a = {}1{}\n", "[".repeat(100_000), "]".repeat(100_000)),
            format!("a = {}1\n", "-".repeat(100_000)),
            format!("a = 1{}\n", " + 1".repeat(100_000)),
            format!("a = x{}\n", ".y".repeat(100_000)),
            format!("a = 2{}\n", " ^ 2".repeat(100_000)),
            format!("{}\n", "b {".repeat(100_000)),
            format!("a = {}\n", "(".repeat(100_000)),
            format!("a = f{}\n", "(1)".repeat(100_000)),
        ] {
            let c = parse(&src);
            assert!(
                c.errors
                    .iter()
                    .any(|e| e.message.contains("nested too deeply")),
                "{:?}",
                c.errors.first()
            );
        }
    }

    #[test]
    fn never_panics_on_truncations_of_a_real_file() {
        let src = "loki.process \"openbao_audit\" {\n  forward_to = [loki.relabel.a.receiver]\n  stage.static_labels {\n    values = { log_stream = \"openbao.audit\", \"é\" = `x` }\n  }\n  stage.json { expressions = { ts = \"\\\"@timestamp\\\"\" } }\n}\n/* c */ x = sys.env(\"A\")[0] * -1.5e2 // d\n";
        for i in 0..=src.len() {
            if src.is_char_boundary(i) {
                let _ = parse(&src[..i]);
                let _ = parse(&src[i..]);
            }
        }
    }

    #[test]
    fn bom_and_crlf() {
        let c = ok("\u{feff}a = 1\r\nb {\r\n  c = \"d\"\r\n}\r\n");
        assert_eq!(c.body.len(), 2);
    }

    #[test]
    fn identifiers() {
        assert!(is_identifier("openbao_audit"));
        assert!(is_identifier("_x9"));
        assert!(is_identifier("é"));
        assert!(!is_identifier("9x"));
        assert!(!is_identifier("a-b"));
        assert!(!is_identifier(""));
    }
}
