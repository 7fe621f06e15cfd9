//! PromQL through `promql-parser`: facts come from its AST, positions from its
//! public lexer's token spans (the AST and its errors carry no positions).
//!
//! All spans here are byte ranges into the query text; callers map them to
//! file offsets with the scalar's offset map.
//!
//! This file runs the analysis (budgets, lexing, parsing, the memo);
//! `errors.rs` locates parse errors, `facts.rs` gathers what a query reads.

use std::ops::Range;
use std::time::Duration;

use lrpar::{Lexeme, Lexer};
use promql_parser::parser::token::{self, TokenId};
use promql_parser::parser::Expr;

mod errors;
mod facts;
#[cfg(test)]
mod tests;

use errors::{
    describe_grammar_error, ends_operand, is_operator, locate_lex_error, locate_parse_error,
    tok_text,
};
use facts::{collect_facts, unquote};

pub type Span = Range<usize>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromError {
    pub message: String,
    pub span: Span,
    /// Set when the expression was not analysed because it is over one of
    /// o11ylint's budgets (not a syntax error: promtool may accept it);
    /// reported by `complexity-budget` (OL005), not `promql-syntax`.
    pub budget: bool,
}

/// Deepest nesting handed to promql-parser: parentheses, brackets, braces,
/// aggregations, calls and unary operators. promql-parser recurses (and
/// clones) once per level, so a deeper expression could overflow the stack
/// and abort the whole process, which no panic handler can catch.
pub const MAX_PROMQL_DEPTH: usize = 256;

/// Most binary operators in one expression handed to promql-parser: its
/// value-type check is quadratic in the length of an operator chain (50,000
/// terms took 27 s), and each term is one more level of recursion.
pub const MAX_PROMQL_BINARY_OPS: usize = 2_000;

/// Refuse an expression over [`MAX_PROMQL_DEPTH`] or
/// [`MAX_PROMQL_BINARY_OPS`] before promql-parser sees it. The depth counted
/// is an upper bound of the AST depth: open brackets plus the unary operators
/// still waiting for their operand at each level.
fn over_budget(q: &str, tokens: &[Tok]) -> Option<PromError> {
    let mut unary: Vec<usize> = vec![0];
    let mut braces = 0usize;
    let mut binary = 0usize;
    let mut prev_ends_operand = false;
    for t in tokens {
        let id = t.id;
        match id {
            token::T_LEFT_PAREN | token::T_LEFT_BRACKET | token::T_LEFT_BRACE => {
                if id == token::T_LEFT_BRACE {
                    braces += 1;
                }
                unary.push(0);
                let depth = unary.len() - 1 + unary.iter().sum::<usize>();
                if depth > MAX_PROMQL_DEPTH {
                    return Some(budget_error(
                        format!(
                            "expression nested more than {MAX_PROMQL_DEPTH} levels deep; it is not analysed (o11ylint's limit, see docs/robustness.md)"
                        ),
                        t.start..t.end,
                    ));
                }
                prev_ends_operand = false;
                continue;
            }
            token::T_RIGHT_PAREN | token::T_RIGHT_BRACKET | token::T_RIGHT_BRACE => {
                if id == token::T_RIGHT_BRACE {
                    braces = braces.saturating_sub(1);
                }
                if unary.len() > 1 {
                    unary.pop();
                }
                if let Some(top) = unary.last_mut() {
                    *top = 0;
                }
                prev_ends_operand = true;
                continue;
            }
            _ => {}
        }
        if braces == 0 && is_operator(id) {
            if prev_ends_operand {
                binary += 1;
                if binary > MAX_PROMQL_BINARY_OPS {
                    return Some(budget_error(
                        format!(
                            "expression has more than {MAX_PROMQL_BINARY_OPS} binary operators; it is not analysed (o11ylint's limit, see docs/robustness.md)"
                        ),
                        t.start..t.end,
                    ));
                }
            } else if let Some(top) = unary.last_mut() {
                *top += 1;
                let depth = unary.len() - 1 + unary.iter().sum::<usize>();
                if depth > MAX_PROMQL_DEPTH {
                    return Some(budget_error(
                        format!(
                            "expression nested more than {MAX_PROMQL_DEPTH} levels deep (unary operators); it is not analysed (o11ylint's limit, see docs/robustness.md)"
                        ),
                        t.start..t.end,
                    ));
                }
            }
            prev_ends_operand = false;
            continue;
        }
        if ends_operand(id) {
            if let Some(top) = unary.last_mut() {
                *top = 0;
            }
        }
        prev_ends_operand = ends_operand(id);
    }
    let _ = q;
    None
}

/// Check every `=~`/`!~` matcher as Go RE2 and return the query with the
/// ones whose Rust spelling differs rewritten (`None` when none does).
fn go_regexes(q: &str, tokens: &[Tok]) -> Result<Option<String>, PromError> {
    use crate::syntax::re2::{self, Re2Error};
    let mut out: Option<String> = None;
    let mut shift: isize = 0;
    for w in tokens.windows(2) {
        if !matches!(w[0].id, token::T_EQL_REGEX | token::T_NEQ_REGEX) || w[1].id != token::T_STRING
        {
            continue;
        }
        let raw = tok_text(q, &w[1]);
        let value = unquote(raw);
        let span = w[1].start..w[1].end;
        // Syntax only: promql-parser compiles the regex right after, and its
        // size limit (below ours) reports a program too large.
        let rust = match re2::translate(&value).and_then(|r| re2::check_syntax(&r).map(|_| r)) {
            Ok(r) => r,
            Err(Re2Error::Syntax(why)) => {
                return Err(PromError {
                    message: format!(
                        "illegal regular expression `{}`: {why}",
                        re2::shorten(&value)
                    ),
                    span,
                    budget: false,
                })
            }
            Err(Re2Error::Budget(why)) => {
                return Err(budget_error(
                    format!("{why} (o11ylint's limit, see docs/robustness.md)"),
                    span,
                ))
            }
        };
        if rust == value {
            continue;
        }
        // a double-quoted string: promql-parser unescapes backquoted ones too
        let mut quoted = String::from("\"");
        for c in rust.chars() {
            match c {
                '"' | '\\' => {
                    quoted.push('\\');
                    quoted.push(c);
                }
                '\n' => quoted.push_str("\\n"),
                '\t' => quoted.push_str("\\t"),
                c => quoted.push(c),
            }
        }
        quoted.push('"');
        let text = out.get_or_insert_with(|| q.to_string());
        let a = (span.start as isize + shift) as usize;
        let b = (span.end as isize + shift) as usize;
        text.replace_range(a..b, &quoted);
        shift += quoted.len() as isize - raw.len() as isize;
    }
    Ok(out)
}

fn budget_error(message: String, span: Span) -> PromError {
    PromError {
        message,
        span,
        budget: true,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tok {
    pub id: TokenId,
    pub start: usize,
    pub end: usize,
}

/// Where a label name keeps or creates a dimension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabelRole {
    By,
    Without,
    On,
    Ignoring,
    GroupLeft,
    GroupRight,
    /// destination of `label_replace` / `label_join`
    ReplaceTarget,
}

impl LabelRole {
    pub fn describe(self) -> &'static str {
        match self {
            LabelRole::By => "`by` grouping",
            LabelRole::Without => "`without` grouping",
            LabelRole::On => "`on` vector matching",
            LabelRole::Ignoring => "`ignoring` vector matching",
            LabelRole::GroupLeft => "`group_left` label copy",
            LabelRole::GroupRight => "`group_right` label copy",
            LabelRole::ReplaceTarget => "label_replace/label_join target",
        }
    }
    /// `without`/`ignoring` drop a label rather than keep it.
    pub fn keeps(self) -> bool {
        !matches!(self, LabelRole::Without | LabelRole::Ignoring)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelUse {
    pub name: String,
    pub role: LabelRole,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricUse {
    pub name: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatcherUse {
    pub label: String,
    pub op: &'static str,
    pub value: String,
    /// span of the label name
    pub name_span: Span,
    /// span of the quoted value
    pub value_span: Span,
}

#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub metrics: Vec<MetricUse>,
    pub matchers: Vec<MatcherUse>,
    pub labels: Vec<LabelUse>,
    pub functions: Vec<(String, Span)>,
    pub range_windows: Vec<(Duration, Span)>,
    /// a comparison operator without `bool`
    pub has_comparison: bool,
    /// `absent`, `absent_over_time`, `and`/`unless` filtering
    pub has_filter: bool,
}

/// What the rules need of a query: its tokens (positions) and the facts
/// taken from the AST. The AST is not part of it: it holds a compiled regex
/// per `=~` matcher, and a 10,000-rule file kept 10,000 of them; the memo
/// keeps it only until the query-semantics layer takes it.
#[derive(Debug, Clone)]
pub struct Analysis {
    pub tokens: Vec<Tok>,
    pub facts: Facts,
}

/// Expressions repeat across files (both source-prefix variants, copied
/// mixins, generated rule sets): analyse each distinct text once per run.
/// `analyze` is a pure function of the text, so a bounded memo is safe.
/// What the memo may hold, estimated in bytes, is [`crate::syntax::memo_budget`];
/// reaching it starts a new memo.
const MEMO_MAX_QUERY: usize = 4_096;

/// Each entry keeps the AST of a query that parsed until the query-semantics
/// layer takes it (`analyze_with_ast`), so a distinct text is parsed once.
type Entry = (Result<Analysis, PromError>, Option<Expr>);
type Table = std::collections::HashMap<String, Entry, foldhash::fast::RandomState>;
type Memo = std::sync::Mutex<crate::syntax::Budgeted<Table>>;

/// Rough size of an entry: the key, the tokens, the facts, and the AST
/// (a few nodes per token) while it is kept.
fn entry_bytes(query: &str, e: &Entry) -> usize {
    let (facts, tokens) = match &e.0 {
        Ok(a) => (
            a.facts.metrics.len()
                + a.facts.matchers.len()
                + a.facts.labels.len()
                + a.facts.functions.len()
                + a.facts.range_windows.len(),
            a.tokens.len(),
        ),
        Err(_) => (1, 0),
    };
    let ast = if e.1.is_some() { 64 * tokens } else { 0 };
    query.len() + 192 + 24 * tokens + 96 * facts + ast
}

fn memo() -> &'static Memo {
    static MEMO: std::sync::OnceLock<Memo> = std::sync::OnceLock::new();
    MEMO.get_or_init(Default::default)
}

pub fn analyze(query: &str) -> Result<Analysis, PromError> {
    if query.len() > MEMO_MAX_QUERY {
        return analyze_uncached(query).map(|(a, _)| a);
    }
    if let Some((hit, _)) = memo()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .contents
        .get(query)
    {
        return hit.clone();
    }
    let entry: Entry = match analyze_uncached(query) {
        Ok((a, e)) => (Ok(a), Some(e)),
        Err(e) => (Err(e), None),
    };
    let result = entry.0.clone();
    let size = entry_bytes(query, &entry);
    memo()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .make_room(size)
        .insert(query.to_string(), entry);
    result
}

/// The analysis of `query` with promql-parser's AST, for the query-semantics
/// layer (once per distinct text): the AST `analyze` kept is handed over and
/// leaves the memo; otherwise the query is parsed here. `None` when it does
/// not parse.
pub fn analyze_with_ast(query: &str) -> Option<(Analysis, Expr)> {
    if query.len() <= MEMO_MAX_QUERY {
        let mut m = memo().lock().unwrap_or_else(|e| e.into_inner());
        if let Some((Ok(a), ast)) = m.contents.get_mut(query) {
            if let Some(e) = ast.take() {
                return Some((a.clone(), e));
            }
        }
    }
    analyze_uncached(query).ok()
}

fn analyze_uncached(query: &str) -> Result<(Analysis, Expr), PromError> {
    if query.trim().is_empty() {
        return Err(PromError {
            message: "empty expression".into(),
            span: 0..query.len(),
            budget: false,
        });
    }
    let tokens = match lex(query) {
        Ok(t) => t,
        Err(message) => {
            let span = locate_lex_error(query, &message);
            return Err(PromError {
                message,
                span,
                budget: false,
            });
        }
    };
    if let Some(e) = over_budget(query, &tokens) {
        return Err(e);
    }
    if let Some(span) = out_of_range_duration(query, &tokens) {
        return Err(PromError {
            message: "duration out of range: a duration must fit in 292 years (Prometheus' limit)"
                .into(),
            span,
            budget: false,
        });
    }
    // Matcher regexes are Go RE2: judged here (what promtool rejects is an
    // error, what is over the regex budget is not analysed), then handed to
    // promql-parser (which compiles with Rust's `regex`) in Rust syntax.
    let rewritten = go_regexes(query, &tokens)?;
    let parsed = promql_parser::parser::parse(rewritten.as_deref().unwrap_or(query));
    let expr = match parsed {
        Ok(e) => e,
        Err(message) if message.starts_with("illegal regex") => {
            // every regex passed the RE2 check: Rust's default size limit
            return Err(budget_error(
                "a regular expression compiles past promql-parser's size limit; the expression is not analysed (o11ylint's limit, see docs/robustness.md)".into(),
                0..query.trim_end().len(),
            ));
        }
        Err(message) => {
            let span = locate_parse_error(query, &tokens, &message);
            let message = if message == "invalid promql query" {
                describe_grammar_error(query, &tokens, &span)
            } else {
                message
            };
            return Err(PromError {
                message,
                span,
                budget: false,
            });
        }
    };
    let facts = collect_facts(query, &expr, &tokens);
    Ok((Analysis { tokens, facts }, expr))
}

fn lex(query: &str) -> Result<Vec<Tok>, String> {
    let lexer = promql_parser::parser::lexer(query)?;
    let mut out = Vec::new();
    for l in lexer.iter() {
        let Ok(l) = l else { continue };
        let sp = l.span();
        if l.tok_id() == token::T_EOF {
            continue;
        }
        out.push(Tok {
            id: l.tok_id(),
            start: sp.start(),
            end: sp.end(),
        });
    }
    Ok(out)
}

/// Largest duration Prometheus accepts, in seconds (Go's `time.Duration`).
const MAX_DURATION_SECS: f64 = 9_223_372_036.0;

/// A plain number used as a duration (`x[1e400]`, `x offset -1e400`,
/// `y[5m:1e400]`) that does not fit in a duration. promql-parser 0.11 panics
/// on these (`Duration::from_secs_f64`), so they are refused first.
fn out_of_range_duration(q: &str, tokens: &[Tok]) -> Option<Span> {
    for (i, t) in tokens.iter().enumerate() {
        if t.id != token::T_NUMBER {
            continue;
        }
        let prev = i.checked_sub(1).map(|p| tokens[p].id);
        let prev2 = i.checked_sub(2).map(|p| tokens[p].id);
        let as_duration = matches!(
            prev,
            Some(token::T_LEFT_BRACKET | token::T_COLON | token::T_OFFSET)
        ) || (prev == Some(token::T_SUB) && prev2 == Some(token::T_OFFSET));
        if !as_duration {
            continue;
        }
        let text = tok_text(q, t);
        let value = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
            Some(hex) => i64::from_str_radix(hex, 16)
                .map(|v| v as f64)
                .unwrap_or(f64::INFINITY),
            None => text.parse::<f64>().unwrap_or(f64::INFINITY),
        };
        if !value.is_finite() || value.abs() > MAX_DURATION_SECS {
            return Some(t.start..t.end);
        }
    }
    None
}
