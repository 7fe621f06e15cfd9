//! `=~"literal"` and `!~"literal"`: a regex matcher whose pattern has no
//! regex metacharacters matches exactly one value (Prometheus anchors label
//! regexes), so `=` / `!=` say the same thing more plainly and more cheaply.
//! The finding carries a fix that rewrites the operator.

use crate::artifact::query::Parsed;
use crate::artifact::rule_file::RuleFile;
use crate::diag::Fix;
use crate::rules::{Ctx, Rule};
use crate::source::Span;

crate::declare_rule! {
    pub struct RegexLiteralMatcher {
        code: "OL703",
        name: "regex-literal-matcher",
        family: Hygiene,
        severity: Warning,
        fix: Sometimes,
        summary: "A `=~`/`!~` label matcher whose pattern is a plain string; use `=`/`!=`",
    }
}

/// Characters with a meaning in RE2 syntax. A pattern without any of them
/// matches itself only.
const META_CHARS: &[char] = &[
    '\\', '.', '+', '*', '?', '(', ')', '|', '[', ']', '{', '}', '^', '$',
];

/// Whether `pattern` (already unquoted) is a literal for RE2.
pub fn is_literal(pattern: &str) -> bool {
    !pattern.is_empty() && !pattern.contains(META_CHARS)
}

/// Byte range of `op` between the label name and the value in `query`.
fn op_span(query: &str, after_name: usize, before_value: usize, op: &str) -> Option<Span> {
    let between = query.get(after_name..before_value)?;
    let at = between.find(op)?;
    Some(Span::new(after_name + at, after_name + at + op.len()))
}

impl Rule for RegexLiteralMatcher {
    fn check_rule_file(&self, cx: &mut Ctx<'_>, rf: &RuleFile) {
        for (_, rule) in rf.rules() {
            let Some(expr) = &rule.expr else { continue };
            let Parsed::Prom(Ok(a)) = &expr.parsed else {
                continue;
            };
            let query = expr.scalar.value.as_str();
            for m in &a.facts.matchers {
                let plain = match m.op {
                    "=~" => "=",
                    "!~" => "!=",
                    _ => continue,
                };
                if !is_literal(&m.value) {
                    continue;
                }
                let Some(op) = op_span(query, m.name_span.end, m.value_span.start, m.op) else {
                    continue;
                };
                let text = &cx.file.text;
                let span = expr
                    .scalar
                    .sub_span(text, m.name_span.start..m.value_span.end);
                let op_file = expr.scalar.sub_span(text, op.start..op.end);
                let value_text = query.get(m.value_span.clone()).unwrap_or("");
                let d = cx
                    .report(
                        &META,
                        span,
                        format!(
                            "`{}{}{}` is a regex matcher on a plain string; use `{}{}{}`",
                            m.label, m.op, value_text, m.label, plain, value_text
                        ),
                    )
                    .label("no regex metacharacters")
                    .help(format!(
                        "label regexes are anchored, so this pattern matches exactly one value: \
                         `{plain}` says so and skips the regex engine"
                    ));
                // only offer the edit when the file holds the operator where
                // we think it is (aliases map to the anchor, not the use)
                if text.get(op_file.range()) == Some(m.op) {
                    d.fix(Fix::safe_edit(format!("Use `{plain}`"), op_file, plain));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals() {
        assert!(is_literal("api"));
        assert!(is_literal("openbao-0"));
        assert!(is_literal("a b/c:d"));
        assert!(!is_literal(""));
        assert!(!is_literal("api|web"));
        assert!(!is_literal("api.*"));
        assert!(!is_literal("v\\.1"));
        assert!(!is_literal("(?i)api"));
    }

    #[test]
    fn operator_is_found_between_name_and_value() {
        let q = r#"up{job =~ "api"}"#;
        let s = op_span(q, 6, 10, "=~").unwrap();
        assert_eq!(&q[s.range()], "=~");
    }
}
