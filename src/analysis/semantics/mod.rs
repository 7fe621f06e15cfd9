//! Query semantics: for a PromQL or LogQL expression, the labels its result
//! series carry (kept for certain, possibly kept, dropped; where each came
//! from and which label its value derives from), the kind of its value
//! (counter, gauge, histogram, summary, info, unknown) and the events the
//! query rules report (a `rate` over a gauge, a raw counter compared, ...).
//!
//! The table of constructs is `docs/query-semantics.md`; every row names the
//! unit test below that pins it. The analysis depends on the syntax trees and
//! on a [`Catalog`] of metric types and labels read from metrics contracts;
//! it knows nothing of rules or policy.
//!
//! Spans are byte ranges into the query text, like the parsers'.

pub mod catalog;
pub mod logql;
pub mod promql;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Arc;

pub use catalog::Catalog;

pub type Span = Range<usize>;

/// The query language of one expression (the query view's).
pub use crate::artifact::query::Lang;

/// Whether an output label is there on every series or only on some.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Presence {
    /// Every output series has it (an equality matcher, `label_join`, a `by`
    /// label the input is known to carry).
    Certain,
    /// Some output series may have it (a regex matcher, a parser field, a
    /// `by` label of an input whose label set is open).
    Possible,
}

/// Where an output label comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A selector matcher (PromQL) or stream selector matcher (LogQL).
    Selector,
    /// The metrics contract of the selected series.
    Contract,
    /// A LogQL parser stage (`json`, `logfmt`, `regexp`, `pattern`, `unpack`).
    Parser(&'static str),
    LabelFormat,
    LabelReplace,
    LabelJoin,
    /// The equality matchers of the selector inside `absent()`.
    Absent,
    /// A `group_left`/`group_right` extra label copied from the other side.
    GroupExtra,
    /// `count_values("label", ...)`.
    CountValues,
}

impl Origin {
    pub fn describe(&self) -> String {
        match self {
            Origin::Selector => "a selector matcher".into(),
            Origin::Contract => "the metrics contract".into(),
            Origin::Parser(p) => format!("the `{p}` parser stage"),
            Origin::LabelFormat => "`label_format`".into(),
            Origin::LabelReplace => "`label_replace`".into(),
            Origin::LabelJoin => "`label_join`".into(),
            Origin::Absent => "`absent()`".into(),
            Origin::GroupExtra => "a `group_left`/`group_right` label copy".into(),
            Origin::CountValues => "`count_values`".into(),
        }
    }
}

/// One label of the output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutLabel {
    pub presence: Presence,
    pub origin: Origin,
    /// The value an equality matcher fixes (`job="api"`), when it is fixed.
    pub fixed: Option<String>,
    /// Labels whose values this label's value is computed from (taint
    /// through `label_replace`, `label_join`, `label_format`).
    pub derived_from: Vec<String>,
    /// Where in the query the label was introduced, if known.
    pub span: Option<Span>,
}

/// Why the output may carry labels the query does not name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpenSource {
    /// A selected series with no metrics contract (its labels are not known).
    Series(String),
    /// A LogQL stream (stream labels are not known from the query).
    Stream,
    /// An unbounded parser stage: `| json`, `| logfmt`, `| unpack` without a
    /// field list. Every extracted key becomes a label.
    Parser { stage: &'static str, span: Span },
    /// `info()` adds the labels of info series.
    Info,
}

/// The label set of a query's output.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Labels {
    /// Labels the query names that the output has or may have.
    pub known: BTreeMap<String, OutLabel>,
    /// Labels the output cannot have, with the span that removed them.
    pub dropped: BTreeMap<String, Option<Span>>,
    /// Empty: the output has the `known` labels and no others. Otherwise the
    /// reasons more labels may be present.
    pub open: Vec<OpenSource>,
}

impl Labels {
    pub fn closed() -> Labels {
        Labels::default()
    }
    pub fn is_open(&self) -> bool {
        !self.open.is_empty()
    }
    /// The output may carry `name`.
    pub fn may_have(&self, name: &str) -> bool {
        if self.known.contains_key(name) {
            return true;
        }
        !self.dropped.contains_key(name) && self.is_open()
    }
    /// The query proves that no output series carries `name`.
    pub fn cannot_have(&self, name: &str) -> bool {
        !self.may_have(name)
    }
    fn insert(&mut self, name: &str, l: OutLabel) {
        self.dropped.remove(name);
        self.known.insert(name.to_string(), l);
    }
    fn drop_label(&mut self, name: &str, span: Option<Span>) {
        self.known.remove(name);
        self.dropped.insert(name.to_string(), span);
    }
    /// Keep only `names` (`by`, `on`, `keep`): the result is closed.
    fn restrict(&mut self, names: &[String], span: Option<Span>) {
        let mut known = BTreeMap::new();
        for n in names {
            if let Some(l) = self.known.remove(n) {
                known.insert(n.clone(), l);
            } else if self.is_open() && !self.dropped.contains_key(n) {
                known.insert(
                    n.clone(),
                    OutLabel {
                        presence: Presence::Possible,
                        origin: Origin::Selector,
                        fixed: None,
                        derived_from: Vec::new(),
                        span: span.clone(),
                    },
                );
            }
        }
        let mut dropped: BTreeMap<String, Option<Span>> = std::mem::take(&mut self.known)
            .into_keys()
            .map(|k| (k, span.clone()))
            .collect();
        dropped.extend(std::mem::take(&mut self.dropped));
        for n in names {
            dropped.remove(n);
        }
        self.known = known;
        self.dropped = dropped;
        self.open.clear();
    }
    /// Union for `or`: labels of either side (possible only), open if
    /// either side is; dropped only where neither side can have the label.
    fn union(self, other: Labels) -> Labels {
        let mut out = Labels::default();
        for (k, v) in self.known.iter().chain(other.known.iter()) {
            let both = self.known.get(k).zip(other.known.get(k));
            let certain = both.is_some_and(|(a, b)| {
                a.presence == Presence::Certain && b.presence == Presence::Certain
            });
            let mut v = v.clone();
            if !certain {
                v.presence = Presence::Possible;
            }
            out.known.entry(k.clone()).or_insert(v);
        }
        for (k, s) in self.dropped.iter().chain(other.dropped.iter()) {
            if self.cannot_have(k) && other.cannot_have(k) {
                out.dropped.insert(k.clone(), s.clone());
            }
        }
        out.open = self.open;
        out.open.extend(other.open);
        out
    }
    /// The unbounded parser stages whose labels reach the output.
    pub fn open_parsers(&self) -> impl Iterator<Item = (&'static str, &Span)> {
        self.open.iter().filter_map(|o| match o {
            OpenSource::Parser { stage, span } => Some((*stage, span)),
            _ => None,
        })
    }
}

/// The kind of a query's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Counter,
    Gauge,
    /// Classic histogram buckets (`_bucket` series with `le`).
    ClassicHistogram,
    NativeHistogram,
    /// Summary quantile series (`quantile` label).
    Summary,
    /// An info series (`_info`): a constant 1 carrying labels.
    Info,
    /// A number literal or `scalar()`.
    Scalar,
    /// Not known: never a reason for a finding.
    Unknown,
}

impl Kind {
    pub fn describe(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::ClassicHistogram => "classic histogram",
            Kind::NativeHistogram => "native histogram",
            Kind::Summary => "summary",
            Kind::Info => "info series",
            Kind::Scalar => "scalar",
            Kind::Unknown => "unknown",
        }
    }
}

/// How a kind was decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KindSource {
    /// `type:` in the metrics contract of this series.
    Contract(String),
    /// The OpenMetrics suffix of this series name (`_total`, `_info`, ...).
    Suffix(String),
    /// Computed by a function or operator.
    Derived,
    None,
}

/// Something a query rule reports, found while computing the semantics.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// `rate`/`irate`/`increase` over a series that is not a counter.
    RateOverNonCounter {
        func: String,
        span: Span,
        kind: Kind,
        source: KindSource,
    },
    /// A raw counter (not through `rate`/`increase`) compared, or aggregated
    /// with an aggregation whose result depends on its absolute value.
    CounterRaw {
        how: String,
        span: Span,
        source: KindSource,
    },
    /// `histogram_quantile` over classic buckets whose `le` was removed.
    QuantileWithoutLe {
        span: Span,
        dropped_at: Option<Span>,
    },
    /// `histogram_quantile` over series that are not histogram buckets.
    QuantileNotBuckets {
        span: Span,
        kind: Kind,
        source: KindSource,
    },
    /// A selector of an info or state series that filters on a label value
    /// (`kube_pod_status_ready{condition="false"}`, `x_info{ready!="true"}`):
    /// the matcher is the alert's condition.
    StateFilter { metric: String, label: String },
    /// `on(x)` / `group_left(x)` where one side cannot have `x`.
    MatchingMissing {
        label: String,
        side: &'static str,
        span: Span,
    },
}

/// What the semantic layer knows of one expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Semantics {
    pub lang: Lang,
    pub labels: Labels,
    pub kind: Kind,
    pub kind_source: KindSource,
    pub events: Vec<Event>,
    /// Too deep or too large to analyse: the message, and nothing else is
    /// known (labels open, kind unknown, no events).
    pub too_complex: Option<String>,
}

/// Deepest expression nesting analysed.
pub const MAX_DEPTH: usize = 128;
/// Most AST nodes analysed in one expression.
pub const MAX_NODES: usize = 20_000;
/// Longest expression analysed, in bytes.
pub const MAX_LEN: usize = 256 * 1024;

impl Semantics {
    fn unknown(lang: Lang, why: String) -> Semantics {
        Semantics {
            lang,
            labels: Labels {
                open: vec![OpenSource::Stream],
                ..Labels::default()
            },
            kind: Kind::Unknown,
            kind_source: KindSource::None,
            events: Vec::new(),
            too_complex: Some(why),
        }
    }
}

/// Budget of one analysis.
pub(crate) struct Budget {
    nodes: usize,
    pub(crate) exceeded: Option<String>,
}

impl Budget {
    pub(crate) fn new() -> Budget {
        Budget {
            nodes: 0,
            exceeded: None,
        }
    }
    /// Count a node at `depth`; false once the budget is spent.
    pub(crate) fn enter(&mut self, depth: usize) -> bool {
        if self.exceeded.is_some() {
            return false;
        }
        self.nodes += 1;
        if depth > MAX_DEPTH {
            self.exceeded = Some(format!(
                "the expression nests deeper than {MAX_DEPTH} levels"
            ));
            return false;
        }
        if self.nodes > MAX_NODES {
            self.exceeded = Some(format!(
                "the expression has more than {MAX_NODES} operators, selectors and calls"
            ));
            return false;
        }
        true
    }
}

// ------------------------------------------------------------------ memo

// What the memo may hold, estimated in bytes, is `syntax::memo_budget()`; a
// run that reaches it starts a new memo (the language server lives for a
// session of edits and catalog reloads, and kept every analysis of every
// document it ever opened).

type Table = std::collections::HashMap<String, Option<Arc<Semantics>>, foldhash::fast::RandomState>;
/// (language, catalog id) -> text -> semantics.
type Tables = std::collections::HashMap<(Lang, usize), Table>;
type Memo = std::sync::Mutex<crate::syntax::Budgeted<Tables>>;

/// Rough size of an entry: the text twice (key and thread's last), the
/// structures, and a share per label and event.
fn entry_bytes(text: &str, s: &Option<Arc<Semantics>>) -> usize {
    let parts = s.as_ref().map_or(0, |s| {
        s.labels.known.len() + s.labels.dropped.len() + s.events.len()
    });
    2 * text.len() + 256 + 192 * parts
}

fn memo() -> &'static Memo {
    static MEMO: std::sync::OnceLock<Memo> = std::sync::OnceLock::new();
    MEMO.get_or_init(Default::default)
}

fn memoized(
    lang: Lang,
    text: &str,
    catalog: &Catalog,
    compute: impl FnOnce() -> Option<Semantics>,
) -> Option<Arc<Semantics>> {
    let key = (lang, catalog.id());
    // Every query rule asks for the expression it is given: the same text
    // several times in a row on this thread. Answer that from the last one
    // (a comparison, no lock, no hash).
    type Last = std::cell::RefCell<Option<((Lang, usize), String, Option<Arc<Semantics>>)>>;
    thread_local! {
        static LAST: Last = const { std::cell::RefCell::new(None) };
    }
    let last = LAST.with(|l| {
        l.borrow()
            .as_ref()
            .filter(|(k, t, _)| *k == key && t == text)
            .map(|(_, _, r)| r.clone())
    });
    if let Some(hit) = last {
        return hit;
    }
    let remember = |r: &Option<Arc<Semantics>>| {
        LAST.with(|l| *l.borrow_mut() = Some((key, text.to_string(), r.clone())));
    };
    if let Some(hit) = memo()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .contents
        .get(&key)
        .and_then(|t| t.get(text))
    {
        let hit = hit.clone();
        remember(&hit);
        return hit;
    }
    let result = compute().map(Arc::new);
    remember(&result);
    let size = entry_bytes(text, &result);
    memo()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .make_room(size)
        .entry(key)
        .or_default()
        .insert(text.to_string(), result.clone());
    result
}

/// The semantics of a PromQL expression; `None` when it does not parse
/// (`promql-syntax` reports that). Computed once per distinct text and
/// catalog per run.
pub fn of_promql(text: &str, catalog: &Catalog) -> Option<Arc<Semantics>> {
    if text.len() > MAX_LEN {
        return Some(Arc::new(Semantics::unknown(
            Lang::PromQL,
            format!("the expression is longer than {} KiB", MAX_LEN / 1024),
        )));
    }
    memoized(Lang::PromQL, text, catalog, || {
        promql::analyze(text, catalog)
    })
}

/// The semantics of a parsed LogQL expression (`text` is its source, the
/// memo key).
pub fn of_logql(
    text: &str,
    expr: &crate::syntax::logql::Expr,
    catalog: &Catalog,
) -> Option<Arc<Semantics>> {
    if text.len() > MAX_LEN {
        return Some(Arc::new(Semantics::unknown(
            Lang::LogQL,
            format!("the expression is longer than {} KiB", MAX_LEN / 1024),
        )));
    }
    memoized(Lang::LogQL, text, catalog, || {
        Some(logql::analyze(expr, catalog))
    })
}

/// Kind of a series from its OpenMetrics name suffix.
pub fn kind_from_suffix(name: &str) -> Option<(Kind, &'static str)> {
    const SUFFIXES: &[(&str, Kind)] = &[
        ("_total", Kind::Counter),
        ("_bucket", Kind::ClassicHistogram),
        ("_count", Kind::Counter),
        ("_sum", Kind::Counter),
        ("_created", Kind::Gauge),
        ("_info", Kind::Info),
    ];
    SUFFIXES
        .iter()
        .find(|(s, _)| name.len() > s.len() && name.ends_with(s))
        .map(|(s, k)| (*k, *s))
}

/// Names a Go template reads as labels: `.x`, `.Labels.x`, `$labels.x`,
/// `index .Labels "x"` (the LogQL `label_format` template context).
pub(crate) fn template_fields(t: &str) -> Vec<String> {
    let mut out = Vec::new();
    let b = t.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'.' && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_')) {
            let start = i + 1;
            let mut j = start;
            while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                j += 1;
            }
            let name = &t[start..j];
            if !name.is_empty() && name != "Labels" && name != "Line" && name != "Entry" {
                out.push(name.to_string());
            }
            i = j.max(i + 1);
        } else {
            i += 1;
        }
    }
    out.sort();
    out.dedup();
    out
}
