//! The data probe of an alert expression.
//!
//! A healthy system answers most alert expressions with nothing: the
//! condition filters every series out. An empty answer therefore cannot tell
//! "not firing" from "the series it reads do not exist". The probe is the
//! same expression with every comparison turned into a `bool` comparison
//! (which keeps each series and yields 0 or 1) and `absent(x)` /
//! `absent_over_time(x[r])` turned into `x` / `count_over_time(x[r])`; if
//! the probe returns series, the alert reads data and is merely not firing.

use promql_parser::parser::token;

use crate::syntax::{logql, promql};

/// One text edit: replace `range` by `with`.
struct Edit {
    at: usize,
    end: usize,
    with: &'static str,
}

fn apply(text: &str, mut edits: Vec<Edit>) -> Option<String> {
    if edits.is_empty() {
        return None;
    }
    edits.sort_by_key(|e| e.at);
    let mut out = String::with_capacity(text.len() + edits.len() * 5);
    let mut pos = 0;
    for e in edits {
        if e.at < pos {
            continue;
        }
        out.push_str(text.get(pos..e.at)?);
        out.push_str(e.with);
        pos = e.end;
    }
    out.push_str(text.get(pos..)?);
    Some(out)
}

/// The probe of a PromQL expression, or None when it has no condition.
pub fn promql(text: &str) -> Option<String> {
    let analysis = promql::analyze(text).ok()?;
    let toks = &analysis.tokens;
    let mut edits = Vec::new();
    let mut braces = 0usize;
    for (i, t) in toks.iter().enumerate() {
        let next = toks.get(i + 1);
        match t.id {
            token::T_LEFT_BRACE => braces += 1,
            token::T_RIGHT_BRACE => braces = braces.saturating_sub(1),
            token::T_EQLC
            | token::T_NEQ
            | token::T_GTR
            | token::T_GTE
            | token::T_LSS
            | token::T_LTE
                if braces == 0 && next.map(|n| n.id) != Some(token::T_BOOL) =>
            {
                edits.push(Edit {
                    at: t.end,
                    end: t.end,
                    with: " bool",
                });
            }
            token::T_IDENTIFIER if next.map(|n| n.id) == Some(token::T_LEFT_PAREN) => {
                match text.get(t.start..t.end) {
                    Some("absent") => edits.push(Edit {
                        at: t.start,
                        end: t.end,
                        with: "",
                    }),
                    Some("absent_over_time") => edits.push(Edit {
                        at: t.start,
                        end: t.end,
                        with: "count_over_time",
                    }),
                    _ => {}
                }
            }
            _ => {}
        }
    }
    apply(text, edits)
}

/// The probe of a LogQL expression, or None when it has no condition.
pub fn logql(text: &str) -> Option<String> {
    let expr = logql::parse(text).ok()?;
    let mut edits = Vec::new();
    expr.walk(&mut |e| match e {
        logql::Expr::Binary(b) if b.op.is_comparison() && b.bool_modifier.is_none() => {
            edits.push(Edit {
                at: b.op_span.end,
                end: b.op_span.end,
                with: " bool",
            });
        }
        logql::Expr::RangeAggregation(r) if r.func.name == "absent_over_time" => {
            edits.push(Edit {
                at: r.func.span.start,
                end: r.func.span.end,
                with: "count_over_time",
            });
        }
        _ => {}
    });
    apply(text, edits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn promql_comparisons_become_bool() {
        assert_eq!(
            promql("openbao:up:max == 0").as_deref(),
            Some("openbao:up:max == bool 0")
        );
        assert_eq!(
            promql("a{x!=\"y\"} < 3\n  and on (c) b == 1").as_deref(),
            Some("a{x!=\"y\"} < bool 3\n  and on (c) b == bool 1")
        );
        assert_eq!(promql("a > bool 1"), None);
        assert_eq!(promql("sum(rate(x[5m]))"), None);
        assert_eq!(
            promql("absent(up{job=\"x\"})").as_deref(),
            Some("(up{job=\"x\"})")
        );
        assert_eq!(
            promql("absent_over_time(up[5m])").as_deref(),
            Some("count_over_time(up[5m])")
        );
        assert_eq!(promql("sum(("), None);
    }

    #[test]
    fn probes_parse() {
        for q in [
            "openbao:barrier_get:mean5m > 3 * avg_over_time(openbao:barrier_get:mean5m[1h] offset 1h)\n  and openbao:barrier_get:mean5m > 5",
            "predict_linear(m[6h], 24 * 3600) > 2 * avg_over_time(m[6h]) and m > 268435456",
        ] {
            let p = promql(q).unwrap();
            assert!(promql::analyze(&p).is_ok(), "{p}");
        }
    }

    #[test]
    fn logql_comparisons_and_absence() {
        assert_eq!(
            logql("sum by (cluster) (count_over_time({s=\"a\"} |= \"x\" [5m])) > 0").as_deref(),
            Some("sum by (cluster) (count_over_time({s=\"a\"} |= \"x\" [5m])) > bool 0")
        );
        assert_eq!(
            logql("absent_over_time({s=\"a\"}[1h])").as_deref(),
            Some("count_over_time({s=\"a\"}[1h])")
        );
        assert_eq!(logql("{s=\"a\"} |= \"x\""), None);
    }
}
