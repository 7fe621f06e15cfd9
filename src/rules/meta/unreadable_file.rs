//! A file that cannot be read as text (emitted by the engine).

use crate::rules::Rule;

crate::rule_meta!(
    "OL003",
    "unreadable-file",
    Meta,
    Error,
    "A file that cannot be read: I/O error, not UTF-8, too large, not a regular file"
);

pub struct UnreadableFile;

impl Rule for UnreadableFile {
    fn meta(&self) -> &'static crate::rules::RuleMeta {
        &META
    }
}
