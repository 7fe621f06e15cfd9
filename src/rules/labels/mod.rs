//! Label policy: forbidden high-cardinality labels.

pub mod forbidden_label;
