//! Grafana dashboard JSON from dashboard contracts.
//!
//! Datasources are referenced by uid through two datasource variables,
//! `metrics` (Prometheus, default uid `prometheus`) and `logs` (Loki, default
//! uid `loki-operational`, or `loki-audit` for restricted dashboards): the
//! uids the compose example provisions.

use serde_json::{json, Map, Value};

use crate::contracts::{Contracts, DashboardContract, Panel, Variable};

pub const SCHEMA_VERSION: u32 = 39;
pub const METRICS_UID: &str = "prometheus";
pub const LOGS_UID: &str = "loki-operational";
pub const AUDIT_LOGS_UID: &str = "loki-audit";

fn ds_ref(role: &str) -> Value {
    match role {
        "logs" => json!({"type": "loki", "uid": "${logs}"}),
        _ => json!({"type": "prometheus", "uid": "${metrics}"}),
    }
}

/// A datasource variable; `regex` filters the datasources offered by name.
fn ds_variable(name: &str, label: &str, plugin: &str, uid: &str, regex: &str) -> Value {
    json!({
        "name": name,
        "label": label,
        "type": "datasource",
        "query": plugin,
        "current": {"text": uid, "value": uid},
        "hide": 0,
        "refresh": 1,
        "regex": regex,
        "options": [],
    })
}

/// Unrestricted dashboards must not be pointed at a restricted (audit) Loki
/// datasource: offer only datasources whose name does not mention audit.
pub const UNRESTRICTED_LOGS_REGEX: &str = "/^(?!.*[Aa]udit).*$/";

/// The variable query object Grafana's Loki data source reads: it takes only
/// `type`, `label` and `stream` from an object (`processMetricFindQuery`), so
/// `label_values(<selector>, <label>)` becomes
/// `{"type": 1, "label": <label>, "stream": <selector>}` (type 1 = label
/// values). Any other query stays a plain string, which the data source parses
/// itself.
pub fn loki_variable_query(query: &str) -> Value {
    let q = query.trim();
    let inner = q
        .strip_prefix("label_values(")
        .and_then(|r| r.strip_suffix(')'));
    let Some(inner) = inner else {
        return json!(q);
    };
    let (stream, label) = match inner.rfind('}') {
        Some(close) => {
            let rest = inner[close + 1..].trim_start();
            match rest.strip_prefix(',') {
                Some(label) => (inner[..=close].trim(), label.trim()),
                None => return json!(q),
            }
        }
        None => ("", inner.trim()),
    };
    let valid_label =
        !label.is_empty() && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid_label {
        return json!(q);
    }
    let mut o = Map::new();
    o.insert("type".into(), json!(1));
    o.insert("label".into(), json!(label));
    if !stream.is_empty() {
        o.insert("stream".into(), json!(stream));
    }
    o.insert(
        "refId".into(),
        json!("LokiVariableQueryEditor-VariableQuery"),
    );
    Value::Object(o)
}

fn variable(v: &Variable) -> Value {
    let mut o = Map::new();
    o.insert("name".into(), json!(v.name));
    o.insert(
        "label".into(),
        json!(v.label.clone().unwrap_or_else(|| v.name.clone())),
    );
    o.insert("type".into(), json!(v.kind));
    match v.kind.as_str() {
        "query" => {
            let role = v.datasource.as_deref().unwrap_or("metrics");
            o.insert("datasource".into(), ds_ref(role));
            let q = if role == "logs" {
                loki_variable_query(&v.query)
            } else {
                json!({"query": v.query, "refId": format!("{}-variable", v.name), "qryType": 1})
            };
            // no `definition`: not a field of Grafana's published dashboard
            // schema (@grafana/schema VariableModel; tools/grafana-schema)
            o.insert("query".into(), q);
            o.insert("refresh".into(), json!(2));
            o.insert("sort".into(), json!(1));
            o.insert("regex".into(), json!(""));
        }
        _ => {
            o.insert("query".into(), json!(v.query));
            let opts: Vec<Value> = v
                .query
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| json!({"text": s, "value": s, "selected": false}))
                .collect();
            o.insert("options".into(), Value::Array(opts));
        }
    }
    o.insert("multi".into(), json!(v.multi));
    o.insert("includeAll".into(), json!(v.include_all));
    if v.include_all {
        o.insert(
            "current".into(),
            json!({"text": ["All"], "value": ["$__all"]}),
        );
    }
    // otherwise no `current`: the schema's VariableOption requires text and
    // value, and Grafana selects the first option itself
    o.insert("hide".into(), json!(0));
    Value::Object(o)
}

fn panel(p: &Panel, id: usize) -> Value {
    let role = p.datasource.as_deref().unwrap_or("metrics");
    let targets: Vec<Value> = p
        .targets
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let ref_id = ref_id(i);
            let mut o = Map::new();
            o.insert("refId".into(), json!(ref_id));
            o.insert("datasource".into(), ds_ref(role));
            o.insert("expr".into(), json!(t.expr.trim_end()));
            if let Some(l) = &t.legend {
                o.insert("legendFormat".into(), json!(l));
            }
            if role == "logs" {
                o.insert("queryType".into(), json!("range"));
            } else {
                o.insert("range".into(), json!(true));
                o.insert("instant".into(), json!(false));
            }
            Value::Object(o)
        })
        .collect();
    let mut o = Map::new();
    o.insert("id".into(), json!(id));
    o.insert("type".into(), json!(p.kind));
    o.insert("title".into(), json!(p.title));
    if let Some(d) = &p.description {
        o.insert("description".into(), json!(d.trim_end()));
    }
    if p.kind != "row" && p.kind != "text" {
        o.insert("datasource".into(), ds_ref(role));
    }
    o.insert(
        "gridPos".into(),
        json!({"h": p.grid_pos.h, "w": p.grid_pos.w, "x": p.grid_pos.x, "y": p.grid_pos.y}),
    );
    if p.kind != "logs" && p.kind != "row" && p.kind != "text" {
        let mut defaults = Map::new();
        if let Some(u) = &p.unit {
            defaults.insert("unit".into(), json!(u));
        }
        o.insert(
            "fieldConfig".into(),
            json!({"defaults": defaults, "overrides": []}),
        );
    }
    let options = match p.kind.as_str() {
        "logs" => {
            json!({"showTime": true, "wrapLogMessage": true, "sortOrder": "Descending", "enableLogDetails": true, "dedupStrategy": "none"})
        }
        "timeseries" => {
            json!({"legend": {"displayMode": "list", "placement": "bottom", "showLegend": true}, "tooltip": {"mode": "multi", "sort": "desc"}})
        }
        "stat" | "gauge" | "bargauge" => {
            json!({"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": false}})
        }
        _ => json!({}),
    };
    o.insert("options".into(), options);
    o.insert("targets".into(), Value::Array(targets));
    Value::Object(o)
}

fn ref_id(i: usize) -> String {
    let letters = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut s = String::new();
    let mut n = i;
    loop {
        s.insert(0, letters[n % 26] as char);
        if n < 26 {
            break;
        }
        n = n / 26 - 1;
    }
    s
}

pub fn dashboard(d: &DashboardContract, source: &str) -> Value {
    let logs_uid = if d.restricted {
        AUDIT_LOGS_UID
    } else {
        LOGS_UID
    };
    let mut vars = vec![
        ds_variable(
            "metrics",
            "Metrics datasource",
            "prometheus",
            METRICS_UID,
            "",
        ),
        ds_variable(
            "logs",
            "Logs datasource",
            "loki",
            logs_uid,
            if d.restricted {
                ""
            } else {
                UNRESTRICTED_LOGS_REGEX
            },
        ),
    ];
    vars.extend(d.variables.iter().map(variable));
    let panels: Vec<Value> = d
        .panels
        .iter()
        .enumerate()
        .map(|(i, p)| panel(p, i + 1))
        .collect();
    json!({
        "__comment": format!("Code generated by `o11ylint generate` from {source}. DO NOT EDIT: edit the contract, then run `make generate`."),
        "annotations": {"list": [{
            "builtIn": 1,
            "datasource": {"type": "grafana", "uid": "-- Grafana --"},
            "enable": true,
            "hide": true,
            "iconColor": "rgba(0, 211, 255, 1)",
            "name": "Annotations & Alerts",
            "type": "dashboard"
        }]},
        "description": d.description.trim_end(),
        "editable": false,
        "fiscalYearStartMonth": 0,
        "graphTooltip": 1,
        "id": null,
        "links": [],
        "panels": panels,
        "refresh": "1m",
        "schemaVersion": SCHEMA_VERSION,
        "tags": d.tags,
        "templating": {"list": vars},
        "time": {"from": "now-6h", "to": "now"},
        "timepicker": {},
        "timezone": "utc",
        "title": d.title,
        "uid": d.uid,
        "version": 1,
        "weekStart": ""
    })
}

/// Every dashboard as (uid, pretty JSON text).
pub fn dashboards(contracts: &Contracts) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for (file, d) in &contracts.dashboards {
        if !d
            .uid
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            || d.uid.is_empty()
        {
            return Err(format!(
                "{file}: dashboard uid `{}` is not a safe file name",
                d.uid
            ));
        }
        let v = dashboard(d, file);
        let mut text = serde_json::to_string_pretty(&v).map_err(|e| e.to_string())?;
        text.push('\n');
        out.push((d.uid.clone(), text));
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn ref_ids() {
        assert_eq!(ref_id(0), "A");
        assert_eq!(ref_id(25), "Z");
        assert_eq!(ref_id(26), "AA");
    }

    /// Grafana's Loki data source reads `label` and `stream` from an object
    /// variable query; the former `{"query": "label_values(...)"}` shape left
    /// the variables empty (docs/openbao-compatibility.md, item 4).
    #[test]
    fn loki_variable_queries_use_the_shape_grafana_reads() {
        let q = loki_variable_query(r#"label_values({log_stream="openbao.audit"}, cluster)"#);
        assert_eq!(q["type"], 1);
        assert_eq!(q["label"], "cluster");
        assert_eq!(q["stream"], r#"{log_stream="openbao.audit"}"#);
        assert!(q.get("query").is_none());
        let q = loki_variable_query(
            r#"label_values({log_stream="openbao.operational", cluster="$cluster"}, instance)"#,
        );
        assert_eq!(q["label"], "instance");
        assert_eq!(
            q["stream"],
            r#"{log_stream="openbao.operational", cluster="$cluster"}"#
        );
        let q = loki_variable_query("label_values(cluster)");
        assert_eq!(q["label"], "cluster");
        assert!(q.get("stream").is_none());
        // not label_values: left as the plain string Grafana parses itself
        assert_eq!(loki_variable_query("label_names()"), json!("label_names()"));
        assert_eq!(
            loki_variable_query("label_values({a=\"b\"} x)"),
            json!("label_values({a=\"b\"} x)")
        );
    }
}
