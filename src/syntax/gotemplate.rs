//! Go `text/template` checking for alert labels and annotations, as
//! Prometheus expands them: balanced actions and control structures, known
//! functions (Go's built-ins plus Prometheus' template functions), defined
//! variables, and the `$labels.X` references (with spans) that rules need.

use std::ops::Range;

pub type Span = Range<usize>;

/// Go text/template built-ins and Prometheus' template functions.
pub const FUNCTIONS: &[&str] = &[
    // Go
    "and",
    "or",
    "not",
    "len",
    "index",
    "print",
    "printf",
    "println",
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "call",
    "html",
    "js",
    "urlquery",
    "slice",
    // Prometheus
    "query",
    "first",
    "label",
    "value",
    "strvalue",
    "sortByLabel",
    "args",
    "reReplaceAll",
    "safeHtml",
    "match",
    "title",
    "toUpper",
    "toLower",
    "graphLink",
    "tableLink",
    "humanize",
    "humanize1024",
    "humanizeDuration",
    "humanizePercentage",
    "humanizeTimestamp",
    "toTime",
    "toDuration",
    "pathPrefix",
    "externalURL",
    "parseDuration",
    "stripPort",
    "stripDomain",
    "now",
];

const PREDEFINED_VARS: &[&str] = &["$", "$labels", "$value", "$externalLabels", "$externalURL"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    pub message: String,
    pub span: Span,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TemplateCheck {
    pub errors: Vec<TemplateError>,
    /// `$labels.name`, `.Labels.name`, `index $labels "name"`: (name, span of the name)
    pub label_refs: Vec<(String, Span)>,
}

pub fn check(src: &str) -> TemplateCheck {
    let mut out = TemplateCheck::default();
    let mut vars: Vec<String> = PREDEFINED_VARS.iter().map(|s| s.to_string()).collect();
    let mut blocks: Vec<(&'static str, Span)> = Vec::new();
    let mut pos = 0;
    while let Some(rel) = src[pos..].find("{{") {
        let open = pos + rel;
        let Some(close_rel) = find_close(&src[open + 2..]) else {
            out.errors.push(TemplateError {
                message: "unclosed action: `{{` without a matching `}}`".into(),
                span: open..open + 2,
            });
            return out;
        };
        let inner_start = open + 2;
        let inner_end = open + 2 + close_rel;
        let mut s = inner_start;
        let mut e = inner_end;
        if src[s..e].starts_with('-') {
            s += 1;
        }
        if src[s..e].ends_with('-') && e > s {
            e -= 1;
        }
        action(src, s, e, &mut vars, &mut blocks, &mut out);
        pos = inner_end + 2;
    }
    for (kw, span) in blocks {
        out.errors.push(TemplateError {
            message: format!("`{{{{{kw}}}}}` is never closed with `{{{{end}}}}`"),
            span,
        });
    }
    out
}

/// Find the `}}` closing an action, skipping strings.
fn find_close(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut quote: Option<u8> = None;
    while i < b.len() {
        match quote {
            Some(q) => {
                if b[i] == b'\\' && q != b'`' {
                    i += 1;
                } else if b[i] == q {
                    quote = None;
                }
            }
            None => match b[i] {
                b'"' | b'`' | b'\'' => quote = Some(b[i]),
                b'}' if b.get(i + 1) == Some(&b'}') => return Some(i),
                _ => {}
            },
        }
        i += 1;
    }
    None
}

#[derive(Debug, Clone, PartialEq)]
enum T {
    Ident(String),
    Var(String),
    Field(String),
    Str(String),
    Num,
    Pipe,
    Open,
    Close,
    Assign,
    Comma,
    Other(char),
}

fn lex(src: &str, start: usize, end: usize, out: &mut TemplateCheck) -> Vec<(T, Span)> {
    let s = &src[start..end];
    let b = s.as_bytes();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let at = start + i;
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if s[i..].starts_with("/*") {
            match s[i + 2..].find("*/") {
                Some(j) => {
                    i += j + 4;
                    continue;
                }
                None => {
                    out.errors.push(TemplateError {
                        message: "unclosed comment".into(),
                        span: at..at + 2,
                    });
                    return toks;
                }
            }
        }
        match c {
            b'"' | b'`' | b'\'' => {
                let mut j = i + 1;
                let mut val = String::new();
                let mut closed = false;
                while j < b.len() {
                    if b[j] == b'\\' && c != b'`' {
                        if let Some(ch) = s[j + 1..].chars().next() {
                            val.push(ch);
                            j += 1 + ch.len_utf8();
                            continue;
                        }
                        j += 1;
                        continue;
                    }
                    if b[j] == c {
                        closed = true;
                        break;
                    }
                    let ch = s[j..].chars().next().unwrap_or(' ');
                    val.push(ch);
                    j += ch.len_utf8();
                }
                if !closed {
                    out.errors.push(TemplateError {
                        message: "unterminated string in template action".into(),
                        span: at..end,
                    });
                    return toks;
                }
                toks.push((T::Str(val), at..start + j + 1));
                i = j + 1;
            }
            b'|' => {
                toks.push((T::Pipe, at..at + 1));
                i += 1;
            }
            b'(' => {
                toks.push((T::Open, at..at + 1));
                i += 1;
            }
            b')' => {
                toks.push((T::Close, at..at + 1));
                i += 1;
            }
            b',' => {
                toks.push((T::Comma, at..at + 1));
                i += 1;
            }
            b':' if b.get(i + 1) == Some(&b'=') => {
                toks.push((T::Assign, at..at + 2));
                i += 2;
            }
            b'=' => {
                toks.push((T::Assign, at..at + 1));
                i += 1;
            }
            b'$' | b'.' => {
                let mut j = i + 1;
                while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_' || b[j] == b'.')
                {
                    j += 1;
                }
                let text = &s[i..j];
                if c == b'$' {
                    toks.push((T::Var(text.to_string()), at..start + j));
                } else {
                    toks.push((T::Field(text.to_string()), at..start + j));
                }
                i = j;
            }
            b'-' | b'+' | b'0'..=b'9' => {
                let mut j = i + 1;
                while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'.' || b[j] == b'_')
                {
                    j += 1;
                }
                toks.push((T::Num, at..start + j));
                i = j;
            }
            _ if c.is_ascii_alphabetic() || c == b'_' => {
                let mut j = i + 1;
                while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                    j += 1;
                }
                toks.push((T::Ident(s[i..j].to_string()), at..start + j));
                i = j;
            }
            _ => {
                let ch = s[i..].chars().next().unwrap_or('?');
                toks.push((T::Other(ch), at..at + ch.len_utf8()));
                i += ch.len_utf8();
            }
        }
    }
    toks
}

fn action(
    src: &str,
    start: usize,
    end: usize,
    vars: &mut Vec<String>,
    blocks: &mut Vec<(&'static str, Span)>,
    out: &mut TemplateCheck,
) {
    let before = out.errors.len();
    let toks = lex(src, start, end, out);
    if out.errors.len() > before {
        return;
    }
    let span_all = start.saturating_sub(2)..(end + 2).min(src.len());
    if toks.is_empty() {
        // a comment-only action is fine; an empty one is not
        if !src[start..end].contains("/*") {
            out.errors.push(TemplateError {
                message: "empty action `{{}}`".into(),
                span: span_all,
            });
        }
        return;
    }
    let mut rest: &[(T, Span)] = &toks;
    if let (T::Ident(kw), sp) = &toks[0] {
        match kw.as_str() {
            "if" | "range" | "with" | "define" | "block" => {
                let k: &'static str = match kw.as_str() {
                    "if" => "if",
                    "range" => "range",
                    "with" => "with",
                    "define" => "define",
                    _ => "block",
                };
                blocks.push((k, sp.clone()));
                if toks.len() == 1 {
                    out.errors.push(TemplateError {
                        message: format!("missing value for `{kw}`"),
                        span: sp.clone(),
                    });
                }
                rest = &toks[1..];
            }
            "else" => {
                if !blocks
                    .iter()
                    .any(|(k, _)| matches!(*k, "if" | "range" | "with"))
                {
                    out.errors.push(TemplateError {
                        message: "`{{else}}` outside of `if`, `range` or `with`".into(),
                        span: sp.clone(),
                    });
                }
                rest = &toks[1..];
                if let Some((T::Ident(k2), _)) = rest.first() {
                    if k2 == "if" || k2 == "with" {
                        rest = &rest[1..];
                    }
                }
            }
            "end" => {
                if blocks.pop().is_none() {
                    out.errors.push(TemplateError {
                        message: "unexpected `{{end}}`".into(),
                        span: sp.clone(),
                    });
                }
                return;
            }
            "template" => rest = &toks[1..],
            "break" | "continue" => return,
            _ => {}
        }
    }
    pipeline(rest, vars, out);
}

fn pipeline(toks: &[(T, Span)], vars: &mut Vec<String>, out: &mut TemplateCheck) {
    let mut depth = 0i32;
    let mut expect_command = true;
    for (i, (t, sp)) in toks.iter().enumerate() {
        match t {
            T::Var(v) => {
                let base = v.split('.').next().unwrap_or(v);
                let is_decl = matches!(toks.get(i + 1), Some((T::Assign, _)))
                    || matches!(toks.get(i + 1), Some((T::Comma, _)));
                if is_decl {
                    vars.push(base.to_string());
                } else if !vars.iter().any(|x| x == base) {
                    out.errors.push(TemplateError {
                        message: format!("undefined variable `{base}`"),
                        span: sp.start..sp.start + base.len(),
                    });
                }
                if base == "$labels" {
                    if let Some(name) = v.strip_prefix("$labels.") {
                        let name = name.split('.').next().unwrap_or(name);
                        let s = sp.start + "$labels.".len();
                        out.label_refs.push((name.to_string(), s..s + name.len()));
                    } else if i > 0 && matches!(&toks[i - 1].0, T::Ident(f) if f == "index") {
                        if let Some((T::Str(name), nsp)) = toks.get(i + 1) {
                            out.label_refs.push((name.clone(), nsp.clone()));
                        }
                    }
                }
                expect_command = false;
            }
            T::Field(f) => {
                if let Some(name) = f.strip_prefix(".Labels.") {
                    let name = name.split('.').next().unwrap_or(name);
                    let s = sp.start + ".Labels.".len();
                    out.label_refs.push((name.to_string(), s..s + name.len()));
                }
                expect_command = false;
            }
            T::Ident(name) => {
                let known = FUNCTIONS.contains(&name.as_str())
                    || matches!(name.as_str(), "true" | "false" | "nil");
                if !known {
                    out.errors.push(TemplateError {
                        message: format!("function `{name}` is not defined"),
                        span: sp.clone(),
                    });
                }
                expect_command = false;
            }
            T::Pipe => {
                if expect_command {
                    out.errors.push(TemplateError {
                        message: "missing command before `|`".into(),
                        span: sp.clone(),
                    });
                }
                expect_command = true;
            }
            T::Open => {
                depth += 1;
                expect_command = true;
            }
            T::Close => {
                depth -= 1;
                if depth < 0 {
                    out.errors.push(TemplateError {
                        message: "unexpected `)`".into(),
                        span: sp.clone(),
                    });
                    depth = 0;
                }
            }
            T::Other(c) => {
                out.errors.push(TemplateError {
                    message: format!("unexpected `{c}` in template action"),
                    span: sp.clone(),
                });
            }
            T::Str(_) | T::Num | T::Assign | T::Comma => expect_command = false,
        }
    }
    if depth > 0 {
        if let Some((_, sp)) = toks.iter().rev().find(|(t, _)| *t == T::Open) {
            out.errors.push(TemplateError {
                message: "unclosed `(` in template action".into(),
                span: sp.clone(),
            });
        }
    }
    if let Some((T::Pipe, sp)) = toks.last() {
        out.errors.push(TemplateError {
            message: "missing command after `|`".into(),
            span: sp.clone(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_prometheus_templates() {
        for t in [
            "{{ $labels.instance }} is down",
            "{{ $value | humanizePercentage }}",
            "{{- if gt $value 1.0 -}}high{{- else -}}low{{- end }}",
            "{{ with query \"up\" }}{{ . | first | value }}{{ end }}",
            "{{ range $i, $v := $labels }}{{ $i }}={{ $v }}{{ end }}",
            "{{/* comment */}}",
            "{{ printf \"%.2f\" $value }}",
            "{{ index $labels \"job\" }}",
            "no templating at all",
        ] {
            let c = check(t);
            assert!(c.errors.is_empty(), "{t}: {:?}", c.errors);
        }
    }

    #[test]
    fn errors_have_spans() {
        let c = check("{{ $labels.instance }");
        assert_eq!(c.errors[0].span, 0..2);
        let c = check("x {{ humanise $value }}");
        assert_eq!(c.errors[0].message, "function `humanise` is not defined");
        assert_eq!(c.errors[0].span, 5..13);
        let c = check("{{ $lables.job }}");
        assert!(c.errors[0].message.contains("undefined variable `$lables`"));
        let c = check("{{ if $value }}x");
        assert!(c.errors[0].message.contains("never closed"));
        let c = check("{{ end }}");
        assert!(c.errors[0].message.contains("unexpected"));
    }

    #[test]
    fn label_refs() {
        let t = "{{ $labels.client_ip }} {{ .Labels.user_name }} {{ index $labels \"entity_id\" }}";
        let c = check(t);
        let names: Vec<_> = c
            .label_refs
            .iter()
            .map(|(n, s)| (n.as_str(), &t[s.clone()]))
            .collect();
        assert_eq!(
            names,
            vec![
                ("client_ip", "client_ip"),
                ("user_name", "user_name"),
                ("entity_id", "\"entity_id\"")
            ]
        );
    }
}
