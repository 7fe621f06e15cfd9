//! `histogram_quantile` over buckets without `le`, or over series that are
//! not buckets.

use super::query_sem;
use super::rate_over_non_counter::describe_source;
use crate::analysis::semantics::Event;
use crate::artifact::query::QueryRef;
use crate::rules::{Ctx, Rule};

crate::declare_rule! {
    pub struct HistogramQuantileBuckets {
        code: "OL904",
        name: "histogram-quantile-buckets",
        family: Query,
        severity: Error,
        fix: None,
        summary: "`histogram_quantile` over buckets whose `le` was aggregated away, or over non-bucket series",
    }
}

impl Rule for HistogramQuantileBuckets {
    fn check_query(&self, cx: &mut Ctx<'_>, q: &QueryRef<'_>) {
        let Some(q) = query_sem(cx, q) else { return };
        let file = cx.file;
        for e in &q.sem.events {
            match e {
                Event::QuantileWithoutLe { span, dropped_at } => {
                    let sp = q.span(&file.text, span.clone());
                    let d = cx.report(
                        &META,
                        sp,
                        "`histogram_quantile` over buckets whose `le` label was aggregated away: the result is always empty",
                    );
                    d.label("no `le`");
                    if let Some(at) = dropped_at {
                        let at = q.span(&file.text, at.clone());
                        d.related(file, at, "`le` is removed here");
                    }
                    d.help("keep `le` in the aggregation: `sum by (le, ...) (rate(x_bucket[5m]))`");
                }
                Event::QuantileNotBuckets { span, kind, source } => {
                    let sp = q.span(&file.text, span.clone());
                    cx.report(
                        &META,
                        sp,
                        format!(
                            "`histogram_quantile` over {} ({}), not histogram buckets",
                            super::rate_over_non_counter::a(kind.describe()),
                            match source {
                                crate::analysis::semantics::KindSource::Derived =>
                                    "computed from series that are not `_bucket` series".to_string(),
                                s => describe_source(s),
                            }
                        ),
                    )
                    .label("not buckets")
                    .help("pass the `_bucket` series (classic histogram, with `le`) or a native histogram");
                }
                _ => {}
            }
        }
    }
}
