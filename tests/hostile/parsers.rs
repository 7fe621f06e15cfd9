//! Parser and analyser budgets (review cases C1, H3, P3).

use super::{json_diags, o11ylint, repo, stderr, CANARY_RULES};

fn rule_file(expr: &str) -> String {
    format!("groups:\n  - name: g\n    rules:\n      - record: openbao:x:y\n        expr: {expr}\n")
}

fn budget_findings(d: &[serde_json::Value], file: &str) -> usize {
    d.iter()
        .filter(|x| x["file"] == file && x["code"] == "OL005")
        .count()
}

#[test]
fn c1_deep_sum_nesting_is_one_finding() {
    let tmp = repo();
    let root = tmp.path();
    std::fs::write(root.join("canary.yaml"), CANARY_RULES).unwrap();
    let n = 100_000;
    std::fs::write(
        root.join("sum.yaml"),
        rule_file(&format!("{}up{}", "sum(".repeat(n), ")".repeat(n))),
    )
    .unwrap();
    std::fs::write(
        root.join("paren.yaml"),
        rule_file(&format!("{}up{}", "(".repeat(n), ")".repeat(n))),
    )
    .unwrap();
    std::fs::write(
        root.join("unary.yaml"),
        rule_file(&format!("{}up", "-".repeat(n))),
    )
    .unwrap();
    // directory mode (worker threads) and single-file mode (main thread)
    let o = o11ylint(root, &["check", "--format", "json", "--threads", "2"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let d = json_diags(&o);
    for f in ["sum.yaml", "paren.yaml", "unary.yaml"] {
        assert_eq!(budget_findings(&d, f), 1, "{f}: {d:#?}");
        assert!(
            d.iter().all(|x| x["file"] != f || x["code"] == "OL005"),
            "{f}"
        );
    }
    assert!(d
        .iter()
        .any(|x| x["file"] == "canary.yaml" && x["code"] == "OL200"));
    let o = o11ylint(root, &["check", "--format", "json", "sum.yaml"]);
    assert_eq!(budget_findings(&json_diags(&o), "sum.yaml"), 1);
}

#[test]
fn h3_long_binary_chain_is_one_finding() {
    let tmp = repo();
    let root = tmp.path();
    let chain = vec!["up"; 50_000].join(" + ");
    std::fs::write(root.join("chain.yaml"), rule_file(&chain)).unwrap();
    let unary = format!("\"{}up\"", "- ".repeat(50_000));
    std::fs::write(root.join("unary.yaml"), rule_file(&unary)).unwrap();
    let o = o11ylint(root, &["check", "--format", "json"]);
    let d = json_diags(&o);
    assert_eq!(budget_findings(&d, "chain.yaml"), 1, "{d:#?}");
    assert_eq!(budget_findings(&d, "unary.yaml"), 1, "{d:#?}");
}

#[test]
fn p3_forbidden_label_under_deep_parentheses_is_never_silent() {
    let tmp = repo();
    let root = tmp.path();
    for (name, n) in [("shallow.yaml", 200), ("deep.yaml", 600)] {
        let e = format!("{}sum by (client_ip) (up){}", "(".repeat(n), ")".repeat(n));
        std::fs::write(root.join(name), rule_file(&e)).unwrap();
    }
    let o = o11ylint(root, &["check", "--format", "json"]);
    let d = json_diags(&o);
    assert!(d
        .iter()
        .any(|x| x["file"] == "shallow.yaml" && x["code"] == "OL200"));
    assert_eq!(budget_findings(&d, "deep.yaml"), 1, "{d:#?}");
}
