//! The fix for an alert without a runbook link: add the annotation the
//! policy's naming convention gives it (`runbooks.slug`,
//! `runbooks.slug_strip_prefixes`), when that runbook file exists.
//!
//! The edit is one insertion at the end of a line, so the rest of the file
//! (comments, key order, quoting) is untouched:
//! - after the last entry of a block `annotations:` mapping, at its
//!   indentation;
//! - with no `annotations` key, a new `annotations:` block after the rule's
//!   last line, at the rule's key indentation.
//!
//! No fix is offered (the finding stays) for flow-style mappings, an
//! existing but empty `annotations:` key, or a rule ending in a block scalar
//! that keeps its trailing lines (`|+`, `>+`), where an insertion would change
//! more than the new line.

use crate::artifact::rule_file::{Rule as RuleModel, RuleFile};
use crate::artifact::Scalar;
use crate::diag::Edit;
use crate::policy::Policy;
use crate::rules::{normalize_rel, RepoIndex};
use crate::source::Span;

/// The edit adding the conventional runbook link to the alert whose name is
/// `name` (the `alert:` value), if the convention gives one that exists.
pub fn missing_runbook_edit(
    text: &str,
    repo: &RepoIndex,
    policy: &Policy,
    rf: Option<&RuleFile>,
    name: &Scalar,
) -> Option<Edit> {
    let rf = rf?;
    let (_, rule) = rf
        .alerts()
        .find(|(_, r)| r.alert.as_ref().is_some_and(|a| a.span == name.span))?;
    let rel = conventional_runbook(policy, &name.value)?;
    if !repo.is_file(&rel) {
        return None;
    }
    let value = format!("{}{}", policy.runbooks.base_url, rel);
    insertion(text, rule, &policy.runbooks.annotation, &value)
}

/// `<runbooks.dir>/<slug>.md` for `alert`.
pub fn conventional_runbook(policy: &Policy, alert: &str) -> Option<String> {
    let slug = policy.runbooks.slug_of(alert)?;
    let dir = normalize_rel(&policy.runbooks.dir)?;
    Some(if dir.is_empty() {
        format!("{slug}.md")
    } else {
        format!("{dir}/{slug}.md")
    })
}

/// A YAML scalar for `s`: plain when that is unambiguous, else double-quoted.
pub fn yaml_scalar(s: &str) -> String {
    let plain_ok = s
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '/' | '_'))
        && s.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || matches!(
                    c,
                    '.' | '/' | '_' | '-' | ':' | '~' | '%' | '+' | '=' | '&' | '?'
                )
        })
        && !s.contains(": ")
        && !s.ends_with(':');
    if plain_ok {
        return s.to_string();
    }
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn line_start(text: &str, at: usize) -> usize {
    text.get(..at)
        .and_then(|t| t.rfind('\n'))
        .map(|i| i + 1)
        .unwrap_or(0)
}

/// Where a line ends: before its `\r\n` or `\n` (or at the end of text).
fn line_end(text: &str, at: usize) -> usize {
    let at = at.min(text.len());
    let nl = text
        .get(at..)
        .and_then(|t| t.find('\n'))
        .map(|i| at + i)
        .unwrap_or(text.len());
    if nl > at && text.as_bytes().get(nl - 1) == Some(&b'\r') && nl < text.len() {
        nl - 1
    } else {
        nl
    }
}

/// The indentation before a block-mapping key at `key_start`: the text
/// from the line start, with a sequence dash (`- `) counted as spaces.
/// `None` when anything else precedes the key (a flow mapping).
fn key_indent(text: &str, key_start: usize) -> Option<usize> {
    let prefix = text.get(line_start(text, key_start)..key_start)?;
    prefix
        .chars()
        .all(|c| c == ' ' || c == '-')
        .then(|| prefix.chars().count())
}

fn insertion(text: &str, rule: &RuleModel, key: &str, value: &str) -> Option<Edit> {
    let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let rule_text = text.get(rule.span.range())?;
    if rule_text.starts_with('{') || keeps_trailing_lines(rule_text) {
        return None;
    }
    let entry = format!("{}: {}", yaml_scalar(key), yaml_scalar(value));
    if let Some(last) = rule.annotations.iter().max_by_key(|(_, v)| v.span.end) {
        let (k, v) = last;
        let indent = key_indent(text, k.span.start)?;
        if text
            .get(line_start(text, k.span.start)..k.span.start)?
            .contains('-')
        {
            return None;
        }
        let at = line_end(text, v.span.end.max(k.span.end));
        return Some(Edit::new(
            Span::empty(at),
            format!("{newline}{}{entry}", " ".repeat(indent)),
        ));
    }
    let indent = key_indent(text, rule.span.start)?;
    // an `annotations` key without entries: leave it to the author
    let has_key = rule_text.lines().any(|l| {
        let t = l.trim_start_matches([' ', '-']);
        t.starts_with("annotations:") || t.starts_with("\"annotations\":")
    });
    if has_key {
        return None;
    }
    // nested indentation: as the labels block has it, else two spaces
    let step = rule
        .labels
        .first()
        .and_then(|(k, _)| {
            let i = key_indent(text, k.span.start)?;
            (i > indent).then_some(i - indent)
        })
        .unwrap_or(2);
    let at = line_end(text, rule.span.end);
    Some(Edit::new(
        Span::empty(at),
        format!(
            "{newline}{pad}annotations:{newline}{pad}{inner}{entry}",
            pad = " ".repeat(indent),
            inner = " ".repeat(step)
        ),
    ))
}

/// A block scalar with the keep chomping indicator (`|+`, `>+`, `|2+`).
fn keeps_trailing_lines(s: &str) -> bool {
    let b = s.as_bytes();
    b.iter().enumerate().any(|(i, &c)| {
        (c == b'|' || c == b'>')
            && b.get(i + 1..).is_some_and(|r| {
                r.first() == Some(&b'+')
                    || (r.first().is_some_and(u8::is_ascii_digit) && r.get(1) == Some(&b'+'))
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_are_plain_when_safe() {
        assert_eq!(yaml_scalar("docs/runbooks/a-b.md"), "docs/runbooks/a-b.md");
        assert_eq!(
            yaml_scalar("https://x.example/r/docs/a.md"),
            "https://x.example/r/docs/a.md"
        );
        assert_eq!(yaml_scalar("a b.md"), "\"a b.md\"");
        assert_eq!(yaml_scalar("-x"), "\"-x\"");
    }

    #[test]
    fn keep_chomping_is_detected() {
        assert!(keeps_trailing_lines("expr: |+\n  up\n"));
        assert!(keeps_trailing_lines("expr: >2+\n  up\n"));
        assert!(!keeps_trailing_lines("expr: |\n  up > 1\n"));
    }
}
