//! A suppression comment without `-- reason` (emitted by the engine).

crate::declare_rule! {
    pub struct SuppressionWithoutReason {
        code: "OL002",
        name: "suppression-without-reason",
        family: Meta,
        severity: Warning,
        fix: None,
        summary: "An inline suppression that does not say why",
        emitted_by: Engine,
    }
}
