//! A suppression comment that matched nothing (emitted by the engine).

use crate::rules::Rule;

crate::rule_meta!(
    "OL001",
    "unused-suppression",
    Meta,
    Warning,
    "An inline suppression that matched no diagnostic or names an unknown rule"
);

pub struct UnusedSuppression;

impl Rule for UnusedSuppression {
    fn meta(&self) -> &'static crate::rules::RuleMeta {
        &META
    }
}
