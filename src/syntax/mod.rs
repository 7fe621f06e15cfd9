//! Parsers that keep positions: YAML, PromQL (adapter over `promql-parser`),
//! LogQL (ours), durations, Go templates.

pub mod alloy;
pub mod duration;
pub mod gotemplate;
pub mod grafana_vars;
pub mod json;
pub mod logql;
pub mod promql;
pub mod yaml;
