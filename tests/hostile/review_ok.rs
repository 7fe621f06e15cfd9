//! The cases the hostile-input review found handled well (verdict OK), each
//! kept so by a test named by its case number (see cases.rs).

use super::{json_diags, o11ylint, repo, stderr, stdout, CANARY_RULES};

/// [`super::rule_file`] with the expression single-quoted.
fn rule_file(expr: &str) -> String {
    super::rule_file(&format!("'{expr}'"))
}

fn found<'a>(d: &'a [serde_json::Value], file: &str) -> Vec<(&'a str, &'a str)> {
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

fn no_internal_error(d: &[serde_json::Value]) {
    assert!(
        !d.iter().any(|x| x["code"] == "OL004"),
        "internal error: {d:?}"
    );
}

#[test]
fn case10_regex_shapes_are_judged_as_go_does() {
    let tmp = repo();
    let root = tmp.path();
    std::fs::write(root.join("redos.yaml"), rule_file(r#"up{job=~"(a+)+$"}"#)).unwrap();
    std::fs::write(root.join("class.yaml"), rule_file(r#"up{job=~"[[[[[[["}"#)).unwrap();
    let deep = format!("{}a{}", "(".repeat(5_000), ")".repeat(5_000));
    std::fs::write(
        root.join("groups.yaml"),
        rule_file(&format!("up{{job=~\"{deep}\"}}")),
    )
    .unwrap();
    let o = o11ylint(root, &["check", "--format", "json"]);
    let d = json_diags(&o);
    no_internal_error(&d);
    assert!(found(&d, "redos.yaml").is_empty(), "{d:?}");
    for f in ["class.yaml", "groups.yaml"] {
        assert!(
            found(&d, f)
                .iter()
                .any(|(c, _)| *c == "OL101" || *c == "OL005"),
            "{f}: {:?}",
            found(&d, f)
        );
    }
}

fn loki_file(root: &std::path::Path, name: &str, expr: &str) {
    std::fs::create_dir_all(root.join("loki")).unwrap();
    std::fs::write(
        root.join("loki").join(name),
        format!("groups:\n  - name: g\n    rules:\n      - record: x:y:z\n        expr: |\n          {expr}\n"),
    )
    .unwrap();
}

#[test]
fn case11_case12_case14_logql_long_pipelines_deep_nesting_and_huge_alternations() {
    let tmp = repo();
    let root = tmp.path();
    let n = 100_000;
    let sel = r#"{job="a"}"#;
    loki_file(
        root,
        "json.yaml",
        &format!("sum(count_over_time({sel}{}[5m]))", " | json".repeat(n)),
    );
    loki_file(
        root,
        "lines.yaml",
        &format!("sum(count_over_time({sel}{}[5m]))", r#" |= "x""#.repeat(n)),
    );
    loki_file(
        root,
        "labels.yaml",
        &format!(
            "sum(count_over_time({sel}{}[5m]))",
            r#" | level="a""#.repeat(n)
        ),
    );
    loki_file(
        root,
        "parens.yaml",
        &format!(
            "{}count_over_time({sel}[5m]){}",
            "(".repeat(n),
            ")".repeat(n)
        ),
    );
    loki_file(
        root,
        "sums.yaml",
        &format!(
            "{}count_over_time({sel}[5m]){}",
            "sum(".repeat(n),
            ")".repeat(n)
        ),
    );
    let alts: Vec<String> = (0..200_000).map(|i| format!("v{i}")).collect();
    loki_file(
        root,
        "alts.yaml",
        &format!(
            r#"sum(count_over_time({{job="a", pod=~"{}"}} |~ "{}" [5m]))"#,
            alts.join("|"),
            alts.join("|")
        ),
    );
    let o = o11ylint(root, &["check", "--format", "json"]);
    let d = json_diags(&o);
    no_internal_error(&d);
    for f in [
        "loki/json.yaml",
        "loki/lines.yaml",
        "loki/labels.yaml",
        "loki/alts.yaml",
    ] {
        assert!(
            !found(&d, f).iter().any(|(c, _)| *c == "OL102"),
            "{f}: {:?}",
            found(&d, f)
        );
    }
    for f in ["loki/parens.yaml", "loki/sums.yaml"] {
        assert!(
            found(&d, f)
                .iter()
                .any(|(c, m)| *c == "OL102"
                    && m.contains("nested too deeply (the limit is 256 levels)")),
            "{f}: {:?}",
            found(&d, f)
        );
    }
}

#[test]
fn case17_case19_alloy_nesting_and_unterminated_text_are_located() {
    let tmp = repo();
    let root = tmp.path();
    let n = 100_000;
    let files = [
        ("blocks.alloy", format!("{}\n", "b {\n".repeat(n))),
        ("arrays.alloy", format!("a = {}1\n", "[".repeat(n))),
        ("parens.alloy", format!("a = {}1\n", "(".repeat(n))),
        ("objects.alloy", format!("a = {}1\n", "{a=".repeat(n))),
        ("nots.alloy", format!("a = {}true\n", "!".repeat(n))),
        ("calls.alloy", format!("a = {}1\n", "f(".repeat(n))),
    ];
    for (f, t) in &files {
        std::fs::write(root.join(f), t).unwrap();
    }
    std::fs::write(root.join("string.alloy"), "a = 1\nb = \"never closed\n").unwrap();
    std::fs::write(root.join("comment.alloy"), "/* never closed\na = 1\n").unwrap();
    let o = o11ylint(root, &["check", "--format", "json"]);
    let d = json_diags(&o);
    no_internal_error(&d);
    for (f, _) in &files {
        assert!(
            found(&d, f)
                .iter()
                .any(|(c, m)| *c == "OL106"
                    && m.contains("nested too deeply (the limit is 200 levels)")),
            "{f}: {:?}",
            found(&d, f)
        );
    }
    let at = |f: &str| {
        d.iter()
            .find(|x| x["file"] == f && x["code"] == "OL106")
            .map(|x| {
                (
                    x["range"]["start"]["line"].clone(),
                    x["range"]["start"]["column"].clone(),
                    x["message"].clone(),
                )
            })
    };
    let (l, c, m) = at("string.alloy").expect("string finding");
    assert_eq!((l, c), (serde_json::json!(2), serde_json::json!(5)), "{m}");
    assert!(
        m.as_str()
            .unwrap()
            .contains("string literal not terminated"),
        "{m}"
    );
    let (l, c, m) = at("comment.alloy").expect("comment finding");
    assert_eq!((l, c), (serde_json::json!(1), serde_json::json!(1)), "{m}");
    assert!(
        m.as_str().unwrap().contains("block comment not terminated"),
        "{m}"
    );
}

#[test]
fn case22_case24_case27_dashboards_too_large_too_deep_or_not_json() {
    let tmp = repo();
    let root = tmp.path();
    let panel = r#"{"id":1,"type":"timeseries","title":"p","gridPos":{"x":0,"y":0,"w":1,"h":1},"targets":[{"refId":"A","expr":"up"}]},"#;
    let big = format!(
        r#"{{"uid":"b","title":"t","schemaVersion":39,"panels":[{}{{}}]}}"#,
        panel.repeat(17 * 1024 * 1024 / panel.len() + 1)
    );
    std::fs::write(root.join("big.json"), big).unwrap();
    std::fs::write(
        root.join("deep.json"),
        format!(
            r#"{{"uid":"d","title":"t","schemaVersion":39,"panels":[],"x":{}1{}}}"#,
            "[".repeat(10_000),
            "]".repeat(10_000)
        ),
    )
    .unwrap();
    std::fs::write(
        root.join("nan.json"),
        r#"{"uid":"n","title":"t","schemaVersion":39,"panels":[],"x":NaN}"#,
    )
    .unwrap();
    let o = o11ylint(root, &["check", "--format", "json"]);
    let d = json_diags(&o);
    no_internal_error(&d);
    assert!(
        found(&d, "big.json")
            .iter()
            .any(|(c, m)| *c == "OL003" && m.contains("over the 16 MiB limit")),
        "{:?}",
        found(&d, "big.json")
    );
    assert!(
        found(&d, "deep.json")
            .iter()
            .any(|(c, m)| *c == "OL105" && m.contains("256 levels")),
        "{:?}",
        found(&d, "deep.json")
    );
    assert!(
        found(&d, "nan.json")
            .iter()
            .any(|(c, m)| *c == "OL105" && m.contains("expected a JSON value, found `N`")),
        "{:?}",
        found(&d, "nan.json")
    );
}

#[test]
fn case30_case31_case33_template_and_variable_stress_is_bounded() {
    let tmp = repo();
    let root = tmp.path();
    let n = 50_000;
    let expr = format!(
        "sum(rate(up{{job=~\"{}{}\"}}[$__rate_interval]))",
        "${".repeat(n),
        "${x:regex:a}".repeat(n)
    );
    let dash = serde_json::json!({"uid":"v","title":"t","schemaVersion":39,"panels":[{"id":1,"type":"timeseries","title":"a","gridPos":{"x":0,"y":0,"w":12,"h":8},"targets":[{"refId":"A","expr": expr}]}],
        "templating":{"list":[{"name":"x","type":"query","query": format!("label_values({}up{}, job)", "(".repeat(100_000), ")".repeat(100_000))}]}});
    std::fs::write(root.join("vars.json"), dash.to_string()).unwrap();
    let tpl = |desc: String| {
        format!("groups:\n  - name: g\n    rules:\n      - alert: X\n        expr: up == 0\n        labels:\n          severity: warning\n        annotations:\n          description: '{desc}'\n")
    };
    std::fs::write(
        root.join("ifs.yaml"),
        tpl(format!(
            "{}x{}",
            "{{if true}}".repeat(100_000),
            "{{end}}".repeat(100_000)
        )),
    )
    .unwrap();
    std::fs::write(
        root.join("parens.yaml"),
        tpl(format!(
            "{{{{ {}1{} }}}}",
            "(".repeat(100_000),
            ")".repeat(100_000)
        )),
    )
    .unwrap();
    std::fs::write(root.join("unclosed.yaml"), tpl("{{".repeat(100_000))).unwrap();
    let o = o11ylint(root, &["check", "--format", "json"]);
    let d = json_diags(&o);
    no_internal_error(&d);
    let unclosed: Vec<_> = found(&d, "unclosed.yaml")
        .into_iter()
        .filter(|(c, _)| *c == "OL103")
        .collect();
    assert_eq!(unclosed.len(), 1, "{unclosed:?}");
    assert!(unclosed[0].1.contains("unclosed action"), "{unclosed:?}");
}

#[test]
fn case35_case36_case37_case39_yaml_tags_streams_flow_maps_and_many_anchors() {
    let tmp = repo();
    let root = tmp.path();
    std::fs::write(
        root.join("tags.yaml"),
        "groups:\n  - name: g\n    rules:\n      - record: openbao:x:a\n        expr: !!str sum by (client_ip) (up)\n      - record: openbao:x:b\n        expr: !<tag:yaml.org,2002:str> sum by (client_ip) (up)\n      - record: openbao:x:c\n        expr: !custom sum by (client_ip) (up)\n",
    )
    .unwrap();
    std::fs::write(
        root.join("stream.yaml"),
        format!("{CANARY_RULES}---\ngroups: [\n---\n{CANARY_RULES}"),
    )
    .unwrap();
    let rules: Vec<String> = (0..25_000)
        .map(|i| format!("{{record: 'openbao:x:r{i}', expr: 'sum by (client_ip) (up)'}}"))
        .collect();
    std::fs::write(
        root.join("flow.yaml"),
        format!("{{groups: [{{name: g, rules: [{}]}}]}}\n", rules.join(", ")),
    )
    .unwrap();
    let mut anchors = String::from("groups:\n  - name: g\n    rules:\n");
    for i in 0..50_000 {
        anchors.push_str(&format!("      - record: &r{i} openbao:x:a{i}\n        expr: up\n        labels: {{a: *r{i}}}\n"));
    }
    std::fs::write(root.join("anchors.yaml"), anchors).unwrap();
    let o = o11ylint(root, &["check", "--format", "json"]);
    let d = json_diags(&o);
    no_internal_error(&d);
    assert_eq!(
        found(&d, "tags.yaml")
            .iter()
            .filter(|(c, _)| *c == "OL200")
            .count(),
        3,
        "{:?}",
        found(&d, "tags.yaml")
    );
    let s = found(&d, "stream.yaml");
    assert!(
        s.iter().any(|(c, _)| *c == "OL200"),
        "document 1 linted: {s:?}"
    );
    assert!(
        s.iter().any(|(c, _)| *c == "OL100"),
        "document 2's error: {s:?}"
    );
    assert_eq!(
        found(&d, "flow.yaml")
            .iter()
            .filter(|(c, _)| *c == "OL200")
            .count(),
        25_000
    );
    assert!(
        !found(&d, "anchors.yaml").iter().any(|(c, _)| *c == "OL100"),
        "{:?}",
        &found(&d, "anchors.yaml")[..3.min(found(&d, "anchors.yaml").len())]
    );
}

#[test]
fn case43_a_255_byte_file_name_is_linted() {
    let tmp = repo();
    let root = tmp.path();
    let name = format!("{}.yaml", "n".repeat(250));
    std::fs::write(root.join(&name), CANARY_RULES).unwrap();
    let o = o11ylint(root, &["check", "--format", "json"]);
    let d = json_diags(&o);
    assert!(!found(&d, &name).is_empty(), "{d:?}");
}

#[test]
fn case50_generate_replaces_a_generated_file_link_without_writing_through_it() {
    use super::files::{first_generated_json, generated_repo};
    let tmp = generated_repo();
    let root = tmp.path();
    let outside = tmp.path().join("outside.json");
    std::fs::write(&outside, "keep\n").unwrap();
    let rel = first_generated_json(root);
    std::fs::remove_file(root.join(&rel)).unwrap();
    std::os::unix::fs::symlink(&outside, root.join(&rel)).unwrap();
    let o = o11ylint(root, &["generate"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), "keep\n");
    assert!(std::fs::symlink_metadata(root.join(&rel))
        .unwrap()
        .is_file());
}

#[test]
fn case65_generate_output_stays_inside_generated() {
    use super::files::generated_repo;
    let tmp = generated_repo();
    let root = tmp.path();
    let o = o11ylint(root, &["generate", "--source-prefix", "../../../../x/evil"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("not one of the policy's prefixes"),
        "{}",
        stderr(&o)
    );
    // where the prefix would lead from generated/prometheus/
    for p in [root.join("../../x"), std::path::PathBuf::from("/x")] {
        assert!(!p.exists(), "{} written", p.display());
    }
    let o = o11ylint(root, &["generate", "--check"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

fn evil_repo() -> tempfile::TempDir {
    let tmp = repo();
    std::fs::write(tmp.path().join("o11ylint.yaml"), "extends: openbao\n").unwrap();
    std::fs::write(
        tmp.path().join("evil.yaml"),
        "groups:\n  - name: g\n    rules:\n      - alert: \"Evil\\r\\n::warning::x %0A \\u001b]0;pwned\\u0007\"\n        expr: up == 0\n        labels:\n          severity: \"bogus\\n::error::y\"\n",
    )
    .unwrap();
    tmp
}

#[test]
fn case66_case67_github_annotations_escape_messages_and_properties() {
    let tmp = evil_repo();
    let o = o11ylint(tmp.path(), &["check", "--format", "github"]);
    let out = stdout(&o);
    assert!(!out.is_empty());
    for line in out.lines() {
        assert!(
            line.starts_with("::"),
            "every line is one annotation: {line:?}"
        );
    }
    assert!(out.contains("%0D%0A::warning::x %250A"), "{out}");
    assert!(!out.contains('\u{1b}'), "raw ESC: {out:?}");
}

#[test]
fn case72_case73_machine_formats_stay_well_formed() {
    let tmp = evil_repo();
    for f in ["json", "sarif", "gitlab"] {
        let o = o11ylint(tmp.path(), &["check", "--format", f]);
        serde_json::from_str::<serde_json::Value>(&stdout(&o))
            .unwrap_or_else(|e| panic!("{f}: {e}"));
        assert!(stdout(&o).contains("\\u001b"), "{f}: ESC as JSON escape");
        assert!(!stdout(&o).contains('\u{1b}'), "{f}: raw ESC");
    }
    let o = o11ylint(tmp.path(), &["check", "--format", "checkstyle"]);
    let x = stdout(&o);
    assert!(x.starts_with("<?xml"), "{x}");
    assert!(
        !x.chars().any(|c| c.is_control() && c != '\n' && c != '\t'),
        "control characters in XML: {x:?}"
    );
    assert!(x.contains("&#10;") || x.contains("\\n"), "{x}");
}

#[test]
fn case106_bad_validate_arguments_are_clear_errors() {
    let tmp = repo();
    for args in [
        ["--timeout", "99999999999999h"],
        ["--range", "9999999999999999999y"],
        ["--concurrency", "0"],
        ["--retries", "4294967296"],
        ["--deadline", "0s"],
    ] {
        let mut a = vec!["validate-queries", "--prometheus", "http://127.0.0.1:9"];
        a.extend_from_slice(&args);
        let o = o11ylint(tmp.path(), &a);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(
            stderr(&o).contains(args[0]) || stderr(&o).contains(&args[0][2..]),
            "{args:?}: {}",
            stderr(&o)
        );
    }
}

#[test]
fn case107_case109_case6b_policy_errors_are_located_and_globs_are_cheap() {
    let tmp = repo();
    let root = tmp.path();
    std::fs::write(root.join("canary.yaml"), CANARY_RULES).unwrap();
    std::fs::write(
        root.join("o11ylint.yaml"),
        "extends: generic\nlabels:\n  forbiden: [a]\nbogus_key: 1\n",
    )
    .unwrap();
    let o = o11ylint(root, &["check", "--format", "json"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("o11ylint.yaml:3:3") && err.contains("did you mean `forbidden`?"),
        "{err}"
    );
    assert!(err.contains("o11ylint.yaml:4:1"), "{err}");
    // pathological but valid globs, and globs that can never match
    std::fs::write(
        root.join("o11ylint.yaml"),
        format!(
            "extends: generic\nexclude:\n  - \"{}\"\n  - \"{}x\"\n  - \"../**\"\n  - \"/etc/**\"\n",
            "{a,b}".repeat(40),
            "*a".repeat(2_000)
        ),
    )
    .unwrap();
    let o = o11ylint(root, &["check", "--format", "json"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(json_diags(&o).iter().any(|d| d["file"] == "canary.yaml"));
}

#[test]
fn case6a_a_long_forbidden_label_list_replaces_the_default() {
    let tmp = repo();
    let root = tmp.path();
    std::fs::write(root.join("canary.yaml"), CANARY_RULES).unwrap();
    let labels: Vec<String> = (0..50_000).map(|i| format!("l{i}")).collect();
    std::fs::write(
        root.join("o11ylint.yaml"),
        format!(
            "extends: generic\nlabels:\n  forbidden: [{}]\n",
            labels.join(", ")
        ),
    )
    .unwrap();
    let o = o11ylint(root, &["check", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // lists replace: client_ip is no longer forbidden
    assert!(!json_diags(&o).iter().any(|d| d["code"] == "OL200"));
}

#[test]
fn case7_case18_very_large_expressions_and_arrays_are_linted() {
    let tmp = repo();
    let root = tmp.path();
    std::fs::write(
        root.join("label.yaml"),
        rule_file(&format!("up{{job=\"{}\"}}", "v".repeat(10 << 20))),
    )
    .unwrap();
    let matchers: Vec<String> = (0..1_000_000).map(|i| format!("l{i}=\"v\"")).collect();
    std::fs::write(
        root.join("matchers.yaml"),
        rule_file(&format!("up{{{}}}", matchers.join(","))),
    )
    .unwrap();
    let elements: Vec<&str> = vec!["\"x\""; 1_000_000];
    std::fs::write(
        root.join("array.alloy"),
        format!(
            "local.file \"f\" {{\n  filename = [{}]\n}}\n",
            elements.join(", ")
        ),
    )
    .unwrap();
    let o = o11ylint(root, &["check", "--format", "json"]);
    let d = json_diags(&o);
    no_internal_error(&d);
    for f in ["label.yaml", "matchers.yaml", "array.alloy"] {
        assert!(
            !found(&d, f)
                .iter()
                .any(|(c, _)| *c == "OL003" || *c == "OL101" || *c == "OL106"),
            "{f}: {:?}",
            found(&d, f)
        );
    }
}

#[test]
fn case28_many_overlapping_panels_and_shared_ids_are_each_reported() {
    let tmp = repo();
    let root = tmp.path();
    let n = 20_000;
    let overlap: Vec<String> = (0..n)
        .map(|i| {
            format!(
                r#"{{"id":{i},"type":"text","title":"p{i}","gridPos":{{"x":0,"y":0,"w":4,"h":4}}}}"#
            )
        })
        .collect();
    let shared: Vec<String> = (0..n)
        .map(|i| {
            format!(
                r#"{{"id":7,"type":"text","title":"p{i}","gridPos":{{"x":0,"y":{},"w":4,"h":4}}}}"#,
                i * 4
            )
        })
        .collect();
    for (f, panels) in [("overlap.json", overlap), ("ids.json", shared)] {
        std::fs::write(
            root.join(f),
            format!(
                r#"{{"uid":"{f}","title":"t","schemaVersion":39,"panels":[{}]}}"#,
                panels.join(",")
            ),
        )
        .unwrap();
    }
    let o = o11ylint(root, &["check", "--format", "json"]);
    let d = json_diags(&o);
    no_internal_error(&d);
    let count = |f: &str, code: &str| found(&d, f).iter().filter(|(c, _)| *c == code).count();
    assert_eq!(count("overlap.json", "OL712"), n - 1);
    assert_eq!(count("ids.json", "OL711"), n - 1);
}

#[test]
fn case41_many_tiny_files_are_walked() {
    // the review's shape (tiny files in 100 directories) at a tenth of its
    // 100,001 files: the whole count takes about two minutes in the debug
    // build the tests use; the walk's speed is measured by `make bench`
    let tmp = repo();
    let root = tmp.path();
    for d in 0..100 {
        let dir = root.join(format!("d{d}"));
        std::fs::create_dir(&dir).unwrap();
        for f in 0..100 {
            std::fs::write(dir.join(format!("f{f}.yaml")), "groups: []\n").unwrap();
        }
    }
    std::fs::write(root.join("canary.yaml"), CANARY_RULES).unwrap();
    let o = o11ylint(root, &["check", "--format", "json"]);
    let d = json_diags(&o);
    no_internal_error(&d);
    assert!(found(&d, "canary.yaml").iter().any(|(c, _)| *c == "OL200"));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["summary"]["files_checked"], 10_001, "{}", v["summary"]);
}

#[test]
fn case42_a_path_longer_than_path_max_is_one_finding() {
    let tmp = repo();
    let root = tmp.path();
    // built one directory at a time (the whole path is too long for one call)
    let script = format!(
        "cd '{}' && for i in $(seq 30); do d=$(printf 'd%.0s' $(seq 200)); mkdir $d && cd $d || exit 1; done; printf 'groups: []\\n' > deep.yaml",
        root.display()
    );
    assert!(std::process::Command::new("bash")
        .args(["-c", &script])
        .status()
        .unwrap()
        .success());
    std::fs::write(root.join("canary.yaml"), CANARY_RULES).unwrap();
    let o = o11ylint(root, &["check", "--format", "json"]);
    let d = json_diags(&o);
    no_internal_error(&d);
    assert!(found(&d, "canary.yaml").iter().any(|(c, _)| *c == "OL200"));
    assert!(
        d.iter().any(|x| x["code"] == "OL003"
            && x["message"]
                .as_str()
                .unwrap_or("")
                .contains("File name too long")),
        "{d:?}"
    );
}

#[test]
fn case60_a_file_changed_since_it_was_read_is_not_overwritten() {
    let tmp = repo();
    let p = tmp.path().join("r.yaml");
    std::fs::write(&p, "edited by the user\n").unwrap();
    // what --fix read ("as read") differs from the disk now
    let e = o11ylint::outputs::fix::write_atomic(&p, tmp.path(), "as read\n", "fixed\n")
        .expect_err("refused");
    assert!(e.to_string().contains("changed on disk"), "{e}");
    assert_eq!(std::fs::read_to_string(&p).unwrap(), "edited by the user\n");
    let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().flatten().collect();
    assert_eq!(left.len(), 2, "no temporary file left: {left:?}");
}
