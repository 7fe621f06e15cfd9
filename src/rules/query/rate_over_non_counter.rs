//! `rate`/`irate`/`increase` over a series that is not a counter.

use super::query_sem;
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

/// Whether the kind is sure enough to report. A `_created` suffix is not:
/// OpenMetrics names a counter's creation timestamp so, but exporters older
/// than OpenMetrics name counters so too (`mysql_global_status_threads_created`,
/// `varnish_main_threads_created`: threads created, a counter), and on the
/// corpora's dashboards every `rate` over a `_created` series was one of
/// those (docs/precision.md).
fn reliable(source: &KindSource) -> bool {
    !matches!(source, KindSource::Suffix(s) if s == "_created")
}

/// "a gauge", "an info series".
/// `what` with its indefinite article (`a gauge`, `an info series`).
pub(super) fn a(what: &str) -> String {
    let article = if what.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {what}")
}

impl Rule for RateOverNonCounter {
    fn check_query(&self, cx: &mut Ctx<'_>, q: &QueryRef<'_>) {
        let Some(q) = query_sem(cx, q) else { return };
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
                if !reliable(source) {
                    continue;
                }
                let sp = q.span(text, span.clone());
                cx.report(
                    &META,
                    sp,
                    format!(
                        "`{func}` over {} ({}): `{func}` is only meaningful for counters",
                        a(kind.describe()),
                        describe_source(source)
                    ),
                )
                .label("not a counter")
                .help("for a gauge use `deriv()` (per-second change) or `delta()`, or `avg_over_time`/`max_over_time` for its level");
            }
        }
    }
}
