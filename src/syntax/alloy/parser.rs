//! The Alloy parser: recursive descent over the tokens, with a depth and
//! stack budget, recovering at the next line after an error.

use super::lexer::{Tok, Token};
use super::*;

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

pub(super) struct Parser {
    toks: Vec<Token>,
    pos: usize,
    pub(super) errors: Vec<ParseError>,
    depth: usize,
    /// Binary operators seen in the file (see [`super::MAX_BINARY_OPS`]).
    binary_ops: usize,
    stack_base: usize,
    /// Brackets of the current statement's expression opened and not yet
    /// closed: recovery after an error skips to their close first.
    open: Vec<Tok>,
}

type PResult<T> = Result<T, ParseError>;

impl Parser {
    pub(super) fn new(toks: Vec<Token>) -> Parser {
        Parser {
            toks,
            pos: 0,
            errors: Vec::new(),
            depth: 0,
            binary_ops: 0,
            stack_base: stack_position(),
            open: Vec::new(),
        }
    }

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
    pub(super) fn body(&mut self, nested: bool) -> Vec<Stmt> {
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
            // a flat chain (`"a" + "b" + ...`) is not nesting (Alloy takes
            // 200 terms and more); its links have their own budget
            self.binary_ops += 1;
            if self.binary_ops > super::MAX_BINARY_OPS {
                return Err(self.err(format!(
                    "expression has more than {} binary operators (o11ylint's limit, see docs/robustness.md)",
                    super::MAX_BINARY_OPS
                )));
            }
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
