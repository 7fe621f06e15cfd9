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
//!
//! This file is the syntax tree and its queries; `lexer.rs` turns text into
//! tokens (with Go-style statement terminators), `parser.rs` builds the tree.

use std::ops::Range;

mod lexer;
mod parser;
#[cfg(test)]
mod tests;

use lexer::{is_digit, is_letter};
use parser::Parser;

/// A byte range into the parsed text.
pub type Span = Range<usize>;

/// The deepest nesting of blocks, brackets, operators and member accesses
/// [`parse`] accepts.
pub const MAX_DEPTH: usize = 200;

/// Most binary operators in one file: a flat chain is not nesting, but its
/// left-deep tree is walked by later passes, so it has its own budget.
pub const MAX_BINARY_OPS: usize = 10_000;

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
    let (toks, mut errors) = lexer::lex(src);
    let mut p = Parser::new(toks);
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
