//! A counter compared or aggregated by its raw value.

use super::query_sem;
use super::rate_over_non_counter::describe_source;
use crate::analysis::semantics::{Event, KindSource};
use crate::artifact::query::QueryRef;
use crate::rules::{Ctx, Rule};

crate::declare_rule! {
    pub struct CounterRaw {
        code: "OL903",
        name: "counter-raw",
        family: Query,
        severity: Warning,
        fix: None,
        summary: "A counter compared or aggregated raw, without `rate` or `increase`",
    }
}

/// Whether the counter kind is sure enough to report: declared by a metrics
/// contract. Naming alone is not: on the shared corpus most raw `_total`
/// comparisons were gauges named `_total` (`container_fs_inodes_total`,
/// `minio_cluster_nodes_offline_total`) and most `_count` ones gauges
/// (`pg_locks_count`); see docs/precision.md. (pint's `promql/counter` asks
/// Prometheus' metadata for the same reason.)
fn reliable(source: &KindSource) -> bool {
    matches!(source, KindSource::Contract(_))
}

impl Rule for CounterRaw {
    fn check_query(&self, cx: &mut Ctx<'_>, q: &QueryRef<'_>) {
        let Some(q) = query_sem(cx, q) else { return };
        let file = cx.file;
        let text: &str = &file.text;
        for e in &q.sem.events {
            if let Event::CounterRaw { how, span, source } = e {
                if !reliable(source) {
                    continue;
                }
                let sp = q.span(text, span.clone());
                cx.report(
                    &META,
                    sp,
                    format!(
                        "counter {how} by its raw value ({}): a counter only grows and resets on restart, so its absolute value says nothing",
                        describe_source(source)
                    ),
                )
                .label("raw counter")
                .help("wrap it: `rate(x[5m])` for a per-second rate, `increase(x[1h])` for a count over a window");
            }
        }
    }
}
