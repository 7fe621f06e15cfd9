//! Go template errors in alert labels and annotations.

use crate::artifact::{Artifact, Scalar};
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
        let texts: Vec<(String, Scalar)> = match artifact {
            Artifact::Rules(rf) => rf
                .alerts()
                .flat_map(|(_, rule)| rule.labels.iter().chain(rule.annotations.iter()))
                .map(|(k, v)| (k.value.clone(), v.clone()))
                .collect(),
            Artifact::Contract(c) => c.alert_templates(),
            _ => return,
        };
        for (key, value) in texts {
            if !value.value.contains("{{") {
                continue;
            }
            for e in gotemplate::check(&value.value).errors {
                let span = value.sub_span(&cx.file.text, e.span.clone());
                cx.report(&META, span, format!("template error in `{key}`: {}", e.message))
                    .label("here")
                    .help("Prometheus expands labels and annotations with Go text/template; the alert fails to render");
            }
        }
    }
}
