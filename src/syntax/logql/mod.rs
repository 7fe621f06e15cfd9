//! A LogQL parser with exact source spans.
//!
//! LogQL is the query language of Grafana Loki. This module parses a query
//! string into an [`Expr`] tree in which every node carries the byte range
//! ([`Span`]) of the text it came from, so that diagnostics can point at the
//! exact place in a rule file or dashboard.
//!
//! Coverage follows the current Loki documentation: stream selectors, line
//! filters (`|=`, `!=`, `|~`, `!~`, `|>`, `!>`, `or` chains, `ip("...")`),
//! parsers (`json`, `logfmt` with flags and parameters, `regexp`, `pattern`,
//! `unpack`), label filters (string, number, duration, byte-size and `ip()`
//! comparisons combined with `and`, `or`, `,`, whitespace and parentheses),
//! `line_format`, `label_format`, `keep`, `drop`, `decolorize`, `unwrap` with
//! its conversions, range aggregations with `[range]` and `offset`, vector
//! aggregations with `by`/`without`, binary operators with `bool`,
//! `on`/`ignoring` and `group_left`/`group_right`, number literals,
//! `vector(n)`, `label_replace(...)`, parentheses and `#` comments.
//!
//! Besides the grammar, [`parse`] applies the structural checks that Loki
//! itself makes while parsing, because a query failing them is rejected by
//! Loki just the same:
//! - binary operators and vector aggregations need metric queries, not log queries;
//! - `unwrap` appears only inside a range aggregation, once, followed only by label filters;
//! - `sum_over_time`, `avg_over_time`, `min_over_time`, `max_over_time`,
//!   `stddev_over_time`, `stdvar_over_time`, `quantile_over_time`,
//!   `first_over_time`, `last_over_time` and `rate_counter` need an `unwrap`;
//!   `count_over_time`, `bytes_over_time`, `bytes_rate` and `absent_over_time`
//!   refuse one;
//! - `by`/`without` after a range aggregation only for `avg`, `min`, `max`,
//!   `stddev`, `stdvar`, `quantile`, `first` and `last` `_over_time`;
//! - `quantile_over_time`, `topk`, `bottomk` and `approx_topk` need their
//!   numeric parameter and the other aggregations refuse one;
//! - `bool` only on comparison operators, `group_left`/`group_right` not on
//!   `and`/`or`/`unless`, and a comparison between two scalars needs `bool`;
//! - strings use Go's escape rules (an unknown escape such as `"\d"` is an error).
//!
//! Not checked: whether regular expressions compile, and Loki's rule that a
//! selector needs at least one matcher that does not match the empty string.
//!
//! The parser never panics and never recurses without bound: nesting deeper
//! than [`MAX_DEPTH`] levels (parentheses, function calls, chains of
//! label-filter `and`/`or`), more than [`MAX_BINARY_OPS`] binary operators
//! (a flat chain is not nesting) is reported as an error, and so
//! is nesting that would take the parser past 1 MiB of stack (a limit only
//! unoptimised builds, with their large frames, reach before [`MAX_DEPTH`]:
//! about a hundred nested function calls there).

mod lexer;
mod parser;
#[cfg(test)]
mod tests;

use std::fmt;
use std::ops::Range;
use std::time::Duration;

/// A byte range into the query string that was parsed.
pub type Span = Range<usize>;

/// The deepest nesting [`parse`] accepts.
pub const MAX_DEPTH: usize = 256;

/// Most binary operators in one query. A flat chain (`a + b + c`) is not
/// nesting, but it makes a left-deep tree that later passes walk, so it has
/// its own, larger, budget.
pub const MAX_BINARY_OPS: usize = 1_000;

/// A syntax error. `message` names what was expected (or what is wrong) and
/// ends with the `line:column` of `span.start` (both 1-based, columns counted
/// in characters); `span` is the byte range of the offending text, empty at
/// the end of the query when the query stops too early.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseError {
    pub message: String,
    pub span: Span,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ParseError {}

/// Parses a complete LogQL query (log query or metric query).
pub fn parse(src: &str) -> Result<Expr, ParseError> {
    parser::parse(src)
}

/// 1-based line and column (in characters) of byte `offset` in `src`.
pub fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(src.len());
    while !src.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = src.get(..offset).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before.get(line_start..).unwrap_or("").chars().count() + 1;
    (line, col)
}

/// A name (label, function or keyword-like identifier) and where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// A string literal: the unescaped value and the span including the quotes.
#[derive(Debug, Clone, PartialEq)]
pub struct StringLit {
    pub value: String,
    pub span: Span,
}

/// A number literal, sign included.
#[derive(Debug, Clone, PartialEq)]
pub struct NumberLit {
    pub value: f64,
    pub span: Span,
}

/// Label matching operator of a stream selector or string label filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchOp {
    /// `=`
    Eq,
    /// `!=`
    Neq,
    /// `=~`
    Re,
    /// `!~`
    Nre,
}

impl MatchOp {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchOp::Eq => "=",
            MatchOp::Neq => "!=",
            MatchOp::Re => "=~",
            MatchOp::Nre => "!~",
        }
    }
}

/// `name op "value"`, in a stream selector, a label filter, `keep` or `drop`.
#[derive(Debug, Clone, PartialEq)]
pub struct Matcher {
    pub name: Ident,
    pub op: MatchOp,
    /// The unescaped value.
    pub value: String,
    /// Span of the value, quotes included.
    pub value_span: Span,
    pub span: Span,
}

/// A stream selector `{...}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Selector {
    pub matchers: Vec<Matcher>,
    pub span: Span,
}

impl Selector {
    /// The first matcher on label `name`, if any.
    pub fn matcher(&self, name: &str) -> Option<&Matcher> {
        self.matchers.iter().find(|m| m.name.name == name)
    }
}

/// Which clause a [`Grouping`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupingKind {
    By,
    Without,
    On,
    Ignoring,
    GroupLeft,
    GroupRight,
}

/// `by (...)`, `without (...)`, `on (...)`, `ignoring (...)`,
/// `group_left (...)` or `group_right (...)`. The span runs from the keyword
/// to the closing parenthesis (or is just the keyword for a bare `group_left`).
#[derive(Debug, Clone, PartialEq)]
pub struct Grouping {
    pub kind: GroupingKind,
    pub labels: Vec<Ident>,
    pub span: Span,
}

/// Which construct created a label (see [`Expr::created_labels`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabelOrigin {
    LabelFormat,
    Json,
    Logfmt,
    Regexp,
    Pattern,
    LabelReplace,
    /// Never produced at present: `| unpack` creates labels not known from the query.
    Unpack,
}

/// A label a query creates, with the construct that creates it.
#[derive(Debug, Clone, PartialEq)]
pub struct CreatedLabel {
    pub name: Ident,
    pub origin: LabelOrigin,
}

/// Operator of a line filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineFilterOp {
    /// `|=`
    Contains,
    /// `!=`
    NotContains,
    /// `|~`
    Match,
    /// `!~`
    NotMatch,
    /// `|>`
    Pattern,
    /// `!>`
    NotPattern,
}

impl LineFilterOp {
    pub fn as_str(self) -> &'static str {
        match self {
            LineFilterOp::Contains => "|=",
            LineFilterOp::NotContains => "!=",
            LineFilterOp::Match => "|~",
            LineFilterOp::NotMatch => "!~",
            LineFilterOp::Pattern => "|>",
            LineFilterOp::NotPattern => "!>",
        }
    }
}

/// The value of a line filter.
#[derive(Debug, Clone, PartialEq)]
pub enum FilterValue {
    /// A string (substring, regular expression or pattern depending on the operator).
    String(StringLit),
    /// `ip("...")`; `span` covers `ip(...)`.
    Ip { value: StringLit, span: Span },
}

impl FilterValue {
    pub fn span(&self) -> Span {
        match self {
            FilterValue::String(s) => s.span.clone(),
            FilterValue::Ip { span, .. } => span.clone(),
        }
    }
}

/// `|= "a" or "b"`: one operator and one or more values joined by `or`.
#[derive(Debug, Clone, PartialEq)]
pub struct LineFilter {
    pub op: LineFilterOp,
    pub op_span: Span,
    pub values: Vec<FilterValue>,
    pub span: Span,
}

/// Which parser a [`ParserStage`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParserKind {
    Json,
    Logfmt,
    Regexp,
    Pattern,
    Unpack,
}

/// A `json`/`logfmt` parameter: `name` or `name="expression"`.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelExtraction {
    pub name: Ident,
    pub expression: Option<StringLit>,
    pub span: Span,
}

/// `| json ...`, `| logfmt ...`, `| regexp "..."`, `| pattern "..."`, `| unpack`.
#[derive(Debug, Clone, PartialEq)]
pub struct ParserStage {
    pub kind: ParserKind,
    /// The parser keyword as written.
    pub keyword: Ident,
    /// `--strict`, `--keep-empty` (logfmt only).
    pub flags: Vec<Ident>,
    /// Named extractions (json and logfmt).
    pub params: Vec<LabelExtraction>,
    /// The expression of `regexp` and `pattern`.
    pub expression: Option<StringLit>,
    /// Labels named inside the `regexp` (`(?P<name>...)`) or `pattern`
    /// (`<name>`) expression. A span is the name itself when it can be found in
    /// the source text, else the whole string literal.
    pub captures: Vec<Ident>,
    /// From the `|` to the end of the stage.
    pub span: Span,
}

/// Comparison operator of a numeric, duration or byte-size label filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    /// `=`
    Eq,
    /// `==`
    EqEq,
    /// `!=`
    Neq,
    /// `>`
    Gt,
    /// `>=`
    Gte,
    /// `<`
    Lt,
    /// `<=`
    Lte,
}

impl CmpOp {
    pub fn as_str(self) -> &'static str {
        match self {
            CmpOp::Eq => "=",
            CmpOp::EqEq => "==",
            CmpOp::Neq => "!=",
            CmpOp::Gt => ">",
            CmpOp::Gte => ">=",
            CmpOp::Lt => "<",
            CmpOp::Lte => "<=",
        }
    }
}

/// The right-hand side of a comparison label filter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FilterLiteral {
    Number(f64),
    /// In seconds; may be negative.
    Duration(f64),
    /// In bytes.
    Bytes(f64),
}

/// A label filter expression.
#[derive(Debug, Clone, PartialEq)]
pub enum LabelFilter {
    /// `name = "v"`, `name != "v"`, `name =~ "re"`, `name !~ "re"`.
    Matcher(Matcher),
    /// `name = ip("...")` or `name != ip("...")`.
    Ip {
        name: Ident,
        op: MatchOp,
        value: StringLit,
        span: Span,
    },
    /// `name > 10`, `name <= 5s`, `name == 20MB`, ...
    Compare {
        name: Ident,
        op: CmpOp,
        value: FilterLiteral,
        value_span: Span,
        span: Span,
    },
    /// `a and b`, `a, b` or `a b`.
    And {
        lhs: Box<LabelFilter>,
        rhs: Box<LabelFilter>,
        span: Span,
    },
    /// `a or b`.
    Or {
        lhs: Box<LabelFilter>,
        rhs: Box<LabelFilter>,
        span: Span,
    },
    /// `( ... )`.
    Paren { inner: Box<LabelFilter>, span: Span },
}

impl LabelFilter {
    pub fn span(&self) -> Span {
        match self {
            LabelFilter::Matcher(m) => m.span.clone(),
            LabelFilter::Ip { span, .. }
            | LabelFilter::Compare { span, .. }
            | LabelFilter::And { span, .. }
            | LabelFilter::Or { span, .. }
            | LabelFilter::Paren { span, .. } => span.clone(),
        }
    }

    /// Every label name the filter tests, in source order.
    pub fn label_names(&self) -> Vec<&Ident> {
        let mut out = Vec::new();
        self.collect_names(&mut out);
        out
    }

    fn collect_names<'a>(&'a self, out: &mut Vec<&'a Ident>) {
        match self {
            LabelFilter::Matcher(m) => out.push(&m.name),
            LabelFilter::Ip { name, .. } | LabelFilter::Compare { name, .. } => out.push(name),
            LabelFilter::And { lhs, rhs, .. } | LabelFilter::Or { lhs, rhs, .. } => {
                lhs.collect_names(out);
                rhs.collect_names(out);
            }
            LabelFilter::Paren { inner, .. } => inner.collect_names(out),
        }
    }
}

/// The value given to a `label_format` target.
#[derive(Debug, Clone, PartialEq)]
pub enum LabelFormatValue {
    /// `target="{{ template }}"`.
    Template(StringLit),
    /// `target=source`: renames label `source`.
    Rename(Ident),
}

/// One `target=...` of `label_format`.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelFormatItem {
    pub target: Ident,
    pub value: LabelFormatValue,
    pub span: Span,
}

/// One entry of `keep` or `drop`: a bare label name or a matcher.
#[derive(Debug, Clone, PartialEq)]
pub enum LabelSpec {
    Name(Ident),
    Matcher(Matcher),
}

impl LabelSpec {
    pub fn name(&self) -> &Ident {
        match self {
            LabelSpec::Name(n) => n,
            LabelSpec::Matcher(m) => &m.name,
        }
    }
}

/// `| unwrap label` or `| unwrap conversion(label)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Unwrap {
    pub label: Ident,
    /// `duration`, `duration_seconds` or `bytes`, when present.
    pub conversion: Option<Ident>,
    /// From the `|` to the end of the stage.
    pub span: Span,
}

/// One stage of a log pipeline. Spans of `|`-introduced stages start at the `|`.
#[derive(Debug, Clone, PartialEq)]
pub enum Stage {
    LineFilter(LineFilter),
    Parser(ParserStage),
    LabelFilter {
        filter: LabelFilter,
        span: Span,
    },
    LineFormat {
        template: StringLit,
        span: Span,
    },
    LabelFormat {
        items: Vec<LabelFormatItem>,
        span: Span,
    },
    Keep {
        labels: Vec<LabelSpec>,
        span: Span,
    },
    Drop {
        labels: Vec<LabelSpec>,
        span: Span,
    },
    Decolorize {
        span: Span,
    },
    Unwrap(Unwrap),
}

impl Stage {
    pub fn span(&self) -> Span {
        match self {
            Stage::LineFilter(f) => f.span.clone(),
            Stage::Parser(p) => p.span.clone(),
            Stage::Unwrap(u) => u.span.clone(),
            Stage::LabelFilter { span, .. }
            | Stage::LineFormat { span, .. }
            | Stage::LabelFormat { span, .. }
            | Stage::Keep { span, .. }
            | Stage::Drop { span, .. }
            | Stage::Decolorize { span } => span.clone(),
        }
    }
}

/// A log query: a stream selector and its pipeline.
#[derive(Debug, Clone, PartialEq)]
pub struct LogQuery {
    pub selector: Selector,
    pub pipeline: Vec<Stage>,
    pub span: Span,
}

/// `offset 1h` after a range.
#[derive(Debug, Clone, PartialEq)]
pub struct Offset {
    /// In seconds; may be negative.
    pub seconds: f64,
    /// Span of the duration text (sign included).
    pub duration_span: Span,
    /// From the keyword to the end of the duration.
    pub span: Span,
}

/// The argument of a range aggregation: a log query with a `[range]`.
/// `pipeline` holds every stage in source order, whether written before or
/// after the range, including the `unwrap` stage and the filters after it.
#[derive(Debug, Clone, PartialEq)]
pub struct LogRange {
    pub selector: Selector,
    pub pipeline: Vec<Stage>,
    pub range: Duration,
    /// Span of the duration text inside the brackets.
    pub range_span: Span,
    pub offset: Option<Offset>,
    pub span: Span,
}

impl LogRange {
    /// The `unwrap` stage, if any.
    pub fn unwrap(&self) -> Option<&Unwrap> {
        self.pipeline.iter().find_map(|s| match s {
            Stage::Unwrap(u) => Some(u),
            _ => None,
        })
    }
}

/// `rate(...)`, `quantile_over_time(0.99, ...) by (x)`, ...
#[derive(Debug, Clone, PartialEq)]
pub struct RangeAggregation {
    /// The function name as written.
    pub func: Ident,
    pub param: Option<NumberLit>,
    pub range: LogRange,
    pub grouping: Option<Grouping>,
    pub span: Span,
}

/// `sum by (a) (...)`, `topk(5, ...)`, ...
#[derive(Debug, Clone, PartialEq)]
pub struct VectorAggregation {
    /// The operator name as written.
    pub func: Ident,
    pub param: Option<NumberLit>,
    pub inner: Box<Expr>,
    pub grouping: Option<Grouping>,
    pub span: Span,
}

/// Binary operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
    /// `==`
    Eql,
    /// `!=`
    Neq,
    Gt,
    Gte,
    Lt,
    Lte,
    And,
    Or,
    Unless,
}

impl BinOp {
    pub fn as_str(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Mod => "%",
            BinOp::Pow => "^",
            BinOp::Eql => "==",
            BinOp::Neq => "!=",
            BinOp::Gt => ">",
            BinOp::Gte => ">=",
            BinOp::Lt => "<",
            BinOp::Lte => "<=",
            BinOp::And => "and",
            BinOp::Or => "or",
            BinOp::Unless => "unless",
        }
    }

    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinOp::Eql | BinOp::Neq | BinOp::Gt | BinOp::Gte | BinOp::Lt | BinOp::Lte
        )
    }

    pub fn is_set(self) -> bool {
        matches!(self, BinOp::And | BinOp::Or | BinOp::Unless)
    }
}

/// `lhs op [bool] [on|ignoring (...)] [group_left|group_right (...)] rhs`.
#[derive(Debug, Clone, PartialEq)]
pub struct BinaryExpr {
    pub op: BinOp,
    pub op_span: Span,
    pub lhs: Box<Expr>,
    pub rhs: Box<Expr>,
    /// Span of the `bool` keyword, when present.
    pub bool_modifier: Option<Span>,
    /// `on (...)` or `ignoring (...)`.
    pub matching: Option<Grouping>,
    /// `group_left (...)` or `group_right (...)`.
    pub group: Option<Grouping>,
    pub span: Span,
}

/// `label_replace(expr, "dst", "replacement", "src", "regex")`.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelReplace {
    pub func: Ident,
    pub inner: Box<Expr>,
    /// The destination label as a name (span: the text between the quotes
    /// when written without escapes, else the whole literal).
    pub dst_label: Ident,
    pub dst: StringLit,
    pub replacement: StringLit,
    pub src_label: StringLit,
    pub regex: StringLit,
    pub span: Span,
}

/// A parsed LogQL expression. The large variants are boxed to keep the
/// enum (and the parser's stack frames) small.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A log query (selector and pipeline).
    Log(LogQuery),
    RangeAggregation(Box<RangeAggregation>),
    VectorAggregation(Box<VectorAggregation>),
    Binary(Box<BinaryExpr>),
    /// A number literal such as `0.5` or `-1`.
    Number(NumberLit),
    /// `vector(n)`.
    Vector {
        func: Ident,
        value: NumberLit,
        span: Span,
    },
    LabelReplace(Box<LabelReplace>),
    /// `( ... )`.
    Paren {
        inner: Box<Expr>,
        span: Span,
    },
}

impl Expr {
    /// Span of the whole expression.
    pub fn span(&self) -> Span {
        match self {
            Expr::Log(l) => l.span.clone(),
            Expr::RangeAggregation(r) => r.span.clone(),
            Expr::VectorAggregation(v) => v.span.clone(),
            Expr::Binary(b) => b.span.clone(),
            Expr::Number(n) => n.span.clone(),
            Expr::LabelReplace(l) => l.span.clone(),
            Expr::Vector { span, .. } | Expr::Paren { span, .. } => span.clone(),
        }
    }

    /// True for metric queries (they produce samples and can alert), false
    /// for log queries (they return log lines).
    pub fn is_metric(&self) -> bool {
        match self {
            Expr::Log(_) => false,
            Expr::Paren { inner, .. } => inner.is_metric(),
            _ => true,
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

    /// Calls `f` on this expression and every sub-expression, parents before
    /// children and left before right (so in source order of their starts).
    pub fn walk<'a>(&'a self, f: &mut dyn FnMut(&'a Expr)) {
        f(self);
        match self {
            Expr::VectorAggregation(v) => v.inner.walk(f),
            Expr::Binary(b) => {
                b.lhs.walk(f);
                b.rhs.walk(f);
            }
            Expr::LabelReplace(l) => l.inner.walk(f),
            Expr::Paren { inner, .. } => inner.walk(f),
            Expr::Log(_) | Expr::RangeAggregation(_) | Expr::Number(_) | Expr::Vector { .. } => {}
        }
    }

    /// Every stream selector, in source order.
    pub fn selectors(&self) -> Vec<&Selector> {
        let mut out = Vec::new();
        self.walk(&mut |e| match e {
            Expr::Log(l) => out.push(&l.selector),
            Expr::RangeAggregation(r) => out.push(&r.range.selector),
            _ => {}
        });
        out.sort_by_key(|s| s.span.start);
        out
    }

    /// Every pipeline stage (of log queries and range aggregations), in source order.
    pub fn stages(&self) -> Vec<&Stage> {
        let mut out = Vec::new();
        self.walk(&mut |e| match e {
            Expr::Log(l) => out.extend(l.pipeline.iter()),
            Expr::RangeAggregation(r) => out.extend(r.range.pipeline.iter()),
            _ => {}
        });
        out.sort_by_key(|s| s.span().start);
        out
    }

    /// Every `unwrap` stage, in source order.
    pub fn unwraps(&self) -> Vec<&Unwrap> {
        self.stages()
            .into_iter()
            .filter_map(|s| match s {
                Stage::Unwrap(u) => Some(u),
                _ => None,
            })
            .collect()
    }

    /// Every `by`, `without`, `on`, `ignoring`, `group_left` and
    /// `group_right` clause, in source order.
    pub fn groupings(&self) -> Vec<&Grouping> {
        let mut out = Vec::new();
        self.walk(&mut |e| match e {
            Expr::RangeAggregation(r) => out.extend(r.grouping.iter()),
            Expr::VectorAggregation(v) => out.extend(v.grouping.iter()),
            Expr::Binary(b) => {
                out.extend(b.matching.iter());
                out.extend(b.group.iter());
            }
            _ => {}
        });
        out.sort_by_key(|g| g.span.start);
        out
    }

    /// Labels the query creates, in source order: `label_format` targets,
    /// named `json`/`logfmt` parameters, named groups `(?P<name>...)` of
    /// `regexp`, captures `<name>` of `pattern` (not `<_>`), and the
    /// destination label of `label_replace`.
    ///
    /// `| json` and `| logfmt` without parameters, and `| unpack`, extract
    /// every field of the log line: the labels they create cannot be known
    /// from the query, so they contribute nothing here.
    pub fn created_labels(&self) -> Vec<CreatedLabel> {
        let mut out = Vec::new();
        for stage in self.stages() {
            match stage {
                Stage::LabelFormat { items, .. } => {
                    for item in items {
                        out.push(CreatedLabel {
                            name: item.target.clone(),
                            origin: LabelOrigin::LabelFormat,
                        });
                    }
                }
                Stage::Parser(p) => {
                    let origin = match p.kind {
                        ParserKind::Json => LabelOrigin::Json,
                        ParserKind::Logfmt => LabelOrigin::Logfmt,
                        ParserKind::Regexp => LabelOrigin::Regexp,
                        ParserKind::Pattern => LabelOrigin::Pattern,
                        ParserKind::Unpack => LabelOrigin::Unpack,
                    };
                    for param in &p.params {
                        out.push(CreatedLabel {
                            name: param.name.clone(),
                            origin,
                        });
                    }
                    for name in &p.captures {
                        out.push(CreatedLabel {
                            name: name.clone(),
                            origin,
                        });
                    }
                }
                _ => {}
            }
        }
        self.walk(&mut |e| {
            if let Expr::LabelReplace(l) = e {
                out.push(CreatedLabel {
                    name: l.dst_label.clone(),
                    origin: LabelOrigin::LabelReplace,
                });
            }
        });
        out.sort_by_key(|c| c.name.span.start);
        out
    }

    /// The `[range]` of every range aggregation, with the span of the
    /// duration text inside the brackets, in source order.
    pub fn range_windows(&self) -> Vec<(Duration, Span)> {
        let mut out = Vec::new();
        self.walk(&mut |e| {
            if let Expr::RangeAggregation(r) = e {
                out.push((r.range.range, r.range.range_span.clone()));
            }
        });
        out.sort_by_key(|(_, s)| s.start);
        out
    }

    /// Names of the range aggregations, vector aggregations, `vector` and
    /// `label_replace` calls, in source order, as written. (The `unwrap`
    /// conversions are in [`Expr::unwraps`], `ip()` in the filters.)
    pub fn functions(&self) -> Vec<Ident> {
        let mut out = Vec::new();
        self.walk(&mut |e| match e {
            Expr::RangeAggregation(r) => out.push(r.func.clone()),
            Expr::VectorAggregation(v) => out.push(v.func.clone()),
            Expr::Vector { func, .. } => out.push(func.clone()),
            Expr::LabelReplace(l) => out.push(l.func.clone()),
            _ => {}
        });
        out.sort_by_key(|i| i.span.start);
        out
    }

    /// Both sides of every binary expression with the operator's span,
    /// outermost first (then left before right).
    pub fn binary_operands(&self) -> Vec<(&Expr, &Expr, Span)> {
        let mut out = Vec::new();
        self.walk(&mut |e| {
            if let Expr::Binary(b) = e {
                out.push((&*b.lhs, &*b.rhs, b.op_span.clone()));
            }
        });
        out
    }

    /// True when a comparison operator (`==`, `!=`, `>`, `>=`, `<`, `<=`)
    /// without `bool` appears between metric expressions anywhere, i.e. the
    /// query filters samples by a threshold. Label-filter comparisons inside
    /// pipelines (`| latency > 1s`) do not count.
    pub fn has_comparison(&self) -> bool {
        let mut found = false;
        self.walk(&mut |e| {
            if let Expr::Binary(b) = e {
                if b.op.is_comparison() && b.bool_modifier.is_none() {
                    found = true;
                }
            }
        });
        found
    }
}
