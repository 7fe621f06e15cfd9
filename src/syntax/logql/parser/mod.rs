//! Recursive-descent parser over the tokens of [`super::lexer`]: the
//! grammar of expressions and selectors here, log pipelines and label
//! filters in `pipeline.rs`.

use std::time::Duration;

use super::lexer::{tokenize, Tok, Token};
use super::*;

mod pipeline;

/// Grouping keywords of aggregations, of vector matching, and of the side
/// a many-to-one match keeps.
const BY_WITHOUT: &[(&str, GroupingKind)] =
    &[("by", GroupingKind::By), ("without", GroupingKind::Without)];
const MATCHING: &[(&str, GroupingKind)] = &[
    ("on", GroupingKind::On),
    ("ignoring", GroupingKind::Ignoring),
];
const GROUP_SIDE: &[(&str, GroupingKind)] = &[
    ("group_left", GroupingKind::GroupLeft),
    ("group_right", GroupingKind::GroupRight),
];

/// Range aggregation functions: `rate` and those below, which need or
/// refuse `unwrap`.
fn is_range_func(name: &str) -> bool {
    name == "rate" || NEEDS_UNWRAP.contains(&name) || REFUSES_UNWRAP.contains(&name)
}

/// Range aggregations that only work on unwrapped values.
const NEEDS_UNWRAP: &[&str] = &[
    "rate_counter",
    "sum_over_time",
    "avg_over_time",
    "min_over_time",
    "max_over_time",
    "stddev_over_time",
    "stdvar_over_time",
    "quantile_over_time",
    "first_over_time",
    "last_over_time",
];

/// Range aggregations that count log lines or bytes and refuse `unwrap`.
const REFUSES_UNWRAP: &[&str] = &[
    "count_over_time",
    "bytes_over_time",
    "bytes_rate",
    "absent_over_time",
];

/// Range aggregations that accept `by`/`without`: those over unwrapped
/// values, except `rate_counter` and `sum_over_time`.
fn accepts_grouping(name: &str) -> bool {
    NEEDS_UNWRAP.contains(&name) && !matches!(name, "rate_counter" | "sum_over_time")
}

/// Vector aggregation operators.
const VECTOR_FUNCS: &[&str] = &[
    "sum",
    "avg",
    "min",
    "max",
    "stddev",
    "stdvar",
    "count",
    "topk",
    "bottomk",
    "sort",
    "sort_desc",
    "approx_topk",
];

/// Vector aggregations that take a leading numeric parameter.
const VECTOR_WITH_PARAM: &[&str] = &["topk", "bottomk", "approx_topk"];

/// Words that are always keywords, never label names (as in Loki's lexer and
/// Grafana's grammar). `by`, `and`, `sum`, ... are keywords only where the
/// grammar expects them.
const RESERVED: &[&str] = &[
    "json",
    "logfmt",
    "unpack",
    "pattern",
    "regexp",
    "unwrap",
    "label_format",
    "line_format",
    "label_replace",
    "vector",
    "offset",
    "bool",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "decolorize",
    "drop",
    "keep",
];

const UNWRAP_CONVERSIONS: &[&str] = &["duration", "duration_seconds", "bytes"];

const EXPECT_OPERAND: &str = "a stream selector, a number or a function such as rate(...)";
const EXPECT_STAGE: &str = "a parser (json, logfmt, regexp, pattern, unpack), a label filter, \
line_format, label_format, keep, drop, decolorize or unwrap";
const EXPECT_FILTER_VALUE: &str = "a string, number, duration, byte size or ip(\"...\")";

pub(super) fn parse(src: &str) -> Result<Expr, ParseError> {
    let mut p = Parser {
        src,
        toks: tokenize(src),
        pos: 0,
        depth: 0,
        binary_ops: 0,
        stack_base: stack_position(),
    };
    if matches!(p.tok(), Tok::Eof) {
        return Err(p.err_expected("a LogQL query"));
    }
    let expr = p.expr(0)?;
    if !matches!(p.tok(), Tok::Eof) {
        return Err(p.err_expected("an operator or the end of the query"));
    }
    Ok(expr)
}

struct Parser<'a> {
    src: &'a str,
    toks: Vec<Token>,
    pos: usize,
    depth: usize,
    /// Binary operators seen (see [`super::MAX_BINARY_OPS`]).
    binary_ops: usize,
    /// Stack position when parsing started (see [`STACK_BUDGET`]).
    stack_base: usize,
}

/// Most stack the parser may use. Nesting is limited to [`MAX_DEPTH`]
/// levels, and also by this budget, which unoptimised builds (whose frames
/// are several kilobytes) can reach first: the parser then fails with the
/// same error instead of overflowing a 2 MiB thread stack.
const STACK_BUDGET: usize = 1 << 20;

/// An address on the current stack frame, to measure how deep the parser is.
#[inline(never)]
fn stack_position() -> usize {
    let marker = 0u8;
    std::hint::black_box(&marker) as *const u8 as usize
}

fn lower(s: &str) -> String {
    s.to_ascii_lowercase()
}

fn join(a: &Span, b: &Span) -> Span {
    a.start.min(b.start)..a.end.max(b.end)
}

impl Parser<'_> {
    // ----- token access -------------------------------------------------

    fn token(&self) -> &Token {
        self.nth_token(0)
    }

    fn nth_token(&self, n: usize) -> &Token {
        let i = self.pos.saturating_add(n);
        // The vector always ends with Eof; clamp to it.
        match self.toks.get(i) {
            Some(t) => t,
            None => self.toks.last().unwrap_or(&EOF_TOKEN),
        }
    }

    fn tok(&self) -> &Tok {
        &self.token().tok
    }

    fn nth(&self, n: usize) -> &Tok {
        &self.nth_token(n).tok
    }

    fn span(&self) -> Span {
        self.token().span.clone()
    }

    fn bump(&mut self) -> Token {
        let t = self.token().clone();
        if self.pos < self.toks.len().saturating_sub(1) {
            self.pos += 1;
        }
        t
    }

    /// End of the previous token.
    fn prev_end(&self) -> usize {
        self.pos
            .checked_sub(1)
            .and_then(|i| self.toks.get(i))
            .map_or(0, |t| t.span.end)
    }

    fn is_kw(&self, n: usize, kw: &str) -> bool {
        matches!(self.nth(n), Tok::Ident(s) if s.eq_ignore_ascii_case(kw))
    }

    // ----- errors -------------------------------------------------------

    fn err_at(&self, message: &str, span: Span) -> ParseError {
        let (line, col) = line_col(self.src, span.start);
        ParseError {
            message: format!("{message} at {line}:{col}"),
            span,
        }
    }

    /// A regular expression Loki (Go RE2) rejects is a parse error; one over
    /// o11ylint's regex budget is accepted here (and judged conservatively
    /// by the rules that read it). See [`crate::syntax::re2`].
    pub(super) fn check_regex(&self, value: &str, span: &Span) -> Result<(), ParseError> {
        match crate::syntax::re2::check(value) {
            Err(crate::syntax::re2::Re2Error::Syntax(why)) => Err(self.err_at(
                &format!(
                    "invalid regular expression `{}`: {why}",
                    crate::syntax::re2::shorten(value)
                ),
                span.clone(),
            )),
            _ => Ok(()),
        }
    }

    /// "expected X" at the current token; a lexical error there wins.
    fn err_expected(&self, what: &str) -> ParseError {
        let t = self.token();
        match &t.tok {
            Tok::Error(msg) => self.err_at(msg, t.span.clone()),
            Tok::Eof => self.err_at(
                &format!("expected {what}, found end of query"),
                t.span.clone(),
            ),
            other => self.err_at(
                &format!("expected {what}, found {}", other.describe()),
                t.span.clone(),
            ),
        }
    }

    fn expect(&mut self, want: Tok, what: &str) -> Result<Token, ParseError> {
        if *self.tok() == want {
            Ok(self.bump())
        } else {
            Err(self.err_expected(what))
        }
    }

    fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH || self.stack_base.abs_diff(stack_position()) > STACK_BUDGET {
            return Err(self.err_at(
                &format!("query nested too deeply (the limit is {MAX_DEPTH} levels)"),
                self.span(),
            ));
        }
        Ok(())
    }

    fn chain_link(&mut self) -> Result<(), ParseError> {
        self.binary_ops += 1;
        if self.binary_ops > super::MAX_BINARY_OPS {
            return Err(self.err_at(
                &format!(
                    "query has more than {} binary operators (o11ylint's limit, see docs/robustness.md)",
                    super::MAX_BINARY_OPS
                ),
                self.span(),
            ));
        }
        Ok(())
    }

    fn ident(&mut self, what: &str) -> Result<Ident, ParseError> {
        match self.tok() {
            Tok::Ident(name) => {
                let name = name.clone();
                let span = self.bump().span;
                Ok(Ident { name, span })
            }
            _ => Err(self.err_expected(what)),
        }
    }

    /// A label name: an identifier that is not one of LogQL's reserved words.
    fn label_name(&mut self) -> Result<Ident, ParseError> {
        if let Tok::Ident(name) = self.tok() {
            if RESERVED.iter().any(|k| name.eq_ignore_ascii_case(k)) {
                return Err(self.err_at(
                    &format!("'{name}' is a LogQL keyword and cannot be used as a label name"),
                    self.span(),
                ));
            }
        }
        self.ident("a label name")
    }

    fn string(&mut self, what: &str) -> Result<StringLit, ParseError> {
        match self.tok() {
            Tok::Str(value) => {
                let value = value.clone();
                let span = self.bump().span;
                Ok(StringLit { value, span })
            }
            _ => Err(self.err_expected(what)),
        }
    }

    /// A number literal with an optional sign: `5`, `-1`, `+0.5`.
    fn signed_number(&mut self, what: &str) -> Result<NumberLit, ParseError> {
        let start = self.span().start;
        let sign = match self.tok() {
            Tok::Minus => -1.0,
            _ => 1.0,
        };
        if matches!(self.tok(), Tok::Minus | Tok::Plus) {
            if !matches!(self.nth(1), Tok::Number(_)) {
                self.bump();
                return Err(self.err_expected("a number"));
            }
            self.bump();
        }
        match *self.tok() {
            Tok::Number(v) => {
                let end = self.bump().span.end;
                Ok(NumberLit {
                    value: sign * v,
                    span: start..end,
                })
            }
            _ => Err(self.err_expected(what)),
        }
    }

    fn at_signed_number(&self) -> bool {
        match self.tok() {
            Tok::Number(_) => true,
            Tok::Plus | Tok::Minus => matches!(self.nth(1), Tok::Number(_)),
            _ => false,
        }
    }

    // ----- expressions --------------------------------------------------

    fn binop(&self) -> Option<(BinOp, u8, bool)> {
        let op = match self.tok() {
            Tok::Plus => BinOp::Add,
            Tok::Minus => BinOp::Sub,
            Tok::Star => BinOp::Mul,
            Tok::Slash => BinOp::Div,
            Tok::Percent => BinOp::Mod,
            Tok::Caret => BinOp::Pow,
            Tok::EqEq => BinOp::Eql,
            Tok::Neq => BinOp::Neq,
            Tok::Gt => BinOp::Gt,
            Tok::Gte => BinOp::Gte,
            Tok::Lt => BinOp::Lt,
            Tok::Lte => BinOp::Lte,
            Tok::Ident(s) if s.eq_ignore_ascii_case("or") => BinOp::Or,
            Tok::Ident(s) if s.eq_ignore_ascii_case("and") => BinOp::And,
            Tok::Ident(s) if s.eq_ignore_ascii_case("unless") => BinOp::Unless,
            _ => return None,
        };
        let (prec, right) = match op {
            BinOp::Or => (1, false),
            BinOp::And | BinOp::Unless => (2, false),
            BinOp::Eql | BinOp::Neq | BinOp::Gt | BinOp::Gte | BinOp::Lt | BinOp::Lte => (3, false),
            BinOp::Add | BinOp::Sub => (4, false),
            BinOp::Mul | BinOp::Div | BinOp::Mod => (5, false),
            BinOp::Pow => (6, true),
        };
        Some((op, prec, right))
    }

    /// Precedence climbing over binary operators.
    fn expr(&mut self, min_prec: u8) -> Result<Expr, ParseError> {
        let saved = self.depth;
        self.enter()?;
        let mut lhs = self.operand()?;
        while let Some((op, prec, right_assoc)) = self.binop() {
            if prec < min_prec {
                break;
            }
            // A flat chain (`a + b + c`) is not nesting (Loki accepts 255
            // terms and more); its links have their own budget.
            self.chain_link()?;
            let op_span = self.bump().span;
            let mut bool_modifier = None;
            if self.is_kw(0, "bool") {
                let span = self.bump().span;
                if !op.is_comparison() {
                    return Err(self.err_at(
                        "the bool modifier can only be used with comparison operators",
                        span,
                    ));
                }
                bool_modifier = Some(span);
            }
            let mut matching = None;
            let mut group = None;
            if let Some(kind) = self.grouping_kw(MATCHING) {
                matching = Some(self.grouping(kind, true)?);
                if let Some(kind) = self.grouping_kw(GROUP_SIDE) {
                    let g = if matches!(self.nth(1), Tok::LParen) {
                        self.grouping(kind, true)?
                    } else {
                        let span = self.bump().span;
                        Grouping {
                            kind,
                            labels: Vec::new(),
                            span,
                        }
                    };
                    if op.is_set() {
                        return Err(self.err_at(
                            &format!(
                                "group modifiers cannot be used with the '{}' operator",
                                op.as_str()
                            ),
                            g.span,
                        ));
                    }
                    group = Some(g);
                }
            } else if self.is_kw(0, "group_left") || self.is_kw(0, "group_right") {
                return Err(self.err_at(
                    "group_left/group_right must follow on(...) or ignoring(...)",
                    self.span(),
                ));
            }
            let next_min = if right_assoc { prec } else { prec + 1 };
            let rhs = self.expr(next_min)?;
            for (side, e) in [("left", &lhs), ("right", &rhs)] {
                if !e.is_metric() {
                    return Err(self.err_at(
                        &format!(
                            "the {side} side of '{}' is a log query; binary operators need metric queries such as rate(...) or numbers",
                            op.as_str()
                        ),
                        e.span(),
                    ));
                }
            }
            if op.is_comparison() && bool_modifier.is_none() && is_scalar(&lhs) && is_scalar(&rhs) {
                return Err(self.err_at(
                    "comparisons between two numbers must use the bool modifier",
                    op_span,
                ));
            }
            let span = join(&lhs.span(), &rhs.span());
            lhs = Expr::Binary(Box::new(BinaryExpr {
                op,
                op_span,
                lhs: Box::new(lhs),
                rhs: Box::new(rhs),
                bool_modifier,
                matching,
                group,
                span,
            }));
        }
        self.depth = saved;
        Ok(lhs)
    }

    fn operand(&mut self) -> Result<Expr, ParseError> {
        match self.tok().clone() {
            Tok::LParen => {
                let start = self.bump().span.start;
                let inner = self.expr(0)?;
                let end = self.expect(Tok::RParen, "')'")?.span.end;
                Ok(Expr::Paren {
                    inner: Box::new(inner),
                    span: start..end,
                })
            }
            Tok::LBrace => {
                let selector = self.selector()?;
                let pipeline = self.pipeline(false)?;
                if matches!(self.tok(), Tok::LBracket) {
                    return Err(self.err_at(
                        "a range such as [5m] is only allowed inside a range aggregation such as count_over_time(...)",
                        self.span(),
                    ));
                }
                let end = pipeline.last().map_or(selector.span.end, |s| s.span().end);
                let span = selector.span.start..end;
                Ok(Expr::Log(LogQuery {
                    selector,
                    pipeline,
                    span,
                }))
            }
            Tok::Number(_) | Tok::Plus | Tok::Minus => {
                if !self.at_signed_number() {
                    return Err(self.err_expected(EXPECT_OPERAND));
                }
                Ok(Expr::Number(self.signed_number(EXPECT_OPERAND)?))
            }
            Tok::Ident(name) => {
                let l = lower(&name);
                if is_range_func(&l) {
                    self.range_aggregation()
                } else if VECTOR_FUNCS.contains(&l.as_str()) {
                    self.vector_aggregation()
                } else if l == "vector" {
                    self.vector()
                } else if l == "label_replace" {
                    self.label_replace()
                } else if matches!(self.nth(1), Tok::LParen) {
                    Err(self.err_at(&format!("unknown function '{name}'"), self.span()))
                } else {
                    Err(self.err_expected(EXPECT_OPERAND))
                }
            }
            _ => Err(self.err_expected(EXPECT_OPERAND)),
        }
    }

    fn range_aggregation(&mut self) -> Result<Expr, ParseError> {
        let func = self.ident("a function name")?;
        let fname = lower(&func.name);
        self.expect(Tok::LParen, "'('")?;
        let mut param = None;
        if self.at_signed_number() {
            param = Some(self.signed_number("a number")?);
            self.expect(Tok::Comma, "','")?;
        }
        let range = self.log_range()?;
        let close = self.expect(Tok::RParen, "')'")?.span;
        let mut grouping = None;
        if let Some(kind) = self.grouping_kw(BY_WITHOUT) {
            let g = self.grouping(kind, false)?;
            if !accepts_grouping(&fname) {
                return Err(self.err_at(
                    &format!(
                        "{} does not support by/without (only avg, min, max, stddev, stdvar, quantile, first and last _over_time do); aggregate with sum by (...) (...) instead",
                        func.name
                    ),
                    g.span,
                ));
            }
            grouping = Some(g);
        }
        if fname == "quantile_over_time" {
            if param.is_none() {
                return Err(self.err_at(
                    "quantile_over_time needs a quantile parameter, e.g. quantile_over_time(0.99, ...)",
                    func.span,
                ));
            }
        } else if let Some(p) = &param {
            return Err(self.err_at(
                &format!("{} does not take a parameter", func.name),
                p.span.clone(),
            ));
        }
        let unwrap = range.unwrap().map(|u| u.span.clone());
        if NEEDS_UNWRAP.contains(&fname.as_str()) && unwrap.is_none() {
            return Err(self.err_at(
                &format!(
                    "{} needs an unwrap expression such as | unwrap latency before the range",
                    func.name
                ),
                func.span,
            ));
        }
        if let Some(uspan) = unwrap {
            if REFUSES_UNWRAP.contains(&fname.as_str()) {
                return Err(
                    self.err_at(&format!("{} cannot be used with unwrap", func.name), uspan)
                );
            }
        }
        let end = grouping.as_ref().map_or(close.end, |g| g.span.end);
        let span = func.span.start..end;
        Ok(Expr::RangeAggregation(Box::new(RangeAggregation {
            func,
            param,
            range,
            grouping,
            span,
        })))
    }

    /// The argument of a range aggregation: selector, pipeline stages before
    /// and after the `[range]`, optional `offset`, possibly in parentheses.
    fn log_range(&mut self) -> Result<LogRange, ParseError> {
        let saved = self.depth;
        self.enter()?;
        let start = self.span().start;
        let parts = self.log_range_parts()?;
        let Some((range, range_span)) = parts.range else {
            return Err(self.err_expected("a range such as [5m]"));
        };
        let mut unwrap_seen: Option<Span> = None;
        for stage in &parts.pipeline {
            match stage {
                Stage::Unwrap(u) => {
                    if unwrap_seen.is_some() {
                        return Err(self.err_at("only one unwrap is allowed", u.span.clone()));
                    }
                    unwrap_seen = Some(u.span.clone());
                }
                Stage::LabelFilter { .. } => {}
                other => {
                    if unwrap_seen.is_some() {
                        return Err(
                            self.err_at("only label filters may follow unwrap", other.span())
                        );
                    }
                }
            }
        }
        self.depth = saved;
        Ok(LogRange {
            selector: parts.selector,
            pipeline: parts.pipeline,
            range,
            range_span,
            offset: parts.offset,
            span: start..self.prev_end(),
        })
    }

    fn log_range_parts(&mut self) -> Result<RangeParts, ParseError> {
        let parenthesised = matches!(self.tok(), Tok::LParen);
        let mut parts = if parenthesised {
            self.bump();
            self.enter()?;
            let inner = self.log_range_parts()?;
            self.expect(Tok::RParen, "')'")?;
            inner
        } else if matches!(self.tok(), Tok::LBrace) {
            RangeParts {
                selector: self.selector()?,
                pipeline: Vec::new(),
                range: None,
                offset: None,
            }
        } else {
            return Err(self.err_expected("a stream selector such as {job=\"app\"}"));
        };
        // Number of stages written before the range, once the range is known.
        let mut stages_before_range = parts.range.as_ref().map(|_| parts.pipeline.len());
        // `( ... [5m] )` is complete: nothing may follow the parenthesis.
        let closed = parenthesised && parts.range.is_some();
        loop {
            if closed {
                break;
            }
            if self.at_stage_start() {
                if parenthesised && parts.range.is_none() {
                    // `( ... ) | stage [5m]` is not LogQL.
                    return Err(self.err_expected("a range such as [5m]"));
                }
                if stages_before_range.is_some_and(|n| n > 0) {
                    return Err(self.err_at(
                        "pipeline stages go either before the range or after it, not on both sides",
                        self.span(),
                    ));
                }
                let stage = self.stage(true)?;
                parts.pipeline.push(stage);
            } else if matches!(self.tok(), Tok::LBracket) && parts.range.is_none() {
                self.bump();
                let (range, span) = match *self.tok() {
                    Tok::Duration(secs) => {
                        let span = self.bump().span;
                        let Ok(d) = Duration::try_from_secs_f64(secs) else {
                            return Err(self.err_at("range is too large", span));
                        };
                        (d, span)
                    }
                    _ => return Err(self.err_expected("a duration such as 5m")),
                };
                self.expect(Tok::RBracket, "']'")?;
                parts.range = Some((range, span));
                stages_before_range = Some(parts.pipeline.len());
                if self.is_kw(0, "offset") {
                    let kw = self.bump().span;
                    let (seconds, duration_span) = self.signed_duration("a duration such as 1h")?;
                    parts.offset = Some(Offset {
                        seconds,
                        span: kw.start..duration_span.end,
                        duration_span,
                    });
                }
            } else {
                break;
            }
        }
        Ok(parts)
    }

    /// A duration with an optional leading `-`.
    fn signed_duration(&mut self, what: &str) -> Result<(f64, Span), ParseError> {
        let start = self.span().start;
        let neg = matches!(self.tok(), Tok::Minus) && matches!(self.nth(1), Tok::Duration(_));
        if neg {
            self.bump();
        }
        match *self.tok() {
            Tok::Duration(secs) => {
                let end = self.bump().span.end;
                Ok((if neg { -secs } else { secs }, start..end))
            }
            _ => Err(self.err_expected(what)),
        }
    }

    fn vector_aggregation(&mut self) -> Result<Expr, ParseError> {
        let func = self.ident("an aggregation")?;
        let fname = lower(&func.name);
        let mut grouping = None;
        if let Some(kind) = self.grouping_kw(BY_WITHOUT) {
            grouping = Some(self.grouping(kind, false)?);
        }
        self.expect(Tok::LParen, "'('")?;
        let mut param = None;
        if VECTOR_WITH_PARAM.contains(&fname.as_str()) {
            if !self.at_signed_number() {
                return Err(self.err_at(
                    &format!(
                        "{} needs a number parameter, e.g. {}(5, ...)",
                        func.name, fname
                    ),
                    self.span(),
                ));
            }
            param = Some(self.signed_number("a number")?);
            self.expect(Tok::Comma, "','")?;
        } else if self.at_signed_number() && self.comma_after_number() {
            return Err(self.err_at(
                &format!("{} does not take a parameter", func.name),
                self.span(),
            ));
        }
        let inner = self.expr(0)?;
        let close = self.expect(Tok::RParen, "')'")?.span;
        if let (None, Some(kind)) = (&grouping, self.grouping_kw(BY_WITHOUT)) {
            grouping = Some(self.grouping(kind, false)?);
        }
        if !inner.is_metric() {
            return Err(self.err_at(
                &format!(
                    "{} needs a metric query such as rate(...) or count_over_time(...), not a log query",
                    func.name
                ),
                inner.span(),
            ));
        }
        let mut end = close.end;
        if let Some(g) = &grouping {
            end = end.max(g.span.end);
        }
        let span = func.span.start..end;
        Ok(Expr::VectorAggregation(Box::new(VectorAggregation {
            func,
            param,
            inner: Box::new(inner),
            grouping,
            span,
        })))
    }

    /// At a (signed) number followed by a comma?
    fn comma_after_number(&self) -> bool {
        match self.tok() {
            Tok::Number(_) => matches!(self.nth(1), Tok::Comma),
            _ => matches!(self.nth(2), Tok::Comma),
        }
    }

    fn vector(&mut self) -> Result<Expr, ParseError> {
        let func = self.ident("vector")?;
        self.expect(Tok::LParen, "'('")?;
        let value = match *self.tok() {
            Tok::Number(v) => NumberLit {
                value: v,
                span: self.bump().span,
            },
            _ => return Err(self.err_expected("a number")),
        };
        let end = self.expect(Tok::RParen, "')'")?.span.end;
        let span = func.span.start..end;
        Ok(Expr::Vector { func, value, span })
    }

    fn label_replace(&mut self) -> Result<Expr, ParseError> {
        let func = self.ident("label_replace")?;
        self.expect(Tok::LParen, "'('")?;
        let inner = self.expr(0)?;
        if !inner.is_metric() {
            return Err(self.err_at(
                "label_replace needs a metric query, not a log query",
                inner.span(),
            ));
        }
        let mut args = Vec::with_capacity(4);
        for what in [
            "the destination label as a string",
            "the replacement as a string",
            "the source label as a string",
            "the regular expression as a string",
        ] {
            self.expect(Tok::Comma, "','")?;
            args.push(self.string(what)?);
        }
        let end = self.expect(Tok::RParen, "')'")?.span.end;
        let mut it = args.into_iter();
        let (Some(dst), Some(replacement), Some(src_label), Some(regex)) =
            (it.next(), it.next(), it.next(), it.next())
        else {
            return Err(self.err_at("label_replace needs four string arguments", func.span));
        };
        let span = func.span.start..end;
        let dst_label = self.string_as_ident(&dst);
        Ok(Expr::LabelReplace(Box::new(LabelReplace {
            func,
            inner: Box::new(inner),
            dst_label,
            dst,
            replacement,
            src_label,
            regex,
            span,
        })))
    }

    /// `by (...)` and friends; the current token is the keyword.
    /// The grouping clause whose keyword is at the cursor, among `choices`.
    fn grouping_kw(&self, choices: &[(&str, GroupingKind)]) -> Option<GroupingKind> {
        choices
            .iter()
            .find(|(kw, _)| self.is_kw(0, kw))
            .map(|&(_, kind)| kind)
    }

    fn grouping(
        &mut self,
        kind: GroupingKind,
        allow_trailing_comma: bool,
    ) -> Result<Grouping, ParseError> {
        let start = self.bump().span.start;
        self.expect(Tok::LParen, "'(' and a list of labels")?;
        let mut labels = Vec::new();
        if !matches!(self.tok(), Tok::RParen) {
            loop {
                labels.push(self.label_name()?);
                if matches!(self.tok(), Tok::Comma) {
                    self.bump();
                    if allow_trailing_comma && matches!(self.tok(), Tok::RParen) {
                        break;
                    }
                    continue;
                }
                break;
            }
        }
        if !matches!(self.tok(), Tok::RParen) {
            return Err(self.err_expected("',' or ')'"));
        }
        let end = self.bump().span.end;
        Ok(Grouping {
            kind,
            labels,
            span: start..end,
        })
    }

    // ----- selectors ----------------------------------------------------

    fn selector(&mut self) -> Result<Selector, ParseError> {
        let start = self.expect(Tok::LBrace, "'{'")?.span.start;
        let mut matchers = Vec::new();
        loop {
            if !matches!(self.tok(), Tok::Ident(_)) {
                return Err(self.err_expected("a label matcher such as job=\"app\""));
            }
            matchers.push(self.matcher()?);
            match self.tok() {
                Tok::Comma => {
                    self.bump();
                }
                Tok::RBrace => break,
                _ => return Err(self.err_expected("',' or '}'")),
            }
        }
        let end = self.bump().span.end;
        Ok(Selector {
            matchers,
            span: start..end,
        })
    }

    fn match_op(&self) -> Option<MatchOp> {
        match self.tok() {
            Tok::Eq => Some(MatchOp::Eq),
            Tok::Neq => Some(MatchOp::Neq),
            Tok::Re => Some(MatchOp::Re),
            Tok::Nre => Some(MatchOp::Nre),
            _ => None,
        }
    }

    fn matcher(&mut self) -> Result<Matcher, ParseError> {
        let name = self.label_name()?;
        let Some(op) = self.match_op() else {
            return Err(self.err_expected("a matching operator (=, !=, =~ or !~)"));
        };
        self.bump();
        let value = self.string("a quoted string")?;
        if matches!(op, MatchOp::Re | MatchOp::Nre) {
            self.check_regex(&value.value, &value.span)?;
        }
        let span = name.span.start..value.span.end;
        Ok(Matcher {
            name,
            op,
            value: value.value,
            value_span: value.span,
            span,
        })
    }
}

struct RangeParts {
    selector: Selector,
    pipeline: Vec<Stage>,
    range: Option<(Duration, Span)>,
    offset: Option<Offset>,
}

static EOF_TOKEN: Token = Token {
    tok: Tok::Eof,
    span: 0..0,
};

/// A number, or an expression of numbers only (in parentheses or combined by operators).
fn is_scalar(e: &Expr) -> bool {
    match e {
        Expr::Number(_) => true,
        Expr::Paren { inner, .. } => is_scalar(inner),
        Expr::Binary(b) => is_scalar(&b.lhs) && is_scalar(&b.rhs),
        _ => false,
    }
}

fn is_label_char(c: char, first: bool) -> bool {
    c == '_' || c.is_ascii_alphabetic() || (!first && c.is_ascii_digit())
}
