//! A suppression comment that matched nothing (emitted by the engine).

crate::declare_rule! {
    pub struct UnusedSuppression {
        code: "OL001",
        name: "unused-suppression",
        family: Meta,
        severity: Warning,
        fix: None,
        summary: "An inline suppression that matched no diagnostic or names an unknown rule",
        emitted_by: Engine,
    }
}
