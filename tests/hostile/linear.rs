//! Linear time (review cases H1-H6): for each shape that was quadratic, the
//! time at 8x the input is compared with the time at 1x. Linear work gives
//! a ratio near 8, quadratic near 64; the bound (24) leaves room for noise
//! on a shared machine. No absolute time limit: speed is `make bench`'s job.
//!
//! Part of the hostile suite, built as its own test target
//! (`tests/hostile_linear.rs`) so that no other test of the suite runs
//! beside these measurements; they also take turns among themselves.

use std::path::Path;
use std::time::{Duration, Instant};

use o11ylint::engine;
use o11ylint::policy::Policy;

/// One run of linting `text` as `rel`.
fn time(policy: &Policy, rel: &str, text: &str) -> Duration {
    let t = Instant::now();
    let out = engine::lint_buffer(text.to_string(), rel, Path::new("/nonexistent"), policy);
    std::hint::black_box(out);
    t.elapsed()
}

const MAX_RATIO: f64 = 24.0;

static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn assert_linear(what: &str, rel: &str, policy: &Policy, make: impl Fn(usize) -> String, n: usize) {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    // warm up (allocator, memo, lazy statics), then the fastest of five
    // interleaved runs of each size: other processes only ever add time
    let (a, b) = (make(n), make(8 * n));
    time(policy, rel, &a);
    let (mut small, mut large) = (Duration::MAX, Duration::MAX);
    for _ in 0..5 {
        small = small.min(time(policy, rel, &a));
        large = large.min(time(policy, rel, &b));
    }
    let ratio = large.as_secs_f64() / small.as_secs_f64().max(1e-6);
    eprintln!("{what}: {small:?} -> {large:?} ({ratio:.1}x for 8x the input)");
    assert!(
        ratio < MAX_RATIO,
        "{what}: 8x input took {ratio:.1}x the time ({small:?} -> {large:?}); quadratic?"
    );
}

fn generic() -> Policy {
    Policy::default_policy()
}

fn openbao() -> Policy {
    Policy::profile("openbao").unwrap()
}

#[test]
fn h1_template_findings_in_one_annotation_are_linear() {
    let make = |n: usize| {
        format!(
            "groups:\n  - name: g\n    rules:\n      - alert: X\n        expr: up == 0\n        labels:\n          severity: warning\n        annotations:\n          description: \"{}\"\n",
            "{{ $nope }}".repeat(n)
        )
    };
    assert_linear("template findings", "r.yaml", &generic(), make, 3_000);
}

#[test]
fn h2_mapping_with_many_keys_is_linear() {
    let make = |n: usize| {
        let mut s = String::from(
            "groups:\n  - name: g\n    rules:\n      - record: openbao:x:y\n        expr: up\n        labels:\n",
        );
        for i in 0..n {
            s.push_str(&format!("          k{i}: v\n"));
        }
        s
    };
    assert_linear("many keys", "r.yaml", &generic(), make, 4_000);
}

#[test]
fn h3_long_operator_chain_is_linear() {
    let make = |n: usize| {
        format!(
            "groups:\n  - name: g\n    rules:\n      - record: openbao:x:y\n        expr: {}\n",
            vec!["up"; n].join(" + ")
        )
    };
    assert_linear("operator chain", "r.yaml", &generic(), make, 5_000);
}

#[test]
fn h4_alloy_with_many_components_is_linear() {
    let make = |n: usize| {
        let mut s = String::new();
        for i in 0..n {
            s.push_str(&format!(
                "loki.source.file \"f{i}\" {{\n  targets = [{{__path__ = \"/var/log/{i}.log\", log_stream = \"openbao.operational\"}}]\n  forward_to = [loki.write.w.receiver]\n}}\n"
            ));
        }
        s.push_str("loki.write \"w\" {\n  endpoint {\n    url = \"http://loki:3100/loki/api/v1/push\"\n  }\n}\n");
        s
    };
    assert_linear("alloy components", "a.alloy", &openbao(), make, 400);
}

fn dashboard(panels: Vec<String>) -> String {
    format!(
        r#"{{"uid":"tg","title":"t","schemaVersion":39,"panels":[{}]}}"#,
        panels.join(",")
    )
}

#[test]
fn h5_dashboard_with_many_panels_is_linear() {
    let make = |n: usize| {
        dashboard(
            (0..n)
                .map(|i| {
                    format!(
                        r#"{{"id":{i},"type":"timeseries","title":"p{i}","gridPos":{{"x":0,"y":{i},"w":1,"h":1}},"targets":[{{"refId":"A","expr":"sum(rate(up{{job=\"a{i}\"}}[$__rate_interval]))"}}]}}"#
                    )
                })
                .collect(),
        )
    };
    assert_linear("dashboard panels", "d.json", &generic(), make, 1_000);
}

#[test]
fn h6_many_variable_references_in_one_query_are_linear() {
    let make = |n: usize| {
        dashboard(vec![format!(
            r#"{{"id":1,"type":"timeseries","title":"a","gridPos":{{"x":0,"y":0,"w":12,"h":8}},"datasource":{{"type":"prometheus","uid":"p"}},"targets":[{{"refId":"A","expr":"sum(rate(up[{}]))"}}]}}"#,
            "$__rate_interval".repeat(n)
        )])
    };
    assert_linear("variable references", "d.json", &generic(), make, 4_000);
}
