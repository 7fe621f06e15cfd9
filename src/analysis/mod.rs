//! Analyses over artifacts and parsed queries, between the artifact models
//! and `rules/`, computed once and shared by every rule: what a query outputs
//! (labels, value kind: [`semantics`]), which log streams a LogQL selector
//! can read ([`streams`]) how log lines flow through an Alloy pipeline
//! ([`alloy_flow`]), the repository as rules see it ([`repo`]) and the facts each file
//! contributes to the repository-wide checks ([`facts`]).

pub mod alloy_flow;
pub mod facts;
pub mod repo;
pub mod semantics;
pub mod streams;
