//! Semantics of LogQL over our parser's AST (which carries spans).

use super::{
    template_fields, Budget, Catalog, Kind, KindSource, Labels, Lang, OpenSource, Origin, OutLabel,
    Presence, Semantics, Span,
};
use crate::syntax::logql::{
    BinaryExpr, Expr, Grouping, GroupingKind, LabelFormatValue, LabelSpec, MatchOp, ParserKind,
    Selector, Stage,
};

pub fn analyze(expr: &Expr, _catalog: &Catalog) -> Semantics {
    let mut budget = Budget::new();
    let labels = eval(expr, 0, &mut budget);
    if let Some(why) = budget.exceeded {
        return Semantics::unknown(Lang::LogQL, why);
    }
    Semantics {
        lang: Lang::LogQL,
        labels,
        kind: Kind::Unknown,
        kind_source: KindSource::None,
        events: Vec::new(),
        too_complex: None,
    }
}

fn out(presence: Presence, origin: Origin, span: Span) -> OutLabel {
    OutLabel {
        presence,
        origin,
        fixed: None,
        derived_from: Vec::new(),
        span: Some(span),
    }
}

fn parser_name(k: ParserKind) -> &'static str {
    match k {
        ParserKind::Json => "json",
        ParserKind::Logfmt => "logfmt",
        ParserKind::Regexp => "regexp",
        ParserKind::Pattern => "pattern",
        ParserKind::Unpack => "unpack",
    }
}

/// Labels of a stream selector followed by a pipeline.
fn stream(sel: &Selector, pipeline: &[Stage]) -> Labels {
    let mut labels = Labels {
        open: vec![OpenSource::Stream],
        ..Labels::default()
    };
    for m in &sel.matchers {
        let (presence, fixed) = match m.op {
            MatchOp::Eq if m.value.is_empty() => {
                labels.drop_label(&m.name.name, Some(m.span.clone()));
                continue;
            }
            MatchOp::Eq => (Presence::Certain, Some(m.value.clone())),
            MatchOp::Re if m.value == ".+" => (Presence::Certain, None),
            MatchOp::Neq if m.value.is_empty() => (Presence::Certain, None),
            _ => (Presence::Possible, None),
        };
        let mut l = out(presence, Origin::Selector, m.name.span.clone());
        l.fixed = fixed;
        labels.insert(&m.name.name, l);
    }
    for stage in pipeline {
        match stage {
            Stage::Parser(p) => {
                let name = parser_name(p.kind);
                let origin = Origin::Parser(name);
                let named: Vec<_> = p
                    .params
                    .iter()
                    .map(|x| &x.name)
                    .chain(p.captures.iter())
                    .collect();
                let unbounded = matches!(
                    p.kind,
                    ParserKind::Json | ParserKind::Logfmt | ParserKind::Unpack
                ) && p.params.is_empty();
                if unbounded {
                    labels.open.push(OpenSource::Parser {
                        stage: name,
                        span: p.span.clone(),
                    });
                }
                for n in named {
                    labels.insert(
                        &n.name,
                        out(Presence::Possible, origin.clone(), n.span.clone()),
                    );
                }
            }
            Stage::LabelFormat { items, .. } => {
                for item in items {
                    let mut l = out(
                        Presence::Certain,
                        Origin::LabelFormat,
                        item.target.span.clone(),
                    );
                    match &item.value {
                        LabelFormatValue::Rename(src) => {
                            l.derived_from = vec![src.name.clone()];
                            if let Some(prev) = labels.known.get(&src.name) {
                                l.presence = prev.presence;
                                l.derived_from.extend(prev.derived_from.iter().cloned());
                            } else {
                                l.presence = Presence::Possible;
                            }
                            labels.drop_label(&src.name, Some(item.span.clone()));
                        }
                        LabelFormatValue::Template(t) => {
                            for f in template_fields(&t.value) {
                                if let Some(prev) = labels.known.get(&f) {
                                    l.derived_from.extend(prev.derived_from.iter().cloned());
                                }
                                l.derived_from.push(f);
                            }
                            if !t.value.contains("{{") {
                                l.fixed = Some(t.value.clone());
                            }
                        }
                    }
                    l.derived_from.sort();
                    l.derived_from.dedup();
                    labels.insert(&item.target.name, l);
                }
            }
            Stage::Drop {
                labels: specs,
                span,
            } => {
                for s in specs {
                    // `drop x="v"` removes the label only where it has that value
                    if let LabelSpec::Name(n) = s {
                        labels.drop_label(&n.name, Some(span.clone()));
                    }
                }
            }
            Stage::Keep {
                labels: specs,
                span,
            } => {
                let names: Vec<String> = specs.iter().map(|s| s.name().name.clone()).collect();
                labels.restrict(&names, Some(span.clone()));
            }
            Stage::Unwrap(u) => {
                labels.drop_label(&u.label.name, Some(u.span.clone()));
            }
            Stage::LineFilter(_)
            | Stage::LabelFilter { .. }
            | Stage::LineFormat { .. }
            | Stage::Decolorize { .. } => {}
        }
    }
    labels
}

fn grouping(labels: &mut Labels, g: Option<&Grouping>, fallback: Span) {
    match g {
        None => labels.restrict(&[], Some(fallback)),
        Some(g) => {
            let names: Vec<String> = g.labels.iter().map(|i| i.name.clone()).collect();
            match g.kind {
                GroupingKind::Without => {
                    for n in &names {
                        labels.drop_label(n, Some(g.span.clone()));
                    }
                }
                _ => labels.restrict(&names, Some(g.span.clone())),
            }
        }
    }
}

fn eval(e: &Expr, depth: usize, budget: &mut Budget) -> Labels {
    if !budget.enter(depth) {
        return Labels {
            open: vec![OpenSource::Stream],
            ..Labels::default()
        };
    }
    match e {
        Expr::Log(l) => stream(&l.selector, &l.pipeline),
        Expr::RangeAggregation(r) => {
            let mut labels = stream(&r.range.selector, &r.range.pipeline);
            if r.grouping.is_some() {
                grouping(&mut labels, r.grouping.as_ref(), r.span.clone());
            }
            labels
        }
        Expr::VectorAggregation(v) => {
            let mut labels = eval(&v.inner, depth + 1, budget);
            let f = v.func.name.as_str();
            if !matches!(f, "topk" | "bottomk" | "approx_topk" | "sort" | "sort_desc") {
                grouping(&mut labels, v.grouping.as_ref(), v.func.span.clone());
            }
            labels
        }
        Expr::Binary(b) => binary(b, depth, budget),
        Expr::Number(_) | Expr::Vector { .. } => Labels::closed(),
        Expr::LabelReplace(l) => {
            let mut labels = eval(&l.inner, depth + 1, budget);
            let dst = &l.dst.value;
            let repl = &l.replacement.value;
            let re = l.regex.value.as_str();
            let matches_all = matches!(re, ".*" | "(.*)" | "^(.*)$" | "^.*$");
            if repl.is_empty() && matches_all {
                labels.drop_label(dst, Some(l.dst.span.clone()));
            } else if !repl.is_empty() {
                let mut ol = out(
                    if matches_all {
                        Presence::Certain
                    } else {
                        Presence::Possible
                    },
                    Origin::LabelReplace,
                    l.dst.span.clone(),
                );
                if repl.contains('$') && !l.src_label.value.is_empty() {
                    ol.derived_from = vec![l.src_label.value.clone()];
                } else if !repl.contains('$') {
                    ol.fixed = Some(repl.clone());
                }
                labels.insert(dst, ol);
            }
            labels
        }
        Expr::Paren { inner, .. } => eval(inner, depth + 1, budget),
    }
}

fn binary(b: &BinaryExpr, depth: usize, budget: &mut Budget) -> Labels {
    let lhs = eval(&b.lhs, depth + 1, budget);
    let rhs = eval(&b.rhs, depth + 1, budget);
    let scalar = |e: &Expr| matches!(e.unparen(), Expr::Number(_));
    match (scalar(&b.lhs), scalar(&b.rhs)) {
        (true, true) => return Labels::closed(),
        (true, false) => return rhs,
        (false, true) => return lhs,
        _ => {}
    }
    if b.op.is_set() {
        return if b.op.as_str() == "or" {
            lhs.union(rhs)
        } else {
            lhs
        };
    }
    let (mut many, one) = match &b.group {
        Some(g) if g.kind == GroupingKind::GroupRight => (rhs, lhs),
        _ => (lhs, rhs),
    };
    match &b.group {
        Some(g) => {
            for l in &g.labels {
                let presence = one
                    .known
                    .get(&l.name)
                    .map_or(Presence::Possible, |x| x.presence);
                many.insert(&l.name, out(presence, Origin::GroupExtra, l.span.clone()));
            }
        }
        None => {
            if let Some(m) = &b.matching {
                let names: Vec<String> = m.labels.iter().map(|i| i.name.clone()).collect();
                match m.kind {
                    GroupingKind::On => many.restrict(&names, Some(m.span.clone())),
                    _ => {
                        for n in &names {
                            many.drop_label(n, Some(m.span.clone()));
                        }
                    }
                }
            }
        }
    }
    many
}
