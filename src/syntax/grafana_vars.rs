//! Grafana template variables and macros inside query strings.
//!
//! Grafana replaces variables before a query reaches Prometheus or Loki, so a
//! query is parsed only after interpolation. [`scan`] finds every reference
//! with Grafana's own syntax rules:
//!
//! - `$var` (a name of word characters `[A-Za-z0-9_]`),
//! - `${var}`, `${var:format}` and `${var.field.path}` (any format string, e.g.
//!   `raw`, `regex`, `pipe`, `csv`, `glob`, `json`, `lucene`, `percentencode`,
//!   `singlequote`, `doublequote`, `sqlstring`, `text`, `queryparam`, `date:iso`),
//! - `[[var]]` and `[[var:format]]` (the deprecated form),
//! - builtins such as `$__rate_interval`, `$__interval`, `$__interval_ms`,
//!   `$__range`, `$__range_s`, `$__range_ms`, `$__auto`, `$__from`, `$__to`,
//!   and macro calls such as `$__timeFilter(time)` (their arguments included).
//!
//! [`interpolate`] substitutes each reference with a value chosen by the
//! caller for the reference's [`Context`] (inside a string literal, inside a
//! `[...]` range, or bare code) and keeps an offset map, so a span in the
//! interpolated text maps back to the original string: bytes copied verbatim
//! map one to one, bytes of a substituted value map to the whole reference.

use std::ops::Range;

/// Which syntax a reference was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefSyntax {
    /// `$name`
    Dollar,
    /// `${name}`, `${name:format}`, `${name.path}`
    Braced,
    /// `[[name]]`, `[[name:format]]`
    Brackets,
}

/// One variable or macro reference in a string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VarRef {
    pub name: String,
    /// `${var.path}`: the field path after the first dot.
    pub field_path: Option<String>,
    /// `${var:format}` / `[[var:format]]`.
    pub format: Option<String>,
    pub syntax: RefSyntax,
    /// The whole reference (for a macro call, up to its closing parenthesis).
    pub span: Range<usize>,
    /// The span of the name alone.
    pub name_span: Range<usize>,
    /// `$__timeFilter(...)`: the span of the arguments inside the parentheses.
    pub call_args: Option<Range<usize>>,
}

impl VarRef {
    /// Grafana's built-in variables and datasource macros start with `__`.
    pub fn is_builtin(&self) -> bool {
        self.name.starts_with("__")
    }

    /// `$1`, `${2}`: regex back references in `label_replace` replacements,
    /// which Grafana leaves alone unless a variable has that name.
    pub fn is_numeric(&self) -> bool {
        self.name.bytes().all(|b| b.is_ascii_digit())
    }
}

/// Datasource macros written as calls; their arguments belong to the macro.
const MACRO_CALLS: &[&str] = &[
    "__timeFilter",
    "__timeFrom",
    "__timeTo",
    "__timeGroup",
    "__timeGroupAlias",
    "__timeEpoch",
    "__unixEpochFilter",
    "__unixEpochFrom",
    "__unixEpochTo",
    "__unixEpochGroup",
    "__unixEpochGroupAlias",
    "__unixEpochNanoFilter",
    "__unixEpochNanoFrom",
    "__unixEpochNanoTo",
    "__timeFilterMs",
    "__dateBin",
    "__dateBinAlias",
    "__schema",
    "__table",
    "__column",
];

/// Macros that datasource plugins expand themselves, without Grafana's
/// `__` prefix, so they read like dashboard variables: the ClickHouse
/// plugins (Altinity's `vertamedia-clickhouse-datasource`) and InfluxDB's
/// InfluxQL editor. Names are the plugins' documented macros.
pub fn plugin_macros(plugin: &str) -> &'static [&'static str] {
    match plugin {
        "vertamedia-clickhouse-datasource" | "altinity-clickhouse-datasource" => &[
            "table",
            "dateCol",
            "dateTimeCol",
            "from",
            "to",
            "interval",
            "timeFilter",
            "timeFilterByColumn",
            "timeFilterMs",
            "timeSeries",
            "timeSeriesMs",
            "naturalTimeSeries",
            "unescape",
            "adhoc",
            "conditionalTest",
            "columns",
            "columnsMs",
            "rate",
            "rateColumns",
            "rateColumnsAggregated",
            "perSecond",
            "perSecondColumns",
            "perSecondColumnsAggregated",
            "delta",
            "deltaColumns",
            "deltaColumnsAggregated",
            "increase",
            "increaseColumns",
            "increaseColumnsAggregated",
            "lttb",
            "lttbMs",
            "fill",
        ],
        "influxdb" => &["timeFilter", "interval"],
        _ => &[],
    }
}

/// Whether a datasource plugin type is Grafana's server-side expressions,
/// whose queries name other queries of the panel by ref id (`$A / $B`).
pub fn is_expression_plugin(plugin: &str) -> bool {
    plugin == "__expr__"
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Every reference in `text`, in order, following Grafana's variable regex.
pub fn scan(text: &str) -> Vec<VarRef> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'$' => {
                if let Some(r) = dollar_ref(text, i) {
                    i = r.span.end;
                    out.push(r);
                    continue;
                }
            }
            b'[' if b.get(i + 1) == Some(&b'[') => {
                if let Some(r) = bracket_ref(text, i) {
                    i = r.span.end;
                    out.push(r);
                    continue;
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

fn word_end(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && is_word(b[i]) {
        i += 1;
    }
    i
}

fn dollar_ref(text: &str, at: usize) -> Option<VarRef> {
    let b = text.as_bytes();
    let start = at + 1;
    if b.get(start) == Some(&b'{') {
        // ${name(.path)?(:format)?}
        let name_start = start + 1;
        let name_end = word_end(b, name_start);
        if name_end == name_start {
            return None;
        }
        let mut i = name_end;
        let mut field_path = None;
        let mut format = None;
        if b.get(i) == Some(&b'.') {
            let p = i + 1;
            let mut j = p;
            while j < b.len() && !matches!(b[j], b':' | b'^' | b'}') {
                j += 1;
            }
            if j == p {
                return None;
            }
            field_path = Some(text.get(p..j)?.to_string());
            i = j;
        }
        if b.get(i) == Some(&b':') {
            let f = i + 1;
            let mut j = f;
            while j < b.len() && b[j] != b'}' {
                j += 1;
            }
            if j == f {
                return None;
            }
            format = Some(text.get(f..j)?.to_string());
            i = j;
        }
        if b.get(i) != Some(&b'}') {
            return None;
        }
        return Some(VarRef {
            name: text.get(name_start..name_end)?.to_string(),
            field_path,
            format,
            syntax: RefSyntax::Braced,
            span: at..i + 1,
            name_span: name_start..name_end,
            call_args: None,
        });
    }
    let end = word_end(b, start);
    if end == start {
        return None;
    }
    let name = text.get(start..end)?.to_string();
    let mut span_end = end;
    let mut call_args = None;
    if MACRO_CALLS.contains(&name.as_str()) && b.get(end) == Some(&b'(') {
        let mut depth = 0usize;
        let mut j = end;
        while j < b.len() {
            match b[j] {
                b'(' => depth += 1,
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        call_args = Some(end + 1..j);
                        span_end = j + 1;
                        break;
                    }
                }
                _ => {}
            }
            j += 1;
        }
    }
    Some(VarRef {
        name,
        field_path: None,
        format: None,
        syntax: RefSyntax::Dollar,
        span: at..span_end,
        name_span: start..end,
        call_args,
    })
}

fn bracket_ref(text: &str, at: usize) -> Option<VarRef> {
    let b = text.as_bytes();
    let name_start = at + 2;
    let name_end = word_end(b, name_start);
    if name_end == name_start {
        return None;
    }
    let mut i = name_end;
    let mut format = None;
    if b.get(i) == Some(&b':') {
        let f = i + 1;
        let j = word_end(b, f);
        if j == f {
            return None;
        }
        format = Some(text.get(f..j)?.to_string());
        i = j;
    }
    if b.get(i) != Some(&b']') || b.get(i + 1) != Some(&b']') {
        return None;
    }
    Some(VarRef {
        name: text.get(name_start..name_end)?.to_string(),
        field_path: None,
        format,
        syntax: RefSyntax::Brackets,
        span: at..i + 2,
        name_span: name_start..name_end,
        call_args: None,
    })
}

/// Where a reference sits in the query, so a substitute can be chosen that
/// keeps the query's syntax.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    /// Inside a string literal; `regex` when the literal follows `=~`, `!~`
    /// or `|~` (a multi-value variable then expands to an alternation).
    Str { quote: char, regex: bool },
    /// Inside `[...]` (a range or subquery duration), outside strings.
    Range,
    /// Anywhere else: a metric or label name, a number, a function argument.
    Code,
}

/// The context of each byte offset in `refs`, from a scan of quotes and
/// brackets in `text` (PromQL and LogQL quoting: `"`, `'` and backticks;
/// backslash escapes except in backticks).
fn contexts(text: &str, refs: &[VarRef]) -> Vec<Context> {
    let mut out = Vec::with_capacity(refs.len());
    let mut next = 0;
    let mut in_str: Option<(char, bool)> = None;
    let mut escape = false;
    let mut depth = 0usize;
    let mut prev_code: [char; 2] = [' ', ' '];
    for (i, c) in text.char_indices() {
        while next < refs.len() && refs[next].span.start == i {
            out.push(match in_str {
                Some((quote, regex)) => Context::Str { quote, regex },
                None if depth > 0 => Context::Range,
                None => Context::Code,
            });
            next += 1;
        }
        if next >= refs.len() {
            break;
        }
        if let Some((q, _)) = in_str {
            if escape {
                escape = false;
            } else if c == '\\' && q != '`' {
                escape = true;
            } else if c == q {
                in_str = None;
            }
            continue;
        }
        match c {
            '"' | '\'' | '`' => {
                let regex = prev_code[1] == '~' && matches!(prev_code[0], '=' | '!' | '|');
                in_str = Some((c, regex));
            }
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        if !c.is_whitespace() {
            prev_code = [prev_code[1], c];
        }
    }
    while out.len() < refs.len() {
        out.push(Context::Code);
    }
    out
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Seg {
    out: Range<usize>,
    src: Range<usize>,
    literal: bool,
}

/// A string after interpolation, with the map back to the original.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interpolated {
    pub text: String,
    /// Every reference found, with the range its substitute occupies in
    /// `text` (`None` when it was left as written).
    pub refs: Vec<(VarRef, Option<Range<usize>>)>,
    segs: Vec<Seg>,
    src_len: usize,
}

impl Interpolated {
    /// The original text unchanged (no reference substituted).
    pub fn identity(text: &str) -> Interpolated {
        Interpolated {
            text: text.to_string(),
            refs: Vec::new(),
            segs: vec![Seg {
                out: 0..text.len(),
                src: 0..text.len(),
                literal: true,
            }],
            src_len: text.len(),
        }
    }

    fn seg_at(&self, out: usize) -> Option<&Seg> {
        let i = self.segs.partition_point(|s| s.out.end <= out);
        self.segs.get(i).filter(|s| s.out.start <= out)
    }

    fn src_of(&self, out: usize, end: bool) -> usize {
        // `end`: the position just after byte `out - 1`.
        if end {
            if out == 0 {
                return self.segs.first().map(|s| s.src.start).unwrap_or(0);
            }
            match self.seg_at(out - 1) {
                Some(s) if s.literal => s.src.start + (out - 1 - s.out.start) + 1,
                Some(s) => s.src.end,
                None => self.src_len,
            }
        } else {
            match self.seg_at(out) {
                Some(s) if s.literal => s.src.start + (out - s.out.start),
                Some(s) => s.src.start,
                None => self.src_len,
            }
        }
    }

    /// The range of the original string that produced `r` of [`Self::text`].
    pub fn to_source(&self, r: Range<usize>) -> Range<usize> {
        let start = self.src_of(r.start, false);
        if r.end <= r.start {
            return start..start;
        }
        let end = self.src_of(r.end, true).max(start);
        start..end
    }

    /// The reference whose substitute overlaps `r` of [`Self::text`], if any.
    pub fn ref_in(&self, r: &Range<usize>) -> Option<&VarRef> {
        self.refs.iter().find_map(|(v, out)| {
            let o = out.as_ref()?;
            let overlaps = if r.start == r.end {
                o.start <= r.start && r.start < o.end
            } else {
                o.start < r.end && r.start < o.end
            };
            overlaps.then_some(v)
        })
    }
}

/// Substitute every reference in `text` with `resolve(reference, context)`;
/// `None` keeps the reference as written.
pub fn interpolate(
    text: &str,
    mut resolve: impl FnMut(&VarRef, Context) -> Option<String>,
) -> Interpolated {
    let refs = scan(text);
    let ctxs = contexts(text, &refs);
    let mut out = String::with_capacity(text.len());
    let mut segs = Vec::new();
    let mut done = Vec::new();
    let mut pos = 0;
    for (r, ctx) in refs.into_iter().zip(ctxs) {
        if r.span.start < pos {
            continue;
        }
        if r.span.start > pos {
            let lit = text.get(pos..r.span.start).unwrap_or("");
            segs.push(Seg {
                out: out.len()..out.len() + lit.len(),
                src: pos..r.span.start,
                literal: true,
            });
            out.push_str(lit);
        }
        match resolve(&r, ctx) {
            Some(value) => {
                let o = out.len()..out.len() + value.len();
                segs.push(Seg {
                    out: o.clone(),
                    src: r.span.clone(),
                    literal: false,
                });
                out.push_str(&value);
                pos = r.span.end;
                done.push((r, Some(o)));
            }
            None => {
                let lit = text.get(r.span.clone()).unwrap_or("");
                segs.push(Seg {
                    out: out.len()..out.len() + lit.len(),
                    src: r.span.clone(),
                    literal: true,
                });
                out.push_str(lit);
                pos = r.span.end;
                done.push((r, None));
            }
        }
    }
    if pos < text.len() {
        let lit = text.get(pos..).unwrap_or("");
        segs.push(Seg {
            out: out.len()..out.len() + lit.len(),
            src: pos..text.len(),
            literal: true,
        });
        out.push_str(lit);
    }
    Interpolated {
        text: out,
        refs: done,
        segs,
        src_len: text.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(t: &str) -> Vec<(String, Option<String>, RefSyntax)> {
        scan(t)
            .into_iter()
            .map(|r| (r.name, r.format, r.syntax))
            .collect()
    }

    #[test]
    fn finds_every_syntax() {
        let t = "rate(x{a=~\"$a\", b=\"${b:regex}\", c=\"[[c]]\", d=\"[[d:csv]]\"}[$__rate_interval]) ${e.f} $1";
        let got = names(t);
        assert_eq!(got[0], ("a".into(), None, RefSyntax::Dollar));
        assert_eq!(
            got[1],
            ("b".into(), Some("regex".into()), RefSyntax::Braced)
        );
        assert_eq!(got[2], ("c".into(), None, RefSyntax::Brackets));
        assert_eq!(
            got[3],
            ("d".into(), Some("csv".into()), RefSyntax::Brackets)
        );
        assert_eq!(got[4].0, "__rate_interval");
        assert_eq!(got[5].0, "e");
        assert!(scan(t)[6].is_numeric());
        let r = &scan(t)[5];
        assert_eq!(r.field_path.as_deref(), Some("f"));
        assert_eq!(&t[r.span.clone()], "${e.f}");
    }

    #[test]
    fn macro_calls_take_their_arguments() {
        let t = "WHERE $__timeFilter(time) AND x = $__interval_ms";
        let r = scan(t);
        assert_eq!(&t[r[0].span.clone()], "$__timeFilter(time)");
        assert_eq!(&t[r[0].call_args.clone().unwrap()], "time");
        assert_eq!(&t[r[1].span.clone()], "$__interval_ms");
    }

    #[test]
    fn not_references() {
        assert!(scan("a $ b ${} ${:x} [[ ]] [[a:]] ${a").is_empty());
        assert_eq!(names("$__all_variables")[0].0, "__all_variables");
    }

    #[test]
    fn contexts_follow_quotes_and_brackets() {
        let t = "sum by ($g) (rate(m{a=~\"$v\", b=\"$w\"}[$r]))";
        let seen = std::cell::RefCell::new(Vec::new());
        let i = interpolate(t, |r, c| {
            seen.borrow_mut().push((r.name.clone(), c));
            Some(match c {
                Context::Range => "5m".to_string(),
                _ => "x".to_string(),
            })
        });
        let seen = seen.into_inner();
        assert_eq!(seen[0].1, Context::Code);
        assert_eq!(
            seen[1].1,
            Context::Str {
                quote: '"',
                regex: true
            }
        );
        assert_eq!(
            seen[2].1,
            Context::Str {
                quote: '"',
                regex: false
            }
        );
        assert_eq!(seen[3].1, Context::Range);
        assert_eq!(i.text, "sum by (x) (rate(m{a=~\"x\", b=\"x\"}[5m]))");
    }

    #[test]
    fn offsets_map_back() {
        let t = "rate(foo{job=\"$job\"}[$__rate_interval]) > bar";
        let i = interpolate(t, |r, _| {
            Some(if r.name == "job" {
                "api-server".into()
            } else {
                "5m".into()
            })
        });
        let win = i.text.find("5m").unwrap();
        let src = i.to_source(win..win + 2);
        assert_eq!(&t[src], "$__rate_interval");
        let bar = i.text.find("bar").unwrap();
        assert_eq!(&t[i.to_source(bar..bar + 3)], "bar");
        let job = i.text.find("api").unwrap();
        assert_eq!(&t[i.to_source(job..job + 3)], "$job");
        assert_eq!(i.ref_in(&(job..job + 1)).unwrap().name, "job");
        let foo = i.text.find("foo").unwrap();
        assert!(i.ref_in(&(foo..foo + 3)).is_none());
        // a range spanning a substitute and literal text
        let q = i.text.find("\"api").unwrap();
        assert_eq!(&t[i.to_source(q..q + 12)], "\"$job\"");
        // the end of the text
        assert_eq!(i.to_source(i.text.len()..i.text.len()), t.len()..t.len());
    }

    #[test]
    fn unresolved_references_stay() {
        let t = "a $x b";
        let i = interpolate(t, |_, _| None);
        assert_eq!(i.text, t);
        assert_eq!(i.refs.len(), 1);
        assert!(i.refs[0].1.is_none());
        assert_eq!(i.to_source(2..4), 2..4);
    }
}
