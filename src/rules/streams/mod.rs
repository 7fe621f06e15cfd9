//! Log streams: rules on which stream a LogQL selector can read, under the
//! policy's `streams` section (audit/operational separation, break-glass
//! marking, Loki-specific sense, collector routing). The classifier and the
//! Alloy dataflow they share live in [`crate::analysis`].

pub mod absent_without_for;
pub mod dashboards;
pub mod log_query_in_rule;
pub mod logql_range_too_long;
pub mod multiline_field_regex;
pub mod stream_routing_label;
pub mod stream_separation;
