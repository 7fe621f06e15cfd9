//! Inline suppressions in YAML comments:
//!
//! ```yaml
//! # o11ylint: disable=forbidden-label,OL500 -- migration in progress, TICKET-12
//! - alert: Foo          # applies to this whole rule (the next YAML item)
//!   expr: up == 0       # o11ylint: disable=source-prefix -- applies to this line
//! # o11ylint: disable-file=runbook-link -- generated fixtures
//! ```

use crate::diag::Diagnostic;
use crate::source::{LineIndex, Span};
use crate::syntax::yaml::{Kind, Node};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    File,
    Region(Span),
}

#[derive(Debug, Clone)]
pub struct Suppression {
    /// Rule names or codes, or `all`.
    pub rules: Vec<String>,
    pub reason: Option<String>,
    pub scope: Scope,
    /// The comment itself, where unused/ill-formed suppressions are reported.
    pub span: Span,
    pub used: bool,
}

impl Suppression {
    pub fn matches(&self, d: &Diagnostic) -> bool {
        let rule_ok = self
            .rules
            .iter()
            .any(|r| r == "all" || r == d.code || r == d.name);
        rule_ok
            && match &self.scope {
                Scope::File => true,
                Scope::Region(r) => {
                    d.primary.span.start >= r.start && d.primary.span.start <= r.end
                }
            }
    }
}

const MARKER: &str = "o11ylint:";

/// Find suppression comments. `docs` lets us skip `#` inside scalars and
/// compute the region of the next YAML item.
pub fn parse_yaml(text: &str, docs: &[Node]) -> Vec<Suppression> {
    let mut out = Vec::new();
    if !text.contains(MARKER) {
        return out;
    }
    let lines = LineIndex::new(text);
    let mut scalar_spans = Vec::new();
    for d in docs {
        collect_scalar_spans(d, &mut scalar_spans);
    }
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let line_start = offset;
        offset += line.len();
        let Some(hash) = find_comment(line) else {
            continue;
        };
        let abs = line_start + hash;
        if scalar_spans
            .iter()
            .any(|s: &Span| abs > s.start && abs < s.end)
        {
            continue;
        }
        let comment = line[hash + 1..].trim();
        let Some(body) = comment.strip_prefix(MARKER) else {
            continue;
        };
        let body = body.trim();
        let (directive, reason) = match body.split_once("--") {
            Some((d, r)) => (
                d.trim(),
                Some(r.trim().to_string()).filter(|r| !r.is_empty()),
            ),
            None => (body, None),
        };
        let (file_wide, list) = if let Some(l) = directive.strip_prefix("disable-file=") {
            (true, l)
        } else if let Some(l) = directive.strip_prefix("disable=") {
            (false, l)
        } else {
            // not ours to interpret, but say so rather than ignore it silently
            out.push(Suppression {
                rules: Vec::new(),
                reason: Some(format!("unrecognised directive `{directive}`")),
                scope: Scope::File,
                span: Span::new(abs, line_start + line.trim_end().len()),
                used: false,
            });
            continue;
        };
        let rules: Vec<String> = list
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        let own_line = line[..hash].trim().is_empty();
        let scope = if file_wide {
            Scope::File
        } else if own_line {
            Scope::Region(next_item_region(text, &lines, offset, docs))
        } else {
            Scope::Region(Span::new(line_start, line_start + line.trim_end().len()))
        };
        out.push(Suppression {
            rules,
            reason,
            scope,
            span: Span::new(abs, line_start + line.trim_end().len()),
            used: false,
        });
    }
    out
}

/// Byte index of a `#` that starts a comment in this line, if any
/// (at the start or after whitespace, outside quotes).
fn find_comment(line: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    let mut prev = ' ';
    for (i, c) in line.char_indices() {
        match quote {
            Some(q) => {
                if c == q {
                    quote = None;
                }
            }
            None => {
                if (c == '"' || c == '\'')
                    && (prev == ' ' || prev == ':' || prev == '[' || prev == ',')
                {
                    quote = Some(c);
                } else if c == '#' && (prev == ' ' || prev == '\t' || i == 0) {
                    return Some(i);
                }
            }
        }
        prev = c;
    }
    None
}

fn collect_scalar_spans(n: &Node, out: &mut Vec<Span>) {
    let mut stack = vec![n];
    while let Some(n) = stack.pop() {
        if n.from_alias {
            continue;
        }
        match &n.kind {
            Kind::Scalar { .. } => {
                if n.span.end > n.span.start {
                    out.push(n.span.clone());
                }
            }
            Kind::Seq(items) => stack.extend(items.iter()),
            Kind::Map(entries) => {
                for (k, v) in entries {
                    stack.push(k);
                    stack.push(v);
                }
            }
        }
    }
}

/// The region covered by the first YAML item starting at or after `from`:
/// from that line's start to the end of the largest node starting on it.
fn next_item_region(text: &str, lines: &LineIndex, from: usize, docs: &[Node]) -> Span {
    // first non-blank, non-comment line at or after `from`
    let mut off = from;
    let mut target_line = None;
    for line in text[from.min(text.len())..].split_inclusive('\n') {
        let t = line.trim();
        if !t.is_empty() && !t.starts_with('#') {
            target_line = Some(lines.line_of(off));
            break;
        }
        off += line.len();
    }
    let Some(tl) = target_line else {
        return Span::empty(text.len());
    };
    let start = lines.line_start(tl);
    let line_end = text[start..]
        .find('\n')
        .map(|i| start + i)
        .unwrap_or(text.len());
    // Items of sequences and entries of mappings that start on this line;
    // not the containers themselves (a list starts on its first item's line).
    let on_line = |n: &Node| n.span.start >= start && n.span.start <= line_end;
    let mut end = line_end;
    let mut stack: Vec<&Node> = docs.iter().collect();
    while let Some(n) = stack.pop() {
        if n.from_alias {
            continue;
        }
        match &n.kind {
            Kind::Seq(items) => {
                for item in items {
                    if on_line(item) {
                        end = end.max(item.span.end);
                    }
                    stack.push(item);
                }
            }
            Kind::Map(entries) => {
                for (k, v) in entries {
                    if on_line(k) {
                        end = end.max(v.span.end);
                    }
                    stack.push(k);
                    stack.push(v);
                }
            }
            Kind::Scalar { .. } => {}
        }
    }
    Span::new(start, end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::yaml;

    #[test]
    fn own_line_comment_covers_next_item() {
        let text = "groups:\n- name: g\n  rules:\n  # o11ylint: disable=forbidden-label -- legacy\n  - alert: A\n    expr: up == 0\n  - alert: B\n    expr: up == 0\n";
        let docs = yaml::parse(text).docs;
        let s = parse_yaml(text, &docs);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].rules, vec!["forbidden-label"]);
        assert_eq!(s[0].reason.as_deref(), Some("legacy"));
        let Scope::Region(r) = &s[0].scope else {
            panic!()
        };
        let a = text.find("- alert: A").unwrap();
        let b = text.find("- alert: B").unwrap();
        assert!(r.start <= a && r.end > text.find("up == 0").unwrap() && r.end < b);
    }

    #[test]
    fn trailing_comment_covers_its_line_and_file_scope() {
        let text = "a: 1 # o11ylint: disable=OL500\n# o11ylint: disable-file=all -- fixtures\nb: '# o11ylint: disable=x'\n";
        let docs = yaml::parse(text).docs;
        let s = parse_yaml(text, &docs);
        assert_eq!(s.len(), 2, "{s:?}");
        assert_eq!(s[0].scope, Scope::Region(Span::new(0, 30)));
        assert!(s[0].reason.is_none());
        assert_eq!(s[1].scope, Scope::File);
    }
}
