//! Log streams: which stream a LogQL selector can read, under the policy's
//! `streams` section, and the rules built on that (audit/operational
//! separation, break-glass marking, Loki-specific sense, collector routing).
//!
//! The classifier is shared with the dashboard rules: [`selector_classes`]
//! says which classes of stream a selector can match, [`expr_classes`] does the
//! same for a whole expression.

use std::collections::BTreeSet;

use regex::Regex;
use regex_syntax::hir::{Class, Hir, HirKind, Look};

use crate::policy::Policy;
use crate::syntax::logql::{Expr, MatchOp, Matcher, Selector};

/// The class of a log stream, from the policy's `streams.audit`,
/// `streams.operational` and `streams.break_glass` lists; `Other` is any
/// stream the policy does not name (including lines without the routing
/// label).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StreamClass {
    Audit,
    Operational,
    BreakGlass,
    Other,
}

impl StreamClass {
    pub fn as_str(self) -> &'static str {
        match self {
            StreamClass::Audit => "audit",
            StreamClass::Operational => "operational",
            StreamClass::BreakGlass => "break-glass",
            StreamClass::Other => "other",
        }
    }

    /// Audit and break-glass streams live behind the restricted boundary.
    pub fn is_restricted(self) -> bool {
        matches!(self, StreamClass::Audit | StreamClass::BreakGlass)
    }
}

/// Every class, for selectors that say nothing about the stream.
fn all_classes() -> BTreeSet<StreamClass> {
    [
        StreamClass::Audit,
        StreamClass::Operational,
        StreamClass::BreakGlass,
        StreamClass::Other,
    ]
    .into_iter()
    .collect()
}

/// The class of stream `name` under the policy.
pub fn class_of(policy: &Policy, name: &str) -> StreamClass {
    let s = &policy.streams;
    if s.audit.iter().any(|a| a == name) {
        StreamClass::Audit
    } else if s.operational.iter().any(|a| a == name) {
        StreamClass::Operational
    } else if s.break_glass.iter().any(|a| a == name) {
        StreamClass::BreakGlass
    } else {
        StreamClass::Other
    }
}

/// Every stream the policy names, with its class, in policy order (audit,
/// operational, break-glass).
pub fn policy_streams(policy: &Policy) -> Vec<(&str, StreamClass)> {
    let s = &policy.streams;
    let mut out: Vec<(&str, StreamClass)> = Vec::new();
    for (list, class) in [
        (&s.audit, StreamClass::Audit),
        (&s.operational, StreamClass::Operational),
        (&s.break_glass, StreamClass::BreakGlass),
    ] {
        for name in list {
            if !out.iter().any(|(n, _)| *n == name.as_str()) {
                out.push((name.as_str(), class));
            }
        }
    }
    out
}

/// The selector's matchers on the policy's routing label.
pub fn routing_matchers<'a>(policy: &Policy, sel: &'a Selector) -> Vec<&'a Matcher> {
    let label = policy.streams.routing_label.as_str();
    if label.is_empty() {
        return Vec::new();
    }
    sel.matchers
        .iter()
        .filter(|m| m.name.name == label)
        .collect()
}

/// Compiles a label-matcher regular expression the way Loki (through
/// Prometheus' matchers) does: Go RE2 syntax (`\Q…\E`, ASCII `\w`),
/// anchored at both ends, `.` matching newlines. `None` when it does not
/// compile or is over the regex budget (see [`crate::syntax::re2`]).
pub fn anchored_regex(pattern: &str) -> Option<Regex> {
    crate::syntax::re2::compile_anchored(pattern).ok()
}

/// Whether matcher `m` may accept label value `value`. A regular expression
/// that cannot be judged (over the budget, or invalid: the LogQL syntax rule
/// reports that) may accept anything, for `=~` and `!~` alike: a routing
/// regex nobody can read must never pass as "matches nothing".
pub fn matcher_accepts(m: &Matcher, value: &str) -> bool {
    match m.op {
        MatchOp::Eq => m.value == value,
        MatchOp::Neq => m.value != value,
        MatchOp::Re => anchored_regex(&m.value).is_none_or(|r| r.is_match(value)),
        MatchOp::Nre => anchored_regex(&m.value).is_none_or(|r| !r.is_match(value)),
    }
}

/// The streams named by the policy that the selector can match, with their
/// classes, in policy order. A selector without a routing-label matcher
/// matches them all.
pub fn selector_streams<'p>(policy: &'p Policy, sel: &Selector) -> Vec<(&'p str, StreamClass)> {
    let ms = routing_matchers(policy, sel);
    policy_streams(policy)
        .into_iter()
        .filter(|(name, _)| ms.iter().all(|m| matcher_accepts(m, name)))
        .collect()
}

/// Which stream classes a LogQL selector can match under the policy
/// (evaluate =, !=, =~, !~ on the routing label against every stream the
/// policy names; a selector without a routing-label matcher can match every
/// class). `Other` is included whenever a value the policy does not name
/// could match; it is ruled out exactly when one matcher is `=` or a regular
/// expression with a finite language (such as `a|b`), and assumed otherwise.
pub fn selector_classes(policy: &Policy, sel: &Selector) -> BTreeSet<StreamClass> {
    let ms = routing_matchers(policy, sel);
    if ms.is_empty() {
        return all_classes();
    }
    let mut out: BTreeSet<StreamClass> = selector_streams(policy, sel)
        .into_iter()
        .map(|(_, c)| c)
        .collect();
    if can_match_other(policy, &ms) {
        out.insert(StreamClass::Other);
    }
    out
}

/// Union over every selector of an expression.
pub fn expr_classes(policy: &Policy, e: &Expr) -> BTreeSet<StreamClass> {
    let mut out = BTreeSet::new();
    for sel in e.selectors() {
        out.extend(selector_classes(policy, sel));
    }
    out
}

/// Whether some value the policy does not name passes every matcher.
fn can_match_other(policy: &Policy, ms: &[&Matcher]) -> bool {
    let candidates = ms
        .iter()
        .find(|m| m.op == MatchOp::Eq)
        .map(|m| vec![m.value.clone()])
        .or_else(|| {
            ms.iter()
                .filter(|m| m.op == MatchOp::Re)
                .find_map(|m| finite_language(&m.value, 256))
        });
    match candidates {
        Some(values) => values.iter().any(|v| {
            class_of(policy, v) == StreamClass::Other && ms.iter().all(|m| matcher_accepts(m, v))
        }),
        // An unbounded or unknown set of values: some must be unnamed.
        None => true,
    }
}

/// Every string an (anchored) regular expression matches, when there are at
/// most `limit` of them and the expression is simple enough to enumerate.
pub fn finite_language(pattern: &str, limit: usize) -> Option<Vec<String>> {
    let hir = regex_syntax::ParserBuilder::new()
        .dot_matches_new_line(true)
        .nest_limit(64)
        .build()
        .parse(pattern)
        .ok()?;
    let mut out = enumerate(&hir, limit)?;
    out.sort();
    out.dedup();
    Some(out)
}

fn enumerate(h: &Hir, limit: usize) -> Option<Vec<String>> {
    match h.kind() {
        HirKind::Empty => Some(vec![String::new()]),
        HirKind::Literal(lit) => Some(vec![String::from_utf8(lit.0.to_vec()).ok()?]),
        HirKind::Class(Class::Unicode(c)) => {
            let mut out = Vec::new();
            for r in c.ranges() {
                for ch in r.start()..=r.end() {
                    if out.len() >= limit {
                        return None;
                    }
                    out.push(ch.to_string());
                }
            }
            Some(out)
        }
        HirKind::Class(Class::Bytes(c)) => {
            let mut out = Vec::new();
            for r in c.ranges() {
                for b in r.start()..=r.end() {
                    if !b.is_ascii() || out.len() >= limit {
                        return None;
                    }
                    out.push(char::from(b).to_string());
                }
            }
            Some(out)
        }
        // Anchors are no-ops in an already anchored match at the ends;
        // word boundaries and anchors in the middle are not enumerated.
        HirKind::Look(Look::Start | Look::End | Look::StartLF | Look::EndLF) => {
            Some(vec![String::new()])
        }
        HirKind::Look(_) => None,
        HirKind::Capture(c) => enumerate(&c.sub, limit),
        HirKind::Repetition(r) => {
            let max = r.max?;
            let sub = enumerate(&r.sub, limit)?;
            let mut out = Vec::new();
            let mut current = vec![String::new()];
            for n in 0..=max {
                if n >= r.min {
                    out.extend(current.iter().cloned());
                    if out.len() > limit {
                        return None;
                    }
                }
                if n < max {
                    current = product(&current, &sub, limit)?;
                }
            }
            Some(out)
        }
        HirKind::Concat(parts) => {
            let mut acc = vec![String::new()];
            for p in parts {
                let next = enumerate(p, limit)?;
                acc = product(&acc, &next, limit)?;
            }
            Some(acc)
        }
        HirKind::Alternation(alts) => {
            let mut out = Vec::new();
            for a in alts {
                out.extend(enumerate(a, limit)?);
                if out.len() > limit {
                    return None;
                }
            }
            Some(out)
        }
    }
}

fn product(a: &[String], b: &[String], limit: usize) -> Option<Vec<String>> {
    if a.len().saturating_mul(b.len()) > limit {
        return None;
    }
    let mut out = Vec::with_capacity(a.len() * b.len());
    for x in a {
        for y in b {
            out.push(format!("{x}{y}"));
        }
    }
    Some(out)
}

/// `a`, `a or b`, `a, b or c`: names in backticks for messages.
pub(crate) fn list_names<S: AsRef<str>>(names: &[S]) -> String {
    list_with(names, "or")
}

/// Like [`list_names`], joining the last two with `conj` ("and", "or").
pub(crate) fn list_with<S: AsRef<str>>(names: &[S], conj: &str) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{}`", n.as_ref())).collect();
    match quoted.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, init)) => format!("{} {conj} {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::logql;
    use StreamClass::*;

    fn classes(q: &str) -> Vec<StreamClass> {
        let policy = Policy::profile("openbao").unwrap();
        let e = logql::parse(q).unwrap_or_else(|e| panic!("{q}: {e}"));
        expr_classes(&policy, &e).into_iter().collect()
    }

    #[test]
    fn equality_names_one_class() {
        assert_eq!(classes(r#"{log_stream="openbao.audit"}"#), [Audit]);
        assert_eq!(classes(r#"{log_stream="openbao.audit_archive"}"#), [Audit]);
        assert_eq!(
            classes(r#"{log_stream="openbao.operational"}"#),
            [Operational]
        );
        assert_eq!(
            classes(r#"{log_stream="openbao.completed_requests"}"#),
            [BreakGlass]
        );
        assert_eq!(classes(r#"{log_stream="nginx"}"#), [Other]);
        assert_eq!(classes(r#"{log_stream=""}"#), [Other]);
    }

    #[test]
    fn no_routing_matcher_matches_everything() {
        assert_eq!(
            classes(r#"{app="openbao"}"#),
            [Audit, Operational, BreakGlass, Other]
        );
    }

    #[test]
    fn regexes_are_anchored_like_loki() {
        assert_eq!(
            classes(r#"{log_stream=~"openbao.*"}"#),
            [Audit, Operational, BreakGlass, Other]
        );
        // anchored: `audit` alone does not match `openbao.audit`
        assert_eq!(classes(r#"{log_stream=~"audit"}"#), [Other]);
        assert_eq!(
            classes(r#"{log_stream=~"openbao.audit.*"}"#),
            [Audit, Other]
        );
        assert_eq!(
            classes(r#"{log_stream=~"openbao\\.audit|openbao\\.audit_archive"}"#),
            [Audit]
        );
        assert_eq!(
            classes(r#"{log_stream=~"openbao\\.(audit|operational)"}"#),
            [Audit, Operational]
        );
        assert_eq!(classes(r#"{log_stream=~"^openbao\\.audit$"}"#), [Audit]);
        // too many case variants to enumerate: unnamed values are assumed possible
        assert_eq!(
            classes(r#"{log_stream=~"(?i)OPENBAO\\.AUDIT"}"#),
            [Audit, Other]
        );
        assert_eq!(
            classes(r#"{log_stream=~"openbao\\.audi[t]?"}"#),
            [Audit, Other]
        );
    }

    #[test]
    fn negative_matchers() {
        assert_eq!(
            classes(r#"{log_stream!="openbao.operational"}"#),
            [Audit, BreakGlass, Other]
        );
        assert_eq!(
            classes(r#"{log_stream!~"openbao\\.audit.*"}"#),
            [Operational, BreakGlass, Other]
        );
        assert_eq!(
            classes(
                r#"{log_stream=~"openbao.*", log_stream!~"openbao\\.(audit|audit_archive|completed_requests)"}"#
            ),
            [Operational, Other]
        );
        assert_eq!(
            classes(
                r#"{log_stream=~"openbao\\.(audit|operational)", log_stream!="openbao.audit"}"#
            ),
            [Operational]
        );
    }

    #[test]
    fn union_over_an_expression() {
        assert_eq!(
            classes(
                r#"sum(rate({log_stream="openbao.audit"}[5m])) / sum(rate({log_stream="openbao.operational"}[5m]))"#
            ),
            [Audit, Operational]
        );
    }

    #[test]
    fn a_regex_that_cannot_be_judged_may_match_anything() {
        // invalid for Go RE2 too: the query does not parse (logql-syntax)
        assert!(logql::parse(r#"{log_stream=~"("}"#).is_err());
        // Go-only syntax is translated, never "matches nothing"
        assert_eq!(
            classes(r#"{log_stream=~"openbao.+|\\Qx\\E"}"#),
            [Audit, Operational, BreakGlass, Other]
        );
        // over the regex budget: judged conservatively
        let big: Vec<String> = (0..20_000).map(|i| format!("v{i}")).collect();
        let q = format!(r#"{{log_stream=~"openbao.audit|{}"}}"#, big.join("|"));
        assert_eq!(classes(&q), [Audit, Operational, BreakGlass, Other]);
    }

    #[test]
    fn finite_languages() {
        assert_eq!(
            finite_language("a|b", 10),
            Some(vec!["a".into(), "b".into()])
        );
        assert_eq!(
            finite_language("x[0-2]?", 10),
            Some(vec!["x".into(), "x0".into(), "x1".into(), "x2".into()])
        );
        assert_eq!(finite_language("a+", 10), None);
        assert_eq!(finite_language(".", 10), None);
        assert_eq!(finite_language("[a-z]{3}", 100), None);
        assert_eq!(finite_language("\\bx", 10), None);
    }

    #[test]
    fn names_are_listed_for_messages() {
        assert_eq!(list_names(&["a"]), "`a`");
        assert_eq!(list_names(&["a", "b", "c"]), "`a`, `b` or `c`");
        assert_eq!(list_names::<&str>(&[]), "");
        assert_eq!(list_with(&["a", "b"], "and"), "`a` and `b`");
    }
}
