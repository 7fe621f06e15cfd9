//! Datasource resolution: a target's or panel's datasource reference (plugin
//! type, uid through the policy's `dashboards.datasources`, a datasource
//! variable, or an exported dashboard's `__inputs`) to a query language.

use crate::source::Span;
use crate::syntax::grafana_vars::{self};
use crate::syntax::json::{Kind, Node};

use super::load::Builder;
use super::*;

impl Builder<'_> {
    pub(super) fn default_datasource(&self, why: &Datasource) -> Datasource {
        match &self.default_ds {
            Some(p) => Datasource {
                kind: DsKind::Plugin(p.clone()),
                how: format!("the default datasource (`{p}` per the policy's `dashboards.default_datasource`)"),
                span: why.span.clone(),
            },
            None => Datasource::unknown("the default datasource (type unknown)", why.span.clone()),
        }
    }

    /// Resolve a datasource reference (string or `{type, uid}` object).
    pub(super) fn resolve_ds(&self, n: &Node) -> Datasource {
        let span = Some(n.span.clone());
        let special = |s: &str| -> Option<DsKind> {
            match s {
                "-- Mixed --" => Some(DsKind::Mixed),
                "-- Grafana --" | "grafana" => Some(DsKind::Grafana),
                "-- Dashboard --" => Some(DsKind::DashboardDs),
                _ => None,
            }
        };
        match &n.kind {
            Kind::Null => self.default_datasource(&Datasource::unknown("", span)),
            Kind::Str(s) => {
                if let Some(k) = special(s) {
                    return Datasource {
                        kind: k,
                        how: format!("`{s}`"),
                        span,
                    };
                }
                if s == "default" || s.is_empty() {
                    return self.default_datasource(&Datasource::unknown("", span));
                }
                self.resolve_uid(s, span)
            }
            Kind::Object(_) => {
                let ty = n.get_str("type").unwrap_or("");
                let uid = n.get_str("uid").unwrap_or("");
                if let Some(k) = special(uid) {
                    return Datasource {
                        kind: k,
                        how: format!("`{uid}`"),
                        span,
                    };
                }
                if ty == "datasource" {
                    return Datasource::unknown(format!("special datasource `{uid}`"), span);
                }
                if ty == "grafana" {
                    return Datasource {
                        kind: DsKind::Grafana,
                        how: "`-- Grafana --`".into(),
                        span,
                    };
                }
                if !ty.is_empty() && !ty.contains('$') {
                    return Datasource {
                        kind: DsKind::Plugin(ty.to_string()),
                        how: format!("datasource type `{ty}`"),
                        span,
                    };
                }
                if !uid.is_empty() {
                    return self.resolve_uid(uid, span);
                }
                if let Some(name) = n.get_str("name") {
                    return self.resolve_uid(name, span);
                }
                self.default_datasource(&Datasource::unknown("", span))
            }
            _ => Datasource::unknown("an unrecognised datasource reference", span),
        }
    }

    /// A datasource named by uid or name, or through a variable.
    pub(super) fn resolve_uid(&self, s: &str, span: Option<Span>) -> Datasource {
        let refs = grafana_vars::scan(s);
        if let Some(r) = refs.first() {
            if let Some(plugin) = self.inputs.get(&r.name).filter(|p| !p.is_empty()) {
                return Datasource {
                    kind: DsKind::Plugin(plugin.clone()),
                    how: format!("`{s}`, an imported `{plugin}` datasource"),
                    span,
                };
            }
            if let Some(v) = self.vars.map.get(&r.name) {
                if v.kind == "datasource" {
                    if let Some(p) = v.plugin.as_ref().filter(|p| !p.is_empty()) {
                        return Datasource {
                            kind: DsKind::Plugin(p.clone()),
                            how: format!("`{s}`, a `{p}` datasource variable"),
                            span,
                        };
                    }
                }
                // A variable holding a datasource uid: try its value.
                if let Some(cur) = v.values.first() {
                    if let Some(p) = self.policy.dashboards.datasources.get(cur) {
                        return Datasource {
                            kind: DsKind::Plugin(p.clone()),
                            how: format!("`{s}` = `{cur}`, mapped to `{p}` by the policy"),
                            span,
                        };
                    }
                }
                return Datasource::unknown(
                    format!("`{s}`, a variable that names no datasource type"),
                    span,
                );
            }
            return Datasource::unknown(format!("`{s}`, an undefined variable"), span);
        }
        if let Some(p) = self.policy.dashboards.datasources.get(s) {
            return Datasource {
                kind: DsKind::Plugin(p.clone()),
                how: format!("`{s}`, mapped to `{p}` by the policy's `dashboards.datasources`"),
                span,
            };
        }
        Datasource::unknown(
            format!("datasource `{s}` (unknown type; map it in `dashboards.datasources`)"),
            span,
        )
    }
}
