//! An input over one of o11ylint's documented budgets (depth, size, count):
//! it is not analysed, or only in part, and says so instead of staying
//! silent. The budgets are listed in docs/robustness.md.

use crate::rules::Rule;

crate::rule_meta!(
    "OL005",
    "complexity-budget",
    Meta,
    Error,
    "An expression or file over one of o11ylint's budgets: not analysed, never silently"
);

pub struct ComplexityBudget;

impl Rule for ComplexityBudget {
    fn meta(&self) -> &'static crate::rules::RuleMeta {
        &META
    }
}
