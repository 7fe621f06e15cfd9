//! Micro-benchmarks of the parsers (`cargo bench --bench parsers`).

use criterion::{black_box, criterion_group, criterion_main, Criterion};

const RULE_FILE: &str = include_str!("../generated/prometheus/alerts-warning.yaml");
const RECORDING_FILE: &str = include_str!("../generated/prometheus/recording-rules.yaml");
const PROMQL: &str = r#"sum by (cluster, instance) (rate(vault_core_handle_request_sum{job=~"openbao.*"}[5m])) / sum by (cluster, instance) (rate(vault_core_handle_request_count{job=~"openbao.*"}[5m])) > 3 * avg_over_time(openbao:core_handle_request:mean5m[1h] offset 1h)"#;
const LOGQL: &str = r#"sum by (cluster) (count_over_time({log_stream="openbao.audit"} |= "sys/" | json | type="request" | request_path=~"sys/(policy|policies|auth|mounts)/.+" | request_operation=~"create|update|delete" [5m])) > 0"#;
const TEMPLATE: &str = "{{ $labels.instance }} in {{ $labels.cluster }}: {{ $value | humanizePercentage }} {{ if gt $value 1.0 }}high{{ else }}low{{ end }}";

fn parsers(c: &mut Criterion) {
    c.bench_function("yaml: alert rule file", |b| {
        b.iter(|| o11ylint::syntax::yaml::parse(black_box(RULE_FILE)))
    });
    c.bench_function("yaml: recording rule file", |b| {
        b.iter(|| o11ylint::syntax::yaml::parse(black_box(RECORDING_FILE)))
    });
    c.bench_function("promql: analyze (AST + token facts)", |b| {
        b.iter(|| o11ylint::syntax::promql::analyze(black_box(PROMQL)))
    });
    c.bench_function("logql: parse", |b| {
        b.iter(|| o11ylint::syntax::logql::parse(black_box(LOGQL)))
    });
    c.bench_function("go template: check", |b| {
        b.iter(|| o11ylint::syntax::gotemplate::check(black_box(TEMPLATE)))
    });
}

criterion_group!(benches, parsers);
criterion_main!(benches);
