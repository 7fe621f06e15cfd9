//! A LogQL regex label filter of the form `.*x.*` on a field that a stream
//! contract declares multi-line: label regexes are anchored and `.` does not
//! match a newline, so the filter misses every value with a newline before
//! (or after) `x`. Found on the OpenBao audit stream, whose `error` is
//! go-multierror text (`"1 error occurred:\n\t* permission denied\n\n"`).
//!
//! Phase 1 (the `file_facts` hook, whatever is enabled) records every regex label
//! filter after a parser stage (rule files, dashboards, contracts) with the
//! routing-label matchers of its selector;
//! the multi-line fields come from stream contracts (`analysis::facts`). Phase 2
//! joins the two.

use std::ops::Range;

use crate::artifact::query::QueryRef;
use crate::artifact::Artifact;
use crate::diag::Fix;
use crate::policy::Policy;
use crate::rules::{finding, FieldRegexUse, FileFacts, RepoCtx, Rule};
use crate::source::{FileRef, Span};
use crate::syntax::logql::{Expr, LabelFilter, MatchOp, Stage};

use crate::analysis::streams::anchored_regex;

crate::declare_rule! {
    pub struct MultilineFieldRegex {
        code: "OL305",
        name: "multiline-field-regex",
        family: Streams,
        severity: Warning,
        fix: Sometimes,
        summary: "A LogQL regex `.*x.*` (no `s` flag) on a field the stream contract declares multi-line",
    }
}

/// Whether `pattern` means "contains": it starts or ends with `.*`/`.+`
/// and sets no `s` flag, so `.` stops at the first newline.
pub fn needs_dotall(pattern: &str) -> bool {
    let dotall = pattern.starts_with("(?")
        && pattern[2..]
            .split([')', ':'])
            .next()
            .is_some_and(|flags| flags.split('-').next().unwrap_or("").contains('s'));
    if dotall {
        return false;
    }
    let starts = pattern.starts_with(".*") || pattern.starts_with(".+");
    let ends = (pattern.ends_with(".*") || pattern.ends_with(".+")) && !pattern.ends_with("\\.*");
    starts || ends
}

fn matchers<'a>(f: &'a LabelFilter, out: &mut Vec<&'a crate::syntax::logql::Matcher>) {
    match f {
        LabelFilter::Matcher(m) => out.push(m),
        LabelFilter::And { lhs, rhs, .. } | LabelFilter::Or { lhs, rhs, .. } => {
            matchers(lhs, out);
            matchers(rhs, out);
        }
        LabelFilter::Paren { inner, .. } => matchers(inner, out),
        LabelFilter::Ip { .. } | LabelFilter::Compare { .. } => {}
    }
}

/// Every regex filter on an extracted field of `e`, as (routing matchers,
/// field, pattern, span of the value in the expression text).
type Found = (Vec<(bool, String)>, String, String, Range<usize>);

/// Phase 1 (gathered as facts, whatever is enabled: `file_facts`): the
/// regex filters of one query, as repository facts.
pub fn field_regexes(q: &QueryRef<'_>, file: &FileRef, routing_label: &str) -> Vec<FieldRegexUse> {
    let Some(e) = q.loki() else {
        return Vec::new();
    };
    uses(e, routing_label)
        .into_iter()
        .map(|(routing, field, pattern, r)| FieldRegexUse {
            routing,
            field,
            pattern,
            file: file.clone(),
            span: q.span(&file.text, r),
        })
        .collect()
}

fn uses(e: &Expr, routing_label: &str) -> Vec<Found> {
    let mut out = Vec::new();
    e.walk(&mut |x| {
        let (selector, pipeline) = match x {
            Expr::Log(l) => (&l.selector, &l.pipeline),
            Expr::RangeAggregation(r) => (&r.range.selector, &r.range.pipeline),
            _ => return,
        };
        let routing: Vec<(bool, String)> = selector
            .matchers
            .iter()
            .filter(|m| m.name.name == routing_label)
            .filter_map(|m| match m.op {
                MatchOp::Eq => Some((false, m.value.clone())),
                MatchOp::Re => Some((true, m.value.clone())),
                _ => None,
            })
            .collect();
        let mut parsed = false;
        for st in pipeline {
            match st {
                Stage::Parser(_) => parsed = true,
                Stage::LabelFilter { filter, .. } if parsed => {
                    let mut ms = Vec::new();
                    matchers(filter, &mut ms);
                    for m in ms {
                        if matches!(m.op, MatchOp::Re | MatchOp::Nre) && needs_dotall(&m.value) {
                            out.push((
                                routing.clone(),
                                m.name.name.clone(),
                                m.value.clone(),
                                m.value_span.clone(),
                            ));
                        }
                    }
                }
                _ => {}
            }
        }
    });
    out
}

impl Rule for MultilineFieldRegex {
    fn file_facts(
        &self,
        _artifact: &Artifact,
        queries: &[QueryRef<'_>],
        file: &FileRef,
        policy: &Policy,
        facts: &mut FileFacts,
    ) {
        for q in queries {
            facts
                .field_regexes
                .extend(field_regexes(q, file, &policy.streams.routing_label));
        }
    }

    fn check_repo(&self, cx: &mut RepoCtx<'_>) {
        let facts = cx.facts;
        for u in &facts.field_regexes {
            let rel = u.file.display.as_str();
            // a selector without a routing matcher can read every stream
            let Some(decl) = facts.multiline_fields.iter().find(|f| {
                f.field == u.field
                    && (u.routing.is_empty()
                        || u.routing.iter().all(|(re, v)| {
                            if *re {
                                anchored_regex(v).is_some_and(|r| r.is_match(&f.stream))
                            } else {
                                *v == f.stream
                            }
                        }))
            }) else {
                continue;
            };
            let Some(mut d) = finding(
                cx.policy,
                &META,
                rel,
                &u.file,
                u.span.clone(),
                format!(
                    "regex `{}` on `{}` stops at the first newline, but `{}` of stream `{}` is multi-line: values with a newline around the match are missed",
                    u.pattern, u.field, u.field, decl.stream
                ),
            ) else {
                continue;
            };
            d.label("`.` does not match a newline")
                .related(&decl.file, decl.span.clone(), "declared multi-line here")
                .help(format!(
                    "start the regex with the `s` flag, `(?s){}`, or filter the line with `|= \"...\"` before the parser",
                    u.pattern
                ));
            // insert the flag right after the opening quote or backtick
            let open = u.file.text.get(u.span.start..u.span.start + 1);
            if matches!(open, Some("\"") | Some("`")) {
                d.fix(Fix::safe_edit(
                    "Add the `s` flag: `(?s)`",
                    Span::empty(u.span.start + 1),
                    "(?s)",
                ));
            }
            cx.diags.push(d);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::needs_dotall;

    #[test]
    fn contains_patterns_need_dotall() {
        assert!(needs_dotall(".*permission denied.*"));
        assert!(needs_dotall(".+denied"));
        assert!(needs_dotall("permission.*"));
        assert!(!needs_dotall("(?s).*permission denied.*"));
        assert!(!needs_dotall("(?is).*denied.*"));
        assert!(!needs_dotall("(?s:.*denied.*)"));
        assert!(needs_dotall("(?i).*denied.*"));
        assert!(!needs_dotall("permission denied"));
        assert!(!needs_dotall("create|update|delete"));
        assert!(!needs_dotall("sys/(audit|config/auditing)(/.*)?"));
    }
}
