//! Locating parse errors: `promql-parser`'s errors carry no position, so
//! the offending token or character is found from the message and the
//! query's tokens.

use promql_parser::parser::token::{self, TokenId};

use super::*;

/// Scan outside of string literals and comments, calling `f(offset, char)`.
pub(super) fn scan_code(q: &str, mut f: impl FnMut(usize, char) -> bool) {
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

pub(super) fn unmatched_open(q: &str, open: char, close: char) -> Option<usize> {
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

pub(super) fn unmatched_close(q: &str, open: char, close: char) -> Option<usize> {
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

pub(super) fn last_unterminated_quote(q: &str) -> Option<usize> {
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

pub(super) fn char_span(q: &str, at: usize) -> Span {
    let len = q[at..].chars().next().map(char::len_utf8).unwrap_or(0);
    at..at + len
}

pub(super) fn end_span(q: &str) -> Span {
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

pub(super) fn locate_lex_error(q: &str, message: &str) -> Span {
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
    // the unmatched opening (`open`) or closing bracket of a pair
    let unmatched = |open: bool, l: char, r: char| {
        let at = if open {
            unmatched_open(q, l, r)
        } else {
            unmatched_close(q, l, r)
        };
        at.map(|i| char_span(q, i)).unwrap_or(whole.clone())
    };
    // the second opening bracket `l` (nested where it may not be)
    let second_open = |l: char| {
        let open = q.find(l)?;
        let second = q[open + 1..].find(l)?;
        Some(char_span(q, open + 1 + second))
    };
    if message.starts_with("unclosed left parenthesis") || message.starts_with("too many left") {
        return unmatched(true, '(', ')');
    }
    if message.starts_with("unexpected right parenthesis") {
        return unmatched(false, '(', ')');
    }
    if message.starts_with("unexpected right brace") {
        return unmatched(false, '{', '}');
    }
    if message.starts_with("unexpected right bracket") {
        return unmatched(false, '[', ']');
    }
    if message.starts_with("unterminated quoted string") || message.starts_with("escape sequence") {
        return last_unterminated_quote(q)
            .map(|i| i..q.trim_end().len())
            .unwrap_or(whole);
    }
    if message.contains("end of input inside braces") {
        return unmatched(true, '{', '}');
    }
    if message.contains("end of input inside brackets") {
        return unmatched(true, '[', ']');
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
        if let Some(span) = second_open('{') {
            return span;
        }
    }
    if message.contains("unexpected left brace '[' inside brackets") {
        if let Some(span) = second_open('[') {
            return span;
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

pub(super) fn tok_text<'a>(q: &'a str, t: &Tok) -> &'a str {
    q.get(t.start..t.end).unwrap_or("")
}

pub(super) fn is_operator(id: TokenId) -> bool {
    promql_parser::parser::token::TokenType::new(id).is_operator()
}

pub(super) fn starts_operand(id: TokenId) -> bool {
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

pub(super) fn ends_operand(id: TokenId) -> bool {
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

pub(super) fn locate_parse_error(q: &str, tokens: &[Tok], message: &str) -> Span {
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
pub(super) fn grammar_error_token(q: &str, tokens: &[Tok]) -> Option<Span> {
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

pub(super) fn describe_grammar_error(q: &str, tokens: &[Tok], span: &Span) -> String {
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
