//! A template reads a label the alert's query never outputs.

use super::{rule_query, static_label};
use crate::artifact::query::QueryRef;
use crate::rules::{Ctx, Rule};
use crate::syntax::gotemplate;

crate::declare_rule! {
    pub struct TemplateLabelMissing {
        code: "OL900",
        name: "template-label-missing",
        family: Query,
        severity: Warning,
        fix: None,
        summary: "A template reads `$labels.X` but the alert's query never outputs label X",
    }
}

impl Rule for TemplateLabelMissing {
    fn check_query(&self, cx: &mut Ctx<'_>, q: &QueryRef<'_>) {
        let Some(q) = rule_query(cx, q) else { return };
        let file = cx.file;
        if !q.rule.is_alert() || q.sem.too_complex.is_some() {
            return;
        }
        for (key, value) in q.rule.labels.iter().chain(q.rule.annotations.iter()) {
            if !value.value.contains("{{") {
                continue;
            }
            for (name, span) in gotemplate::check(&value.value).label_refs {
                if !q.sem.labels.cannot_have(&name) || static_label(&q, &name) {
                    continue;
                }
                let sp = value.sub_span(&file.text, span);
                let dropped = q.sem.labels.dropped.get(&name).cloned().flatten();
                let kept: Vec<&str> = q
                    .sem
                    .labels
                    .known
                    .keys()
                    .map(String::as_str)
                    .filter(|k| *k != "__name__")
                    .collect();
                let d = cx.report(
                    &META,
                    sp,
                    format!(
                        "`{}` reads label `{name}`, which the alert's query never outputs: it renders empty",
                        key.value
                    ),
                );
                d.label("not in the query's output");
                if let Some(ds) = dropped {
                    let at = q.span(&file.text, ds);
                    d.related(file, at, format!("`{name}` is removed here"));
                }
                d.help(if kept.is_empty() {
                    "the query outputs no labels; keep the label in the query (`by (...)`) or remove the reference".to_string()
                } else {
                    format!(
                        "the query outputs only {}; keep `{name}` in the query (`by (..., {name})`) or use one of those",
                        kept.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
                    )
                });
            }
        }
    }
}
