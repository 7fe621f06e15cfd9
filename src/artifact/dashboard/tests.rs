use std::collections::BTreeSet;

use super::variables::split_custom;
use super::*;

fn dash(text: &str) -> Dashboard {
    dash_at("dashboards/x.json", text)
}

fn dash_at(rel: &str, text: &str) -> Dashboard {
    match load(rel, text, &Policy::profile("openbao").unwrap()) {
        Loaded::Dashboard(d) => *d,
        other => panic!("not a dashboard: {other:?}"),
    }
}

const CLASSIC: &str = r#"{
  "uid": "u1", "title": "T", "tags": ["restricted"],
  "templating": {"list": [
    {"name": "ds", "type": "datasource", "query": "prometheus"},
    {"name": "logs", "type": "datasource", "query": "loki"},
    {"name": "job", "type": "query", "datasource": {"uid": "$ds"},
     "query": {"query": "label_values(up{cluster=\"$cluster\"}, job)", "refId": "A"},
     "current": {"text": "api", "value": "api"}},
    {"name": "cluster", "type": "custom", "query": "a,b", "multi": true,
     "current": {"text": ["a", "b"], "value": ["a", "b"]}},
    {"name": "n", "type": "custom", "query": "5,10"}
  ]},
  "panels": [
    {"id": 1, "type": "row", "title": "Row A", "collapsed": true, "gridPos": {"x": 0, "y": 0, "w": 24, "h": 1},
     "panels": [
       {"id": 2, "type": "timeseries", "title": "Rate", "datasource": {"type": "prometheus", "uid": "${ds}"},
        "gridPos": {"x": 0, "y": 1, "w": 12, "h": 8},
        "fieldConfig": {"defaults": {"unit": "reqps"}, "overrides": [{"properties": [{"id": "unit", "value": "s"}]}]},
        "targets": [{"refId": "A", "expr": "sum by (job) (rate(x{job=~\"$job\", cluster=~\"$cluster\"}[$__rate_interval]))", "legendFormat": "{{job}}"}]}
     ]},
    {"id": 3, "type": "logs", "title": "Logs", "datasource": {"uid": "$logs"},
     "gridPos": {"x": 0, "y": 1, "w": 24, "h": 8},
     "targets": [{"refId": "A", "expr": "{log_stream=\"openbao.audit\"} |= \"$job\""}]},
    {"id": 4, "type": "stat", "title": "Top", "datasource": "-- Mixed --",
     "targets": [{"refId": "A", "datasource": {"uid": "$ds"}, "expr": "topk($n, up)"},
                 {"refId": "B", "datasource": {"type": "postgres", "uid": "pg"}, "expr": "SELECT 1"}]},
    {"id": 5, "type": "stat", "title": "Lib", "libraryPanel": {"uid": "lib-1", "name": "Shared"}}
  ]
}"#;

#[test]
fn classic_layout_and_datasources() {
    let d = dash(CLASSIC);
    assert_eq!(d.layout, Layout::Panels);
    assert_eq!(d.uid.as_ref().unwrap().value, "u1");
    assert_eq!(d.panels.len(), 5);
    let rate = &d.panels[1];
    assert_eq!(rate.row.as_deref(), Some("Row A"));
    assert_eq!(rate.units.len(), 2);
    let t = &rate.targets[0];
    assert_eq!(t.datasource.lang(), Some(Lang::PromQL));
    let q = t.query.as_ref().unwrap();
    assert!(q.prom().is_some(), "{:?}", q.parsed);
    assert!(q.expr_text().contains("job=~\"api\""), "{}", q.expr_text());
    assert!(
        q.expr_text().contains("cluster=~\"(a|b)\""),
        "{}",
        q.expr_text()
    );
    // the window maps back to the variable
    let a = q.prom().unwrap();
    let (_, w) = &a.facts.range_windows[0];
    let sp = q.span(CLASSIC, w.clone());
    assert_eq!(&CLASSIC[sp.range()], "$__rate_interval");
    assert_eq!(d.panels[2].targets[0].datasource.lang(), Some(Lang::LogQL));
    assert!(d.panels[2].targets[0]
        .query
        .as_ref()
        .unwrap()
        .loki()
        .is_some());
    // mixed: each target has its own datasource; the `$n` placeholder is numeric
    let mixed = &d.panels[3];
    assert_eq!(mixed.datasource.kind, DsKind::Mixed);
    assert!(mixed.targets[0].query.as_ref().unwrap().prom().is_some());
    assert!(mixed.targets[1].query.is_none());
    assert_eq!(mixed.targets[1].datasource.plugin(), Some("postgres"));
    assert!(d.panels[4].library.is_some());
    // grid groups: the row on the top level, its child in its own group
    let groups: Vec<usize> = d.grid.iter().map(|g| g.group).collect();
    assert_eq!(groups.len(), 3);
    assert_eq!(groups[0], groups[2]);
    assert_ne!(groups[0], groups[1]);
    // the row's panels share a section with the row, and so do the
    // panels that follow it up to the next row
    assert_eq!(d.panels[1].section, d.panels[0].section);
    assert_eq!(d.panels[2].section, d.panels[1].section);
    assert_eq!(d.panels[2].row.as_deref(), Some("Row A"));
    assert!(d
        .restricted_by(&Policy::profile("openbao").unwrap())
        .is_some());
}

#[test]
fn variable_queries() {
    let d = dash(CLASSIC);
    let job = d.variable("job").unwrap();
    assert_eq!(job.label.as_ref().unwrap().0, "job");
    let sp = &job.label.as_ref().unwrap().1;
    assert_eq!(&CLASSIC[sp.range()], "job");
    let q = job.query.as_ref().unwrap();
    assert_eq!(q.expr_text(), "up{cluster=\"(a|b)\"}");
    assert!(q.prom().is_some());
    let m = &q.prom().unwrap().facts.metrics[0];
    assert_eq!(&CLASSIC[q.span(CLASSIC, m.span.clone()).range()], "up");
}

#[test]
fn old_rows_layout() {
    let t = r#"{"title": "Old", "rows": [{"title": "R1", "panels": [
        {"id": 1, "type": "graph", "title": "G", "datasource": null,
         "targets": [{"expr": "rate(x[5m])"}], "yaxes": [{"format": "bytes"}, {"format": "short"}]}]}]}"#;
    let d = dash(t);
    assert_eq!(d.layout, Layout::Rows);
    assert_eq!(d.panels[0].row.as_deref(), Some("R1"));
    assert_eq!(d.panels[0].units.len(), 2);
    // null datasource: the policy's default datasource type
    assert_eq!(d.panels[0].targets[0].datasource.lang(), Some(Lang::PromQL));
}

#[test]
fn wrapper_meta_and_inputs() {
    let t = r#"{"dashboard": {"uid": "w", "title": "W",
        "__inputs": [{"name": "DS_LOKI", "type": "datasource", "pluginId": "loki"}],
        "panels": [{"id": 1, "type": "logs", "title": "L", "datasource": "${DS_LOKI}",
          "targets": [{"expr": "{app=\"x\"}"}]}]},
      "meta": {"folderTitle": "OpenBao Restricted"}}"#;
    let d = dash_at("x.json", t);
    assert_eq!(d.form, Form::Wrapped);
    assert_eq!(d.panels[0].targets[0].datasource.lang(), Some(Lang::LogQL));
    assert_eq!(d.folders[0].name, "OpenBao Restricted");
    assert!(d
        .restricted_by(&Policy::profile("openbao").unwrap())
        .unwrap()
        .contains("folder"));
}

#[test]
fn v2_resource() {
    let t = r#"{"apiVersion": "dashboard.grafana.app/v2beta1", "kind": "Dashboard",
      "metadata": {"name": "v2-uid"},
      "spec": {"title": "V2",
        "elements": {"panel-1": {"kind": "Panel", "spec": {"id": 1, "title": "P",
          "vizConfig": {"kind": "VizConfig", "group": "timeseries", "spec": {"fieldConfig": {"defaults": {"unit": "ops"}}}},
          "data": {"kind": "QueryGroup", "spec": {"queries": [{"kind": "PanelQuery", "spec": {"refId": "A",
            "query": {"kind": "DataQuery", "group": "prometheus", "spec": {"expr": "sum(rate(x[5m]))"}}}}]}}}}},
        "layout": {"kind": "GridLayout", "spec": {"items": [
          {"kind": "GridLayoutItem", "spec": {"x": 0, "y": 0, "width": 12, "height": 8, "element": {"kind": "ElementReference", "name": "panel-1"}}}]}}}}"#;
    let d = dash(t);
    assert_eq!(d.layout, Layout::V2);
    assert_eq!(d.uid.as_ref().unwrap().value, "v2-uid");
    assert_eq!(d.panels[0].kind.as_ref().unwrap().value, "timeseries");
    assert_eq!(d.panels[0].units[0].value, "ops");
    assert!(d.panels[0].targets[0]
        .query
        .as_ref()
        .unwrap()
        .prom()
        .is_some());
    assert_eq!(d.grid[0].w, 12);
    assert_eq!(d.grid[0].panel, Some(0));
}

#[test]
fn other_language_is_detected() {
    let t = r#"{"title": "x", "panels": [{"id": 1, "type": "timeseries", "title": "t",
      "datasource": {"type": "prometheus", "uid": "p"},
      "targets": [{"expr": "{job=\"x\"} |= \"error\""}]}]}"#;
    let d = dash(t);
    let q = d.panels[0].targets[0].query.as_ref().unwrap();
    assert!(q.prom().is_none());
    assert_eq!(q.other_lang, Some(Lang::LogQL));
}

#[test]
fn references_and_scopes() {
    let d = dash(CLASSIC);
    let names: BTreeSet<&str> = d.refs.iter().map(|r| r.name.as_str()).collect();
    assert!(names.contains("ds") && names.contains("cluster") && names.contains("n"));
    // `current`/`options` values are not references
    let off = CLASSIC.find("|= \\\"$job").unwrap();
    let (p, t) = d.locate(off);
    assert_eq!(p.unwrap().title.as_ref().unwrap().value, "Logs");
    assert_eq!(t.unwrap().ref_id.as_ref().unwrap().value, "A");
}

#[test]
fn not_dashboards() {
    let p = Policy::profile("openbao").unwrap();
    assert!(matches!(
        load("a.json", "{\"name\": \"pkg\"}", &p),
        Loaded::NotDashboard(_)
    ));
    assert!(matches!(
        load("a.json", "{\"panels\": [,]}", &p),
        Loaded::Invalid {
            looks_like_dashboard: true,
            ..
        }
    ));
    assert!(matches!(
        load("a.json", "{// comment\n}", &p),
        Loaded::Invalid {
            looks_like_dashboard: false,
            ..
        }
    ));
}

#[test]
fn custom_values() {
    assert_eq!(split_custom("a, b\\,c ,x : y"), vec!["a", "b,c", "y"]);
}
