//! What users expect of any rule linter.

pub mod alert_without_condition;
pub mod dashboard_identity;
pub mod dashboard_variables;
pub mod datasource_language;
pub mod duplicate_rule;
pub mod invalid_duration;
pub mod panel_grid;
pub mod panel_id_unique;
pub mod panel_title;
pub mod panel_unit;
pub mod rate_interval;
pub mod regex_literal_matcher;
