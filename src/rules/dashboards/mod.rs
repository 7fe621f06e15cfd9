//! Grafana dashboard rules (OL71x): identity, panels, datasources,
//! variables and query windows, as Grafana and its users expect them.

pub mod dashboard_identity;
pub mod dashboard_variables;
pub mod datasource_language;
pub mod panel_grid;
pub mod panel_id_unique;
pub mod panel_title;
pub mod panel_unit;
pub mod rate_interval;
