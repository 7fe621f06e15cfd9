//! Go template errors in alert labels and annotations.

use crate::artifact::Artifact;
use crate::rules::{Ctx, Rule};
use crate::syntax::gotemplate;

crate::rule_meta!(
    "OL103",
    "template-syntax",
    Syntax,
    Error,
    "Go template errors in alert labels and annotations"
);

pub struct TemplateSyntax;

impl Rule for TemplateSyntax {
    fn meta(&self) -> &'static crate::rules::RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Ctx<'_>, artifact: &Artifact) {
        let Artifact::Rules(rf) = artifact else {
            return;
        };
        for (_, rule) in rf.rules() {
            if !rule.is_alert() {
                continue;
            }
            for (key, value) in rule.labels.iter().chain(rule.annotations.iter()) {
                if !value.value.contains("{{") {
                    continue;
                }
                let check = gotemplate::check(&value.value);
                for e in check.errors {
                    let span = value.sub_span(&cx.file.text, e.span.clone());
                    cx.report(&META, span, format!("template error in `{}`: {}", key.value, e.message))
                        .label("here")
                        .help("Prometheus expands labels and annotations with Go text/template; the alert fails to render");
                }
            }
        }
    }
}
