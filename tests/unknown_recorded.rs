//! unknown-metric without a metrics contract: a recorded series
//! (`level:metric:operation`) that a rule file or a dashboard reads must be
//! recorded somewhere in the repository. Without a contract only names one or
//! two edits away from a recorded series are reported (a typo or a rename);
//! a name with no near definition is likely recorded by another repository.

mod common;

use common::{findings, write};

#[test]
fn recorded_series_read_by_rules_and_dashboards_must_be_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "rules/recording.yaml",
        "groups:\n  - name: r\n    rules:\n      - record: job:http_requests:rate5m\n        expr: sum by (job) (rate(http_requests_total[5m]))\n",
    );
    write(
        root,
        "rules/alerts.yaml",
        "groups:\n  - name: a\n    rules:\n      - alert: NoRequests\n        expr: job:http_request:rate5m == 0\n        for: 10m\n      - alert: NoRequestsElsewhere\n        expr: cluster:apiserver_requests:sum == 0\n        for: 10m\n",
    );
    let target = |expr: &str| {
        format!(
            r#"{{"uid": "u", "title": "T", "schemaVersion": 39, "panels": [{{"id": 1, "type": "timeseries", "title": "P",
  "datasource": {{"type": "prometheus", "uid": "p"}}, "gridPos": {{"x": 0, "y": 0, "w": 24, "h": 8}},
  "targets": [{{"refId": "A", "expr": "{expr}"}}]}}]}}"#
        )
    };
    write(
        root,
        "dashboards/typo.json",
        &target("sum(job:http_requests:rate5n)"),
    );
    write(
        root,
        "dashboards/ok.json",
        &target("sum(job:http_requests:rate5m)"),
    );
    write(
        root,
        "dashboards/other.json",
        &target("sum(node_namespace:cpu_usage:sum)"),
    );
    let mut got: Vec<String> = findings(root)
        .into_iter()
        .filter(|(name, _)| name == "unknown-metric")
        .map(|(_, m)| m)
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            "no recording rule in the repository defines series `job:http_request:rate5m`",
            "no recording rule in the repository defines series `job:http_requests:rate5n`",
        ],
    );
}
