//! A file that cannot be read as text (emitted by the engine).

crate::declare_rule! {
    pub struct UnreadableFile {
        code: "OL003",
        name: "unreadable-file",
        family: Meta,
        severity: Error,
        fix: None,
        summary: "A file that cannot be read: I/O error, not UTF-8, too large, not a regular file",
        emitted_by: Engine,
    }
}
