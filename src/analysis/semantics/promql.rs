//! Semantics of PromQL over `promql-parser`'s AST. The AST carries no
//! positions: spans come from the adapter's tokens (`syntax::promql`), the
//! n-th call of a function or selector of a metric being its n-th token in
//! the text (the walk visits heads in text order).

use std::collections::HashMap;

use promql_parser::label::{MatchOp, Matcher};
use promql_parser::parser::token::{self, TokenId};
use promql_parser::parser::{Expr, LabelModifier, VectorMatchCardinality, VectorSelector};

use super::{
    kind_from_suffix, Budget, Catalog, Event, Kind, KindSource, Labels, Lang, OpenSource, Origin,
    OutLabel, Presence, Semantics, Span,
};
use crate::syntax::promql::{self as syn, LabelRole, Tok};

/// Analyse `text`; `None` when it does not parse.
pub fn analyze(text: &str, catalog: &Catalog) -> Option<Semantics> {
    // The adapter's own parse (Go regexes rewritten, everything
    // promql-parser could panic on refused first), its AST handed over.
    let (a, expr) = syn::analyze_with_ast(text)?;
    let mut w = Walker {
        text,
        tokens: &a.tokens,
        on_labels: a
            .facts
            .labels
            .iter()
            .filter(|l| {
                matches!(
                    l.role,
                    LabelRole::On | LabelRole::GroupLeft | LabelRole::GroupRight
                )
            })
            .map(|l| (l.name.clone(), l.span.clone()))
            .collect(),
        cursors: HashMap::new(),
        catalog,
        budget: Budget::new(),
        events: Vec::new(),
    };
    let node = w.eval(&expr, 0);
    if let Some(why) = w.budget.exceeded {
        return Some(Semantics::unknown(Lang::PromQL, why));
    }
    Some(Semantics {
        lang: Lang::PromQL,
        labels: node.labels,
        kind: node.kind,
        kind_source: node.source,
        events: w.events,
        too_complex: None,
    })
}

struct Node {
    labels: Labels,
    kind: Kind,
    source: KindSource,
    /// The head token (metric name, function name, operator) for reports.
    head: Span,
}

impl Node {
    fn scalar(head: Span) -> Node {
        Node {
            labels: Labels::closed(),
            kind: Kind::Scalar,
            source: KindSource::Derived,
            head,
        }
    }
    fn with_kind(mut self, kind: Kind) -> Node {
        self.kind = kind;
        self.source = KindSource::Derived;
        self
    }
}

struct Walker<'a> {
    text: &'a str,
    tokens: &'a [Tok],
    /// `on`/`group_left`/`group_right` label names with their spans, in text order.
    on_labels: Vec<(String, Span)>,
    cursors: HashMap<(u8, String), usize>,
    catalog: &'a Catalog,
    budget: Budget,
    events: Vec<Event>,
}

const NAME: &str = "__name__";

fn label(presence: Presence, origin: Origin, span: Option<Span>) -> OutLabel {
    OutLabel {
        presence,
        origin,
        fixed: None,
        derived_from: Vec::new(),
        span,
    }
}

impl<'a> Walker<'a> {
    fn whole(&self) -> Span {
        0..self.text.trim_end().len()
    }

    fn tok_text(&self, t: &Tok) -> &'a str {
        self.text.get(t.start..t.end).unwrap_or("")
    }

    /// The next unused token (of class `class`) whose text is `name`
    /// (case-insensitive for keywords) and that satisfies `ok`.
    fn locate(&mut self, class: u8, name: &str, ok: impl Fn(&[Tok], usize) -> bool) -> Span {
        let key = (class, name.to_ascii_lowercase());
        let from = *self.cursors.get(&key).unwrap_or(&0);
        for i in from..self.tokens.len() {
            let t = self.tokens[i];
            if self.tok_text(&t).eq_ignore_ascii_case(name) && ok(self.tokens, i) {
                self.cursors.insert(key, i + 1);
                return t.start..t.end;
            }
        }
        self.whole()
    }

    fn locate_call(&mut self, name: &str) -> Span {
        self.locate(0, name, |toks, i| {
            toks.get(i + 1).is_some_and(|n| {
                matches!(n.id, token::T_LEFT_PAREN | token::T_BY | token::T_WITHOUT)
            })
        })
    }

    fn locate_metric(&mut self, name: &str) -> Span {
        self.locate(1, name, |toks, i| {
            matches!(toks[i].id, token::T_IDENTIFIER | token::T_METRIC_IDENTIFIER)
                && toks.get(i + 1).is_none_or(|n| n.id != token::T_LEFT_PAREN)
        })
    }

    /// The next unused label-name token `name` of a selector matcher (a
    /// label name followed by `=`, `!=`, `=~` or `!~`).
    fn locate_matcher_label(&mut self, name: &str) -> Span {
        self.locate(4, name, |toks, i| {
            toks.get(i + 1).is_some_and(|n| {
                matches!(
                    n.id,
                    token::T_EQL | token::T_NEQ | token::T_EQL_REGEX | token::T_NEQ_REGEX
                )
            })
        })
    }

    fn locate_op(&mut self, op: TokenId) -> Span {
        let key = (2u8, format!("{op}"));
        let from = *self.cursors.get(&key).unwrap_or(&0);
        for i in from..self.tokens.len() {
            if self.tokens[i].id == op {
                self.cursors.insert(key, i + 1);
                return self.tokens[i].start..self.tokens[i].end;
            }
        }
        self.whole()
    }

    fn locate_on_label(&mut self, name: &str) -> Span {
        let key = (3u8, name.to_string());
        let from = *self.cursors.get(&key).unwrap_or(&0);
        for (i, (n, s)) in self.on_labels.iter().enumerate().skip(from) {
            if n == name {
                let s = s.clone();
                self.cursors.insert(key, i + 1);
                return s;
            }
        }
        self.whole()
    }

    fn eval(&mut self, e: &Expr, depth: usize) -> Node {
        if !self.budget.enter(depth) {
            return Node {
                labels: Labels {
                    open: vec![OpenSource::Series(String::new())],
                    ..Labels::default()
                },
                kind: Kind::Unknown,
                source: KindSource::None,
                head: self.whole(),
            };
        }
        match e {
            Expr::NumberLiteral(_) | Expr::StringLiteral(_) => Node::scalar(self.whole()),
            Expr::Paren(p) => self.eval(&p.expr, depth + 1),
            Expr::Unary(u) => {
                let mut n = self.eval(&u.expr, depth + 1);
                n.labels.drop_label(NAME, None);
                if n.kind != Kind::Scalar {
                    n = n.with_kind(Kind::Unknown);
                }
                n
            }
            Expr::VectorSelector(vs) => self.selector(vs),
            Expr::MatrixSelector(ms) => self.selector(&ms.vs),
            Expr::Subquery(sq) => self.eval(&sq.expr, depth + 1),
            Expr::Aggregate(agg) => self.aggregate(agg, depth),
            Expr::Call(call) => self.call(call, depth),
            Expr::Binary(b) => self.binary(b, depth),
            Expr::Extension(_) => Node {
                labels: Labels {
                    open: vec![OpenSource::Series(String::new())],
                    ..Labels::default()
                },
                kind: Kind::Unknown,
                source: KindSource::None,
                head: self.whole(),
            },
        }
    }

    fn selector(&mut self, vs: &VectorSelector) -> Node {
        let name = vs.name.clone().or_else(|| {
            vs.matchers
                .matchers
                .iter()
                .find(|m| m.name == NAME && m.op == MatchOp::Equal)
                .map(|m| m.value.clone())
        });
        let head = match &vs.name {
            Some(n) => self.locate_metric(n),
            None => self.whole(),
        };
        let mut labels = Labels::default();
        if name.is_some() {
            labels.insert(NAME, label(Presence::Certain, Origin::Selector, None));
        }
        for m in &vs.matchers.matchers {
            if m.name == NAME {
                continue;
            }
            let span = self.locate_matcher_label(&m.name);
            matcher_label(&mut labels, m, Presence::Certain, span);
        }
        for group in &vs.matchers.or_matchers {
            for m in group {
                if m.name != NAME {
                    let span = self.locate_matcher_label(&m.name);
                    matcher_label(&mut labels, m, Presence::Possible, span);
                }
            }
        }
        let info = name.as_deref().and_then(|n| self.catalog.get(n));
        if let Some(n) = name.as_deref() {
            let state_series = is_state_series(n) || info.is_some_and(|i| i.kind == Kind::Info);
            if state_series {
                if let Some(m) = vs.matchers.matchers.iter().find(|m| {
                    m.name != NAME
                        && !IDENTITY_LABELS.contains(&m.name.as_str())
                        && !(matches!(m.op, MatchOp::Re(_)) && m.value == ".*")
                }) {
                    self.events.push(Event::StateFilter {
                        metric: n.to_string(),
                        label: m.name.clone(),
                    });
                }
            }
        }
        match info.and_then(|i| i.labels.as_ref()) {
            Some(contract_labels) => {
                for l in contract_labels {
                    if !labels.known.contains_key(l) && !labels.dropped.contains_key(l) {
                        labels.insert(l, label(Presence::Certain, Origin::Contract, None));
                    }
                }
            }
            None => labels
                .open
                .push(OpenSource::Series(name.clone().unwrap_or_default())),
        }
        if !vs.matchers.or_matchers.is_empty() && labels.open.is_empty() {
            labels
                .open
                .push(OpenSource::Series(name.clone().unwrap_or_default()));
        }
        let (kind, source) = match (info, name.as_deref()) {
            (Some(i), _) if i.kind != Kind::Unknown => {
                (i.kind, KindSource::Contract(i.declared.clone()))
            }
            (_, Some(n)) => match kind_from_suffix(n) {
                Some((k, s)) => (k, KindSource::Suffix(s.to_string())),
                None => (Kind::Unknown, KindSource::None),
            },
            _ => (Kind::Unknown, KindSource::None),
        };
        Node {
            labels,
            kind,
            source,
            head,
        }
    }

    fn aggregate(&mut self, agg: &promql_parser::parser::AggregateExpr, depth: usize) -> Node {
        let op = agg.op.to_string().to_ascii_lowercase();
        let head = self.locate_call(&op);
        if let Some(p) = &agg.param {
            self.eval(p, depth + 1);
        }
        let before = self.events.len();
        let inner = self.eval(&agg.expr, depth + 1);
        if matches!(op.as_str(), "count" | "group" | "count_values") {
            // only the series count: how the inner values were computed does not matter
            self.forget_counter_raw(before);
        }
        if inner.kind == Kind::Counter
            && matches!(
                op.as_str(),
                "sum" | "avg" | "min" | "max" | "quantile" | "stddev" | "stdvar"
            )
        {
            self.events.push(Event::CounterRaw {
                how: format!("aggregated with `{op}`"),
                span: inner.head.clone(),
                source: inner.source.clone(),
            });
        }
        let mut labels = inner.labels;
        let keeps_series = matches!(op.as_str(), "topk" | "bottomk" | "limitk" | "limit_ratio");
        if !keeps_series {
            match &agg.modifier {
                None => labels.restrict(&[], Some(head.clone())),
                Some(LabelModifier::Include(ls)) => labels.restrict(&ls.labels, Some(head.clone())),
                Some(LabelModifier::Exclude(ls)) => {
                    labels.drop_label(NAME, Some(head.clone()));
                    for l in &ls.labels {
                        labels.drop_label(l, Some(head.clone()));
                    }
                }
            }
            if op == "count_values" {
                if let Some(Expr::StringLiteral(s)) = agg.param.as_deref() {
                    labels.insert(
                        &s.val,
                        label(Presence::Certain, Origin::CountValues, Some(head.clone())),
                    );
                }
            }
        }
        let (kind, source) = match op.as_str() {
            "count" | "group" | "count_values" | "stddev" | "stdvar" => {
                (Kind::Gauge, KindSource::Derived)
            }
            _ => (inner.kind, inner.source),
        };
        Node {
            labels,
            kind,
            source,
            head,
        }
    }

    fn forget_counter_raw(&mut self, from: usize) {
        let mut i = from;
        while i < self.events.len() {
            if matches!(self.events[i], Event::CounterRaw { .. }) {
                self.events.remove(i);
            } else {
                i += 1;
            }
        }
    }

    fn call(&mut self, call: &promql_parser::parser::Call, depth: usize) -> Node {
        let f = call.func.name;
        let head = self.locate_call(f);
        let args: Vec<&Expr> = call.args.args.iter().map(|a| a.as_ref()).collect();
        let mut nodes = Vec::with_capacity(args.len());
        let before = self.events.len();
        for a in &args {
            nodes.push(self.eval(a, depth + 1));
        }
        if matches!(
            f,
            "absent"
                | "absent_over_time"
                | "present_over_time"
                | "count_over_time"
                | "timestamp"
                | "changes"
                | "resets"
        ) {
            self.forget_counter_raw(before);
        }
        // The first argument that is a vector or range (not a literal).
        let vec_idx = args
            .iter()
            .position(|a| !matches!(a, Expr::NumberLiteral(_) | Expr::StringLiteral(_)));
        let take = |nodes: &mut Vec<Node>| vec_idx.map(|i| nodes.swap_remove(i));
        match f {
            "rate" | "irate" | "increase" => {
                let Some(mut n) = take(&mut nodes) else {
                    return Node::scalar(head);
                };
                if matches!(n.kind, Kind::Gauge | Kind::Info | Kind::Summary) {
                    self.events.push(Event::RateOverNonCounter {
                        func: f.to_string(),
                        span: head.clone(),
                        kind: n.kind,
                        source: n.source.clone(),
                    });
                }
                n.labels.drop_label(NAME, Some(head.clone()));
                let kind = match n.kind {
                    Kind::ClassicHistogram | Kind::NativeHistogram | Kind::Unknown => n.kind,
                    _ => Kind::Gauge,
                };
                Node {
                    labels: n.labels,
                    kind,
                    source: KindSource::Derived,
                    head,
                }
            }
            "absent" | "absent_over_time" => {
                let mut labels = Labels::closed();
                let sel = args.first().and_then(|a| match a {
                    Expr::VectorSelector(vs) => Some(vs),
                    Expr::MatrixSelector(ms) => Some(&ms.vs),
                    _ => None,
                });
                if let Some(vs) = sel {
                    for m in &vs.matchers.matchers {
                        if m.op == MatchOp::Equal && m.name != NAME && !m.value.is_empty() {
                            let mut l =
                                label(Presence::Certain, Origin::Absent, Some(head.clone()));
                            l.fixed = Some(m.value.clone());
                            labels.insert(&m.name, l);
                        }
                    }
                }
                // what absent() cannot output, stated for the template rule
                if let Some(n) = nodes.first() {
                    for k in n.labels.known.keys() {
                        if !labels.known.contains_key(k) {
                            labels.dropped.insert(k.clone(), Some(head.clone()));
                        }
                    }
                }
                Node {
                    labels,
                    kind: Kind::Gauge,
                    source: KindSource::Derived,
                    head,
                }
            }
            "label_replace" => {
                let Some(mut n) = take(&mut nodes) else {
                    return Node::scalar(head);
                };
                let s = |i: usize| match args.get(i) {
                    Some(Expr::StringLiteral(s)) => Some(s.val.clone()),
                    _ => None,
                };
                if let (Some(dst), Some(repl), Some(src), Some(re)) = (s(1), s(2), s(3), s(4)) {
                    let matches_all = matches!(re.as_str(), ".*" | "(.*)" | "^(.*)$" | "^.*$");
                    if repl.is_empty() && matches_all {
                        n.labels.drop_label(&dst, Some(head.clone()));
                    } else if !repl.is_empty() {
                        let mut l = label(
                            if matches_all {
                                Presence::Certain
                            } else {
                                Presence::Possible
                            },
                            Origin::LabelReplace,
                            Some(head.clone()),
                        );
                        if repl.contains('$') && !src.is_empty() {
                            l.derived_from = vec![src.clone()];
                        } else if !repl.contains('$') {
                            l.fixed = Some(repl.clone());
                        }
                        if let Some(prev) = n.labels.known.get(&dst) {
                            if !matches_all {
                                // unchanged where the regex does not match
                                l.derived_from.extend(prev.derived_from.iter().cloned());
                            }
                        }
                        n.labels.insert(&dst, l);
                    }
                }
                n.head = head;
                n
            }
            "label_join" => {
                let Some(mut n) = take(&mut nodes) else {
                    return Node::scalar(head);
                };
                let strs: Vec<String> = args
                    .iter()
                    .skip(1)
                    .filter_map(|a| match a {
                        Expr::StringLiteral(s) => Some(s.val.clone()),
                        _ => None,
                    })
                    .collect();
                if let Some(dst) = strs.first() {
                    let srcs: Vec<String> = strs.iter().skip(2).cloned().collect();
                    let mut l = label(Presence::Certain, Origin::LabelJoin, Some(head.clone()));
                    l.derived_from = srcs;
                    n.labels.insert(dst, l);
                }
                n.head = head;
                n
            }
            "histogram_quantile" => {
                let Some(mut n) = take(&mut nodes) else {
                    return Node::scalar(head);
                };
                match n.kind {
                    // VictoriaMetrics buckets carry `vmrange` instead of `le`
                    Kind::ClassicHistogram
                        if n.labels.cannot_have("le") && n.labels.cannot_have("vmrange") =>
                    {
                        self.events.push(Event::QuantileWithoutLe {
                            span: head.clone(),
                            dropped_at: n.labels.dropped.get("le").cloned().flatten(),
                        })
                    }
                    Kind::Counter | Kind::Gauge | Kind::Info | Kind::Summary => {
                        self.events.push(Event::QuantileNotBuckets {
                            span: head.clone(),
                            kind: n.kind,
                            source: n.source.clone(),
                        })
                    }
                    _ => {}
                }
                n.labels.drop_label("le", Some(head.clone()));
                n.labels.drop_label(NAME, Some(head.clone()));
                Node {
                    labels: n.labels,
                    kind: Kind::Gauge,
                    source: KindSource::Derived,
                    head,
                }
            }
            "vector" => Node {
                labels: Labels::closed(),
                kind: Kind::Gauge,
                source: KindSource::Derived,
                head,
            },
            "scalar" | "time" | "pi" => Node::scalar(head),
            "sort" | "sort_desc" | "sort_by_label" | "sort_by_label_desc" => match take(&mut nodes)
            {
                Some(mut n) => {
                    n.head = head;
                    n
                }
                None => Node::scalar(head),
            },
            "info" => {
                let Some(mut n) = take(&mut nodes) else {
                    return Node::scalar(head);
                };
                n.labels.open.push(OpenSource::Info);
                n.head = head;
                n
            }
            _ => {
                let Some(mut n) = take(&mut nodes) else {
                    // `minute()`, `day_of_week()`, ... of the evaluation time
                    return Node {
                        labels: Labels::closed(),
                        kind: Kind::Gauge,
                        source: KindSource::Derived,
                        head,
                    };
                };
                let keeps_name = matches!(f, "last_over_time" | "first_over_time");
                if !keeps_name {
                    n.labels.drop_label(NAME, Some(head.clone()));
                }
                let kind = match f {
                    "max_over_time" | "min_over_time" | "last_over_time" | "first_over_time"
                    | "avg_over_time" | "quantile_over_time" | "abs" | "ceil" | "floor"
                    | "round" | "clamp" | "clamp_min" | "clamp_max" => (n.kind, n.source.clone()),
                    // over an unknown input (a native histogram?) the result stays unknown
                    _ if n.kind == Kind::Unknown => (Kind::Unknown, KindSource::None),
                    _ => (Kind::Gauge, KindSource::Derived),
                };
                Node {
                    labels: n.labels,
                    kind: kind.0,
                    source: kind.1,
                    head,
                }
            }
        }
    }

    fn binary(&mut self, b: &promql_parser::parser::BinaryExpr, depth: usize) -> Node {
        let lhs = self.eval(&b.lhs, depth + 1);
        let op = b.op.id();
        let op_span = self.locate_op(op);
        let modifier = b.modifier.as_ref();
        let mut on: Vec<(String, Span)> = Vec::new();
        let mut group: Vec<(String, Span)> = Vec::new();
        if let Some(m) = modifier {
            if let Some(LabelModifier::Include(ls)) = &m.matching {
                for l in &ls.labels {
                    let sp = self.locate_on_label(l);
                    on.push((l.clone(), sp));
                }
            }
            if let Some(ls) = m.card.labels() {
                for l in &ls.labels {
                    let sp = self.locate_on_label(l);
                    group.push((l.clone(), sp));
                }
            }
        }
        let rhs = self.eval(&b.rhs, depth + 1);
        let comparison = b.op.is_comparison_operator();
        let set = b.op.is_set_operator();
        let returns_bool = modifier.is_some_and(|m| m.return_bool);
        let arithmetic = !comparison && !set;
        let drop_name = arithmetic || returns_bool;

        if comparison {
            for side in [&lhs, &rhs] {
                if side.kind == Kind::Counter {
                    self.events.push(Event::CounterRaw {
                        how: format!("compared with `{}`", b.op),
                        span: side.head.clone(),
                        source: side.source.clone(),
                    });
                }
            }
        }
        let lhs_scalar = lhs.kind == Kind::Scalar;
        let rhs_scalar = rhs.kind == Kind::Scalar;
        if lhs_scalar && rhs_scalar {
            return Node::scalar(op_span);
        }
        if lhs_scalar || rhs_scalar {
            let (mut v, _) = if lhs_scalar { (rhs, lhs) } else { (lhs, rhs) };
            if drop_name {
                v.labels.drop_label(NAME, Some(op_span.clone()));
            }
            if returns_bool {
                v = v.with_kind(Kind::Gauge);
            }
            return v;
        }
        // vector op vector
        for (l, sp) in &on {
            for (side, n) in [("left", &lhs), ("right", &rhs)] {
                if n.labels.cannot_have(l) {
                    self.events.push(Event::MatchingMissing {
                        label: l.clone(),
                        side,
                        span: sp.clone(),
                    });
                }
            }
        }
        let card = modifier.map(|m| &m.card);
        let (mut many, one, one_side) = match card {
            Some(VectorMatchCardinality::OneToMany(_)) => (rhs, lhs, "left"),
            _ => (lhs, rhs, "right"),
        };
        if set {
            if op == token::T_LOR {
                let kind = if many.kind == one.kind {
                    many.kind
                } else {
                    Kind::Unknown
                };
                let labels = many.labels.union(one.labels);
                return Node {
                    labels,
                    kind,
                    source: KindSource::Derived,
                    head: op_span,
                };
            }
            return many;
        }
        if drop_name {
            many.labels.drop_label(NAME, Some(op_span.clone()));
        }
        match card {
            Some(VectorMatchCardinality::ManyToOne(_) | VectorMatchCardinality::OneToMany(_)) => {
                for (l, sp) in &group {
                    if one.labels.cannot_have(l) {
                        self.events.push(Event::MatchingMissing {
                            label: l.clone(),
                            side: one_side,
                            span: sp.clone(),
                        });
                    }
                    let (presence, derived) = match one.labels.known.get(l) {
                        Some(x) => (x.presence, x.derived_from.clone()),
                        None => (Presence::Possible, Vec::new()),
                    };
                    let mut ol = label(presence, Origin::GroupExtra, Some(sp.clone()));
                    ol.derived_from = derived;
                    many.labels.insert(l, ol);
                }
            }
            _ => match modifier.and_then(|m| m.matching.as_ref()) {
                Some(LabelModifier::Include(ls)) => {
                    many.labels.restrict(&ls.labels, Some(op_span.clone()))
                }
                Some(LabelModifier::Exclude(ls)) => {
                    for l in &ls.labels {
                        many.labels.drop_label(l, Some(op_span.clone()));
                    }
                }
                None => {}
            },
        }
        let kind = if comparison && !returns_bool {
            (many.kind, many.source.clone())
        } else if returns_bool {
            (Kind::Gauge, KindSource::Derived)
        } else {
            match op {
                token::T_SUB if many.kind == Kind::Counter && one.kind == Kind::Counter => {
                    (Kind::Gauge, KindSource::Derived)
                }
                token::T_ADD if many.kind == one.kind => (many.kind, KindSource::Derived),
                _ => (Kind::Unknown, KindSource::Derived),
            }
        };
        Node {
            labels: many.labels,
            kind: kind.0,
            source: kind.1,
            head: if comparison { many.head } else { op_span },
        }
    }
}

/// Target and topology labels: a matcher on them picks which series, not
/// which state.
const IDENTITY_LABELS: &[&str] = &[
    "job",
    "instance",
    "namespace",
    "cluster",
    "pod",
    "container",
    "service",
    "endpoint",
    "node",
    "env",
    "environment",
    "region",
    "zone",
    "prometheus",
    "app",
];

/// Info series (`_info`) and state series (kube-state-metrics style
/// `_status_`, `_state`, `_phase`, `_condition`): their value is constant and
/// their labels say the state.
fn is_state_series(name: &str) -> bool {
    name.ends_with("_info")
        || name.contains("_status")
        || name.ends_with("_state")
        || name.contains("_state_")
        || name.ends_with("_phase")
        || name.contains("_condition")
}

/// What a matcher says of its label in the output of the selector.
fn matcher_label(labels: &mut Labels, m: &Matcher, certain: Presence, span: Span) {
    let mut presence = Presence::Possible;
    let mut fixed = None;
    match m.op {
        MatchOp::Equal if m.value.is_empty() => {
            labels.drop_label(&m.name, Some(span));
            return;
        }
        MatchOp::Equal => {
            presence = certain;
            fixed = Some(m.value.clone());
        }
        MatchOp::NotEqual if m.value.is_empty() => presence = certain,
        MatchOp::Re(_) if m.value == ".+" => presence = certain,
        _ => {}
    }
    if let Some(prev) = labels.known.get(&m.name) {
        if prev.presence == Presence::Certain {
            return;
        }
    }
    labels.insert(
        &m.name,
        OutLabel {
            presence,
            origin: Origin::Selector,
            fixed,
            derived_from: Vec::new(),
            span: Some(span),
        },
    );
}
