//! o11ylint: an observability-as-code policy linter and generator.
//!
//! Data flow: walk → read once → classify → parse (spans kept) → rules per
//! file in parallel → repository-wide rules → suppressions → sorted output.

/// Declare a rule's metadata; its page is `rules/<name>.md`.
#[macro_export]
macro_rules! rule_meta {
    ($code:literal, $name:literal, $family:ident, $sev:ident, $summary:literal) => {
        pub static META: $crate::rules::RuleMeta = $crate::rules::RuleMeta {
            code: $code,
            name: $name,
            family: $crate::rules::Family::$family,
            severity: $crate::diag::Severity::$sev,
            summary: $summary,
            doc: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/rules/", $name, ".md")),
        };
    };
}

pub mod analysis;
pub mod artifact;
pub mod cli;
pub mod contracts;
pub mod diag;
pub mod engine;
pub mod fix;
pub mod generate;
pub mod live;
pub mod lsp;
pub mod policy;
pub mod rules;
pub mod schema;
pub mod source;
pub mod syntax;
