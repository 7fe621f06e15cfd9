//! A small deterministic YAML writer for generated rule files: block style,
//! plain scalars where they are unambiguous, `|-` blocks for multi-line
//! expressions, double quotes otherwise.

/// An ordered YAML value.
#[derive(Debug, Clone, PartialEq)]
pub enum Y {
    Str(String),
    Map(Vec<(String, Y)>),
    Seq(Vec<Y>),
}

impl Y {
    pub fn s(v: impl Into<String>) -> Y {
        Y::Str(v.into())
    }
    pub fn map(entries: Vec<(&str, Y)>) -> Y {
        Y::Map(
            entries
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
        )
    }
}

/// Render a document (a mapping at the top).
pub fn render(doc: &Y) -> String {
    let mut out = String::new();
    match doc {
        Y::Map(entries) => map_entries(&mut out, entries, 0),
        other => {
            value_inline_or_block(&mut out, other, 0);
        }
    }
    out
}

fn indent(out: &mut String, n: usize) {
    for _ in 0..n {
        out.push(' ');
    }
}

fn map_entries(out: &mut String, entries: &[(String, Y)], ind: usize) {
    for (i, (k, v)) in entries.iter().enumerate() {
        if i > 0 {
            indent(out, ind);
        }
        out.push_str(&scalar(k, ind));
        out.push(':');
        value_after_key(out, v, ind);
    }
}

fn value_after_key(out: &mut String, v: &Y, ind: usize) {
    match v {
        Y::Str(s) => {
            out.push(' ');
            out.push_str(&scalar(s, ind + 2));
            out.push('\n');
        }
        Y::Map(m) if m.is_empty() => out.push_str(" {}\n"),
        Y::Seq(s) if s.is_empty() => out.push_str(" []\n"),
        Y::Map(m) => {
            out.push('\n');
            indent(out, ind + 2);
            map_entries(out, m, ind + 2);
        }
        Y::Seq(items) => {
            out.push('\n');
            seq_items(out, items, ind + 2);
        }
    }
}

fn seq_items(out: &mut String, items: &[Y], ind: usize) {
    for item in items {
        indent(out, ind);
        out.push_str("- ");
        value_inline_or_block(out, item, ind + 2);
    }
}

fn value_inline_or_block(out: &mut String, v: &Y, ind: usize) {
    match v {
        Y::Str(s) => {
            out.push_str(&scalar(s, ind));
            out.push('\n');
        }
        Y::Map(m) if m.is_empty() => out.push_str("{}\n"),
        Y::Seq(s) if s.is_empty() => out.push_str("[]\n"),
        Y::Map(m) => map_entries(out, m, ind),
        Y::Seq(items) => {
            out.push('\n');
            seq_items(out, items, ind);
        }
    }
}

fn looks_special(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "~" | "y" | "n"
    ) {
        return true;
    }
    // numbers, including 0x.., 1e3, .5, +1
    let t = s.trim_start_matches(['+', '-']);
    !t.is_empty()
        && (t
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit() || c == '.')
            && s.parse::<f64>().is_ok()
            || t.starts_with("0x")
            || t.starts_with("0o")
            || lower == ".inf"
            || lower == ".nan")
}

fn plain_ok(s: &str) -> bool {
    if s.is_empty() || s.trim() != s || looks_special(s) {
        return false;
    }
    let first = s.chars().next().unwrap_or(' ');
    if "-?:,[]{}#&*!|>'\"%@`".contains(first) {
        return false;
    }
    if s.contains(": ") || s.contains(" #") || s.ends_with(':') {
        return false;
    }
    s.chars().all(|c| !c.is_control())
}

fn double_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A scalar at indentation `ind` (used for block scalars' content).
fn scalar(s: &str, ind: usize) -> String {
    if s.contains('\n') {
        let block_safe = !s.starts_with([' ', '\t', '\n'])
            && s.lines().all(|l| l.trim_end() == l && !l.contains('\t'))
            && !s.chars().any(|c| c.is_control() && c != '\n');
        if block_safe {
            let chomp = if s.ends_with('\n') { "|" } else { "|-" };
            let body = s.strip_suffix('\n').unwrap_or(s);
            let mut out = String::from(chomp);
            for line in body.split('\n') {
                out.push('\n');
                if !line.is_empty() {
                    out.push_str(&" ".repeat(ind));
                    out.push_str(line);
                }
            }
            return out;
        }
        return double_quoted(s);
    }
    if plain_ok(s) {
        s.to_string()
    } else {
        double_quoted(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::yaml;

    #[test]
    fn round_trips_through_our_parser() {
        let doc = Y::map(vec![(
            "groups",
            Y::Seq(vec![Y::map(vec![
                ("name", Y::s("openbao-critical")),
                (
                    "rules",
                    Y::Seq(vec![Y::map(vec![
                        ("alert", Y::s("A")),
                        ("expr", Y::s("sum by (cluster) (\n  x\n) > 0")),
                        ("for", Y::s("5m")),
                        (
                            "labels",
                            Y::map(vec![
                                ("severity", Y::s("critical")),
                                ("n", Y::s("1")),
                                ("t", Y::s("true")),
                            ]),
                        ),
                        (
                            "annotations",
                            Y::map(vec![
                                ("summary", Y::s("{{ $labels.instance }}: down")),
                                ("q", Y::s("say \"hi\"")),
                            ]),
                        ),
                    ])]),
                ),
            ])]),
        )]);
        let text = render(&doc);
        let parsed = yaml::parse(&text);
        assert!(parsed.errors.is_empty(), "{text}\n{:?}", parsed.errors);
        let j = parsed.docs[0].to_json();
        let r = &j["groups"][0]["rules"][0];
        assert_eq!(r["expr"], "sum by (cluster) (\n  x\n) > 0");
        assert_eq!(r["labels"]["n"], "1");
        assert_eq!(r["labels"]["t"], "true");
        assert_eq!(r["annotations"]["summary"], "{{ $labels.instance }}: down");
        assert_eq!(r["annotations"]["q"], "say \"hi\"");
    }
}
