//! `rate`/`irate`/`increase` over a series that is not a counter.

use super::rule_query;
use crate::analysis::semantics::{Event, KindSource};
use crate::artifact::query::QueryRef;
use crate::rules::{Ctx, Rule};

crate::declare_rule! {
    pub struct RateOverNonCounter {
        code: "OL902",
        name: "rate-over-non-counter",
        family: Query,
        severity: Warning,
        fix: None,
        summary: "`rate`, `irate` or `increase` over a gauge, info or summary series",
    }
}

pub fn describe_source(s: &KindSource) -> String {
    match s {
        KindSource::Contract(t) => format!("its metrics contract declares `type: {t}`"),
        KindSource::Suffix(x) => format!("its name ends in `{x}`"),
        KindSource::Derived => "computed by the expression inside".into(),
        KindSource::None => "its kind is not known".into(),
    }
}

impl Rule for RateOverNonCounter {
    fn check_query(&self, cx: &mut Ctx<'_>, q: &QueryRef<'_>) {
        let Some(q) = rule_query(cx, q) else { return };
        let file = cx.file;
        let text: &str = &file.text;
        for e in &q.sem.events {
            if let Event::RateOverNonCounter {
                func,
                span,
                kind,
                source,
            } = e
            {
                let sp = q.span(text, span.clone());
                cx.report(
                    &META,
                    sp,
                    format!(
                        "`{func}` over a {} ({}): `{func}` is only meaningful for counters",
                        kind.describe(),
                        describe_source(source)
                    ),
                )
                .label("not a counter")
                .help("for a gauge use `deriv()` (per-second change) or `delta()`, or `avg_over_time`/`max_over_time` for its level");
            }
        }
    }
}
