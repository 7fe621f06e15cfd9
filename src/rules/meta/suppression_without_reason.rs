//! A suppression comment without `-- reason` (emitted by the engine).

use crate::rules::Rule;

crate::rule_meta!(
    "OL002",
    "suppression-without-reason",
    Meta,
    Warning,
    "An inline suppression that does not say why"
);

pub struct SuppressionWithoutReason;

impl Rule for SuppressionWithoutReason {
    fn meta(&self) -> &'static crate::rules::RuleMeta {
        &META
    }
}
