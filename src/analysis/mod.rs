//! Analyses over parsed queries, between `syntax/` (and the artifact models)
//! and `rules/`: what a query outputs (labels, value kind), computed once per
//! distinct expression and shared by every rule.

pub mod semantics;
