//! One test per row of docs/query-semantics.md.

use super::*;

fn prom(q: &str) -> Arc<Semantics> {
    of_promql(q, Catalog::empty()).unwrap_or_else(|| panic!("{q} does not parse"))
}

fn prom_with(q: &str, c: &Catalog) -> Arc<Semantics> {
    of_promql(q, c).unwrap_or_else(|| panic!("{q} does not parse"))
}

fn loki(q: &str) -> Arc<Semantics> {
    let e = crate::syntax::logql::parse(q).unwrap_or_else(|e| panic!("{q}: {e}"));
    of_logql(q, &e, Catalog::empty()).unwrap()
}

fn known(s: &Semantics) -> Vec<&str> {
    s.labels.known.keys().map(String::as_str).collect()
}

fn presence(s: &Semantics, l: &str) -> Option<Presence> {
    s.labels.known.get(l).map(|x| x.presence)
}

fn events(s: &Semantics) -> Vec<String> {
    s.events
        .iter()
        .map(|e| match e {
            Event::RateOverNonCounter { func, .. } => format!("rate-over-non-counter:{func}"),
            Event::CounterRaw { how, .. } => format!("counter-raw:{how}"),
            Event::QuantileWithoutLe { .. } => "quantile-without-le".into(),
            Event::QuantileNotBuckets { .. } => "quantile-not-buckets".into(),
            Event::MatchingMissing { label, side, .. } => {
                format!("matching-missing:{label}:{side}")
            }
            Event::StateFilter { metric, label } => format!("state-filter:{metric}:{label}"),
        })
        .collect()
}

// ------------------------------------------------------------- PromQL

#[test]
fn prom_selector_equality_matcher_is_certain_and_fixed() {
    let s = prom(r#"up{job="api", instance=~"a.*"}"#);
    assert_eq!(presence(&s, "job"), Some(Presence::Certain));
    assert_eq!(s.labels.known["job"].fixed.as_deref(), Some("api"));
    assert_eq!(presence(&s, "instance"), Some(Presence::Possible));
    assert_eq!(presence(&s, "__name__"), Some(Presence::Certain));
    assert!(
        s.labels.is_open(),
        "no contract: other labels may be present"
    );
}

#[test]
fn prom_selector_empty_equality_drops_label() {
    let s = prom(r#"up{pod=""}"#);
    assert!(s.labels.cannot_have("pod"));
    assert!(s.labels.may_have("instance"));
}

#[test]
fn prom_selector_with_contract_is_closed() {
    let c = Catalog::from_series(&[("x_total", Kind::Counter, Some(&["job", "instance"]))]);
    let s = prom_with(r#"x_total{job="a"}"#, &c);
    assert!(!s.labels.is_open());
    assert_eq!(s.labels.known["instance"].origin, Origin::Contract);
    assert!(s.labels.cannot_have("pod"));
    assert_eq!(s.kind, Kind::Counter);
    assert_eq!(s.kind_source, KindSource::Contract("counter".into()));
}

#[test]
fn prom_metric_name_less_selector() {
    let s = prom(r#"{job="api"} == 0"#);
    assert_eq!(s.lang, Lang::PromQL);
    assert_eq!(presence(&s, "job"), Some(Presence::Certain));
    assert!(s.labels.is_open());
}

#[test]
fn prom_aggregation_by_keeps_only_listed() {
    let s = prom("sum by (cluster) (rate(x_total[5m]))");
    assert_eq!(known(&s), vec!["cluster"]);
    assert!(!s.labels.is_open());
    assert!(s.labels.cannot_have("instance"));
    assert_eq!(presence(&s, "cluster"), Some(Presence::Possible));
}

#[test]
fn prom_aggregation_without_drops_listed_and_name() {
    let s = prom("sum without (instance) (up)");
    assert!(s.labels.cannot_have("instance"));
    assert!(s.labels.cannot_have("__name__"));
    assert!(s.labels.may_have("job"));
}

#[test]
fn prom_aggregation_without_grouping_has_no_labels() {
    let s = prom("count(up)");
    assert!(known(&s).is_empty());
    assert!(!s.labels.is_open());
    assert_eq!(s.kind, Kind::Gauge);
}

#[test]
fn prom_topk_keeps_series_labels() {
    let s = prom(r#"topk(3, up{job="a"})"#);
    assert_eq!(presence(&s, "job"), Some(Presence::Certain));
    assert!(s.labels.is_open());
}

#[test]
fn prom_count_values_adds_label() {
    let s = prom(r#"count_values by (job) ("version", build_info)"#);
    assert_eq!(known(&s), vec!["job", "version"]);
    assert_eq!(s.labels.known["version"].origin, Origin::CountValues);
}

#[test]
fn prom_rate_drops_name_and_is_gauge() {
    let s = prom("rate(x_total[5m])");
    assert!(s.labels.cannot_have("__name__"));
    assert_eq!(s.kind, Kind::Gauge);
}

#[test]
fn prom_last_over_time_keeps_name() {
    let s = prom("last_over_time(up[5m])");
    assert!(s.labels.may_have("__name__"));
}

#[test]
fn prom_absent_outputs_equality_matchers_only() {
    let s = prom(r#"absent(up{job="api", instance=~"a.*"})"#);
    assert_eq!(known(&s), vec!["job"]);
    assert_eq!(s.labels.known["job"].origin, Origin::Absent);
    assert!(!s.labels.is_open());
    assert!(s.labels.cannot_have("instance"));
}

#[test]
fn prom_absent_over_time_outputs_equality_matchers_only() {
    let s = prom(r#"absent_over_time({job="api"}[5m])"#);
    assert_eq!(known(&s), vec!["job"]);
}

#[test]
fn prom_label_replace_creates_derived_label() {
    let s = prom(r#"label_replace(up, "who", "$1", "user_id", "(.*)")"#);
    let l = &s.labels.known["who"];
    assert_eq!(l.origin, Origin::LabelReplace);
    assert_eq!(l.derived_from, vec!["user_id".to_string()]);
    assert_eq!(l.presence, Presence::Certain);
}

#[test]
fn prom_label_replace_empty_replacement_deletes() {
    let s = prom(r#"label_replace(up, "pod", "", "", ".*")"#);
    assert!(s.labels.cannot_have("pod"));
}

#[test]
fn prom_label_join_creates_derived_label() {
    let s = prom(r#"label_join(up, "id", "-", "instance", "pod")"#);
    let l = &s.labels.known["id"];
    assert_eq!(l.origin, Origin::LabelJoin);
    assert_eq!(
        l.derived_from,
        vec!["instance".to_string(), "pod".to_string()]
    );
}

#[test]
fn prom_binary_on_keeps_only_matching_labels() {
    let s = prom("a / on (job) b");
    assert_eq!(known(&s), vec!["job"]);
    assert!(!s.labels.is_open());
}

#[test]
fn prom_binary_ignoring_drops_labels() {
    let s = prom("a / ignoring (code) b");
    assert!(s.labels.cannot_have("code"));
    assert!(s.labels.cannot_have("__name__"));
}

#[test]
fn prom_group_left_copies_extra_labels() {
    let s = prom(r#"a * on (instance) group_left (version) build_info{version="1"}"#);
    assert_eq!(s.labels.known["version"].origin, Origin::GroupExtra);
    assert_eq!(presence(&s, "version"), Some(Presence::Certain));
    assert!(s.labels.is_open());
}

#[test]
fn prom_group_right_keeps_right_side() {
    let s = prom(r#"sum by (job) (a) * on (job) group_right (team) b{x="1"}"#);
    assert_eq!(presence(&s, "x"), Some(Presence::Certain));
    assert!(s.labels.known.contains_key("team"));
}

#[test]
fn prom_comparison_filter_keeps_name_and_kind() {
    let s = prom("up == 0");
    assert!(s.labels.may_have("__name__"));
    let s = prom("up == bool 0");
    assert!(s.labels.cannot_have("__name__"));
}

#[test]
fn prom_or_unions_labels() {
    let s = prom(r#"sum by (job) (a) or sum by (instance) (b)"#);
    assert_eq!(known(&s), vec!["instance", "job"]);
    assert_eq!(presence(&s, "job"), Some(Presence::Possible));
    assert!(s.labels.cannot_have("pod"));
}

#[test]
fn prom_and_unless_keep_left() {
    let s = prom(r#"sum by (job) (a) unless on (job) b"#);
    assert_eq!(known(&s), vec!["job"]);
}

#[test]
fn prom_subquery_keeps_inner_labels() {
    let s = prom(r#"max_over_time(sum by (job) (rate(x_total[5m]))[1h:5m])"#);
    assert_eq!(known(&s), vec!["job"]);
}

#[test]
fn prom_scalar_functions_have_no_labels() {
    let s = prom("vector(1)");
    assert!(known(&s).is_empty() && !s.labels.is_open());
    assert_eq!(prom("time()").kind, Kind::Scalar);
}

#[test]
fn prom_info_opens_label_set() {
    // info() is experimental; when the parser knows it, the set is open
    if let Some(s) = of_promql("info(sum by (job) (up))", Catalog::empty()) {
        assert!(s.labels.is_open());
    }
}

#[test]
fn prom_histogram_quantile_drops_le() {
    let s = prom("histogram_quantile(0.9, sum by (le, job) (rate(x_bucket[5m])))");
    assert_eq!(known(&s), vec!["job"]);
    assert!(events(&s).is_empty());
}

// --------------------------------------------------------------- kinds

#[test]
fn kind_from_openmetrics_suffixes() {
    assert_eq!(prom("x_total").kind, Kind::Counter);
    assert_eq!(prom("x_bucket").kind, Kind::ClassicHistogram);
    assert_eq!(prom("x_count").kind, Kind::Counter);
    assert_eq!(prom("x_sum").kind, Kind::Counter);
    assert_eq!(prom("x_created").kind, Kind::Gauge);
    assert_eq!(prom("x_info").kind, Kind::Info);
    assert_eq!(prom("x").kind, Kind::Unknown);
}

#[test]
fn kind_contract_wins_over_suffix() {
    let c = Catalog::from_series(&[("weird_total", Kind::Gauge, None)]);
    assert_eq!(prom_with("weird_total", &c).kind, Kind::Gauge);
}

#[test]
fn kind_rate_over_gauge_is_an_event() {
    let c = Catalog::from_series(&[("temp", Kind::Gauge, None)]);
    assert_eq!(
        events(&prom_with("rate(temp[5m])", &c)),
        vec!["rate-over-non-counter:rate"]
    );
    assert_eq!(
        events(&prom("rate(build_info[5m])")),
        vec!["rate-over-non-counter:rate"]
    );
    assert!(
        events(&prom("rate(x[5m])")).is_empty(),
        "unknown kind: no event"
    );
}

#[test]
fn kind_counter_compared_raw_is_an_event() {
    assert_eq!(
        events(&prom("errors_total > 10")),
        vec!["counter-raw:compared with `>`"]
    );
    assert!(events(&prom("rate(errors_total[5m]) > 10")).is_empty());
    assert!(events(&prom("errors_total - errors_total offset 1h > 10")).is_empty());
}

#[test]
fn kind_counter_aggregated_raw_is_an_event() {
    assert_eq!(
        events(&prom("sum(errors_total)")),
        vec!["counter-raw:aggregated with `sum`"]
    );
    assert!(events(&prom("count(errors_total)")).is_empty());
    assert!(events(&prom("count(sum by (cpu) (cpu_seconds_total))")).is_empty());
    assert!(events(&prom("sum(increase(errors_total[1h]))")).is_empty());
}

#[test]
fn kind_histogram_quantile_without_le_is_an_event() {
    assert_eq!(
        events(&prom(
            "histogram_quantile(0.9, sum by (job) (rate(x_bucket[5m])))"
        )),
        vec!["quantile-without-le"]
    );
    // VictoriaMetrics histograms: `vmrange` buckets
    assert!(events(&prom(
        "histogram_quantile(0.99, sum(increase(x_bucket[5m])) by (job, vmrange))"
    ))
    .is_empty());
}

#[test]
fn kind_histogram_quantile_over_non_buckets_is_an_event() {
    assert_eq!(
        events(&prom("histogram_quantile(0.9, rate(x_total[5m]))")),
        vec!["quantile-not-buckets"]
    );
    // native histograms have no suffix: unknown, no event
    assert!(events(&prom("histogram_quantile(0.9, sum(rate(x[5m])))")).is_empty());
}

#[test]
fn matching_on_label_one_side_cannot_have() {
    assert_eq!(
        events(&prom(
            "sum by (job) (a) / on (instance) sum by (job, instance) (b)"
        )),
        vec!["matching-missing:instance:left"]
    );
    assert!(
        events(&prom("a / on (instance) b")).is_empty(),
        "open sets: no event"
    );
}

#[test]
fn spans_point_at_tokens() {
    let q = "sum(rate(a[5m])) + rate(temp[5m])";
    let c = Catalog::from_series(&[("temp", Kind::Gauge, None)]);
    let s = prom_with(q, &c);
    let Event::RateOverNonCounter { span, .. } = &s.events[0] else {
        panic!()
    };
    assert_eq!(&q[span.clone()], "rate");
    assert_eq!(span.start, 19);
}

#[test]
fn budget_too_deep_is_reported_once() {
    let q = format!(
        "{}up{}",
        "abs(".repeat(MAX_DEPTH + 5),
        ")".repeat(MAX_DEPTH + 5)
    );
    if let Some(s) = of_promql(&q, Catalog::empty()) {
        assert!(s.too_complex.is_some());
        assert!(s.events.is_empty());
    }
}

// --------------------------------------------------------------- LogQL

#[test]
fn logql_stream_selector_labels() {
    let s = loki(r#"count_over_time({app="api", env=~"p.*"}[5m])"#);
    assert_eq!(s.lang, Lang::LogQL);
    assert_eq!(presence(&s, "app"), Some(Presence::Certain));
    assert_eq!(presence(&s, "env"), Some(Presence::Possible));
    assert!(s.labels.is_open());
}

#[test]
fn logql_unbounded_json_opens_set() {
    let s = loki(r#"count_over_time({app="api"} | json [5m]) > 0"#);
    assert_eq!(
        s.labels.open_parsers().map(|p| p.0).collect::<Vec<_>>(),
        vec!["json"]
    );
}

#[test]
fn logql_unbounded_logfmt_survives_without() {
    let s = loki(r#"sum without (level) (rate({app="api"} | logfmt [5m]))"#);
    assert_eq!(s.labels.open_parsers().count(), 1);
    assert!(s.labels.cannot_have("level"));
}

#[test]
fn logql_unpack_is_unbounded() {
    let s = loki(r#"rate({app="api"} | unpack [5m])"#);
    assert_eq!(
        s.labels.open_parsers().map(|p| p.0).collect::<Vec<_>>(),
        vec!["unpack"]
    );
}

#[test]
fn logql_json_with_fields_is_bounded() {
    let s = loki(r#"rate({app="api"} | json status="response.status" [5m])"#);
    assert_eq!(s.labels.open_parsers().count(), 0);
    assert_eq!(s.labels.known["status"].origin, Origin::Parser("json"));
}

#[test]
fn logql_logfmt_with_fields_is_bounded() {
    let s = loki(r#"rate({app="api"} | logfmt level [5m])"#);
    assert_eq!(s.labels.open_parsers().count(), 0);
    assert!(s.labels.known.contains_key("level"));
}

#[test]
fn logql_regexp_and_pattern_captures() {
    let s = loki(r#"rate({app="api"} | regexp "(?P<user_id>\\w+)" [5m])"#);
    assert_eq!(s.labels.known["user_id"].origin, Origin::Parser("regexp"));
    let s = loki(r#"rate({app="api"} | pattern "<ip> <_> <path>" [5m])"#);
    assert!(s.labels.known.contains_key("ip") && s.labels.known.contains_key("path"));
    assert_eq!(s.labels.open_parsers().count(), 0);
}

#[test]
fn logql_by_closes_set() {
    let s = loki(r#"sum by (app) (count_over_time({app="api"} | json [5m]))"#);
    assert_eq!(known(&s), vec!["app"]);
    assert_eq!(s.labels.open_parsers().count(), 0);
}

#[test]
fn logql_label_format_taints() {
    let s =
        loki(r#"sum by (who) (rate({app="api"} | json | label_format who="{{.user_id}}" [5m]))"#);
    assert_eq!(
        s.labels.known["who"].derived_from,
        vec!["user_id".to_string()]
    );
    assert_eq!(s.labels.known["who"].origin, Origin::LabelFormat);
}

#[test]
fn logql_label_format_rename_moves_label() {
    let s = loki(r#"rate({app="api"} | logfmt user | label_format who=user [5m])"#);
    assert!(s.labels.cannot_have("user"));
    assert_eq!(s.labels.known["who"].derived_from, vec!["user".to_string()]);
}

#[test]
fn logql_drop_and_keep() {
    let s = loki(r#"rate({app="api"} | json | drop user_id [5m])"#);
    assert!(s.labels.cannot_have("user_id"));
    assert_eq!(s.labels.open_parsers().count(), 1);
    let s = loki(r#"rate({app="api"} | json | keep app, level [5m])"#);
    assert_eq!(known(&s), vec!["app", "level"]);
    assert!(!s.labels.is_open());
}

#[test]
fn logql_unwrap_consumes_label() {
    let s = loki(r#"max_over_time({app="api"} | logfmt | unwrap duration(took) [5m]) by (app)"#);
    assert_eq!(known(&s), vec!["app"]);
    let s = loki(r#"sum_over_time({app="api"} | logfmt bytes | unwrap bytes [5m])"#);
    assert!(s.labels.cannot_have("bytes"));
}

#[test]
fn logql_label_replace_taints() {
    let s = loki(r#"label_replace(rate({app="api"}[5m]), "who", "$1", "user_id", "(.*)")"#);
    assert_eq!(
        s.labels.known["who"].derived_from,
        vec!["user_id".to_string()]
    );
}

#[test]
fn logql_binary_on_and_group_left() {
    let s = loki(
        r#"sum by (app, env) (rate({app="a"}[5m])) / on (app) group_left (team) sum by (app, team) (rate({app="b"}[5m]))"#,
    );
    assert_eq!(known(&s), vec!["app", "env", "team"]);
    let s = loki(
        r#"sum by (app, env) (rate({app="a"}[5m])) / on (app) sum by (app) (rate({app="b"}[5m]))"#,
    );
    assert_eq!(known(&s), vec!["app"]);
}

#[test]
fn logql_vector_and_number() {
    let s = loki("vector(0)");
    assert!(known(&s).is_empty() && !s.labels.is_open());
}

#[test]
fn memo_returns_the_same_analysis() {
    let a = prom("sum by (x) (memo_probe_total)");
    let b = prom("sum by (x) (memo_probe_total)");
    assert!(Arc::ptr_eq(&a, &b));
}

#[test]
fn state_series_filter_is_a_condition() {
    assert_eq!(
        events(&prom(
            r#"kube_node_status_condition{condition="Ready", status!="true"}"#
        )),
        vec!["state-filter:kube_node_status_condition:condition"]
    );
    assert!(events(&prom(r#"kube_node_info{job="ksm"}"#)).is_empty());
}
