//! Parse errors and shape errors, each at its exact position.

pub mod alloy_syntax;
pub mod alloy_unknown_component;
pub mod json_syntax;
pub mod logql_syntax;
pub mod promql_syntax;
pub mod rule_structure;
pub mod template_syntax;
pub mod yaml_syntax;
