//! Suppressions, all in one place: inline comments in YAML and Alloy
//! ([`inline`]), scoped suppressions for files that cannot hold comments such
//! as dashboard JSON ([`scoped`]), and matching them against findings.

pub mod inline;
pub mod report;
pub mod scoped;
