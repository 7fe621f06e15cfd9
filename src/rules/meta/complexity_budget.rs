//! An input over one of o11ylint's documented budgets (depth, size, count):
//! it is not analysed, or only in part, and says so instead of staying
//! silent. The budgets are listed in docs/robustness.md.

crate::declare_rule! {
    pub struct ComplexityBudget {
        code: "OL005",
        name: "complexity-budget",
        family: Meta,
        severity: Error,
        fix: None,
        summary: "An expression or file over one of o11ylint's budgets: not analysed, never silently",
        emitted_by: Engine,
    }
}
