//! A Loki alert on `absent_over_time` without a `for`: one evaluation that
//! sees no line (an ingestion delay, a collector restart) fires it.

use crate::artifact::rule_file::RuleFile;
use std::time::Duration;

use crate::artifact::query::{Lang, Parsed};
use crate::rules::{Ctx, Rule};
use crate::syntax::duration;

crate::declare_rule! {
    pub struct AbsentWithoutFor {
        code: "OL302",
        name: "absent-without-for",
        family: Streams,
        severity: Warning,
        fix: None,
        summary: "A Loki alert on `absent_over_time` without a `for` duration",
    }
}

impl Rule for AbsentWithoutFor {
    fn check_rule_file(&self, cx: &mut Ctx<'_>, rf: &RuleFile) {
        if rf.backend != Lang::LogQL {
            return;
        }
        let file = cx.file;
        for (_, rule) in rf.alerts() {
            let (Some(expr), Some(name)) = (&rule.expr, rule.alert.as_ref()) else {
                continue;
            };
            let Parsed::Loki(Ok(e)) = &expr.parsed else {
                continue;
            };
            let Some(func) = e
                .functions()
                .into_iter()
                .find(|f| f.name.eq_ignore_ascii_case("absent_over_time"))
            else {
                continue;
            };
            // an unparsable `for` is invalid-duration's finding, not this one
            let zero_for = match &rule.for_ {
                None => true,
                Some(f) => duration::parse(f.value.trim()).is_ok_and(|d| d == Duration::ZERO),
            };
            if !zero_for {
                continue;
            }
            let window = e
                .range_windows()
                .first()
                .and_then(|(_, s)| expr.scalar.value.get(s.clone()))
                .unwrap_or("5m")
                .to_string();
            let span = expr.scalar.sub_span(&file.text, func.span.clone());
            let what = if rule.for_.is_some() {
                "`for: 0`"
            } else {
                "no `for`"
            };
            cx.report(
                &META,
                span,
                format!(
                    "alert `{}` uses `absent_over_time` with {what}: a single evaluation without lines (an ingestion delay, a collector restart) fires it",
                    name.value
                ),
            )
            .label(what)
            .help(format!(
                "add a `for` at least as long as the range window, e.g. `for: {window}`, so the absence must last before it pages"
            ));
        }
    }
}
