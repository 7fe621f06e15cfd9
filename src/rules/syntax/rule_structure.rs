//! The shape of rule files: what promtool and the Loki ruler refuse to load.

use crate::artifact::rule_file::RuleFile;
use crate::rules::{Ctx, Rule};

crate::declare_rule! {
    pub struct RuleStructure {
        code: "OL104",
        name: "rule-structure",
        family: Syntax,
        severity: Error,
        fix: None,
        summary: "Rule file shape errors: unknown keys, missing alert/record/expr, wrong types",
    }
}

impl Rule for RuleStructure {
    fn check_rule_file(&self, cx: &mut Ctx<'_>, rf: &RuleFile) {
        for issue in &rf.structure {
            let d = cx.report(&META, issue.span.clone(), issue.message.clone());
            if let Some(h) = &issue.help {
                d.help(h.clone());
            }
        }
    }
}
