//! A bug in o11ylint caught while linting one file (emitted by the engine).

use crate::rules::Rule;

crate::rule_meta!(
    "OL004",
    "internal-error",
    Meta,
    Error,
    "o11ylint itself failed on a file; the other files are still linted"
);

pub struct InternalError;

impl Rule for InternalError {
    fn meta(&self) -> &'static crate::rules::RuleMeta {
        &META
    }
}
