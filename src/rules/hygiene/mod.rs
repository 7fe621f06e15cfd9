//! Rule-file hygiene (OL70x): what users expect of any Prometheus or Loki
//! rule linter.

pub mod alert_without_condition;
pub mod duplicate_rule;
pub mod invalid_duration;
pub mod regex_literal_matcher;
