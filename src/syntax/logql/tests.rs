use super::*;

fn ok(src: &str) -> Expr {
    match parse(src) {
        Ok(e) => e,
        Err(e) => panic!("{src:?} should parse, got: {}", e.message),
    }
}

fn err(src: &str) -> ParseError {
    match parse(src) {
        Ok(e) => panic!("{src:?} should not parse, got {e:?}"),
        Err(e) => e,
    }
}

fn log_query(e: &Expr) -> &LogQuery {
    match e.unparen() {
        Expr::Log(l) => l,
        other => panic!("not a log query: {other:?}"),
    }
}

fn range_agg(e: &Expr) -> &RangeAggregation {
    match e.unparen() {
        Expr::RangeAggregation(r) => r,
        other => panic!("not a range aggregation: {other:?}"),
    }
}

fn label_filter(stage: &Stage) -> &LabelFilter {
    match stage {
        Stage::LabelFilter { filter, .. } => filter,
        other => panic!("not a label filter: {other:?}"),
    }
}

fn names(ids: &[Ident]) -> Vec<&str> {
    ids.iter().map(|i| i.name.as_str()).collect()
}

/// Byte range of the `n`th occurrence of `needle` in `src`.
fn find(src: &str, needle: &str, n: usize) -> Span {
    let mut from = 0;
    let mut found = None;
    for _ in 0..=n {
        let i = from + src[from..].find(needle).expect("needle present");
        found = Some(i);
        from = i + 1;
    }
    let i = found.unwrap();
    i..i + needle.len()
}

// ----- stream selectors -------------------------------------------------

#[test]
fn selector_all_operators_and_spans() {
    let src = r#"{a="b", c=~"d", e!="f", g!~"h"}"#;
    let e = ok(src);
    assert!(!e.is_metric());
    assert_eq!(e.span(), 0..31);
    let sel = &log_query(&e).selector;
    assert_eq!(sel.span, 0..31);
    let ops: Vec<MatchOp> = sel.matchers.iter().map(|m| m.op).collect();
    assert_eq!(
        ops,
        vec![MatchOp::Eq, MatchOp::Re, MatchOp::Neq, MatchOp::Nre]
    );
    let m0 = &sel.matchers[0];
    assert_eq!(m0.name.name, "a");
    assert_eq!(m0.name.span, 1..2);
    assert_eq!(m0.value, "b");
    assert_eq!(m0.value_span, 3..6);
    assert_eq!(m0.span, 1..6);
    assert_eq!(sel.matchers[1].span, 8..14);
    assert_eq!(sel.matchers[3].span, 24..30);
    assert_eq!(sel.matchers[3].value_span, 27..30);
    assert_eq!(sel.matcher("e").map(|m| m.value.as_str()), Some("f"));
    assert_eq!(e.selectors().len(), 1);
}

#[test]
fn selector_strings_backticks_and_escapes() {
    let src = "{a=`x\\d+`, b=\"q\\\"\\n\\u00e9\\x41\\101\", c = \"\"}";
    let e = ok(src);
    let m = &log_query(&e).selector.matchers;
    assert_eq!(m[0].value, "x\\d+");
    assert_eq!(m[0].value_span, 3..9);
    assert_eq!(m[1].value, "q\"\né\u{41}A");
    assert_eq!(m[2].value, "");
    // Whitespace and comments anywhere between tokens.
    let e = ok("# leading comment\n{ job = \"x\" # trailing\n }");
    assert_eq!(log_query(&e).selector.matchers[0].name.span, 20..23);
    // Label names may contain colons and digits.
    ok(r#"{__name__:x1="y"}"#);
}

#[test]
fn selector_errors() {
    let e = err("{}");
    assert_eq!(e.span, 1..2);
    assert_eq!(
        e.message,
        "expected a label matcher such as job=\"app\", found '}' at 1:2"
    );
    let e = err(r#"{a="b""#);
    assert_eq!(e.span, 6..6);
    assert_eq!(e.message, "expected ',' or '}', found end of query at 1:7");
    let e = err(r#"{a="b",}"#);
    assert_eq!(e.span, 7..8);
    let e = err(r#"{a="b" c="d"}"#);
    assert_eq!(e.span, 7..8);
    assert!(
        e.message.starts_with("expected ',' or '}'"),
        "{}",
        e.message
    );
    let e = err(r#"{a=b}"#);
    assert_eq!(e.span, 3..4);
    assert!(
        e.message.starts_with("expected a quoted string"),
        "{}",
        e.message
    );
    let e = err(r#"{a>"b"}"#);
    assert_eq!(e.span, 2..3);
    assert!(e.message.contains("matching operator"), "{}", e.message);
    // Position on a later line, columns in characters.
    let e = err("{a=\"é\",\n  b}");
    assert_eq!(e.span, 12..13);
    assert!(e.message.ends_with("at 2:4"), "{}", e.message);
}

#[test]
fn lexical_errors() {
    let e = err(r#"{a="b}"#);
    assert_eq!(e.span, 3..6);
    assert_eq!(e.message, "unterminated string at 1:4");
    let e = err("{a=\"b\nc\"}");
    assert!(
        e.message.starts_with("unterminated string"),
        "{}",
        e.message
    );
    let e = err("{a=`b}");
    assert_eq!(e.message, "unterminated raw string at 1:4");
    let e = err(r#"{a="\d"}"#);
    assert_eq!(e.span, 4..6);
    assert!(
        e.message.starts_with("invalid escape sequence"),
        "{}",
        e.message
    );
    let e = err("{a='b'}");
    assert_eq!(e.span, 3..4);
    assert!(e.message.contains("single-quoted"), "{}", e.message);
    let e = err(r#"{a="b"} @"#);
    assert_eq!(e.message, "unexpected character '@' at 1:9");
    let e = err(r#"rate({a="b"}[5x])"#);
    assert_eq!(e.span, 13..15);
    assert!(e
        .message
        .starts_with("invalid number, duration or byte size '5x'"));
    let e = err("");
    assert_eq!(e.span, 0..0);
    assert_eq!(
        e.message,
        "expected a LogQL query, found end of query at 1:1"
    );
    err("   # only a comment");
}

// ----- line filters -----------------------------------------------------

#[test]
fn line_filters_all_operators() {
    let src = r#"{a="b"} |= "x" != "y" |~ "z" !~ `w` |> "<_> ok" !> "<_> no""#;
    let e = ok(src);
    let ops: Vec<LineFilterOp> = log_query(&e)
        .pipeline
        .iter()
        .map(|s| match s {
            Stage::LineFilter(f) => f.op,
            other => panic!("{other:?}"),
        })
        .collect();
    use LineFilterOp::*;
    assert_eq!(
        ops,
        vec![Contains, NotContains, Match, NotMatch, Pattern, NotPattern]
    );
    let Stage::LineFilter(f) = &log_query(&e).pipeline[0] else {
        unreachable!()
    };
    assert_eq!(f.op_span, 8..10);
    assert_eq!(f.span, 8..14);
    assert_eq!(f.op.as_str(), "|=");
}

#[test]
fn line_filter_or_chains_and_ip() {
    let src = r#"{a="b"} |= "x" or "y" or ip("10.0.0.0/8") != ip("1.2.3.4")"#;
    let e = ok(src);
    let p = &log_query(&e).pipeline;
    assert_eq!(p.len(), 2);
    let Stage::LineFilter(f) = &p[0] else {
        unreachable!()
    };
    assert_eq!(f.values.len(), 3);
    assert_eq!(f.span, 8..find(src, ")", 0).end);
    match &f.values[2] {
        FilterValue::Ip { value, span } => {
            assert_eq!(value.value, "10.0.0.0/8");
            assert_eq!(*span, find(src, r#"ip("10.0.0.0/8")"#, 0));
        }
        other => panic!("{other:?}"),
    }
    let e = err(r#"{a="b"} |= 5"#);
    assert_eq!(e.span, 11..12);
    assert!(
        e.message.starts_with("expected a quoted string or ip"),
        "{}",
        e.message
    );
}

// ----- parsers ----------------------------------------------------------

#[test]
fn parser_stages_and_created_labels() {
    let src = r#"{job="a"} | regexp `(?P<method>\w+) (?P<path>\S+)` | pattern "<ip> <_> <status>" | label_format dst="{{.src}}", renamed=orig | json a="x.y", b | logfmt --strict c"#;
    let e = ok(src);
    let created = e.created_labels();
    let got: Vec<(&str, LabelOrigin, Span)> = created
        .iter()
        .map(|c| (c.name.name.as_str(), c.origin, c.name.span.clone()))
        .collect();
    let c_at = src.rfind('c').unwrap();
    assert_eq!(
        got,
        vec![
            ("method", LabelOrigin::Regexp, 24..30),
            ("path", LabelOrigin::Regexp, 40..44),
            ("ip", LabelOrigin::Pattern, 63..65),
            ("status", LabelOrigin::Pattern, 72..78),
            ("dst", LabelOrigin::LabelFormat, 96..99),
            ("renamed", LabelOrigin::LabelFormat, 112..119),
            ("a", LabelOrigin::Json, 132..133),
            ("b", LabelOrigin::Json, 141..142),
            ("c", LabelOrigin::Logfmt, c_at..c_at + 1),
        ]
    );
    let stages = e.stages();
    assert_eq!(stages.len(), 5);
    let Stage::Parser(logfmt) = stages[4] else {
        panic!()
    };
    assert_eq!(logfmt.kind, ParserKind::Logfmt);
    assert_eq!(names(&logfmt.flags), vec!["--strict"]);
    let Stage::Parser(json) = stages[3] else {
        panic!()
    };
    assert_eq!(
        json.params[0].expression.as_ref().map(|s| s.value.as_str()),
        Some("x.y")
    );
    assert_eq!(json.span, find(src, r#"| json a="x.y", b"#, 0));
    let Stage::LabelFormat { items, .. } = stages[2] else {
        panic!()
    };
    assert!(matches!(&items[1].value, LabelFormatValue::Rename(i) if i.name == "orig"));
}

#[test]
fn parsers_without_parameters_create_nothing() {
    for src in [
        r#"{a="b"} | json"#,
        r#"{a="b"} | logfmt"#,
        r#"{a="b"} | logfmt --strict --keep-empty"#,
        r#"{a="b"} | unpack"#,
        r#"{a="b"} | regexp "no groups (here)""#,
        r#"{a="b"} | pattern "<_> <_>""#,
    ] {
        assert!(ok(src).created_labels().is_empty(), "{src}");
    }
    let e = ok(r#"{a="b"} | logfmt --keep-empty --strict a="b", c"#);
    let Stage::Parser(p) = &log_query(&e).pipeline[0] else {
        panic!()
    };
    assert_eq!(names(&p.flags), vec!["--keep-empty", "--strict"]);
    assert_eq!(p.params.len(), 2);
    let e = err(r#"{a="b"} | logfmt --fast"#);
    assert_eq!(e.span, 17..23);
    assert!(e.message.starts_with("unknown logfmt flag '--fast'"));
    err(r#"{a="b"} | json --strict"#);
    err(r#"{a="b"} | regexp"#);
    err(r#"{a="b"} | pattern 5"#);
}

#[test]
fn capture_names_inside_escaped_strings_fall_back_to_the_literal() {
    // With escapes the name is still found in the raw text.
    let src = r#"{a="b"} | regexp "(?P<x>\\d+)\t""#;
    let e = ok(src);
    let c = e.created_labels();
    assert_eq!(c[0].name.name, "x");
    let x = find(src, "<x>", 0).start + 1;
    assert_eq!(c[0].name.span, x..x + 1);
    // Written with an escape inside the name: the whole literal is the span.
    let src = r#"{a="b"} | pattern "<\x61b>""#;
    let e = ok(src);
    let c = e.created_labels();
    assert_eq!(c[0].name.name, "ab");
    assert_eq!(c[0].name.span, find(src, r#""<\x61b>""#, 0));
    // Lookarounds and escaped parentheses are not groups.
    let e = ok(r#"{a="b"} | regexp `\(?P<no>x\) [(?P<no2>)] (?<yes>y)`"#);
    assert_eq!(
        e.created_labels()
            .iter()
            .map(|c| c.name.name.as_str())
            .collect::<Vec<_>>(),
        vec!["yes"]
    );
}

// ----- label filters ----------------------------------------------------

#[test]
fn label_filter_kinds() {
    let src = r#"{a="b"} | logfmt | s="x" | n >= 10 | d > 250ms | d2 <= 1h30m | neg > -1.5s | by == 20MB | k != 1.5KiB | i = ip("10.0.0.1") | j != ip("::1") | f == -3 | e=~"x.*" | g!~`y`"#;
    let e = ok(src);
    let p = &log_query(&e).pipeline;
    let filters: Vec<&LabelFilter> = p[1..].iter().map(label_filter).collect();
    match filters[0] {
        LabelFilter::Matcher(m) => {
            assert_eq!(
                (m.name.name.as_str(), m.op, m.value.as_str()),
                ("s", MatchOp::Eq, "x")
            );
        }
        other => panic!("{other:?}"),
    }
    let cmp = |f: &LabelFilter| match f {
        LabelFilter::Compare { op, value, .. } => (*op, *value),
        other => panic!("{other:?}"),
    };
    assert_eq!(cmp(filters[1]), (CmpOp::Gte, FilterLiteral::Number(10.0)));
    assert_eq!(cmp(filters[2]), (CmpOp::Gt, FilterLiteral::Duration(0.25)));
    assert_eq!(
        cmp(filters[3]),
        (CmpOp::Lte, FilterLiteral::Duration(5400.0))
    );
    assert_eq!(cmp(filters[4]), (CmpOp::Gt, FilterLiteral::Duration(-1.5)));
    assert_eq!(cmp(filters[5]), (CmpOp::EqEq, FilterLiteral::Bytes(20e6)));
    assert_eq!(cmp(filters[6]), (CmpOp::Neq, FilterLiteral::Bytes(1536.0)));
    match filters[7] {
        LabelFilter::Ip {
            op, value, span, ..
        } => {
            assert_eq!(*op, MatchOp::Eq);
            assert_eq!(value.value, "10.0.0.1");
            assert_eq!(*span, find(src, r#"i = ip("10.0.0.1")"#, 0));
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        filters[8],
        LabelFilter::Ip {
            op: MatchOp::Neq,
            ..
        }
    ));
    assert_eq!(cmp(filters[9]), (CmpOp::EqEq, FilterLiteral::Number(-3.0)));
    if let LabelFilter::Compare {
        value_span, span, ..
    } = filters[2]
    {
        assert_eq!(*value_span, find(src, "250ms", 0));
        assert_eq!(*span, find(src, "d > 250ms", 0));
    }
    assert_eq!(p[1].span(), find(src, r#"| s="x""#, 0));
    // The classic error-discarding filter.
    let e = ok(r#"{a="b"} | json | __error__="""#);
    assert!(matches!(
        label_filter(&log_query(&e).pipeline[1]),
        LabelFilter::Matcher(m) if m.name.name == "__error__" && m.value.is_empty()
    ));
}

#[test]
fn label_filter_combinators_and_precedence() {
    // `and` (and its spellings `,` and whitespace) binds tighter than `or`.
    let src = r#"{a="b"} | x="1" or y="2" and z="3""#;
    let e = ok(src);
    match label_filter(&log_query(&e).pipeline[0]) {
        LabelFilter::Or { lhs, rhs, span } => {
            assert!(matches!(**lhs, LabelFilter::Matcher(_)));
            assert!(matches!(**rhs, LabelFilter::And { .. }));
            assert_eq!(*span, 10..src.len());
        }
        other => panic!("{other:?}"),
    }
    for src in [
        r#"{a="b"} | x="1", y>2"#,
        r#"{a="b"} | x="1" y>2"#,
        r#"{a="b"} | x="1" and y>2"#,
        r#"{a="b"} | x="1" AND y>2"#,
    ] {
        let e = ok(src);
        assert!(
            matches!(
                label_filter(&log_query(&e).pipeline[0]),
                LabelFilter::And { .. }
            ),
            "{src}"
        );
    }
    let src = r#"{a="b"} | (x="1" or y="2") and (z > 1s, w < 5)"#;
    let e = ok(src);
    let f = label_filter(&log_query(&e).pipeline[0]);
    match f {
        LabelFilter::And { lhs, rhs, .. } => {
            assert!(matches!(**lhs, LabelFilter::Paren { .. }));
            assert_eq!(lhs.span(), find(src, r#"(x="1" or y="2")"#, 0));
            assert!(matches!(**rhs, LabelFilter::Paren { .. }));
        }
        other => panic!("{other:?}"),
    }
    let names: Vec<&str> = f.label_names().iter().map(|i| i.name.as_str()).collect();
    assert_eq!(names, vec!["x", "y", "z", "w"]);
}

#[test]
fn label_filter_errors() {
    let e = err(r#"{a="b"} | json | x"#);
    assert_eq!(e.span, 18..18);
    assert!(
        e.message.starts_with("expected a comparison operator"),
        "{}",
        e.message
    );
    let e = err(r#"{a="b"} | x == "y""#);
    assert_eq!(e.span, 12..14);
    assert!(e.message.contains("not strings"), "{}", e.message);
    let e = err(r#"{a="b"} | x =~ 5"#);
    assert_eq!(e.span, 12..14);
    let e = err(r#"{a="b"} | x > "5""#);
    assert_eq!(e.span, 12..13);
    let e = err(r#"{a="b"} | x =~ ip("1.1.1.1")"#);
    assert!(
        e.message.starts_with("ip(...) filters use '=' or '!='"),
        "{}",
        e.message
    );
    let e = err(r#"{a="b"} | (x="1""#);
    assert_eq!(e.message, "expected ')', found end of query at 1:17");
    let e = err(r#"{a="b"} | x > 5kb"#);
    assert!(e
        .message
        .starts_with("invalid number, duration or byte size '5kb'"));
    let e = err(r#"{a="b"} | x="1" or"#);
    assert!(
        e.message.starts_with("expected a label filter"),
        "{}",
        e.message
    );
    let e = err(r#"{a="b"} |"#);
    assert_eq!(e.span, 9..9);
    assert!(e.message.starts_with("expected a parser"), "{}", e.message);
}

// ----- formatting stages ------------------------------------------------

#[test]
fn formatting_keep_drop_decolorize() {
    let src = r#"{a="b"} | line_format "{{.msg}}" | label_format a="{{.b}}", c=d | keep a, b="c" | drop e, f=~"g.*", h!="i" | decolorize"#;
    let e = ok(src);
    let p = &log_query(&e).pipeline;
    assert_eq!(p.len(), 5);
    match &p[0] {
        Stage::LineFormat { template, span } => {
            assert_eq!(template.value, "{{.msg}}");
            assert_eq!(*span, find(src, r#"| line_format "{{.msg}}""#, 0));
        }
        other => panic!("{other:?}"),
    }
    match &p[2] {
        Stage::Keep { labels, span } => {
            assert_eq!(labels.len(), 2);
            assert!(matches!(&labels[0], LabelSpec::Name(n) if n.name == "a"));
            assert!(matches!(&labels[1], LabelSpec::Matcher(m) if m.value == "c"));
            assert_eq!(*span, find(src, r#"| keep a, b="c""#, 0));
        }
        other => panic!("{other:?}"),
    }
    match &p[3] {
        Stage::Drop { labels, .. } => {
            let n: Vec<&str> = labels.iter().map(|l| l.name().name.as_str()).collect();
            assert_eq!(n, vec!["e", "f", "h"]);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(p[4].span(), find(src, "| decolorize", 0));
    err(r#"{a="b"} | line_format"#);
    err(r#"{a="b"} | label_format a=1"#);
    err(r#"{a="b"} | keep"#);
    err(r#"{a="b"} | drop a,"#);
}

// ----- range aggregations -----------------------------------------------

#[test]
fn every_range_aggregation() {
    for f in [
        "rate",
        "count_over_time",
        "bytes_over_time",
        "bytes_rate",
        "absent_over_time",
    ] {
        let src = format!(r#"{f}({{a="b"}} |= "x" [5m])"#);
        let e = ok(&src);
        assert!(e.is_metric());
        assert_eq!(names(&e.functions()), vec![f]);
    }
    for f in [
        "rate",
        "rate_counter",
        "sum_over_time",
        "avg_over_time",
        "min_over_time",
        "max_over_time",
        "stddev_over_time",
        "stdvar_over_time",
        "first_over_time",
        "last_over_time",
    ] {
        ok(&format!(r#"{f}({{a="b"}} | json | unwrap latency [5m])"#));
    }
    let e = ok(r#"quantile_over_time(0.99, {a="b"} | unwrap x [1m]) by (job)"#);
    let r = range_agg(&e);
    assert_eq!(r.param.as_ref().map(|p| p.value), Some(0.99));
    assert_eq!(r.param.as_ref().map(|p| p.span.clone()), Some(19..23));
}

#[test]
fn range_forms_offset_and_unwrap() {
    let src = r#"avg_over_time({a="b"} | json | unwrap duration_seconds(latency) | __error__="" [5m] offset 1h) by (job)"#;
    let e = ok(src);
    let r = range_agg(&e);
    assert_eq!(r.range.range, std::time::Duration::from_secs(300));
    assert_eq!(r.range.range_span, find(src, "5m", 0));
    let off = r.range.offset.as_ref().unwrap();
    assert_eq!(off.seconds, 3600.0);
    assert_eq!(off.span, find(src, "offset 1h", 0));
    assert_eq!(off.duration_span, find(src, "1h", 0));
    let u = r.range.unwrap().unwrap();
    assert_eq!(u.label.name, "latency");
    assert_eq!(
        u.conversion.as_ref().map(|c| c.name.as_str()),
        Some("duration_seconds")
    );
    assert_eq!(u.span, find(src, "| unwrap duration_seconds(latency)", 0));
    assert_eq!(r.grouping.as_ref().unwrap().span, find(src, "by (job)", 0));
    assert_eq!(e.span(), 0..src.len());
    assert_eq!(e.unwraps().len(), 1);
    for conv in ["duration", "bytes"] {
        ok(&format!(
            r#"max_over_time({{a="b"}} | unwrap {conv}(x) [5m])"#
        ));
    }
    // A label called like a conversion.
    let e = ok(r#"sum_over_time({a="b"} | unwrap duration [5m])"#);
    assert_eq!(range_agg(&e).range.unwrap().unwrap().label.name, "duration");
    // Every documented placement of the range.
    for src in [
        r#"count_over_time({a="b"}[5m])"#,
        r#"count_over_time({a="b"}[5m] offset 1h)"#,
        r#"count_over_time({a="b"}[5m] |= "x" | json)"#,
        r#"count_over_time({a="b"}[5m] offset -1h | json)"#,
        r#"count_over_time(({a="b"} | json) [5m])"#,
        r#"count_over_time(({a="b"} | json [5m]))"#,
        r#"count_over_time(({a="b"})[5m] offset 1h)"#,
        r#"sum_over_time({a="b"}[5m] | json | unwrap x)"#,
        r#"sum_over_time({a="b"} | unwrap x [5m])"#,
        r#"sum_over_time(({a="b"} | unwrap x) [5m])"#,
        r#"rate({a="b"}[1.5h])"#,
        r#"rate({a="b"}[1d12h])"#,
        r#"rate({a="b"}[2w])"#,
        r#"rate({a="b"}[500ms])"#,
    ] {
        ok(src);
    }
}

#[test]
fn range_aggregation_errors() {
    let e = err(r#"rate({a="b"})"#);
    assert_eq!(e.span, 12..13);
    assert_eq!(
        e.message,
        "expected a range such as [5m], found ')' at 1:13"
    );
    let e = err(r#"rate({a="b"}[5])"#);
    assert_eq!(e.span, 13..14);
    let e = err(r#"rate({a="b"}[5m]"#);
    assert!(e.message.starts_with("expected ')'"));
    let e = err(r#"sum_over_time({a="b"}[5m])"#);
    assert_eq!(e.span, 0..13);
    assert!(e.message.contains("needs an unwrap"), "{}", e.message);
    let e = err(r#"count_over_time({a="b"} | unwrap x [5m])"#);
    assert_eq!(e.span, 24..34);
    assert!(e.message.contains("cannot be used with unwrap"));
    let e = err(r#"rate({a="b"}[5m]) by (x)"#);
    assert_eq!(e.span, 18..24);
    assert!(e.message.starts_with("rate does not support by/without"));
    err(r#"sum_over_time({a="b"} | unwrap x [5m]) by (x)"#);
    let e = err(r#"quantile_over_time({a="b"} | unwrap x [5m])"#);
    assert!(e.message.contains("needs a quantile parameter"));
    let e = err(r#"rate(1, {a="b"}[5m])"#);
    assert_eq!(e.span, 5..6);
    let e = err(r#"sum_over_time({a="b"} | unwrap x | json [5m])"#);
    assert!(e
        .message
        .starts_with("only label filters may follow unwrap"));
    assert_eq!(e.span, 33..39);
    err(r#"sum_over_time({a="b"} | unwrap x | unwrap y [5m])"#);
    let e = err(r#"rate({a="b"} | json [5m] | x="y")"#);
    assert!(e.message.contains("not on both sides"), "{}", e.message);
    let e = err(r#"{a="b"} | unwrap x"#);
    assert_eq!(e.span, 10..16);
    let e = err(r#"{a="b"}[5m]"#);
    assert_eq!(e.span, 7..8);
    assert!(e
        .message
        .contains("only allowed inside a range aggregation"));
    err(r#"rate(rate({a="b"}[5m]))"#);
    err(r#"rate({a="b"}[5m] offset)"#);
}

// ----- vector aggregations ----------------------------------------------

#[test]
fn every_vector_aggregation() {
    let inner = r#"rate({a="b"}[5m])"#;
    for f in [
        "sum",
        "avg",
        "min",
        "max",
        "stddev",
        "stdvar",
        "count",
        "sort",
        "sort_desc",
    ] {
        ok(&format!("{f}({inner})"));
        ok(&format!("{f} by (a, b) ({inner})"));
        ok(&format!("{f}({inner}) without (a)"));
    }
    for f in ["topk", "bottomk", "approx_topk"] {
        let e = ok(&format!("{f}(5, {inner})"));
        let Expr::VectorAggregation(v) = &e else {
            panic!()
        };
        assert_eq!(v.param.as_ref().map(|p| p.value), Some(5.0));
        assert_eq!(
            v.param.as_ref().map(|p| p.span.clone()),
            Some(f.len() + 1..f.len() + 2)
        );
        ok(&format!("{f} by (a) (5, {inner})"));
        let e = err(&format!("{f}({inner})"));
        assert!(
            e.message.contains("needs a number parameter"),
            "{}",
            e.message
        );
    }
    let e = err(&format!("sum(1, {inner})"));
    assert!(e.message.starts_with("sum does not take a parameter"));
    let e = err(r#"sum({a="b"})"#);
    assert_eq!(e.span, 4..11);
    assert!(e.message.contains("not a log query"));
    err(&format!("sum by (a) ({inner}) by (b)"));
    let e = err(&format!("sum by (a,) ({inner})"));
    assert!(e.message.starts_with("expected a label name"));
    ok(&format!("SUM BY (a) ({inner})"));
    ok(&format!("sum({inner}) by ()"));
}

// ----- binary expressions -----------------------------------------------

#[test]
fn binary_operators_and_precedence() {
    let e = ok("1 + 2 * 3 ^ 2 ^ 2");
    let Expr::Binary(b) = &e else { panic!() };
    assert_eq!(b.op, BinOp::Add);
    let Expr::Binary(mul) = &*b.rhs else { panic!() };
    assert_eq!(mul.op, BinOp::Mul);
    let Expr::Binary(pow) = &*mul.rhs else {
        panic!()
    };
    assert_eq!(pow.op, BinOp::Pow);
    // `^` is right-associative.
    assert!(matches!(&*pow.rhs, Expr::Binary(p) if p.op == BinOp::Pow));
    assert!(matches!(&*pow.lhs, Expr::Number(n) if n.value == 3.0));

    let r = r#"rate({a="b"}[5m])"#;
    let e = ok(&format!("{r} - {r} - {r}"));
    let Expr::Binary(b) = &e else { panic!() };
    assert!(matches!(&*b.lhs, Expr::Binary(_)), "left-associative");

    let e = ok(&format!("{r} > 1 or {r} and {r} unless {r} == 2"));
    let Expr::Binary(b) = &e else { panic!() };
    assert_eq!(b.op, BinOp::Or);
    assert!(e.has_comparison());

    for op in [
        "+", "-", "*", "/", "%", "^", "==", "!=", ">", ">=", "<", "<=", "and", "or", "unless",
    ] {
        let src = format!("{r} {op} {r}");
        let e = ok(&src);
        let ops = e.binary_operands();
        assert_eq!(ops.len(), 1);
        assert_eq!(ops[0].2, r.len() + 1..r.len() + 1 + op.len(), "{op}");
        assert_eq!(ops[0].0.span(), 0..r.len());
        assert_eq!(
            e.has_comparison(),
            ["==", "!=", ">", ">=", "<", "<="].contains(&op)
        );
    }
}

#[test]
fn binary_modifiers() {
    let r = r#"rate({a="b"}[5m])"#;
    let e = ok(&format!("{r} > bool 1"));
    assert!(!e.has_comparison());
    let Expr::Binary(b) = &e else { panic!() };
    assert_eq!(b.bool_modifier, Some(r.len() + 3..r.len() + 7));
    let src = format!("{r} / on (a, b) group_left (c) {r}");
    let e = ok(&src);
    let g = e.groupings();
    assert_eq!(g.len(), 2);
    assert_eq!(
        (g[0].kind, names(&g[0].labels)),
        (GroupingKind::On, vec!["a", "b"])
    );
    assert_eq!(g[0].span, find(&src, "on (a, b)", 0));
    assert_eq!(
        (g[1].kind, names(&g[1].labels)),
        (GroupingKind::GroupLeft, vec!["c"])
    );
    assert_eq!(g[1].span, find(&src, "group_left (c)", 0));
    let e = ok(&format!("{r} * ignoring (x) group_right {r}"));
    let g = e.groupings();
    assert_eq!(g[0].kind, GroupingKind::Ignoring);
    assert_eq!(g[1].kind, GroupingKind::GroupRight);
    assert!(g[1].labels.is_empty());
    ok(&format!("{r} == bool on () {r}"));
    ok(&format!("{r} and on (a,) {r}"));
    let e = err(&format!("{r} + bool 1"));
    assert!(e
        .message
        .starts_with("the bool modifier can only be used with comparison"));
    assert_eq!(e.span, r.len() + 3..r.len() + 7);
    let e = err(&format!("{r} / group_left {r}"));
    assert!(e.message.contains("must follow on(...) or ignoring(...)"));
    let e = err(&format!("{r} and on (a) group_left {r}"));
    assert!(e.message.contains("group modifiers cannot be used"));
    let e = err("1 > 2");
    assert_eq!(e.span, 2..3);
    assert!(e
        .message
        .starts_with("comparisons between two numbers must use the bool modifier"));
    ok("1 > bool 2");
    let e = err(r#"{a="b"} + 1"#);
    assert_eq!(e.span, 0..7);
    assert!(e.message.contains("log query"));
    let e = err(&format!("{r} +"));
    assert!(
        e.message.ends_with("found end of query at 1:20"),
        "{}",
        e.message
    );
    let e = err(&format!("{r} {r}"));
    assert!(e
        .message
        .starts_with("expected an operator or the end of the query"));
}

// ----- literals, vector, label_replace, parentheses ---------------------

#[test]
fn literals_vector_label_replace_parens() {
    for (src, v) in [
        ("10", 10.0),
        ("-1", -1.0),
        ("+ 2.5", 2.5),
        ("1e3", 1000.0),
        (".5", 0.5),
        ("0x1F", 31.0),
    ] {
        let e = ok(src);
        assert!(
            matches!(&e, Expr::Number(n) if n.value == v && n.span == (0..src.len())),
            "{src}"
        );
        assert!(e.is_metric());
    }
    let e = ok("vector(1)");
    assert!(
        matches!(&e, Expr::Vector { value, span, .. } if value.value == 1.0 && *span == (0..9))
    );
    err("vector(x)");
    let r = r#"rate({a="b"}[5m])"#;
    let e = ok(&format!("sum({r}) or vector(0)"));
    assert_eq!(names(&e.functions()), vec!["sum", "rate", "vector"]);

    let src = format!(r#"label_replace({r}, "dst", "$1", "src", "(.*)")"#);
    let e = ok(&src);
    let Expr::LabelReplace(l) = &e else { panic!() };
    assert_eq!(l.replacement.value, "$1");
    assert_eq!(l.regex.value, "(.*)");
    let c = e.created_labels();
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].origin, LabelOrigin::LabelReplace);
    assert_eq!(c[0].name.name, "dst");
    assert_eq!(c[0].name.span, find(&src, "dst", 0));
    assert_eq!(names(&e.functions()), vec!["label_replace", "rate"]);
    err(r#"label_replace({a="b"}, "d", "r", "s", "x")"#);
    err(&format!(r#"label_replace({r}, "d", "r", "s")"#));

    let e = ok(&format!("(({r}))"));
    assert!(matches!(e, Expr::Paren { .. }));
    assert_eq!(e.span(), 0..r.len() + 4);
    assert!(matches!(e.unparen(), Expr::RangeAggregation(_)));
    let e = ok(r#"({a="b"} | json)"#);
    assert!(!e.is_metric());
    let e = err(&format!("({r}"));
    assert_eq!(
        e.message,
        format!("expected ')', found end of query at 1:{}", r.len() + 2)
    );
    let e = err("foo(1)");
    assert_eq!(e.span, 0..3);
    assert_eq!(e.message, "unknown function 'foo' at 1:1");
}

// ----- whole-query accessors --------------------------------------------

#[test]
fn accessors_in_source_order() {
    let src = r#"sum by (job) (rate({app="x"} |= "err" [5m] offset 1h)) / on (job) group_left (team) count without (pod) (count_over_time({app="y"}[1h30m]))"#;
    let e = ok(src);
    assert!(e.is_metric());
    assert_eq!(e.span(), 0..139);
    let sels: Vec<Span> = e.selectors().iter().map(|s| s.span.clone()).collect();
    assert_eq!(sels, vec![19..28, 121..130]);
    let g: Vec<(GroupingKind, Span)> = e
        .groupings()
        .iter()
        .map(|g| (g.kind, g.span.clone()))
        .collect();
    assert_eq!(
        g,
        vec![
            (GroupingKind::By, 4..12),
            (GroupingKind::On, 57..65),
            (GroupingKind::GroupLeft, 66..83),
            (GroupingKind::Without, 90..103),
        ]
    );
    let w = e.range_windows();
    assert_eq!(
        w,
        vec![
            (std::time::Duration::from_secs(300), 39..41),
            (std::time::Duration::from_secs(5400), 131..136),
        ]
    );
    let f: Vec<(String, Span)> = e
        .functions()
        .into_iter()
        .map(|i| (i.name, i.span))
        .collect();
    assert_eq!(
        f,
        vec![
            ("sum".to_string(), 0..3),
            ("rate".to_string(), 14..18),
            ("count".to_string(), 84..89),
            ("count_over_time".to_string(), 105..120),
        ]
    );
    let ops = e.binary_operands();
    assert_eq!(ops.len(), 1);
    assert_eq!(ops[0].2, 55..56);
    assert_eq!(ops[0].0.span(), 0..54);
    assert_eq!(ops[0].1.span(), 84..139);
    assert!(!e.has_comparison());
    assert!(e.created_labels().is_empty());
}

#[test]
fn binary_operands_outermost_first() {
    let r = r#"rate({a="b"}[5m])"#;
    let src = format!("({r} + {r}) / ({r} * 2) > 0.5");
    let e = ok(&src);
    let ops: Vec<Span> = e.binary_operands().into_iter().map(|(_, _, s)| s).collect();
    assert_eq!(ops.len(), 4);
    assert_eq!(src[ops[0].clone()].to_string(), ">");
    assert_eq!(src[ops[1].clone()].to_string(), "/");
    assert_eq!(src[ops[2].clone()].to_string(), "+");
    assert_eq!(src[ops[3].clone()].to_string(), "*");
    assert!(e.has_comparison());
}

#[test]
fn corpus_shaped_queries() {
    for src in [
        r#"sum(rate({job="myjob"} |= "error" | logfmt [5m])) > 0.1"#,
        r#"sum by (http_method) (rate({job="generated-logs"}[1m]))"#,
        r#"absent_over_time({job="blah"}[1m])"#,
        "{cluster=\"x\", namespace=\"x\"} |= \"level=error\"\n| logfmt | level=~\"x\" |= \"x\"",
        "sum by (level) (count_over_time({job=~\"x\"}\n|~ \"x\"\n| json | __error__=``\n[5m]))\n",
        r#"{job="x"} | json | line_format `{{ if eq "[[instance]]" ".*" }}{{ alignLeft 25 .instance}}|{{end}}{{ .message }}`"#,
        r#"topk(10, sum by (referer) (count_over_time({job="x"} | json | referer != "" and referer !~ ".*?x.*?" | __error__="" [5m])))"#,
        r#"quantile_over_time(0.95,{job="x"} | json | unwrap request_time | __error__="" [5m]) by (host)"#,
        r#"sum by (host) (sum_over_time({job="x"} | json | status=200 | unwrap body_bytes_sent | __error__="" [5m] offset 1h))"#,
        r#"{a="b"} | logfmt | response_time > 1 | org_id=~"x""#,
    ] {
        ok(src);
    }
}

#[test]
fn line_col_counts_characters() {
    assert_eq!(line_col("abc", 0), (1, 1));
    assert_eq!(line_col("é{x", 2), (1, 2));
    assert_eq!(line_col("a\nbc", 3), (2, 2));
    assert_eq!(line_col("a\n", 99), (2, 1));
    // Inside a multi-byte character: rounds down.
    assert_eq!(line_col("é", 1), (1, 1));
}

#[test]
fn display_is_the_message() {
    let e = err("{");
    assert_eq!(e.to_string(), e.message);
}

// ----- adversarial input ------------------------------------------------

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let n = 100_000;
    let src = format!("{}1{}", "(".repeat(n), ")".repeat(n));
    let e = err(&src);
    assert!(
        e.message.starts_with("query nested too deeply"),
        "{}",
        e.message
    );
    let src = format!("{}1", "sum(".repeat(n));
    assert!(err(&src).message.starts_with("query nested too deeply"));
    let src = format!("{}1", "-1 ^ ".repeat(n));
    assert!(err(&src).message.starts_with("query nested too deeply"));
    let src = format!(r#"{{a="b"}} | {}x="1"{}"#, "(".repeat(n), ")".repeat(n));
    assert!(err(&src).message.starts_with("query nested too deeply"));
    let src = format!(
        r#"count_over_time({}{{a="b"}}{}[5m])"#,
        "(".repeat(n),
        ")".repeat(n)
    );
    assert!(err(&src).message.starts_with("query nested too deeply"));
    // Long flat chains are not nesting (Loki takes them), but their trees
    // are deep: a budget of their own (review P8).
    let src = format!("1{}", " + 1".repeat(n));
    assert!(err(&src)
        .message
        .starts_with("query has more than 1000 binary operators"));
    ok(&format!("1{}", " + 1".repeat(900)));
    let src = format!(r#"{{a="b"}} | x="1"{}"#, r#" and x="1""#.repeat(n));
    assert!(err(&src).message.starts_with("query nested too deeply"));
    // Up to the limit is fine.
    let depth = 100;
    ok(&format!("{}1{}", "(".repeat(depth), ")".repeat(depth)));
    ok(&format!("1{}", " + 1".repeat(depth)));
}

#[test]
fn huge_input_parses() {
    let matchers: Vec<String> = (0..20_000).map(|i| format!("l{i}=\"v{i}\"")).collect();
    let mut src = format!("{{{}}}", matchers.join(", "));
    for i in 0..20_000 {
        src.push_str(&format!(" |= \"needle{i}\" | json | f{i} > 5s"));
    }
    let e = ok(&src);
    assert_eq!(e.selectors()[0].matchers.len(), 20_000);
    assert_eq!(e.stages().len(), 60_000);
    let big = format!("{{a=\"{}\"}}", "x".repeat(5_000_000));
    ok(&big);
    // Unterminated string running to the end of a big input.
    let big = format!("{{a=\"{}", "x".repeat(1_000_000));
    assert_eq!(err(&big).message, "unterminated string at 1:4");
}

/// A small deterministic generator, to avoid a dependency.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() as usize) % items.len()]
    }
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Lcg(42);
    for _ in 0..20_000 {
        let len = (rng.next() % 64) as usize;
        let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        let src = String::from_utf8_lossy(&bytes);
        if let Err(e) = parse(&src) {
            assert!(e.span.start <= e.span.end && e.span.end <= src.len());
            assert!(src.is_char_boundary(e.span.start) && src.is_char_boundary(e.span.end));
        }
    }
}

#[test]
fn random_token_soup_never_panics() {
    let pieces = [
        "{",
        "}",
        "(",
        ")",
        "[",
        "]",
        ",",
        "=",
        "!=",
        "=~",
        "!~",
        "==",
        ">",
        ">=",
        "<",
        "<=",
        "|",
        "|=",
        "|~",
        "|>",
        "!>",
        "+",
        "-",
        "*",
        "/",
        "%",
        "^",
        "\"s\"",
        "`r`",
        "\"",
        "`",
        "5m",
        "1h30m",
        "10",
        "0.5",
        "-",
        "20MB",
        "a",
        "job",
        "rate",
        "sum",
        "by",
        "without",
        "on",
        "ignoring",
        "group_left",
        "group_right",
        "bool",
        "and",
        "or",
        "unless",
        "json",
        "logfmt",
        "--strict",
        "regexp",
        "pattern",
        "unpack",
        "unwrap",
        "duration",
        "bytes",
        "line_format",
        "label_format",
        "keep",
        "drop",
        "decolorize",
        "offset",
        "topk",
        "quantile_over_time",
        "sum_over_time",
        "vector",
        "label_replace",
        "ip",
        "#c\n",
        " ",
        "\n",
        "é",
        "\\",
        "'",
    ];
    let mut rng = Lcg(7);
    for _ in 0..30_000 {
        let n = (rng.next() % 24) as usize;
        let src: String = (0..n).map(|_| *rng.pick(&pieces)).collect();
        if let Err(e) = parse(&src) {
            assert!(e.span.end <= src.len(), "{src:?}");
            assert!(e.message.contains(" at "), "{src:?}: {}", e.message);
        }
    }
}

#[test]
fn every_truncation_and_deletion_of_a_rich_query_is_handled() {
    let src = r#"sum by (a) (quantile_over_time(0.9, {a="b", c=~`d`} |= "x" or ip("1.2.3.4") | logfmt --strict e="f" | g > 1.5s and (h="i" or j!~"k") | label_format l="{{.m}}" | unwrap bytes(n) | __error__="" [5m] offset 1h) by (o)) / on (a) group_left (p) label_replace(vector(1), "q", "$1", "r", "(.*)") > bool 0.5 # done"#;
    ok(src);
    for end in 0..src.len() {
        if src.is_char_boundary(end) {
            let _ = parse(&src[..end]);
        }
    }
    for i in 0..src.len() {
        if src.is_char_boundary(i) && src.is_char_boundary(i + 1) {
            let mutated = format!("{}{}", &src[..i], &src[i + 1..]);
            let _ = parse(&mutated);
        }
    }
}

#[test]
fn reserved_words_are_not_label_names() {
    let e = err(r#"{a="b"} | json json"#);
    assert_eq!(e.span, 15..19);
    assert_eq!(
        e.message,
        "'json' is a LogQL keyword and cannot be used as a label name at 1:16"
    );
    err(r#"{keep="x"}"#);
    err(r#"{a="b"} | offset > 1"#);
    err(r#"{a="b"} | label_format on="x""#);
    err(r#"sum by (bool) (rate({a="b"}[5m]))"#);
    // Function names are keywords only before '(': they stay usable as names.
    ok(r#"{sum="y", ip="z"} | json count, rate | bytes > 1"#);
}
