use super::*;

fn err(q: &str) -> PromError {
    analyze(q).expect_err("expected an error")
}

#[test]
fn grouping_labels_have_token_spans() {
    let q = "sum by (instance, request_path) (rate(x[5m])) / on (instance) group_left (pod) y";
    let a = analyze(q).unwrap();
    let names: Vec<_> = a
        .facts
        .labels
        .iter()
        .map(|l| (l.name.as_str(), l.role, &q[l.span.clone()]))
        .collect();
    assert_eq!(
        names,
        vec![
            ("instance", LabelRole::By, "instance"),
            ("request_path", LabelRole::By, "request_path"),
            ("instance", LabelRole::On, "instance"),
            ("pod", LabelRole::GroupLeft, "pod"),
        ]
    );
    assert_eq!(a.facts.labels[1].span, 18..30);
}

#[test]
fn label_replace_target_is_a_label_use() {
    let q = r#"label_replace(up, "client_ip", "$1", "instance", "(.*):.*")"#;
    let a = analyze(q).unwrap();
    assert_eq!(a.facts.labels.len(), 1);
    assert_eq!(a.facts.labels[0].role, LabelRole::ReplaceTarget);
    assert_eq!(&q[a.facts.labels[0].span.clone()], "\"client_ip\"");
}

#[test]
fn metrics_and_matchers() {
    let q = r#"rate(vault_core_handle_request_count{cluster="a", request_path=~"sys/.*"}[5m]) > 1"#;
    let a = analyze(q).unwrap();
    assert_eq!(a.facts.metrics[0].name, "vault_core_handle_request_count");
    assert_eq!(a.facts.metrics[0].span, 5..36);
    assert_eq!(a.facts.matchers.len(), 2);
    assert_eq!(a.facts.matchers[1].label, "request_path");
    assert!(a.facts.has_comparison);
    assert_eq!(a.facts.range_windows[0].0, Duration::from_secs(300));
    assert_eq!(&q[a.facts.range_windows[0].1.clone()], "5m");
}

#[test]
fn comparison_with_bool_is_not_a_condition() {
    assert!(!analyze("up == bool 1").unwrap().facts.has_comparison);
    assert!(analyze("up == 0").unwrap().facts.has_comparison);
    assert!(analyze("absent(up)").unwrap().facts.has_filter);
}

#[test]
fn lexer_errors_are_located() {
    let e = err("sum(rate(x[5m])");
    assert_eq!(e.span, 3..4);
    let e = err("up{job=\"a\"");
    assert_eq!(e.span, 2..3);
    let e = err("up $ 1");
    assert_eq!(e.span, 3..4);
    let e = err("up) + 1");
    assert_eq!(e.span, 2..3);
    let e = err("up{job=\"a}");
    assert_eq!(e.span.start, 7);
    // the `)` inside the brackets, not the one closing `by (cluster)`
    let e = err("sum by (cluster) (rate(x[5m)))");
    assert_eq!(e.span, 27..28);
}

#[test]
fn parse_errors_are_located() {
    let e = err("rate(x[5m]) 5");
    assert_eq!(e.span, 12..13);
    assert_eq!(e.message, "unexpected `5`");
    let e = err("foo(x)");
    assert_eq!(e.span, 0..3);
    assert!(e.message.contains("unknown function"));
    let e = err("1 +");
    assert_eq!(e.span, 2..3);
    assert!(e.message.contains("operand"));
}

#[test]
fn huge_numeric_durations_are_errors_not_panics() {
    // found by `cargo fuzz run promql`: promql-parser panics on these
    for (q, at) in [
        ("x[8888888888888888888888888888]", 2..30),
        ("x[1e400]", 2..7),
        ("x offset 1e400", 9..14),
        ("x offset -1e400", 10..15),
        ("x[5m:1e400]", 5..10),
        ("rate(x[5m])[1e400:1m]", 12..17),
        (
            "up:e<umAAAs<un--88[88888888888888888888888888888888888888888888888888888]u<umA< 0-0",
            19..72,
        ),
    ] {
        let e = err(q);
        assert_eq!(e.span, at, "{q}");
        assert!(e.message.contains("out of range"), "{q}: {}", e.message);
    }
    assert!(analyze("x[1e9]").is_ok());
    assert!(analyze("x offset 300").is_ok());
}

#[test]
fn never_panics_on_garbage() {
    for q in [
        "",
        " ",
        "(((",
        "}}}",
        "\"",
        "sum by (",
        "x[",
        "x{a=~\"(\"}",
        "@",
        "offset",
        "1 + + 1",
        "{}",
        "a{b=\"c\",}",
        "🙂",
    ] {
        let _ = analyze(q);
    }
}
