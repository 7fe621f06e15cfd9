//! PromQL through `promql-parser`: facts come from its AST, positions from its
//! public lexer's token spans (the AST and its errors carry no positions).
//!
//! All spans here are byte ranges into the query text; callers map them to
//! file offsets with the scalar's offset map.

use std::ops::Range;
use std::time::Duration;

use lrpar::{Lexeme, Lexer};
use promql_parser::label::{MatchOp, Matcher};
use promql_parser::parser::token::{self, TokenId};
use promql_parser::parser::{Expr, LabelModifier, VectorMatchCardinality, VectorSelector};

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
        let rust = match re2::translate(&value).and_then(|r| re2::check(&value).map(|_| r)) {
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
/// taken from the AST. The AST itself is dropped after analysis: it holds a
/// compiled regex per `=~` matcher, and a 10,000-rule file kept 10,000 of them.
#[derive(Debug, Clone)]
pub struct Analysis {
    pub tokens: Vec<Tok>,
    pub facts: Facts,
}

/// Expressions repeat across files (both source-prefix variants, copied
/// mixins, generated rule sets): analyse each distinct text once per run.
/// `analyze` is a pure function of the text, so a bounded memo is safe.
const MEMO_MAX_ENTRIES: usize = 65_536;
const MEMO_MAX_QUERY: usize = 4_096;

type Memo = std::sync::Mutex<std::collections::HashMap<String, Result<Analysis, PromError>>>;

fn memo() -> &'static Memo {
    static MEMO: std::sync::OnceLock<Memo> = std::sync::OnceLock::new();
    MEMO.get_or_init(Default::default)
}

pub fn analyze(query: &str) -> Result<Analysis, PromError> {
    if query.len() > MEMO_MAX_QUERY {
        return analyze_uncached(query);
    }
    if let Some(hit) = memo().lock().unwrap_or_else(|e| e.into_inner()).get(query) {
        return hit.clone();
    }
    let result = analyze_uncached(query);
    let mut m = memo().lock().unwrap_or_else(|e| e.into_inner());
    if m.len() < MEMO_MAX_ENTRIES {
        m.insert(query.to_string(), result.clone());
    }
    result
}

fn analyze_uncached(query: &str) -> Result<Analysis, PromError> {
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
    Ok(Analysis { tokens, facts })
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

// ---------------------------------------------------------------- errors

/// Scan outside of string literals and comments, calling `f(offset, char)`.
fn scan_code(q: &str, mut f: impl FnMut(usize, char) -> bool) {
    let mut in_str: Option<char> = None;
    let mut escape = false;
    let mut comment = false;
    for (i, c) in q.char_indices() {
        if comment {
            if c == '\n' {
                comment = false;
            }
            continue;
        }
        if let Some(s) = in_str {
            if escape {
                escape = false;
            } else if c == '\\' && s != '`' {
                escape = true;
            } else if c == s {
                in_str = None;
            }
            continue;
        }
        match c {
            '"' | '\'' | '`' => in_str = Some(c),
            '#' => comment = true,
            _ => {
                if !f(i, c) {
                    return;
                }
            }
        }
    }
}

fn unmatched_open(q: &str, open: char, close: char) -> Option<usize> {
    let mut stack = Vec::new();
    scan_code(q, |i, c| {
        if c == open {
            stack.push(i);
        } else if c == close {
            stack.pop();
        }
        true
    });
    stack.pop()
}

fn unmatched_close(q: &str, open: char, close: char) -> Option<usize> {
    let mut depth = 0i32;
    let mut found = None;
    scan_code(q, |i, c| {
        if c == open {
            depth += 1;
        } else if c == close {
            depth -= 1;
            if depth < 0 {
                found = Some(i);
                return false;
            }
        }
        true
    });
    found
}

fn last_unterminated_quote(q: &str) -> Option<usize> {
    let mut open: Option<(usize, char)> = None;
    let mut escape = false;
    for (i, c) in q.char_indices() {
        match open {
            Some((_, s)) => {
                if escape {
                    escape = false;
                } else if c == '\\' && s != '`' {
                    escape = true;
                } else if c == s {
                    open = None;
                }
            }
            None => {
                if matches!(c, '"' | '\'' | '`') {
                    open = Some((i, c));
                }
            }
        }
    }
    open.map(|(i, _)| i)
}

fn char_span(q: &str, at: usize) -> Span {
    let len = q[at..].chars().next().map(char::len_utf8).unwrap_or(0);
    at..at + len
}

fn end_span(q: &str) -> Span {
    let t = q.trim_end().len();
    t.saturating_sub(1)..t
}

/// The character named in a lexer message such as `unexpected character: '$'`.
fn quoted_char(message: &str) -> Option<char> {
    let i = message.rfind(": ")?;
    let rest = message[i + 2..].trim();
    let inner = rest.strip_prefix('\'')?.strip_suffix('\'')?;
    let mut it = inner.chars();
    let c = it.next()?;
    if c == '\\' {
        return match it.next()? {
            'n' => Some('\n'),
            't' => Some('\t'),
            other => Some(other),
        };
    }
    it.next().is_none().then_some(c)
}

fn locate_lex_error(q: &str, message: &str) -> Span {
    let whole = 0..q.trim_end().len();
    let find_char = |ch: char| {
        let mut at = None;
        scan_code(q, |i, c| {
            if c == ch {
                at = Some(i);
                false
            } else {
                true
            }
        });
        at
    };
    if message.starts_with("unclosed left parenthesis") || message.starts_with("too many left") {
        return unmatched_open(q, '(', ')')
            .map(|i| char_span(q, i))
            .unwrap_or(whole);
    }
    if message.starts_with("unexpected right parenthesis") {
        return unmatched_close(q, '(', ')')
            .map(|i| char_span(q, i))
            .unwrap_or(whole);
    }
    if message.starts_with("unexpected right brace") {
        return unmatched_close(q, '{', '}')
            .map(|i| char_span(q, i))
            .unwrap_or(whole);
    }
    if message.starts_with("unexpected right bracket") {
        return unmatched_close(q, '[', ']')
            .map(|i| char_span(q, i))
            .unwrap_or(whole);
    }
    if message.starts_with("unterminated quoted string") || message.starts_with("escape sequence") {
        return last_unterminated_quote(q)
            .map(|i| i..q.trim_end().len())
            .unwrap_or(whole);
    }
    if message.contains("end of input inside braces") {
        return unmatched_open(q, '{', '}')
            .map(|i| char_span(q, i))
            .unwrap_or(whole);
    }
    if message.contains("end of input inside brackets") {
        return unmatched_open(q, '[', ']')
            .map(|i| char_span(q, i))
            .unwrap_or(whole);
    }
    if message.starts_with("unknown escape sequence") {
        if let Some(c) = quoted_char(message) {
            let pat = format!("\\{c}");
            if let Some(i) = q.find(&pat) {
                return i..i + pat.len();
            }
        }
    }
    if message.contains("unexpected left brace '{' inside braces") {
        if let Some(open) = q.find('{') {
            if let Some(second) = q[open + 1..].find('{') {
                return char_span(q, open + 1 + second);
            }
        }
    }
    if message.contains("unexpected left brace '[' inside brackets") {
        if let Some(open) = q.find('[') {
            if let Some(second) = q[open + 1..].find('[') {
                return char_span(q, open + 1 + second);
            }
        }
    }
    if message.contains("colon(:)") {
        if let Some(i) = find_char(':') {
            return char_span(q, i);
        }
    }
    if message.starts_with("'!' can not be at the end") {
        return end_span(q);
    }
    if let Some(c) = quoted_char(message) {
        // "... inside brackets/braces: 'x'": the culprit follows an opener
        // that is not closed before it
        let opener = if message.contains("inside brackets") {
            Some(('[', ']'))
        } else if message.contains("inside braces") {
            Some(('{', '}'))
        } else {
            None
        };
        if let Some((open, close)) = opener {
            if let Some(i) = char_inside(q, open, close, c) {
                return char_span(q, i);
            }
        }
        // "unexpected character after '=': '~'" names the second char
        if let Some(i) = find_char(c) {
            return char_span(q, i);
        }
    }
    whole
}

/// First `target` that appears after `open` and before the matching `close`.
fn char_inside(q: &str, open: char, close: char, target: char) -> Option<usize> {
    let mut inside = false;
    let mut found = None;
    scan_code(q, |i, c| {
        if inside && c == target {
            found = Some(i);
            return false;
        }
        if c == open {
            inside = true;
        } else if c == close {
            inside = false;
        }
        true
    });
    found
}

fn tok_text<'a>(q: &'a str, t: &Tok) -> &'a str {
    q.get(t.start..t.end).unwrap_or("")
}

fn is_operator(id: TokenId) -> bool {
    promql_parser::parser::token::TokenType::new(id).is_operator()
}

fn starts_operand(id: TokenId) -> bool {
    matches!(
        id,
        token::T_IDENTIFIER
            | token::T_METRIC_IDENTIFIER
            | token::T_NUMBER
            | token::T_STRING
            | token::T_LEFT_PAREN
            | token::T_LEFT_BRACE
    ) || promql_parser::parser::token::TokenType::new(id).is_aggregator()
}

fn ends_operand(id: TokenId) -> bool {
    matches!(
        id,
        token::T_IDENTIFIER
            | token::T_METRIC_IDENTIFIER
            | token::T_NUMBER
            | token::T_STRING
            | token::T_RIGHT_PAREN
            | token::T_RIGHT_BRACE
            | token::T_RIGHT_BRACKET
            | token::T_DURATION
    )
}

fn locate_parse_error(q: &str, tokens: &[Tok], message: &str) -> Span {
    let whole = 0..q.trim_end().len();
    // Messages that name an identifier: 'foo'
    if let (Some(a), Some(b)) = (message.find('\''), message.rfind('\'')) {
        if b > a + 1 {
            let name = &message[a + 1..b];
            if let Some(t) = tokens.iter().find(|t| tok_text(q, t) == name) {
                return t.start..t.end;
            }
        }
    }
    if message.starts_with("unexpected end of input") {
        return tokens
            .last()
            .map(|t| t.start..t.end)
            .unwrap_or_else(|| end_span(q));
    }
    if message == "invalid promql query" {
        if let Some(sp) = grammar_error_token(q, tokens) {
            return sp;
        }
    }
    whole
}

/// Best-effort localisation of a grammar error from adjacent token pairs.
fn grammar_error_token(q: &str, tokens: &[Tok]) -> Option<Span> {
    let mut prev: Option<&Tok> = None;
    for (i, t) in tokens.iter().enumerate() {
        if let Some(p) = prev {
            let text_p = tok_text(q, p);
            let both_operands = ends_operand(p.id) && starts_operand(t.id);
            let call_or_selector = matches!(p.id, token::T_IDENTIFIER | token::T_METRIC_IDENTIFIER)
                && matches!(t.id, token::T_LEFT_PAREN | token::T_LEFT_BRACE);
            let aggregate_group = p.id == token::T_RIGHT_PAREN
                && t.id == token::T_LEFT_PAREN
                && tokens[..i]
                    .iter()
                    .any(|x| matches!(x.id, token::T_BY | token::T_WITHOUT));
            if both_operands && !call_or_selector && !aggregate_group {
                return Some(t.start..t.end);
            }
            if is_operator(p.id)
                && !matches!(p.id, token::T_SUB | token::T_ADD)
                && matches!(
                    t.id,
                    token::T_RIGHT_PAREN | token::T_COMMA | token::T_RIGHT_BRACKET
                )
            {
                return Some(t.start..t.end);
            }
            if p.id == token::T_COMMA && t.id == token::T_RIGHT_PAREN && text_p == "," {
                // trailing commas are allowed in label lists only
                let in_group = tokens[..i]
                    .iter()
                    .rev()
                    .find(|x| x.id == token::T_LEFT_PAREN)
                    .is_some();
                if !in_group {
                    return Some(t.start..t.end);
                }
            }
        }
        prev = Some(t);
    }
    let last = tokens.last()?;
    if is_operator(last.id) || last.id == token::T_COMMA {
        return Some(last.start..last.end);
    }
    None
}

fn describe_grammar_error(q: &str, tokens: &[Tok], span: &Span) -> String {
    let Some(pos) = tokens
        .iter()
        .position(|t| t.start == span.start && t.end == span.end)
    else {
        return "invalid PromQL syntax".into();
    };
    let t = &tokens[pos];
    if pos + 1 == tokens.len() && is_operator(t.id) {
        return format!("expected an operand after `{}`", tok_text(q, t));
    }
    format!("unexpected `{}`", tok_text(q, t))
}

// ---------------------------------------------------------------- facts

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ctx {
    Paren,
    Call { replace: bool, arg: usize },
    Group(LabelRole),
}

/// Label, metric and matcher occurrences found by walking the token stream.
#[derive(Default)]
struct TokenFacts {
    labels: Vec<LabelUse>,
    metrics: Vec<MetricUse>,
    matchers: Vec<MatcherUse>,
    functions: Vec<(String, Span)>,
    windows: Vec<Span>,
}

fn unquote(s: &str) -> String {
    if s.len() >= 2 {
        let inner = &s[1..s.len() - 1];
        if s.starts_with('`') {
            return inner.to_string();
        }
        let mut out = String::new();
        let mut it = inner.chars();
        while let Some(c) = it.next() {
            if c == '\\' {
                match it.next() {
                    Some('n') => out.push('\n'),
                    Some('t') => out.push('\t'),
                    Some(o) => out.push(o),
                    None => {}
                }
            } else {
                out.push(c);
            }
        }
        return out;
    }
    s.to_string()
}

fn token_facts(q: &str, tokens: &[Tok]) -> TokenFacts {
    let mut tf = TokenFacts::default();
    let mut stack: Vec<Ctx> = Vec::new();
    let mut in_braces = false;
    let mut pending_group: Option<LabelRole> = None;
    let mut i = 0;
    while i < tokens.len() {
        let t = tokens[i];
        let text = tok_text(q, &t);
        let next = tokens.get(i + 1).map(|n| n.id);
        match t.id {
            token::T_BY => pending_group = Some(LabelRole::By),
            token::T_WITHOUT => pending_group = Some(LabelRole::Without),
            token::T_ON => pending_group = Some(LabelRole::On),
            token::T_IGNORING => pending_group = Some(LabelRole::Ignoring),
            token::T_GROUP_LEFT => pending_group = Some(LabelRole::GroupLeft),
            token::T_GROUP_RIGHT => pending_group = Some(LabelRole::GroupRight),
            token::T_LEFT_PAREN => {
                let ctx = match pending_group.take() {
                    Some(role) => Ctx::Group(role),
                    None => {
                        let prev = i.checked_sub(1).map(|p| tokens[p]);
                        match prev {
                            Some(p) if p.id == token::T_IDENTIFIER => Ctx::Call {
                                replace: matches!(tok_text(q, &p), "label_replace" | "label_join"),
                                arg: 0,
                            },
                            _ => Ctx::Paren,
                        }
                    }
                };
                stack.push(ctx);
            }
            token::T_RIGHT_PAREN => {
                stack.pop();
            }
            token::T_COMMA => {
                if let Some(Ctx::Call { arg, .. }) = stack.last_mut() {
                    if !in_braces {
                        *arg += 1;
                    }
                }
            }
            token::T_LEFT_BRACE => in_braces = true,
            token::T_RIGHT_BRACE => in_braces = false,
            token::T_LEFT_BRACKET => {
                if let Some(d) = tokens.get(i + 1).filter(|n| n.id == token::T_DURATION) {
                    tf.windows.push(d.start..d.end);
                }
            }
            token::T_STRING => {
                if let Some(Ctx::Call {
                    replace: true,
                    arg: 1,
                }) = stack.last()
                {
                    if !in_braces {
                        tf.labels.push(LabelUse {
                            name: unquote(text),
                            role: LabelRole::ReplaceTarget,
                            span: t.start..t.end,
                        });
                    }
                }
            }
            _ => {}
        }
        let is_word = text
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':');
        if is_word && !matches!(t.id, token::T_STRING | token::T_NUMBER | token::T_DURATION) {
            if let Some(Ctx::Group(role)) = stack.last() {
                if t.id != token::T_LEFT_PAREN && pending_group.is_none() {
                    tf.labels.push(LabelUse {
                        name: text.to_string(),
                        role: *role,
                        span: t.start..t.end,
                    });
                }
            } else if in_braces {
                let op = next.and_then(|n| match n {
                    token::T_EQL => Some("="),
                    token::T_NEQ => Some("!="),
                    token::T_EQL_REGEX => Some("=~"),
                    token::T_NEQ_REGEX => Some("!~"),
                    _ => None,
                });
                if let Some(op) = op {
                    if let Some(v) = tokens.get(i + 2).filter(|v| v.id == token::T_STRING) {
                        tf.matchers.push(MatcherUse {
                            label: text.to_string(),
                            op,
                            value: unquote(tok_text(q, v)),
                            name_span: t.start..t.end,
                            value_span: v.start..v.end,
                        });
                    }
                }
            } else if matches!(t.id, token::T_IDENTIFIER | token::T_METRIC_IDENTIFIER) {
                if next == Some(token::T_LEFT_PAREN) {
                    tf.functions.push((text.to_string(), t.start..t.end));
                } else {
                    tf.metrics.push(MetricUse {
                        name: text.to_string(),
                        span: t.start..t.end,
                    });
                }
            } else if promql_parser::parser::token::TokenType::new(t.id).is_aggregator() {
                tf.functions.push((text.to_string(), t.start..t.end));
            }
        }
        i += 1;
    }
    tf
}

/// AST facts, each placed at the next token occurrence with the same meaning.
struct AstFacts {
    labels: Vec<(String, LabelRole)>,
    metrics: Vec<String>,
    name_matchers: Vec<(String, &'static str, String)>,
    windows: Vec<Duration>,
    has_comparison: bool,
    has_filter: bool,
}

fn op_str(op: &MatchOp) -> &'static str {
    match op {
        MatchOp::Equal => "=",
        MatchOp::NotEqual => "!=",
        MatchOp::Re(_) => "=~",
        MatchOp::NotRe(_) => "!~",
    }
}

fn walk(expr: &Expr, f: &mut AstFacts, depth: usize) {
    // unreachable: `over_budget` bounds the AST depth below this (a guard only)
    if depth > MAX_PROMQL_DEPTH + MAX_PROMQL_BINARY_OPS + 16 {
        return;
    }
    let d = depth + 1;
    match expr {
        Expr::Aggregate(a) => {
            if let Some(m) = &a.modifier {
                let role = match m {
                    LabelModifier::Include(_) => LabelRole::By,
                    LabelModifier::Exclude(_) => LabelRole::Without,
                };
                for l in &m.labels().labels {
                    f.labels.push((l.clone(), role));
                }
            }
            if let Some(p) = &a.param {
                walk(p, f, d);
            }
            walk(&a.expr, f, d);
        }
        Expr::Unary(u) => walk(&u.expr, f, d),
        Expr::Binary(b) => {
            let op = b.op;
            if let Some(m) = &b.modifier {
                if op.is_comparison_operator() && !m.return_bool {
                    f.has_comparison = true;
                }
                if let Some(matching) = &m.matching {
                    let role = match matching {
                        LabelModifier::Include(_) => LabelRole::On,
                        LabelModifier::Exclude(_) => LabelRole::Ignoring,
                    };
                    for l in &matching.labels().labels {
                        f.labels.push((l.clone(), role));
                    }
                }
                match &m.card {
                    VectorMatchCardinality::ManyToOne(ls) => {
                        for l in &ls.labels {
                            f.labels.push((l.clone(), LabelRole::GroupLeft));
                        }
                    }
                    VectorMatchCardinality::OneToMany(ls) => {
                        for l in &ls.labels {
                            f.labels.push((l.clone(), LabelRole::GroupRight));
                        }
                    }
                    _ => {}
                }
            } else if op.is_comparison_operator() {
                f.has_comparison = true;
            }
            if matches!(op.id(), token::T_LAND | token::T_LUNLESS) {
                f.has_filter = true;
            }
            walk(&b.lhs, f, d);
            walk(&b.rhs, f, d);
        }
        Expr::Paren(p) => walk(&p.expr, f, d),
        Expr::Subquery(s) => {
            walk(&s.expr, f, d);
            f.windows.push(s.range);
        }
        Expr::VectorSelector(vs) => vector_selector(vs, f),
        Expr::MatrixSelector(ms) => {
            vector_selector(&ms.vs, f);
            f.windows.push(ms.range);
        }
        Expr::Call(c) => {
            if matches!(c.func.name, "absent" | "absent_over_time") {
                f.has_filter = true;
            }
            if matches!(c.func.name, "label_replace" | "label_join") {
                if let Some(Expr::StringLiteral(s)) = c.args.args.get(1).map(|b| b.as_ref()) {
                    f.labels.push((s.val.clone(), LabelRole::ReplaceTarget));
                }
            }
            for a in &c.args.args {
                walk(a, f, d);
            }
        }
        Expr::NumberLiteral(_) | Expr::StringLiteral(_) | Expr::Extension(_) => {}
    }
}

fn vector_selector(vs: &VectorSelector, f: &mut AstFacts) {
    if let Some(n) = &vs.name {
        f.metrics.push(n.clone());
    }
    let all: Vec<&Matcher> = vs
        .matchers
        .matchers
        .iter()
        .chain(vs.matchers.or_matchers.iter().flatten())
        .collect();
    for m in all {
        if m.name == "__name__" {
            f.name_matchers
                .push((m.name.clone(), op_str(&m.op), m.value.clone()));
        }
    }
}

fn collect_facts(q: &str, expr: &Expr, tokens: &[Tok]) -> Facts {
    let mut ast = AstFacts {
        labels: Vec::new(),
        metrics: Vec::new(),
        name_matchers: Vec::new(),
        windows: Vec::new(),
        has_comparison: false,
        has_filter: false,
    };
    walk(expr, &mut ast, 0);
    let mut tf = token_facts(q, tokens);
    let whole = 0..q.trim_end().len();

    // Labels: every AST label fact takes the first unused token occurrence of
    // the same name and role.
    let mut labels = Vec::new();
    for (name, role) in &ast.labels {
        let pos = tf
            .labels
            .iter()
            .position(|u| &u.name == name && u.role == *role)
            .or_else(|| tf.labels.iter().position(|u| &u.name == name));
        let span = match pos {
            Some(p) => tf.labels.remove(p).span,
            None => whole.clone(),
        };
        labels.push(LabelUse {
            name: name.clone(),
            role: *role,
            span,
        });
    }
    let mut metrics = Vec::new();
    for name in &ast.metrics {
        let span = match tf.metrics.iter().position(|m| &m.name == name) {
            Some(p) => tf.metrics.remove(p).span,
            None => whole.clone(),
        };
        metrics.push(MetricUse {
            name: name.clone(),
            span,
        });
    }
    metrics.sort_by_key(|m| m.span.start);
    labels.sort_by_key(|l| l.span.start);
    let windows = ast
        .windows
        .iter()
        .zip(
            tf.windows
                .iter()
                .cloned()
                .chain(std::iter::repeat(whole.clone())),
        )
        .map(|(d, s)| (*d, s))
        .collect();
    Facts {
        metrics,
        matchers: tf.matchers,
        labels,
        functions: tf.functions,
        range_windows: windows,
        has_comparison: ast.has_comparison,
        has_filter: ast.has_filter,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(q: &str) -> PromError {
        analyze(q).expect_err("expected an error")
    }

    #[test]
    fn grouping_labels_have_token_spans() {
        let q = "sum by (instance, request_path) (rate(x[5m])) / on (instance) group_left (pod) y";
        let a = analyze(q).unwrap();
        let names: Vec<_> = a
            .facts
            .labels
            .iter()
            .map(|l| (l.name.as_str(), l.role, &q[l.span.clone()]))
            .collect();
        assert_eq!(
            names,
            vec![
                ("instance", LabelRole::By, "instance"),
                ("request_path", LabelRole::By, "request_path"),
                ("instance", LabelRole::On, "instance"),
                ("pod", LabelRole::GroupLeft, "pod"),
            ]
        );
        assert_eq!(a.facts.labels[1].span, 18..30);
    }

    #[test]
    fn label_replace_target_is_a_label_use() {
        let q = r#"label_replace(up, "client_ip", "$1", "instance", "(.*):.*")"#;
        let a = analyze(q).unwrap();
        assert_eq!(a.facts.labels.len(), 1);
        assert_eq!(a.facts.labels[0].role, LabelRole::ReplaceTarget);
        assert_eq!(&q[a.facts.labels[0].span.clone()], "\"client_ip\"");
    }

    #[test]
    fn metrics_and_matchers() {
        let q =
            r#"rate(vault_core_handle_request_count{cluster="a", request_path=~"sys/.*"}[5m]) > 1"#;
        let a = analyze(q).unwrap();
        assert_eq!(a.facts.metrics[0].name, "vault_core_handle_request_count");
        assert_eq!(a.facts.metrics[0].span, 5..36);
        assert_eq!(a.facts.matchers.len(), 2);
        assert_eq!(a.facts.matchers[1].label, "request_path");
        assert!(a.facts.has_comparison);
        assert_eq!(a.facts.range_windows[0].0, Duration::from_secs(300));
        assert_eq!(&q[a.facts.range_windows[0].1.clone()], "5m");
    }

    #[test]
    fn comparison_with_bool_is_not_a_condition() {
        assert!(!analyze("up == bool 1").unwrap().facts.has_comparison);
        assert!(analyze("up == 0").unwrap().facts.has_comparison);
        assert!(analyze("absent(up)").unwrap().facts.has_filter);
    }

    #[test]
    fn lexer_errors_are_located() {
        let e = err("sum(rate(x[5m])");
        assert_eq!(e.span, 3..4);
        let e = err("up{job=\"a\"");
        assert_eq!(e.span, 2..3);
        let e = err("up $ 1");
        assert_eq!(e.span, 3..4);
        let e = err("up) + 1");
        assert_eq!(e.span, 2..3);
        let e = err("up{job=\"a}");
        assert_eq!(e.span.start, 7);
        // the `)` inside the brackets, not the one closing `by (cluster)`
        let e = err("sum by (cluster) (rate(x[5m)))");
        assert_eq!(e.span, 27..28);
    }

    #[test]
    fn parse_errors_are_located() {
        let e = err("rate(x[5m]) 5");
        assert_eq!(e.span, 12..13);
        assert_eq!(e.message, "unexpected `5`");
        let e = err("foo(x)");
        assert_eq!(e.span, 0..3);
        assert!(e.message.contains("unknown function"));
        let e = err("1 +");
        assert_eq!(e.span, 2..3);
        assert!(e.message.contains("operand"));
    }

    #[test]
    fn huge_numeric_durations_are_errors_not_panics() {
        // found by `cargo fuzz run promql`: promql-parser panics on these
        for (q, at) in [
            ("x[8888888888888888888888888888]", 2..30),
            ("x[1e400]", 2..7),
            ("x offset 1e400", 9..14),
            ("x offset -1e400", 10..15),
            ("x[5m:1e400]", 5..10),
            ("rate(x[5m])[1e400:1m]", 12..17),
            ("up:e<umAAAs<un--88[88888888888888888888888888888888888888888888888888888]u<umA< 0-0", 19..72),
        ] {
            let e = err(q);
            assert_eq!(e.span, at, "{q}");
            assert!(e.message.contains("out of range"), "{q}: {}", e.message);
        }
        assert!(analyze("x[1e9]").is_ok());
        assert!(analyze("x offset 300").is_ok());
    }

    #[test]
    fn never_panics_on_garbage() {
        for q in [
            "",
            " ",
            "(((",
            "}}}",
            "\"",
            "sum by (",
            "x[",
            "x{a=~\"(\"}",
            "@",
            "offset",
            "1 + + 1",
            "{}",
            "a{b=\"c\",}",
            "🙂",
        ] {
            let _ = analyze(q);
        }
    }
}
