//! An expression too deep or too large to analyse.

use super::query_sem;
use crate::artifact::query::QueryRef;
use crate::rules::{Ctx, Rule};

crate::declare_rule! {
    pub struct QueryTooComplex {
        code: "OL906",
        name: "query-too-complex",
        family: Query,
        severity: Warning,
        fix: None,
        summary: "An expression too deep or too large for the query analysis; its semantic checks are skipped",
    }
}

impl Rule for QueryTooComplex {
    fn check_query(&self, cx: &mut Ctx<'_>, q: &QueryRef<'_>) {
        let Some(q) = query_sem(cx, q) else { return };
        if let Some(why) = &q.sem.too_complex {
            cx.report(
                &META,
                q.query.whole_span(&cx.file.text),
                format!("{why}; the label and kind checks skip it"),
            )
            .label("not analysed")
            .help("split the expression with recording rules");
        }
    }
}
