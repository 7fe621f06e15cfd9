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
    scalar_set_operand(&b)
}

/// The MetricsQL construct a PromQL parse error met: [`construct`] of the
/// text, else what the parser's `message` says. A range selector where an
/// instant vector is expected (`sum(x[5m])`, PromQL's "expected type vector
/// in ..., got matrix") is MetricsQL's implicit `default_rollup()`.
pub fn construct_at_error(expr: &str, message: &str) -> Option<String> {
    construct(expr).or_else(|| {
        (message.starts_with("expected type vector in ") && message.ends_with(", got matrix"))
            .then(|| "a range selector where an instant vector is expected (MetricsQL's implicit `default_rollup()`)".to_string())
    })
}

/// A token of the expression, as far as the set-operator check needs it:
/// string literals, label matchers and range brackets are skipped.
#[derive(Debug, PartialEq)]
enum Tok {
    Word(String),
    Number,
    Punct(char),
}

fn tokens(b: &[char]) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            '"' | '\'' | '`' => {
                i += 1;
                while i < b.len() && b[i] != c {
                    if b[i] == '\\' && c != '`' {
                        i += 1;
                    }
                    i += 1;
                }
                i += 1;
                out.push(Tok::Word(String::new())); // an operand, never a scalar
            }
            '{' | '[' => {
                let close = if c == '{' { '}' } else { ']' };
                while i < b.len() && b[i] != close {
                    i += 1;
                }
                i += 1;
                out.push(Tok::Punct(close));
            }
            _ if is_word(c) || (c == '.' && b.get(i + 1).is_some_and(char::is_ascii_digit)) => {
                let start = i;
                // a number's `.`, exponent sign and hex digits stay in the token
                while i < b.len()
                    && (is_word(b[i])
                        || b[i] == '.'
                        || ((b[i] == '+' || b[i] == '-')
                            && b[start].is_ascii_digit()
                            && matches!(b[i - 1], 'e' | 'E')))
                {
                    i += 1;
                }
                let word: String = b[start..i].iter().collect();
                let lower = word.to_ascii_lowercase();
                if b[start].is_ascii_digit() || b[start] == '.' || lower == "inf" || lower == "nan"
                {
                    out.push(Tok::Number);
                } else {
                    out.push(Tok::Word(word));
                }
            }
            _ if c.is_whitespace() => i += 1,
            _ => {
                out.push(Tok::Punct(c));
                i += 1;
            }
        }
    }
    out
}

fn is_set_op(t: Option<&Tok>) -> bool {
    matches!(t, Some(Tok::Word(w)) if matches!(w.as_str(), "or" | "and" | "unless"))
}

/// `q or 0`, `(q or 0) + ...`, `0 or q`: a set operator with a number as
/// an operand. PromQL refuses it (set operators take vectors on both sides);
/// MetricsQL reads a number as a series without labels, so `sum(x) or 0`
/// yields 0 when `x` has no series. Only an operand that is the number alone
/// counts (`q or 0 * r` is PromQL: `*` binds tighter than `or`).
fn scalar_set_operand(b: &[char]) -> Option<String> {
    let t = tokens(b);
    // an operand ends at the end, a closing parenthesis, a comma or another
    // operator of `or`'s precedence (or a MetricsQL binary keyword)
    let ends = |k: usize| match t.get(k) {
        None => true,
        Some(Tok::Punct(')' | ',')) => true,
        Some(Tok::Word(w)) => matches!(
            w.as_str(),
            "or" | "and" | "unless" | "default" | "if" | "ifnot"
        ),
        _ => false,
    };
    let starts = |k: usize| {
        k == 0 || matches!(t.get(k - 1), Some(Tok::Punct('(' | ','))) || is_set_op(t.get(k - 1))
    };
    for k in 0..t.len() {
        if !is_set_op(t.get(k)) {
            continue;
        }
        let Tok::Word(op) = &t[k] else { continue };
        // right operand: an optionally signed number, alone
        let mut n = k + 1;
        if matches!(t.get(n), Some(Tok::Punct('+' | '-'))) {
            n += 1;
        }
        let right = t.get(n) == Some(&Tok::Number) && ends(n + 1);
        // left operand: a number alone before the operator
        let left = k >= 1 && t[k - 1] == Tok::Number && {
            let mut s = k - 1;
            if s >= 1 && matches!(t[s - 1], Tok::Punct('+' | '-')) && starts(s - 1) {
                s -= 1;
            }
            starts(s)
        };
        if right || left {
            return Some(format!("`{op}` with a number as an operand (MetricsQL)"));
        }
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
    fn recognises_set_operators_with_a_number() {
        // shapes of VictoriaMetrics' own vmauth dashboard
        let vmauth = "(sum(rate(vmauth_user_requests_total{job=~\"$job\"}[$__rate_interval])) or 0) + (sum(rate(vmauth_unauthorized_user_requests_total{job=~\"$job\"}[5m])) or 0)";
        assert!(construct(vmauth).unwrap().contains("`or` with a number"));
        let config = "count(vmauth_config_last_reload_successful{job=~\"$job\", instance=~\"$instance\"} < 1 ) or 0";
        assert!(construct(config).unwrap().contains("`or` with a number"));
        for e in [
            "up or 0",
            "up or -1",
            "up or 0.5",
            "up or 1e3",
            "up or NaN",
            "0 or up",
            "sum(up) unless 1",
            "up and 0 or up",
            "max(up or 0, 1)",
        ] {
            assert!(construct(e).is_some(), "{e}");
        }
    }

    #[test]
    fn implicit_rollup_from_the_parse_error() {
        // vmanomaly's TooHighCPUUsage: `sum(gauge[5m]) by (job, instance)`
        let e = "sum(vmanomaly_cpu_cores_available{job=~\".*vmanomaly.*\"}[5m]) by (job, instance)";
        let m = "expected type vector in aggregation expression, got matrix";
        assert!(construct_at_error(e, m).unwrap().contains("default_rollup"));
        assert_eq!(
            construct_at_error("sum(x", "unclosed left parenthesis"),
            None
        );
        assert_eq!(
            construct_at_error(
                "-x[5m]",
                "unary expression only allowed on expressions of type scalar or vector, got matrix"
            ),
            None
        );
    }

    #[test]
    fn set_operators_between_vectors_are_not_metricsql() {
        for e in [
            "up or vector(0)",
            "up or 0 * down",
            "up or on(job) 2 * down",
            "x_1 or y_2",
            "up{a=\"or 0\"} > 1",
        ] {
            assert_eq!(construct(e), None, "{e}");
        }
    }

    #[test]
    fn promql_and_strings_are_not_metricsql() {
        assert_eq!(construct("sum(rate(x{a=\"lag(\"}[5m])) > 0"), None);
        assert_eq!(construct("x offset 5m"), None);
        assert_eq!(construct("median_value > 1"), None);
        assert_eq!(construct("histogram_quantile(0.9, rate(b[5m]))"), None);
    }
}
