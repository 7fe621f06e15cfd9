//! Parsers that keep positions: YAML, PromQL (adapter over `promql-parser`),
//! LogQL (ours), Alloy, durations, Go templates, Grafana variables, and
//! validation of YAML against the JSON Schemas we ship.

pub mod alloy;
pub mod duration;
pub mod foreign_template;
pub mod gotemplate;
pub mod grafana_vars;
pub mod json;
pub mod logql;
pub mod metricsql;
pub mod promql;
pub mod re2;
pub mod schema;
pub mod yaml;
