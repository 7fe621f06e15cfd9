//! Parser and analyser budgets (review cases C1, H3, P3).

use super::{json_diags, o11ylint, repo, rule_file, stderr, CANARY_RULES};

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

fn codes<'a>(d: &'a [serde_json::Value], file: &str) -> Vec<(&'a str, &'a str)> {
    d.iter()
        .filter(|x| x["file"] == file)
        .map(|x| {
            (
                x["code"].as_str().unwrap_or(""),
                x["message"].as_str().unwrap_or(""),
            )
        })
        .collect()
}

#[test]
fn p4_yaml_merge_keys_are_merged_as_go_yaml_does() {
    let tmp = repo();
    let root = tmp.path();
    // promtool accepts both forms (yaml.v3 merges); before, o11ylint said
    // "unknown key `<<`" and "a rule needs an `expr`"
    std::fs::write(
        root.join("merge.yaml"),
        "groups:\n  - name: g\n    rules:\n      - &base\n        record: openbao:x:y\n        expr: sum by (client_ip) (up)\n      - <<: *base\n        record: openbao:x:z\n      - <<: [*base]\n        record: openbao:x:w\n",
    )
    .unwrap();
    let o = o11ylint(root, &["check", "--format", "json", "merge.yaml"]);
    let d = json_diags(&o);
    let c = codes(&d, "merge.yaml");
    assert!(!c.iter().any(|(code, _)| *code == "OL104"), "{c:?}");
    assert!(!c.iter().any(|(_, m)| m.contains("<<")), "{c:?}");
    // the merged `expr` is linted in every rule: three forbidden-label
    // findings, one per rule
    assert_eq!(
        c.iter().filter(|(code, _)| *code == "OL200").count(),
        3,
        "{c:?}"
    );
}

#[test]
fn p5_duplicate_keys_in_dashboard_json_are_reported() {
    let tmp = repo();
    let root = tmp.path();
    std::fs::write(
        root.join("dup.json"),
        r#"{"uid":"a","title":"t","schemaVersion":39,"uid":"b",
"panels":[{"id":1,"type":"timeseries","title":"x","gridPos":{"x":0,"y":0,"w":12,"h":8},
"targets":[{"refId":"A","expr":"sum by (client_ip) (up)","expr":"sum(up)"}]}]}"#,
    )
    .unwrap();
    let o = o11ylint(root, &["check", "--format", "json", "dup.json"]);
    let d = json_diags(&o);
    let dups: Vec<&serde_json::Value> = d
        .iter()
        .filter(|x| x["code"] == "OL105")
        .filter(|x| {
            x["message"]
                .as_str()
                .unwrap_or("")
                .contains("duplicate key")
        })
        .collect();
    assert_eq!(dups.len(), 2, "{d:?}");
    assert!(
        dups[0]["message"]
            .as_str()
            .unwrap()
            .contains("duplicate key \"uid\" (first at line 1)"),
        "{dups:?}"
    );
    assert_eq!(dups[0]["severity"], "warning");
}

#[test]
fn p7_node_limit_names_the_limit_and_blames_aliases_only_when_they_are_used() {
    let tmp = repo();
    let root = tmp.path();
    let mut plain = String::from("groups:\n");
    for i in 0..100_000 {
        plain.push_str(&format!("  - name: g{i}\n    rules: []\n"));
    }
    std::fs::write(root.join("plain.yaml"), plain).unwrap();
    let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x]\n");
    for (i, prev) in ["a", "b", "c", "d", "e"].iter().enumerate() {
        let name = ["b", "c", "d", "e", "f"][i];
        bomb.push_str(&format!(
            "{name}: &{name} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
        ));
    }
    std::fs::write(root.join("bomb.yaml"), bomb).unwrap();
    let o = o11ylint(root, &["check", "--format", "json"]);
    let d = json_diags(&o);
    let plain = codes(&d, "plain.yaml");
    assert!(
        plain
            .iter()
            .any(|(c, m)| *c == "OL100" && m.contains("more than 500,000 YAML nodes (the limit)")),
        "{plain:?}"
    );
    assert!(!plain.iter().any(|(_, m)| m.contains("alias")), "{plain:?}");
    let bomb = codes(&d, "bomb.yaml");
    assert!(
        bomb.iter()
            .any(|(c, m)| *c == "OL100" && m.contains("copied by aliases")),
        "{bomb:?}"
    );
}

#[test]
fn p8_flat_chains_are_not_nesting_in_logql_and_alloy() {
    let tmp = repo();
    let root = tmp.path();
    std::fs::create_dir(root.join("loki")).unwrap();
    let chain = |n: usize| vec![r#"count_over_time({job="a"}[5m])"#; n].join(" + ");
    let loki = |n: usize| {
        format!(
            "groups:\n  - name: g\n    rules:\n      - record: x:y:z\n        expr: '{}'\n",
            chain(n)
        )
    };
    // Loki takes a 255-term sum (it was "nested too deeply")
    std::fs::write(root.join("loki/flat.yaml"), loki(900)).unwrap();
    std::fs::write(root.join("loki/over.yaml"), loki(1_100)).unwrap();
    let alloy = |n: usize| {
        format!(
            "local.file \"f\" {{\n  filename = {}\n}}\n",
            vec!["\"a\""; n].join(" + ")
        )
    };
    std::fs::write(root.join("flat.alloy"), alloy(5_000)).unwrap();
    std::fs::write(root.join("over.alloy"), alloy(10_100)).unwrap();
    let o = o11ylint(root, &["check", "--format", "json"]);
    let d = json_diags(&o);
    for f in ["loki/flat.yaml", "flat.alloy"] {
        let c = codes(&d, f);
        assert!(
            !c.iter()
                .any(|(_, m)| m.contains("nested too deeply") || m.contains("binary operators")),
            "{f}: {c:?}"
        );
    }
    let c = codes(&d, "loki/over.yaml");
    assert!(
        c.iter()
            .any(|(code, m)| *code == "OL102" && m.contains("more than 1000 binary operators")),
        "{c:?}"
    );
    let c = codes(&d, "over.alloy");
    assert!(
        c.iter()
            .any(|(code, m)| *code == "OL106" && m.contains("more than 10000 binary operators")),
        "{c:?}"
    );
    assert!(
        !d.iter().any(|x| x["code"] == "OL004"),
        "internal error: {d:?}"
    );
}

#[test]
fn p6_odd_grid_positions_and_huge_ids_are_reported_as_written() {
    let tmp = repo();
    let root = tmp.path();
    let digits = "9".repeat(100_000);
    let panel = |id: &str, grid: &str| {
        format!(
            r#"{{"id":{id},"type":"text","title":"p{id_short}","gridPos":{grid}}}"#,
            id_short = &id[..id.len().min(3)]
        )
    };
    let panels = [
        panel("1e400", r#"{"x":0,"y":0,"w":4,"h":4}"#),
        panel(&digits, r#"{"x":4,"y":0,"w":4,"h":4}"#),
        panel("3", r#"{"x":1e400,"y":8,"w":4,"h":4}"#),
        panel("4", r#"{"x":0,"y":12,"w":4.5,"h":4}"#),
        panel("5", r#"{"x":"0","y":16,"w":4,"h":4}"#),
        panel("6", r#"{"x":1e19,"y":20,"w":4,"h":4}"#),
    ];
    std::fs::write(
        root.join("grid.json"),
        format!(
            r#"{{"uid":"g","title":"t","schemaVersion":39,"panels":[{}]}}"#,
            panels.join(",")
        ),
    )
    .unwrap();
    let o = o11ylint(root, &["check", "--format", "json", "grid.json"]);
    let d = json_diags(&o);
    let c = codes(&d, "grid.json");
    // two different huge ids are not the same id
    assert!(
        !c.iter().any(|(_, m)| m.contains("reuses panel id")),
        "{c:?}"
    );
    for want in [
        "`x` is 1e400 (not a finite number)",
        "`w` is 4.5 (not a whole number)",
        "`x` is \"0\" (a string, not a number)",
        "`x` is 1e19 (far outside any grid)",
    ] {
        assert!(
            c.iter()
                .any(|(code, m)| *code == "OL712" && m.contains(want)),
            "{want}: {c:?}"
        );
    }
    assert!(
        !c.iter().any(|(_, m)| m.contains("9223372036854775807")),
        "{c:?}"
    );
    assert!(
        c.iter().all(|(_, m)| m.len() < 2_000),
        "a message echoes the whole id"
    );
}

#[test]
fn p6_a_reused_huge_id_is_reported_short() {
    let tmp = repo();
    let root = tmp.path();
    let id = "7".repeat(100_000);
    std::fs::write(
        root.join("ids.json"),
        format!(
            r#"{{"uid":"g","title":"t","schemaVersion":39,"panels":[{{"id":{id},"type":"text","title":"a","gridPos":{{"x":0,"y":0,"w":4,"h":4}}}},{{"id":{id},"type":"text","title":"b","gridPos":{{"x":4,"y":0,"w":4,"h":4}}}}]}}"#
        ),
    )
    .unwrap();
    let o = o11ylint(root, &["check", "--format", "json", "ids.json"]);
    let d = json_diags(&o);
    let c = codes(&d, "ids.json");
    let reuse: Vec<_> = c
        .iter()
        .filter(|(_, m)| m.contains("reuses panel id"))
        .collect();
    assert_eq!(reuse.len(), 1, "{c:?}");
    assert!(
        reuse[0].1.contains("(100000 characters)") && reuse[0].1.len() < 300,
        "{reuse:?}"
    );
}
