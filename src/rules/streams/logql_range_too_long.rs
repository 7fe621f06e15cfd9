//! A LogQL range window longer than the policy's `loki.max_range`.

use crate::artifact::query::{Lang, Parsed};
use crate::artifact::Artifact;
use crate::rules::{Ctx, Rule, RuleMeta};

crate::rule_meta!(
    "OL303",
    "logql-range-too-long",
    Streams,
    Warning,
    "A LogQL range window longer than the policy's `loki.max_range`"
);

pub struct LogqlRangeTooLong;

impl Rule for LogqlRangeTooLong {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Ctx<'_>, artifact: &Artifact) {
        let Artifact::Rules(rf) = artifact else {
            return;
        };
        if rf.backend != Lang::LogQL {
            return;
        }
        let Some(max) = cx.policy.max_loki_range() else {
            return;
        };
        let file = cx.file;
        let policy = cx.policy;
        let max_text = policy.loki.max_range.as_str();
        for (_, rule) in rf.rules() {
            let Some(expr) = &rule.expr else { continue };
            let Parsed::Loki(Ok(e)) = &expr.parsed else {
                continue;
            };
            for (window, span) in e.range_windows() {
                if window <= max {
                    continue;
                }
                let written = expr.scalar.value.get(span.clone()).unwrap_or("").trim();
                let at = expr.scalar.sub_span(&file.text, span);
                cx.report(
                    &META,
                    at,
                    format!(
                        "range window `[{written}]` is longer than the policy's maximum of {max_text}"
                    ),
                )
                .label(format!("longer than {max_text}"))
                .help(format!(
                    "use a window of at most {max_text}; for a longer period, record the short window with a recording rule and aggregate the recorded series over time"
                ));
            }
        }
    }
}
