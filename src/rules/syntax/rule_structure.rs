//! The shape of rule files: what promtool and the Loki ruler refuse to load.

use crate::artifact::Artifact;
use crate::rules::{Ctx, Rule};

crate::rule_meta!(
    "OL104",
    "rule-structure",
    Syntax,
    Error,
    "Rule file shape errors: unknown keys, missing alert/record/expr, wrong types"
);

pub struct RuleStructure;

impl Rule for RuleStructure {
    fn meta(&self) -> &'static crate::rules::RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Ctx<'_>, artifact: &Artifact) {
        let Artifact::Rules(rf) = artifact else {
            return;
        };
        for issue in &rf.structure {
            let d = cx.report(&META, issue.span.clone(), issue.message.clone());
            if let Some(h) = &issue.help {
                d.help(h.clone());
            }
        }
    }
}
