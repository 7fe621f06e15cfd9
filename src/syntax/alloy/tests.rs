use super::*;

fn ok(src: &str) -> Config {
    let c = parse(src);
    assert!(c.errors.is_empty(), "{src:?}: {:?}", c.errors);
    c
}

fn first_error(src: &str) -> ParseError {
    let c = parse(src);
    c.errors
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("{src:?} parsed without error"))
}

fn attr_value(c: &Config, name: &str) -> Expr {
    for s in &c.body {
        if let Stmt::Attribute(a) = s {
            if a.name.name == name {
                return a.value.clone();
            }
        }
    }
    panic!("no attribute {name}")
}

#[test]
fn blocks_labels_and_attributes_keep_spans() {
    let src = "loki.write \"audit\" {\n  endpoint {\n    url = \"http://x\"\n  }\n}\n";
    let c = ok(src);
    let b = c.blocks().next().unwrap();
    assert_eq!(b.name(), "loki.write");
    assert_eq!(b.id(), "loki.write.audit");
    assert_eq!(&src[b.name_span()], "loki.write");
    assert_eq!(&src[b.header_span()], "loki.write \"audit\"");
    assert_eq!(&src[b.span.clone()], src.trim_end());
    let ep = b.blocks().next().unwrap();
    assert_eq!(ep.name(), "endpoint");
    assert!(ep.label.is_none());
    let url = ep.attr("url").unwrap();
    assert_eq!(&src[url.span.clone()], "url = \"http://x\"");
    assert_eq!(url.value.as_string().unwrap().value, "http://x");
    assert_eq!(c.components().len(), 1);
}

#[test]
fn literals() {
    let c = ok("a = null\nb = true\nc = false\nd = 12\ne = 1.5e3\nf = .5\ng = `raw\\n\nline`\nh = \"q\\\"\\n\\u00e9\\x41\\101\"\n");
    assert_eq!(attr_value(&c, "a"), Expr::Null(4..8));
    assert!(matches!(
        attr_value(&c, "b"),
        Expr::Bool { value: true, .. }
    ));
    assert!(matches!(attr_value(&c, "d"), Expr::Number { value, .. } if value == 12.0));
    assert!(matches!(attr_value(&c, "e"), Expr::Number { value, .. } if value == 1500.0));
    assert!(matches!(attr_value(&c, "f"), Expr::Number { value, .. } if value == 0.5));
    let g = attr_value(&c, "g");
    let g = g.as_string().unwrap();
    assert!(g.raw);
    assert_eq!(g.value, "raw\\n\nline");
    assert_eq!(
        attr_value(&c, "h").as_string().unwrap().value,
        "q\"\né\u{41}A"
    );
}

#[test]
fn arrays_objects_and_trailing_commas() {
    let src = "values = {\n  cluster = \"a\",\n  \"log_stream\" = \"b\",\n}\nlist = [\n  1,\n  2,\n]\nempty = {}\nnone = []\n";
    let c = ok(src);
    let v = attr_value(&c, "values");
    let fields = v.as_object().unwrap();
    assert_eq!(fields.len(), 2);
    assert_eq!(fields[1].name.name, "log_stream");
    assert!(fields[1].quoted);
    assert_eq!(&src[fields[1].name.span.clone()], "\"log_stream\"");
    assert_eq!(attr_value(&c, "list").as_array().unwrap().len(), 2);
    assert!(attr_value(&c, "empty").as_object().unwrap().is_empty());
    assert!(attr_value(&c, "none").as_array().unwrap().is_empty());
}

#[test]
fn references_calls_and_operators() {
    let src = "forward_to = [loki.write.audit.receiver, loki.relabel.x.receiver]\npw = sys.env(\"PW\") + env(\"X\")\nn = -2 ^ 2 * 3 + 1 > 4 || !ok && a[0] == remote.kubernetes.secret.s.data[\"k\"]\n";
    let c = ok(src);
    let refs = attr_value(&c, "forward_to").references();
    let names: Vec<String> = refs.iter().map(Reference::dotted).collect();
    assert_eq!(
        names,
        ["loki.write.audit.receiver", "loki.relabel.x.receiver"]
    );
    assert_eq!(&src[refs[0].span.clone()], "loki.write.audit.receiver");
    assert!(
        attr_value(&c, "pw").references().is_empty(),
        "function names are not references"
    );
    let n = attr_value(&c, "n");
    let names: Vec<String> = n.references().iter().map(Reference::dotted).collect();
    assert_eq!(names, ["ok", "a", "remote.kubernetes.secret.s.data"]);
    // || binds loosest
    assert!(matches!(
        n,
        Expr::Binary {
            op: BinaryOp::Or,
            ..
        }
    ));
    // ^ binds tighter than unary minus's operand chain: (-2)^2
    let Expr::Binary { lhs, .. } = n else {
        unreachable!()
    };
    let Expr::Binary {
        op: BinaryOp::Gt,
        lhs: add,
        ..
    } = *lhs
    else {
        panic!()
    };
    let Expr::Binary {
        op: BinaryOp::Add,
        lhs: mul,
        ..
    } = *add
    else {
        panic!()
    };
    let Expr::Binary {
        op: BinaryOp::Mul,
        lhs: pow,
        ..
    } = *mul
    else {
        panic!()
    };
    assert!(matches!(
        *pow,
        Expr::Binary {
            op: BinaryOp::Pow,
            ..
        }
    ));
}

#[test]
fn comments_anywhere() {
    let src = "// head\n/* block\n comment */\nlogging { // trailing\n  level = \"info\" /* inline */\n  format = /* before */ \"json\"\n}\n";
    let c = ok(src);
    let b = c.blocks().next().unwrap();
    assert_eq!(b.attributes().count(), 2);
}

#[test]
fn statement_needs_its_own_line() {
    let e = first_error("a = 1 b = 2\n");
    assert_eq!(e.span, 6..7);
    assert!(e.message.contains("end of the line"), "{}", e.message);
}

#[test]
fn multi_line_list_needs_trailing_comma() {
    let src = "forward_to = [\n  loki.write.a.receiver\n]\n";
    let e = first_error(src);
    assert!(e.message.contains("missing `,`"), "{}", e.message);
    assert_eq!(
        e.span.start,
        src.find("receiver").unwrap() + "receiver".len()
    );
}

#[test]
fn errors_say_what_was_expected() {
    let cases: &[(&str, &str)] = &[
        ("a = \n", "expected an expression, found end of file"),
        (
            "a = [1, 2\n",
            "missing `,` at the end of the line in the array",
        ),
        ("a b\n", "expected `=` or `{` after `a`"),
        ("a.b \"x\" = 1\n", "attribute name `a.b`"),
        ("x = [1 2]\n", "expected `,` or `]` in the array"),
        (
            "x = { a 1 }\n",
            "expected `=` after field `a`, found number `1`",
        ),
        ("x = { a: 1 }\n", "unexpected character `:`"),
        ("x = \"abc\n", "string literal not terminated"),
        ("x = 'a'\n", "single-quoted"),
        ("x = \"\\d\"\n", "unknown escape sequence `\\d`"),
        ("x = 1 | 2\n", "expected `||`"),
        ("b \"not valid\" {}\n", "not a valid identifier"),
        ("b `raw` {}\n", "double-quoted"),
        ("x = 1e\n", "exponent has no digits"),
        ("/* open\n", "block comment not terminated"),
        ("b {\n a = 1\n", "expected `}` to close block `b`"),
        ("x = $\n", "unexpected character `$`"),
        (
            "}\n",
            "expected an attribute name or a block name, found `}`",
        ),
    ];
    for (src, want) in cases {
        let e = first_error(src);
        assert!(e.message.contains(want), "{src:?}: got {:?}", e.message);
        assert!(e.span.end <= src.len(), "{src:?}");
    }
}

#[test]
fn recovery_skips_the_rest_of_an_unclosed_list() {
    let src = "b {\n  x = [\n    a.b\n  ]\n  y = {\n    k = (1\n  }\n}\nz = 1\n";
    let c = parse(src);
    assert_eq!(c.errors.len(), 2, "{:?}", c.errors);
    assert!(c.errors[0].message.contains("missing `,`"));
    assert!(
        c.errors[1].message.contains("expected `)`"),
        "{:?}",
        c.errors
    );
    assert!(c
        .body
        .iter()
        .any(|s| matches!(s, Stmt::Attribute(a) if a.name.name == "z")));
}

#[test]
fn recovery_reports_one_error_per_line_and_keeps_going() {
    let src = "a = = 1\nb {\n  c = [\n}\nd = 2\n";
    let c = parse(src);
    assert_eq!(c.errors.len(), 2, "{:?}", c.errors);
    assert!(c
        .body
        .iter()
        .any(|s| matches!(s, Stmt::Attribute(a) if a.name.name == "d")));
}

#[test]
fn one_line_blocks_and_nested_blocks() {
    let c = ok("loki.process \"p\" { stage.static_labels { values = { a = \"b\" } } }\n");
    let p = c.blocks().next().unwrap();
    let st = p.blocks().next().unwrap();
    assert_eq!(st.name(), "stage.static_labels");
    assert_eq!(
        st.attr("values").unwrap().value.as_object().unwrap().len(),
        1
    );
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    for src in [
        format!("a = {}1{}\n", "[".repeat(100_000), "]".repeat(100_000)),
        format!("a = {}1\n", "-".repeat(100_000)),
        format!("a = x{}\n", ".y".repeat(100_000)),
        format!("a = 2{}\n", " ^ 2".repeat(100_000)),
        format!("{}\n", "b {".repeat(100_000)),
        format!("a = {}\n", "(".repeat(100_000)),
        format!("a = f{}\n", "(1)".repeat(100_000)),
    ] {
        let c = parse(&src);
        assert!(
            c.errors
                .iter()
                .any(|e| e.message.contains("nested too deeply")),
            "{:?}",
            c.errors.first()
        );
    }
    // a flat chain is not nesting: it has its own budget (review P8)
    let c = parse(&format!("a = 1{}\n", " + 1".repeat(100_000)));
    assert!(
        c.errors
            .iter()
            .any(|e| e.message.contains("more than 10000 binary operators")),
        "{:?}",
        c.errors.first()
    );
    assert!(parse(&format!("a = 1{}\n", " + 1".repeat(5_000)))
        .errors
        .is_empty());
}

#[test]
fn never_panics_on_truncations_of_a_real_file() {
    let src = "loki.process \"openbao_audit\" {\n  forward_to = [loki.relabel.a.receiver]\n  stage.static_labels {\n    values = { log_stream = \"openbao.audit\", \"é\" = `x` }\n  }\n  stage.json { expressions = { ts = \"\\\"@timestamp\\\"\" } }\n}\n/* c */ x = sys.env(\"A\")[0] * -1.5e2 // d\n";
    for i in 0..=src.len() {
        if src.is_char_boundary(i) {
            let _ = parse(&src[..i]);
            let _ = parse(&src[i..]);
        }
    }
}

#[test]
fn bom_and_crlf() {
    let c = ok("\u{feff}a = 1\r\nb {\r\n  c = \"d\"\r\n}\r\n");
    assert_eq!(c.body.len(), 2);
}

#[test]
fn identifiers() {
    assert!(is_identifier("openbao_audit"));
    assert!(is_identifier("_x9"));
    assert!(is_identifier("é"));
    assert!(!is_identifier("9x"));
    assert!(!is_identifier("a-b"));
    assert!(!is_identifier(""));
}
