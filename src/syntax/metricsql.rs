//! Recognising VictoriaMetrics MetricsQL in an expression that does not
//! parse as PromQL. o11ylint does not parse MetricsQL; with the policy's
//! `target: victoriametrics` an expression that fails as PromQL because of a
//! MetricsQL construct is not a PromQL error, and with another target the
//! PromQL error says which construct it met.

/// MetricsQL functions PromQL lacks (VictoriaMetrics' MetricsQL reference:
/// rollup, transform, label manipulation and aggregate functions).
const FUNCTIONS: &[&str] = &[
    "aggr_over_time",
    "ascent_over_time",
    "count_eq_over_time",
    "count_gt_over_time",
    "count_le_over_time",
    "count_ne_over_time",
    "count_values_over_time",
    "decreases_over_time",
    "default_rollup",
    "delta_prometheus",
    "descent_over_time",
    "distinct_over_time",
    "duration_over_time",
    "first_over_time",
    "geomean_over_time",
    "histogram_over_time",
    "hoeffding_bound_lower",
    "hoeffding_bound_upper",
    "ideriv",
    "increase_prometheus",
    "increase_pure",
    "increases_over_time",
    "integrate",
    "lag",
    "lifetime",
    "median_over_time",
    "mode_over_time",
    "outlier_iqr_over_time",
    "range_over_time",
    "rate_over_sum",
    "rollup",
    "rollup_candlestick",
    "rollup_delta",
    "rollup_deriv",
    "rollup_increase",
    "rollup_rate",
    "rollup_scrape_interval",
    "scrape_interval",
    "share_gt_over_time",
    "share_le_over_time",
    "share_eq_over_time",
    "sum2_over_time",
    "tfirst_over_time",
    "tlast_change_over_time",
    "tlast_over_time",
    "tmax_over_time",
    "tmin_over_time",
    "zscore_over_time",
    "bitmap_and",
    "bitmap_or",
    "bitmap_xor",
    "buckets_limit",
    "drop_empty_series",
    "end",
    "interpolate",
    "keep_last_value",
    "keep_next_value",
    "now",
    "prometheus_buckets",
    "rand",
    "range_avg",
    "range_first",
    "range_last",
    "range_max",
    "range_median",
    "range_min",
    "range_normalize",
    "range_quantile",
    "range_stddev",
    "range_sum",
    "remove_resets",
    "running_avg",
    "running_max",
    "running_min",
    "running_sum",
    "smooth_exponential",
    "start",
    "step",
    "union",
    "alias",
    "drop_common_labels",
    "label_copy",
    "label_del",
    "label_graphite_group",
    "label_keep",
    "label_lowercase",
    "label_map",
    "label_match",
    "label_mismatch",
    "label_move",
    "label_set",
    "label_transform",
    "label_uppercase",
    "label_value",
    "labels_equal",
    "sort_by_label_numeric",
    "any",
    "bottomk_avg",
    "bottomk_last",
    "bottomk_max",
    "bottomk_median",
    "bottomk_min",
    "distinct",
    "geomean",
    "histogram",
    "limitk",
    "mad",
    "median",
    "mode",
    "outliers_iqr",
    "outliers_mad",
    "outliersk",
    "share",
    "topk_avg",
    "topk_last",
    "topk_max",
    "topk_median",
    "topk_min",
    "zscore",
];

/// Binary operators and modifiers PromQL lacks.
const KEYWORDS: &[&str] = &["default", "if", "ifnot", "keep_metric_names", "WITH"];

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The first MetricsQL construct of `expr`, if any: a MetricsQL-only
/// function call, `default`/`if`/`ifnot`, `keep_metric_names`, `WITH (...)`
/// templates, or `offset` after a function call (PromQL allows it only on
/// selectors). Words inside string literals are ignored.
pub fn construct(expr: &str) -> Option<String> {
    let b: Vec<char> = expr.chars().collect();
    let mut i = 0;
    let mut prev_close_paren = false;
    while i < b.len() {
        let c = b[i];
        if c == '"' || c == '\'' || c == '`' {
            let q = c;
            i += 1;
            while i < b.len() && b[i] != q {
                if b[i] == '\\' && q != '`' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            prev_close_paren = false;
            continue;
        }
        if c == '{' {
            // label matchers: skip to the closing brace
            while i < b.len() && b[i] != '}' {
                i += 1;
            }
            i += 1;
            prev_close_paren = false;
            continue;
        }
        if is_word(c) && (i == 0 || !is_word(b[i - 1])) {
            let start = i;
            while i < b.len() && is_word(b[i]) {
                i += 1;
            }
            let word: String = b[start..i].iter().collect();
            let mut j = i;
            while j < b.len() && b[j].is_whitespace() {
                j += 1;
            }
            let call = b.get(j) == Some(&'(');
            if call && FUNCTIONS.contains(&word.as_str()) {
                return Some(format!("the MetricsQL function `{word}()`"));
            }
            if KEYWORDS.contains(&word.as_str()) {
                return Some(format!("the MetricsQL keyword `{word}`"));
            }
            if word == "offset" && prev_close_paren {
                return Some("`offset` after a function call (MetricsQL)".into());
            }
            prev_close_paren = false;
            continue;
        }
        if !c.is_whitespace() {
            prev_close_paren = c == ')';
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_metricsql() {
        assert!(construct("lag(vm_rows[5m]) > 1h")
            .unwrap()
            .contains("`lag()`"));
        assert!(construct("sum(rate(x[5m])) default 0")
            .unwrap()
            .contains("`default`"));
        assert!(construct("max(vm_app_version) by(version) offset 1h")
            .is_none_or(|c| c.contains("offset")));
        assert!(construct("sum(x) offset 1h").unwrap().contains("offset"));
        assert!(construct("rate(x[5m]) keep_metric_names").is_some());
        assert!(construct("WITH (f = x) f").is_some());
    }

    #[test]
    fn promql_and_strings_are_not_metricsql() {
        assert_eq!(construct("sum(rate(x{a=\"lag(\"}[5m])) > 0"), None);
        assert_eq!(construct("x offset 5m"), None);
        assert_eq!(construct("median_value > 1"), None);
        assert_eq!(construct("histogram_quantile(0.9, rate(b[5m]))"), None);
    }
}
