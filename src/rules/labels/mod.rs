//! Label policy: forbidden high-cardinality labels.

pub mod alloy_labels;
pub mod contract_labels;
pub mod forbidden_label;
