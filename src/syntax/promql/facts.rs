//! Facts of a query: metrics, label uses and matchers, from the AST where
//! it has them and from token spans for positions.

use std::time::Duration;

use promql_parser::label::{MatchOp, Matcher};
use promql_parser::parser::token;
use promql_parser::parser::{Expr, LabelModifier, VectorMatchCardinality, VectorSelector};

use super::*;

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

pub(super) fn unquote(s: &str) -> String {
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

pub(super) fn collect_facts(q: &str, expr: &Expr, tokens: &[Tok]) -> Facts {
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
