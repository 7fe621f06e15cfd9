//! Go template errors in alert labels and annotations.

use crate::artifact::contract::ContractArtifact;
use crate::artifact::rule_file::RuleFile;
use crate::artifact::Scalar;
use crate::rules::{Ctx, Rule};
use crate::syntax::gotemplate;

crate::declare_rule! {
    pub struct TemplateSyntax {
        code: "OL103",
        name: "template-syntax",
        family: Syntax,
        severity: Error,
        fix: None,
        summary: "Go template errors in alert labels and annotations",
    }
}

impl Rule for TemplateSyntax {
    fn check_rule_file(&self, cx: &mut Ctx<'_>, rf: &RuleFile) {
        let texts = rf
            .alerts()
            .flat_map(|(_, rule)| rule.labels.iter().chain(rule.annotations.iter()))
            .map(|(k, v)| (k.value.clone(), v.clone()))
            .collect();
        check_texts(cx, texts);
    }

    fn check_contract(&self, cx: &mut Ctx<'_>, c: &ContractArtifact) {
        check_texts(cx, c.alert_templates());
    }
}

/// Go templates in alert labels and annotations: `(key, value)` pairs.
fn check_texts(cx: &mut Ctx<'_>, texts: Vec<(String, Scalar)>) {
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
