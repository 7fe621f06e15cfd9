//! Parsers that keep positions: YAML, PromQL (adapter over `promql-parser`),
//! LogQL (ours), durations, Go templates.

pub mod duration;
pub mod gotemplate;
pub mod logql;
pub mod promql;
pub mod yaml;
