//! A Loki alert on `absent_over_time` without a `for`: one evaluation that
//! sees no line (an ingestion delay, a collector restart) fires it.

use std::time::Duration;

use crate::artifact::query::{Lang, Parsed};
use crate::artifact::Artifact;
use crate::rules::{Ctx, Rule, RuleMeta};
use crate::syntax::duration;

crate::rule_meta!(
    "OL302",
    "absent-without-for",
    Streams,
    Warning,
    "A Loki alert on `absent_over_time` without a `for` duration"
);

pub struct AbsentWithoutFor;

impl Rule for AbsentWithoutFor {
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
