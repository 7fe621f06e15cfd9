//! A Loki rule whose expression is a log query: it returns log lines, not
//! samples, so the ruler can neither alert on it nor record it.

use crate::artifact::query::{Lang, Parsed};
use crate::artifact::rule_file::RuleFile;
use crate::rules::{Ctx, Rule};

crate::declare_rule! {
    pub struct LogQueryInRule {
        code: "OL301",
        name: "log-query-in-rule",
        family: Streams,
        severity: Error,
        fix: None,
        summary: "A Loki alert or recording rule whose expression is a log query, not a metric query",
    }
}

impl Rule for LogQueryInRule {
    fn check_rule_file(&self, cx: &mut Ctx<'_>, rf: &RuleFile) {
        if rf.backend != Lang::LogQL {
            return;
        }
        let file = cx.file;
        for (_, rule) in rf.rules() {
            let (Some(expr), Some(name)) = (&rule.expr, rule.name()) else {
                continue;
            };
            let Parsed::Loki(Ok(e)) = &expr.parsed else {
                continue;
            };
            if e.is_metric() {
                continue;
            }
            let span = expr.scalar.sub_span(&file.text, e.span());
            let message = if rule.is_alert() {
                format!(
                    "alert `{}` has a log query as its expression: it returns log lines, not samples, so it can never fire",
                    name.value
                )
            } else {
                format!(
                    "recording rule `{}` has a log query as its expression: it returns log lines, not samples, so there is nothing to record",
                    name.value
                )
            };
            cx.report(&META, span, message)
                .label("log query")
                .help("turn it into a metric query that counts the lines, e.g. `sum by (cluster) (count_over_time(<query> [5m])) > 0`");
        }
    }
}
