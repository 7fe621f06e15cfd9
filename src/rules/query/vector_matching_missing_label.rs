//! Vector matching on a label one side cannot have.

use super::query_sem;
use crate::analysis::semantics::Event;
use crate::artifact::query::QueryRef;
use crate::rules::{Ctx, Rule};

crate::declare_rule! {
    pub struct VectorMatchingMissingLabel {
        code: "OL905",
        name: "vector-matching-missing-label",
        family: Query,
        severity: Warning,
        fix: None,
        summary: "`on(x)` or `group_left(x)` where one side of the operation cannot have label x",
    }
}

impl Rule for VectorMatchingMissingLabel {
    fn check_query(&self, cx: &mut Ctx<'_>, q: &QueryRef<'_>) {
        let Some(q) = query_sem(cx, q) else { return };
        let file = cx.file;
        let text: &str = &file.text;
        for e in &q.sem.events {
            if let Event::MatchingMissing { label, side, span } = e {
                let sp = q.span(text, span.clone());
                cx.report(
                    &META,
                    sp,
                    format!(
                        "matching on `{label}`, which the {side}-hand side never has: the operation matches nothing (or copies an empty label)"
                    ),
                )
                .label(format!("not on the {side}"))
                .help(format!("keep `{label}` on both sides (`by (..., {label})`), or match on labels both sides keep"));
            }
        }
    }
}
