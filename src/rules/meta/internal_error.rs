//! A bug in o11ylint caught while linting one file (emitted by the engine).

crate::declare_rule! {
    pub struct InternalError {
        code: "OL004",
        name: "internal-error",
        family: Meta,
        severity: Error,
        fix: None,
        summary: "o11ylint itself failed on a file; the other files are still linted",
        emitted_by: Engine,
    }
}
