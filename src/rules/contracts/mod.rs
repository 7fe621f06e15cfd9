//! Contracts: shape, ids, stream and dashboard sanity, and drift between
//! contracts and generated artifacts.

pub mod contract_schema;
pub mod dashboard_contract;
pub mod duplicate_contract_id;
pub mod generated_drift;
pub mod stream_contract;
pub mod unknown_metric;
