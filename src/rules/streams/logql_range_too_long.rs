//! A LogQL range window longer than the policy's `loki.max_range`.

use crate::artifact::query::{Lang, Parsed};
use crate::artifact::rule_file::RuleFile;
use crate::rules::{Ctx, Rule};

crate::declare_rule! {
    pub struct LogqlRangeTooLong {
        code: "OL303",
        name: "logql-range-too-long",
        family: Streams,
        severity: Warning,
        fix: None,
        summary: "A LogQL range window longer than the policy's `loki.max_range`",
    }
}

impl Rule for LogqlRangeTooLong {
    fn check_rule_file(&self, cx: &mut Ctx<'_>, rf: &RuleFile) {
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
