//! YAML with byte spans on every node, on top of `saphyr-parser`'s event
//! stream.
//!
//! Guards: nesting deeper than [`MAX_DEPTH`] and alias expansion beyond
//! [`MAX_NODES`] stop the document with an error instead of exhausting the
//! stack or memory. Duplicate mapping keys are reported (Prometheus refuses
//! them). [`Node::value_offsets`] maps every byte of a scalar's value back to
//! the file, through block, folded, quoted and escaped forms.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle};

use crate::source::{LineIndex, Span};

pub const MAX_DEPTH: usize = 256;
pub const MAX_NODES: usize = 500_000;
/// Mappings with this many entries get a hash index of their keys.
const INDEXED_FROM: usize = 16;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

#[derive(Debug, Clone)]
pub enum Kind {
    Scalar { value: String, style: Style },
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

#[derive(Debug, Clone)]
pub struct Node {
    pub kind: Kind,
    pub span: Span,
    /// Set for nodes copied in from an alias: spans then point at the anchor.
    pub from_alias: bool,
}

/// One problem found while loading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    pub message: String,
    pub span: Span,
    /// Fatal errors end the document; others (duplicate keys) are findings.
    pub fatal: bool,
}

#[derive(Debug, Default, Clone)]
pub struct Documents {
    pub docs: Vec<Node>,
    pub errors: Vec<YamlError>,
    /// Departures from the YAML specification that go-yaml (Prometheus,
    /// promtool, vmalert, Loki) accepts and o11ylint read the way go-yaml
    /// does: findings of at most warning severity.
    pub lenient: Vec<YamlError>,
}

impl Node {
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }
    pub fn style(&self) -> Option<Style> {
        match &self.kind {
            Kind::Scalar { style, .. } => Some(*style),
            _ => None,
        }
    }
    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.kind {
            Kind::Map(m) => Some(m),
            _ => None,
        }
    }
    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.kind {
            Kind::Seq(s) => Some(s),
            _ => None,
        }
    }
    pub fn is_null(&self) -> bool {
        matches!(&self.kind, Kind::Scalar { value, style: Style::Plain }
            if value.is_empty() || value == "~" || value == "null" || value == "Null" || value == "NULL")
    }
    /// Value under `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }
    pub fn entry(&self, key: &str) -> Option<(&Node, &Node)> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(k, v)| (k, v))
    }
    pub fn get_str(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Node::as_str)
    }
    /// Human name of the node's type, for messages.
    pub fn type_name(&self) -> &'static str {
        match &self.kind {
            Kind::Scalar { .. } if self.is_null() => "null",
            Kind::Scalar {
                value,
                style: Style::Plain,
            } => {
                if value == "true" || value == "false" {
                    "boolean"
                } else if value.parse::<f64>().is_ok() {
                    "number"
                } else {
                    "string"
                }
            }
            Kind::Scalar { .. } => "string",
            Kind::Seq(_) => "sequence",
            Kind::Map(_) => "mapping",
        }
    }

    /// Convert to JSON with YAML 1.2 core-schema typing of plain scalars.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value;
        match &self.kind {
            Kind::Scalar { value, style } => {
                if *style != Style::Plain {
                    return Value::String(value.clone());
                }
                if self.is_null() {
                    return Value::Null;
                }
                match value.as_str() {
                    "true" | "True" | "TRUE" => return Value::Bool(true),
                    "false" | "False" | "FALSE" => return Value::Bool(false),
                    _ => {}
                }
                if let Ok(i) = value.parse::<i64>() {
                    return Value::from(i);
                }
                if looks_like_float(value) {
                    if let Some(n) = value
                        .parse::<f64>()
                        .ok()
                        .and_then(serde_json::Number::from_f64)
                    {
                        return Value::Number(n);
                    }
                }
                Value::String(value.clone())
            }
            Kind::Seq(items) => Value::Array(items.iter().map(Node::to_json).collect()),
            Kind::Map(entries) => {
                let mut m = serde_json::Map::new();
                for (k, v) in entries {
                    let key = k.as_str().map(str::to_string).unwrap_or_default();
                    m.insert(key, v.to_json());
                }
                Value::Object(m)
            }
        }
    }

    /// For each byte of the scalar's value, the byte offset in the file where
    /// it came from (plus one entry for the end). `None` for non-scalars and
    /// alias copies.
    pub fn value_offsets(&self, text: &str) -> Option<Vec<usize>> {
        let Kind::Scalar { value, style } = &self.kind else {
            return None;
        };
        if self.from_alias {
            return None;
        }
        Some(scalar_offsets(text, self.span.start, value, *style))
    }
}

fn looks_like_float(s: &str) -> bool {
    let t = s.trim_start_matches(['-', '+']);
    !t.is_empty()
        && t.chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit() || c == '.')
        && t.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '-' | '+'))
}

/// Parse every document of `text`. Never panics; a syntax error ends parsing
/// and is reported with its position.
///
/// go-yaml's leniency is followed where Prometheus relies on it: a quoted
/// scalar whose continuation lines sit at (or left of) its key's indentation
/// is an error for a strict parser but loads in Prometheus. Such scalars are
/// re-indented in a copy of the text (which changes no value: a quoted
/// scalar's line breaks fold with the indentation), the copy is parsed, and
/// every span is mapped back to `text`; each repair is a [`Documents::lenient`]
/// entry.
pub fn parse(text: &str) -> Documents {
    let strict = parse_strict(text);
    if !strict.errors.iter().any(is_quoted_indent) {
        return strict;
    }
    let mut repaired = text.to_string();
    // origin[i]: the offset in `text` of byte i of `repaired`
    let mut origin: Vec<usize> = (0..=text.len()).collect();
    let mut lenient = Vec::new();
    let mut docs = strict.clone();
    for _ in 0..256 {
        let Some(e) = docs.errors.iter().find(|e| is_quoted_indent(e)) else {
            break;
        };
        let quote = e.span.start;
        let inserts = reindent_quoted(&repaired, quote);
        if inserts.is_empty() {
            return strict;
        }
        let q = origin[quote.min(origin.len() - 1)];
        let line_end = text[q..].find('\n').map(|i| q + i).unwrap_or(text.len());
        lenient.push(YamlError {
            message: "quoted scalar continued at or left of its key's indentation: go-yaml (Prometheus, promtool) reads it, strict YAML parsers refuse it".into(),
            span: Span::new(q, line_end.max(q + 1).min(text.len())),
            fatal: false,
        });
        for (at, n) in inserts.into_iter().rev() {
            repaired.insert_str(at, &" ".repeat(n));
            let o = origin[at];
            origin.splice(at..at, std::iter::repeat_n(o, n));
        }
        docs = parse_strict(&repaired);
    }
    if docs.errors.iter().any(is_quoted_indent) {
        return strict;
    }
    let map = |s: &Span| -> Span {
        let a = origin[s.start.min(origin.len() - 1)];
        let b = origin[s.end.min(origin.len() - 1)];
        Span::new(a, b.max(a))
    };
    for d in docs.docs.iter_mut() {
        remap(d, &map);
    }
    for e in docs.errors.iter_mut() {
        e.span = map(&e.span);
    }
    docs.lenient = lenient;
    docs
}

fn is_quoted_indent(e: &YamlError) -> bool {
    e.fatal && e.message == "invalid indentation in quoted scalar"
}

fn remap(n: &mut Node, map: &dyn Fn(&Span) -> Span) {
    n.span = map(&n.span);
    match &mut n.kind {
        Kind::Scalar { .. } => {}
        Kind::Seq(items) => items.iter_mut().for_each(|i| remap(i, map)),
        Kind::Map(pairs) => pairs.iter_mut().for_each(|(k, v)| {
            remap(k, map);
            remap(v, map)
        }),
    }
}

/// Where to insert how many spaces so that every continuation line of the
/// quoted scalar opening at `quote` is indented two columns deeper than the
/// line it opens on (past a `- ` sequence indicator). Empty when `quote` is
/// not a quote or the scalar does not close.
fn reindent_quoted(text: &str, quote: usize) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    let Some(&q) = b.get(quote) else {
        return Vec::new();
    };
    if q != b'"' && q != b'\'' {
        return Vec::new();
    }
    let line_start = text[..quote].rfind('\n').map(|i| i + 1).unwrap_or(0);
    let mut key_indent = 0;
    let line = &b[line_start..quote];
    while key_indent < line.len() && line[key_indent] == b' ' {
        key_indent += 1;
    }
    while line.get(key_indent..key_indent + 2) == Some(b"- ") {
        key_indent += 2;
        while key_indent < line.len() && line[key_indent] == b' ' {
            key_indent += 1;
        }
    }
    let want = key_indent + 2;
    let mut out = Vec::new();
    let mut i = quote + 1;
    while i < b.len() {
        match b[i] {
            b'\\' if q == b'"' => i += 2,
            b'\'' if q == b'\'' && b.get(i + 1) == Some(&b'\'') => i += 2,
            c if c == q => return out,
            b'\n' => {
                let start = i + 1;
                let mut j = start;
                while j < b.len() && b[j] == b' ' {
                    j += 1;
                }
                let blank = matches!(b.get(j), None | Some(b'\n') | Some(b'\r'));
                if !blank && j - start < want {
                    out.push((start, want - (j - start)));
                }
                i = j;
            }
            _ => i += 1,
        }
    }
    Vec::new()
}

/// [`parse`] without go-yaml's leniency.
pub fn parse_strict(text: &str) -> Documents {
    // (built on first use: only non-ASCII text and duplicate keys need it)
    let lines = std::cell::OnceCell::new();
    let mut out = Documents::default();
    let mut builder = Builder {
        text,
        lines: &lines,
        stack: Vec::new(),
        anchors: HashMap::new(),
        nodes: 0,
        aliased: 0,
        out: &mut out,
    };
    // Markers carry a character index (reliable, byte-order mark included)
    // and a line; turn them into byte offsets. ASCII text: index == offset.
    let ascii = text.is_ascii();
    let char_starts: Vec<usize> = if ascii {
        Vec::new()
    } else {
        let mut v = vec![0usize];
        let mut n = 0usize;
        for c in text.chars() {
            n += 1;
            if c == '\n' {
                v.push(n);
            }
        }
        v
    };
    let at = |m: &saphyr_parser::Marker| -> usize {
        if ascii {
            return m.index().min(text.len());
        }
        let line0 = m.line().saturating_sub(1);
        let line_start = lines.get_or_init(|| LineIndex::new(text)).line_start(line0);
        let (Some(&cs), start) = (char_starts.get(line0), line_start) else {
            return text.len();
        };
        let nth = m.index().saturating_sub(cs);
        match text[start.min(text.len())..].char_indices().nth(nth) {
            Some((i, _)) => start + i,
            None => text.len(),
        }
    };
    let mut parser = Parser::new_from_str(text);
    while let Some(next) = parser.next_event() {
        match next {
            Ok((event, span)) => {
                let start = at(&span.start);
                let end = at(&span.end);
                if let Err(e) = builder.event(event, Span::new(start, end)) {
                    builder.out.errors.push(e);
                    break;
                }
            }
            Err(e) => {
                let off = at(e.marker());
                builder.out.errors.push(YamlError {
                    message: e.info().to_string(),
                    span: Span::new(off, next_char_end(text, off)),
                    fatal: true,
                });
                break;
            }
        }
    }
    out
}

fn next_char_end(text: &str, at: usize) -> usize {
    text.get(at..)
        .and_then(|s| s.chars().next())
        .map(|c| at + c.len_utf8())
        .unwrap_or(at)
}

enum Frame {
    Seq(Vec<Node>, Span, usize),
    /// entries, pending key, span, anchor, and the index of each string key
    /// once the mapping has [`INDEXED_FROM`] entries (duplicate detection in
    /// constant time: a 200,000-key mapping was quadratic; below that a scan
    /// is cheaper than hashing)
    Map(
        Vec<(Node, Node)>,
        Option<Node>,
        Span,
        usize,
        Option<std::collections::HashMap<String, usize>>,
    ),
}

struct Builder<'a> {
    text: &'a str,
    lines: &'a std::cell::OnceCell<LineIndex>,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    nodes: usize,
    /// Of `nodes`, how many are copies made by aliases.
    aliased: usize,
    out: &'a mut Documents,
}

impl Builder<'_> {
    fn event(&mut self, event: Event<'_>, span: Span) -> Result<(), YamlError> {
        match event {
            Event::Scalar(value, style, anchor, _tag) => {
                let style = match style {
                    ScalarStyle::Plain => Style::Plain,
                    ScalarStyle::SingleQuoted => Style::SingleQuoted,
                    ScalarStyle::DoubleQuoted => Style::DoubleQuoted,
                    ScalarStyle::Literal => Style::Literal,
                    ScalarStyle::Folded => Style::Folded,
                };
                let span = if matches!(style, Style::Literal | Style::Folded) {
                    // The scanner's end for block scalars is the start of the
                    // next token; trim trailing blank lines from the span.
                    let end = self.text[..span.end.min(self.text.len())].trim_end().len();
                    Span::new(span.start, end.max(span.start))
                } else {
                    span
                };
                let node = Node {
                    kind: Kind::Scalar {
                        value: value.into_owned(),
                        style,
                    },
                    span,
                    from_alias: false,
                };
                self.count(1, &node.span)?;
                if anchor > 0 {
                    self.anchors.insert(anchor, node.clone());
                }
                self.push_value(node)
            }
            Event::SequenceStart(anchor, _) => {
                self.depth_check(&span)?;
                self.stack.push(Frame::Seq(Vec::new(), span, anchor));
                Ok(())
            }
            Event::MappingStart(anchor, _) => {
                self.depth_check(&span)?;
                self.stack
                    .push(Frame::Map(Vec::new(), None, span, anchor, None));
                Ok(())
            }
            Event::SequenceEnd => {
                let Some(Frame::Seq(items, start, anchor)) = self.stack.pop() else {
                    return Err(internal(span));
                };
                let end = items.last().map(|n| n.span.end).unwrap_or(span.end);
                let node = Node {
                    kind: Kind::Seq(items),
                    span: Span::new(start.start, end.max(start.end)),
                    from_alias: false,
                };
                self.count(1, &node.span)?;
                if anchor > 0 {
                    self.anchors.insert(anchor, node.clone());
                }
                self.push_value(node)
            }
            Event::MappingEnd => {
                let Some(Frame::Map(entries, _, start, anchor, _)) = self.stack.pop() else {
                    return Err(internal(span));
                };
                let entries = merge_keys(entries);
                let end = entries.last().map(|(_, v)| v.span.end).unwrap_or(span.end);
                let node = Node {
                    kind: Kind::Map(entries),
                    span: Span::new(start.start, end.max(start.end)),
                    from_alias: false,
                };
                self.count(1, &node.span)?;
                if anchor > 0 {
                    self.anchors.insert(anchor, node.clone());
                }
                self.push_value(node)
            }
            Event::Alias(id) => {
                let Some(target) = self.anchors.get(&id) else {
                    return Err(YamlError {
                        message: "alias refers to an unknown anchor".into(),
                        span,
                        fatal: true,
                    });
                };
                let size = node_count(target, MAX_NODES.saturating_sub(self.nodes) + 1);
                let mut copy = target.clone();
                self.aliased = self.aliased.saturating_add(size);
                self.count(size, &span)?;
                mark_alias(&mut copy);
                copy.span = span;
                self.push_value(copy)
            }
            Event::DocumentEnd => {
                self.stack.clear();
                self.anchors.clear();
                Ok(())
            }
            Event::StreamStart | Event::StreamEnd | Event::DocumentStart(_) | Event::Nothing => {
                Ok(())
            }
        }
    }

    fn depth_check(&self, span: &Span) -> Result<(), YamlError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(YamlError {
                message: format!("nesting deeper than {MAX_DEPTH} levels; document not loaded"),
                span: span.clone(),
                fatal: true,
            });
        }
        Ok(())
    }

    fn count(&mut self, n: usize, span: &Span) -> Result<(), YamlError> {
        self.nodes = self.nodes.saturating_add(n);
        if self.nodes > MAX_NODES {
            // name the limit; speak of aliases only when aliases made most
            // of the nodes (a large plain file is no "alias bomb")
            let message = if self.aliased > MAX_NODES / 2 {
                format!(
                    "the file expands to more than {} YAML nodes (the limit), {} of them copied by aliases (an alias expansion bomb?); document not loaded",
                    thousands(MAX_NODES),
                    thousands(self.aliased)
                )
            } else {
                format!(
                    "the file has more than {} YAML nodes (the limit); document not loaded",
                    thousands(MAX_NODES)
                )
            };
            return Err(YamlError {
                message,
                span: span.clone(),
                fatal: true,
            });
        }
        Ok(())
    }

    fn push_value(&mut self, node: Node) -> Result<(), YamlError> {
        match self.stack.last_mut() {
            None => {
                self.out.docs.push(node);
            }
            Some(Frame::Seq(items, _, _)) => items.push(node),
            Some(Frame::Map(entries, pending, _, _, index)) => match pending.take() {
                None => *pending = Some(node),
                Some(key) => {
                    if let Some(k) = key.as_str() {
                        if index.is_none() && entries.len() >= INDEXED_FROM {
                            let mut built = std::collections::HashMap::new();
                            for (i, (e, _)) in entries.iter().enumerate() {
                                if let Some(name) = e.as_str() {
                                    built.entry(name.to_string()).or_insert(i);
                                }
                            }
                            *index = Some(built);
                        }
                        let first = match index {
                            Some(index) => match index.get(k) {
                                Some(&i) => entries.get(i).map(|(e, _)| e),
                                None => {
                                    index.insert(k.to_string(), entries.len());
                                    None
                                }
                            },
                            None => entries
                                .iter()
                                .map(|(e, _)| e)
                                .find(|e| e.as_str() == Some(k)),
                        };
                        if let Some(first) = first {
                            let first_pos = self
                                .lines
                                .get_or_init(|| LineIndex::new(self.text))
                                .position(self.text, first.span.start);
                            self.out.errors.push(YamlError {
                                message: format!(
                                    "duplicate key `{k}` (first defined at line {}); Prometheus and most YAML loaders reject this",
                                    first_pos.line
                                ),
                                span: key.span.clone(),
                                fatal: false,
                            });
                        }
                    }
                    entries.push((key, node));
                }
            },
        }
        Ok(())
    }
}

/// YAML merge keys, as go-yaml (promtool, Prometheus, Loki) reads them:
/// `<<: *base` or `<<: [*a, *b]` adds the members of the merged mappings
/// that the mapping does not set itself (earlier merged mappings win over
/// later ones); the `<<` entry itself goes. A `<<` whose value is not a
/// mapping or a list of mappings stays as written (the rules report it).
fn merge_keys(entries: Vec<(Node, Node)>) -> Vec<(Node, Node)> {
    let is_merge =
        |k: &Node| matches!(&k.kind, Kind::Scalar { value, style: Style::Plain } if value == "<<");
    let mergeable = |v: &Node| match &v.kind {
        Kind::Map(_) => true,
        Kind::Seq(items) => items.iter().all(|i| matches!(i.kind, Kind::Map(_))),
        _ => false,
    };
    if !entries.iter().any(|(k, v)| is_merge(k) && mergeable(v)) {
        return entries;
    }
    let mut own = Vec::with_capacity(entries.len());
    let mut merged = Vec::new();
    for (k, v) in entries {
        if is_merge(&k) && mergeable(&v) {
            match v.kind {
                Kind::Map(m) => merged.push(m),
                Kind::Seq(items) => merged.extend(items.into_iter().filter_map(|i| match i.kind {
                    Kind::Map(m) => Some(m),
                    _ => None,
                })),
                Kind::Scalar { .. } => {}
            }
        } else {
            own.push((k, v));
        }
    }
    let mut seen: std::collections::HashSet<String> = own
        .iter()
        .filter_map(|(k, _)| k.as_str().map(str::to_string))
        .collect();
    for m in merged {
        for (k, v) in m {
            if let Some(name) = k.as_str() {
                if !seen.insert(name.to_string()) {
                    continue;
                }
            }
            own.push((k, v));
        }
    }
    own
}

/// `500000` -> `500,000`.
fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn internal(span: Span) -> YamlError {
    YamlError {
        message: "unbalanced YAML events".into(),
        span,
        fatal: true,
    }
}

fn node_count(n: &Node, cap: usize) -> usize {
    let mut count = 0usize;
    let mut stack = vec![n];
    while let Some(n) = stack.pop() {
        count += 1;
        if count >= cap {
            return count;
        }
        match &n.kind {
            Kind::Seq(items) => stack.extend(items.iter()),
            Kind::Map(entries) => {
                for (k, v) in entries {
                    stack.push(k);
                    stack.push(v);
                }
            }
            Kind::Scalar { .. } => {}
        }
    }
    count
}

fn mark_alias(n: &mut Node) {
    let mut stack = vec![n];
    while let Some(n) = stack.pop() {
        n.from_alias = true;
        match &mut n.kind {
            Kind::Seq(items) => stack.extend(items.iter_mut()),
            Kind::Map(entries) => {
                for (k, v) in entries.iter_mut() {
                    stack.push(k);
                    stack.push(v);
                }
            }
            Kind::Scalar { .. } => {}
        }
    }
}

/// Map each byte of `value` to a file offset, starting the search at `start`
/// (the scanner's start of the scalar token).
pub fn scalar_offsets(text: &str, start: usize, value: &str, style: Style) -> Vec<usize> {
    match style {
        Style::Literal | Style::Folded => block_offsets(text, start, value),
        Style::DoubleQuoted => quoted_offsets(text, start + 1, value, true),
        Style::SingleQuoted => quoted_offsets(text, start + 1, value, false),
        Style::Plain => align(text, start, value, |_, _| None),
    }
}

/// Block scalars: the scanner starts the span at the first content line's
/// indentation. Content characters appear verbatim in the source apart from
/// indentation and line folding, so a forward alignment is exact for every
/// non-blank character.
fn block_offsets(text: &str, start: usize, value: &str) -> Vec<usize> {
    // Rewind to the start of the line so indentation is skipped uniformly.
    let line_start = text[..start.min(text.len())]
        .rfind('\n')
        .map(|i| i + 1)
        .unwrap_or(0);
    let indent = start.saturating_sub(line_start);
    let mut map = Vec::with_capacity(value.len() + 1);
    let bytes = text.as_bytes();
    let mut src = start;
    let mut at_line_start = false;
    for (_, ch) in value.char_indices() {
        if at_line_start {
            // skip up to `indent` spaces of indentation
            let mut skipped = 0;
            while skipped < indent && src < bytes.len() && bytes[src] == b' ' {
                src += 1;
                skipped += 1;
            }
            at_line_start = false;
        }
        // Folding turns a line break into a space: skip source whitespace and
        // newlines until we reach the character, unless it is itself a space
        // that exists in the source.
        let mut probe = src;
        while probe < text.len() && !text[probe..].starts_with(ch) {
            let Some(c) = text[probe..].chars().next() else {
                break;
            };
            if !c.is_whitespace() {
                break;
            }
            probe += c.len_utf8();
        }
        let found = probe < text.len() && text[probe..].starts_with(ch);
        let here = if found { probe } else { src };
        for _ in 0..ch.len_utf8() {
            map.push(here);
        }
        if found {
            src = probe + ch.len_utf8();
            if ch == '\n' {
                at_line_start = true;
            }
        }
    }
    map.push(src.min(text.len()));
    map
}

/// Quoted scalars: escapes and `''` map to the position of the escape.
fn quoted_offsets(text: &str, start: usize, value: &str, double: bool) -> Vec<usize> {
    align(text, start, value, |rest, ch| {
        if double && rest.starts_with('\\') {
            let len = escape_len(rest);
            // a line-continuation escape produces nothing
            if rest[1..].starts_with('\n') || rest[1..].starts_with("\r\n") {
                return Some((0, len));
            }
            return Some((1, len));
        }
        if !double && rest.starts_with("''") && ch == '\'' {
            return Some((1, 2));
        }
        None
    })
}

fn escape_len(rest: &str) -> usize {
    let mut it = rest.chars();
    it.next();
    match it.next() {
        Some('x') => 4,
        Some('u') => 6,
        Some('U') => 10,
        Some(c) => 1 + c.len_utf8(),
        None => 1,
    }
    .min(rest.len())
}

/// Walk `value` and the source together. `special` may consume a source
/// sequence `(produced_chars, source_len)` that encodes the current char.
fn align(
    text: &str,
    start: usize,
    value: &str,
    special: impl Fn(&str, char) -> Option<(usize, usize)>,
) -> Vec<usize> {
    let mut map = Vec::with_capacity(value.len() + 1);
    let mut src = start.min(text.len());
    let mut chars = value.chars().peekable();
    while let Some(&ch) = chars.peek() {
        if src >= text.len() {
            for _ in 0..ch.len_utf8() {
                map.push(text.len());
            }
            chars.next();
            continue;
        }
        let rest = &text[src..];
        if let Some((produced, len)) = special(rest, ch) {
            if produced == 0 {
                src += len;
                continue;
            }
            for _ in 0..ch.len_utf8() {
                map.push(src);
            }
            chars.next();
            src += len;
            continue;
        }
        if rest.starts_with(ch) {
            for _ in 0..ch.len_utf8() {
                map.push(src);
            }
            chars.next();
            src += ch.len_utf8();
            continue;
        }
        // Folded line break or indentation: skip source whitespace.
        let c = rest.chars().next().unwrap_or(' ');
        if c.is_whitespace() {
            if ch == ' ' && c == '\n' {
                // folded newline becomes this space
                for _ in 0..ch.len_utf8() {
                    map.push(src);
                }
                chars.next();
            }
            src += c.len_utf8();
            continue;
        }
        // Unexpected: map the rest to here rather than loop.
        for _ in 0..ch.len_utf8() {
            map.push(src);
        }
        chars.next();
    }
    map.push(src.min(text.len()));
    map
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_yaml_leniency_quoted_scalar_at_the_key_indentation() {
        let text = "a:\n  d: \"one\n  two\"\n  e: 'x\n  y ''z'''\n  f: after\n";
        assert!(parse_strict(text).errors.iter().any(|e| e.fatal));
        let d = parse(text);
        assert!(d.errors.is_empty(), "{:?}", d.errors);
        assert_eq!(d.lenient.len(), 2);
        assert_eq!(d.lenient[0].span, Span::new(8, 12), "the opening line");
        let root = d.docs.into_iter().next().unwrap();
        let a = root.get("a").unwrap();
        assert_eq!(a.get("d").unwrap().as_str(), Some("one two"));
        assert_eq!(a.get("e").unwrap().as_str(), Some("x y 'z'"));
        // spans point into the original text
        let f = a.get("f").unwrap();
        assert_eq!(&text[f.span.range()], "after");
        let d = a.get("d").unwrap();
        assert_eq!(&text[d.span.range()], "\"one\n  two\"");
    }

    #[test]
    fn an_unclosed_quoted_scalar_stays_an_error() {
        let d = parse("a:\n  d: \"one\n  two\n");
        assert!(d.errors.iter().any(|e| e.fatal));
        assert!(d.lenient.is_empty());
    }

    fn doc(text: &str) -> Node {
        let d = parse(text);
        assert!(d.errors.is_empty(), "{:?}", d.errors);
        d.docs.into_iter().next().unwrap()
    }

    fn check_map(text: &str, key: &str) {
        let d = doc(text);
        let n = d.get(key).unwrap();
        let v = n.as_str().unwrap();
        let map = n.value_offsets(text).unwrap();
        assert_eq!(map.len(), v.len() + 1);
        for (i, ch) in v.char_indices() {
            if !ch.is_whitespace() && ch != '\'' && ch != '"' && ch != '\\' {
                assert!(
                    text[map[i]..].starts_with(ch),
                    "char {ch:?} at value byte {i} mapped to {} ({:?})",
                    map[i],
                    &text[map[i]..]
                );
            }
        }
    }

    #[test]
    fn spans_of_block_scalars_map_back() {
        let text = "a: |\n  sum by (x) (\n    rate(y[5m]))\nb: 1\n";
        check_map(text, "a");
        let d = doc(text);
        let a = d.get("a").unwrap();
        let map = a.value_offsets(text).unwrap();
        let v = a.as_str().unwrap();
        let r = v.find("rate").unwrap();
        assert_eq!(&text[map[r]..map[r] + 4], "rate");
        assert_eq!(LineIndex::new(text).position(text, map[r]).line, 3);
    }

    #[test]
    fn folded_and_quoted_map_back() {
        check_map("d: >-\n  f1 x\n  f2 y\n\ne: 1\n", "d");
        check_map("b: \"q\\tx \\\"y\\\" z\"\n", "b");
        check_map("e: 'it''s ok'\n", "e");
        check_map("c: plain\n  folded more\n", "c");
        // an escape maps to its backslash
        let text = "k: \"é\\u00e9 ok\"\n";
        let d = doc(text);
        let n = d.get("k").unwrap();
        let map = n.value_offsets(text).unwrap();
        assert_eq!(map[0], 4);
        assert_eq!(&text[map[2]..map[2] + 6], "\\u00e9");
        assert_eq!(&text[map[5]..map[5] + 2], "ok");
    }

    #[test]
    fn duplicate_keys_are_reported_not_fatal() {
        let d = parse("a: 1\na: 2\n");
        assert_eq!(d.errors.len(), 1);
        assert!(!d.errors[0].fatal);
        assert_eq!(d.errors[0].span, Span::new(5, 6));
    }

    #[test]
    fn duplicate_keys_are_found_below_and_above_the_index_size() {
        // a small mapping is scanned, a large one indexed: the same findings
        for n in [3, INDEXED_FROM - 1, INDEXED_FROM, INDEXED_FROM + 1, 40] {
            let mut text: String = (0..n).map(|i| format!("k{i}: {i}\n")).collect();
            text.push_str("k1: again\n");
            text.push_str(&format!("k{}: again\n", n - 1));
            let d = parse(&text);
            let found: Vec<&str> = d.errors.iter().map(|e| e.message.as_str()).collect();
            assert_eq!(
                found,
                [
                    "duplicate key `k1` (first defined at line 2); Prometheus and most YAML loaders reject this".to_string(),
                    format!("duplicate key `k{}` (first defined at line {n}); Prometheus and most YAML loaders reject this", n - 1),
                ],
                "{n} keys"
            );
            assert!(d.errors.iter().all(|e| !e.fatal));
        }
    }

    #[test]
    fn alias_bomb_is_refused() {
        let mut s = String::from(
            "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
        );
        let names = ["b", "c", "d", "e", "f", "g", "h", "i"];
        let mut prev = "a";
        for n in names {
            s.push_str(&format!(
                "{n}: &{n} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"
            ));
            prev = n;
        }
        let d = parse(&s);
        assert!(d
            .errors
            .iter()
            .any(|e| e.fatal && e.message.contains("expands")));
    }

    #[test]
    fn deep_nesting_is_refused() {
        let s = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let d = parse(&s);
        // saphyr's own recursion guard or ours, whichever trips first
        assert!(
            d.errors
                .iter()
                .any(|e| e.fatal
                    && (e.message.contains("nesting") || e.message.contains("recursion")))
        );
    }

    #[test]
    fn syntax_error_has_position() {
        let text = "a: [1, 2\nb: c\n";
        let d = parse(text);
        assert_eq!(d.errors.len(), 1);
        assert!(d.errors[0].span.start > 0);
    }

    #[test]
    fn byte_order_mark_keeps_file_offsets() {
        let text = "\u{feff}grups: []\ngroups: []\n";
        let d = doc(text);
        let (k, _) = d.as_map().unwrap()[0].clone();
        assert_eq!(&text[k.span.range()], "grups");
    }

    #[test]
    fn multi_documents() {
        let d = parse("a: 1\n---\nb: 2\n");
        assert_eq!(d.docs.len(), 2);
        assert_eq!(d.docs[1].get_str("b"), Some("2"));
    }

    #[test]
    fn json_conversion_types_plain_scalars() {
        let d = doc("a: 1\nb: 'x'\nc: true\nd: ~\ne: 1.5\nf: 5m\n");
        assert_eq!(
            d.to_json(),
            serde_json::json!({"a": 1, "b": "x", "c": true, "d": null, "e": 1.5, "f": "5m"})
        );
    }
}
