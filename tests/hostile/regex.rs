//! Go RE2 regular expressions that Rust's `regex` cannot compile as written
//! (review cases P1, P2, P13).

use super::{json_diags, o11ylint, repo};

fn with_policy(root: &std::path::Path) {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("o11ylint.yaml");
    std::fs::copy(src, root.join("o11ylint.yaml")).unwrap();
}

fn loki_rule(selector: &str) -> String {
    format!(
        "groups:\n- name: g\n  rules:\n  - record: openbao:log_lines:rate5m\n    expr: |\n      sum by (cluster) (count_over_time({selector} [5m]))\n"
    )
}

#[test]
fn p1_routing_regex_rust_cannot_compile_is_never_matches_nothing() {
    let tmp = repo();
    let root = tmp.path();
    with_policy(root);
    std::fs::create_dir(root.join("loki")).unwrap();
    let big: Vec<String> = (0..200_000).map(|i| format!("v{i}")).collect();
    let cases = [
        ("control.yaml", r#"{log_stream=~"openbao.+"}"#.to_string()),
        (
            "quote.yaml",
            r#"{log_stream=~"openbao.+|\\Qx\\E"}"#.to_string(),
        ),
        (
            "repeat.yaml",
            r#"{log_stream=~"openbao.+|\\w{300}"}"#.to_string(),
        ),
        (
            "huge.yaml",
            format!(
                r#"{{log_stream=~"openbao.audit|openbao.operational|{}"}}"#,
                big.join("|")
            ),
        ),
    ];
    for (name, sel) in &cases {
        std::fs::write(root.join("loki").join(name), loki_rule(sel)).unwrap();
    }
    let o = o11ylint(root, &["check", "--format", "json", "loki"]);
    let d = json_diags(&o);
    for (name, _) in &cases {
        let file = format!("loki/{name}");
        assert!(
            d.iter()
                .any(|x| x["file"] == file.as_str() && x["code"] == "OL300"),
            "{file}: no stream-separation finding: {d:#?}"
        );
    }
}

#[test]
fn p2_valid_go_regexes_are_not_promql_syntax_errors() {
    let tmp = repo();
    let root = tmp.path();
    let big: Vec<String> = (0..200_000).map(|i| format!("v{i}")).collect();
    let rules = format!(
        "groups:\n  - name: g\n    rules:\n      - record: openbao:x:a\n        expr: up{{job=~\"\\\\Qa.b\\\\E\"}}\n      - record: openbao:x:b\n        expr: up{{job=~\"\\\\w{{300}}\"}}\n      - record: openbao:x:c\n        expr: up{{job=~\"{}\"}}\n",
        big.join("|")
    );
    std::fs::write(root.join("goonly.yaml"), rules).unwrap();
    // what Go rejects stays an error, with the reason and a short pattern
    std::fs::write(
        root.join("gobad.yaml"),
        "groups:\n  - name: g\n    rules:\n      - record: openbao:x:a\n        expr: up{job=~\"a{1001}\"}\n      - record: openbao:x:b\n        expr: up{job=~\"a**\"}\n",
    )
    .unwrap();
    let o = o11ylint(root, &["check", "--format", "json"]);
    let d = json_diags(&o);
    assert!(
        d.iter()
            .all(|x| !(x["file"] == "goonly.yaml" && x["code"] == "OL101")),
        "{d:#?}"
    );
    let budget: Vec<_> = d
        .iter()
        .filter(|x| x["file"] == "goonly.yaml" && x["code"] == "OL005")
        .collect();
    assert_eq!(
        budget.len(),
        1,
        "the 1.5 MB alternation is over budget: {d:#?}"
    );
    assert!(
        budget[0]["message"].as_str().unwrap().len() < 300,
        "not echoed"
    );
    let bad: Vec<_> = d
        .iter()
        .filter(|x| x["file"] == "gobad.yaml" && x["code"] == "OL101")
        .collect();
    assert_eq!(bad.len(), 2, "{d:#?}");
    assert!(bad[0]["message"].as_str().unwrap().contains("repeat count"));
    assert!(bad[1]["message"]
        .as_str()
        .unwrap()
        .contains("nested repetition"));
}

#[test]
fn p13_invalid_line_filter_regex_is_reported() {
    let tmp = repo();
    let root = tmp.path();
    std::fs::create_dir(root.join("loki")).unwrap();
    std::fs::write(
        root.join("loki/r.yaml"),
        loki_rule(r#"{log_stream="openbao.operational"} |~ "\\""#),
    )
    .unwrap();
    let o = o11ylint(root, &["check", "--format", "json", "loki"]);
    let d = json_diags(&o);
    let hits: Vec<_> = d.iter().filter(|x| x["code"] == "OL102").collect();
    assert_eq!(hits.len(), 1, "{d:#?}");
    assert!(hits[0]["message"]
        .as_str()
        .unwrap()
        .contains("trailing backslash"));
}
