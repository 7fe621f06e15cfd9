//! `for`, `keep_firing_for` and group `interval` and `query_offset` must be
//! Prometheus durations.

use crate::artifact::rule_file::RuleFile;
use crate::artifact::Scalar;
use crate::rules::{Ctx, Rule};
use crate::syntax::duration;

crate::declare_rule! {
    pub struct InvalidDuration {
        code: "OL701",
        name: "invalid-duration",
        family: Hygiene,
        severity: Error,
        fix: None,
        summary: "A `for`, `keep_firing_for`, `interval` or `query_offset` that is not a Prometheus duration",
    }
}

fn check_one(cx: &mut Ctx<'_>, key: &str, s: &Scalar) {
    if let Err(e) = duration::parse(s.value.trim()) {
        cx.report(&META, s.span.clone(), format!("`{key}`: {e}"))
            .label("not a duration")
            .help("durations look like `30s`, `5m`, `1h30m`: an integer and a unit (y, w, d, h, m, s, ms), largest unit first");
    }
}

impl Rule for InvalidDuration {
    fn check_rule_file(&self, cx: &mut Ctx<'_>, rf: &RuleFile) {
        for g in &rf.groups {
            if let Some(i) = &g.interval {
                check_one(cx, "interval", i);
            }
            if let Some(o) = &g.query_offset {
                check_one(cx, "query_offset", o);
            }
            for r in &g.rules {
                if let Some(f) = &r.for_ {
                    check_one(cx, "for", f);
                }
                if let Some(k) = &r.keep_firing_for {
                    check_one(cx, "keep_firing_for", k);
                }
            }
        }
    }
}
