//! `rate()` and `increase()` windows in dashboards follow the step.

use crate::artifact::dashboard::Dashboard;
use crate::artifact::dashboard::Query;
use crate::artifact::query::Lang;
use crate::rules::{Ctx, Rule};
use crate::syntax::duration;
use crate::syntax::promql::{Analysis, Tok};
use promql_parser::parser::token;

crate::declare_rule! {
    pub struct RateInterval {
        code: "OL716",
        name: "rate-interval",
        family: Dashboards,
        severity: Warning,
        fix: None,
        summary: "A dashboard rate()/increase() window that is fixed or uses $__interval instead of $__rate_interval",
    }
}

/// Functions whose window must cover the step and a few scrapes.
const FUNCTIONS: &[&str] = &["rate", "increase"];

/// Fixed windows this long are periods ("requests per hour"), not
/// smoothing windows, and are left alone.
const PERIOD: std::time::Duration = std::time::Duration::from_secs(3600);

/// Windows that mean "the whole selected range" on purpose.
const RANGE_VARIABLES: &[&str] = &["__range", "__range_s", "__range_ms"];

/// The `[window]` duration token of each `rate(...)`/`increase(...)` call
/// (not subqueries), with the function name.
fn windows<'a>(q: &str, a: &'a Analysis) -> Vec<(&'static str, &'a Tok)> {
    let toks = &a.tokens;
    let text = |t: &Tok| q.get(t.start..t.end).unwrap_or("");
    let mut out = Vec::new();
    for (i, t) in toks.iter().enumerate() {
        let Some(f) = FUNCTIONS.iter().find(|f| **f == text(t)) else {
            continue;
        };
        if toks.get(i + 1).map(|n| n.id) != Some(token::T_LEFT_PAREN) {
            continue;
        }
        let mut depth = 0usize;
        for (j, u) in toks.iter().enumerate().skip(i + 1) {
            match u.id {
                token::T_LEFT_PAREN => depth += 1,
                token::T_RIGHT_PAREN => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        break;
                    }
                }
                token::T_LEFT_BRACKET if depth == 1 => {
                    let dur = toks.get(j + 1).filter(|d| d.id == token::T_DURATION);
                    let closes = toks.get(j + 2).map(|c| c.id) == Some(token::T_RIGHT_BRACKET);
                    if let (Some(d), true) = (dur, closes) {
                        out.push((*f, d));
                    }
                }
                _ => {}
            }
        }
    }
    out
}

impl Rule for RateInterval {
    fn check_dashboard(&self, cx: &mut Ctx<'_>, d: &Dashboard) {
        let wanted = cx
            .policy
            .dashboards
            .rate_interval_variable
            .trim()
            .trim_start_matches('$')
            .trim_start_matches('{')
            .trim_end_matches('}')
            .to_string();
        let wanted = if wanted.is_empty() {
            "__rate_interval".to_string()
        } else {
            wanted
        };
        let text = cx.file.text.clone();
        for (p, t) in d.targets() {
            if t.instant {
                continue; // an instant query's window is its meaning
            }
            if p.is_some_and(|p| p.shows_last_value) {
                // only the last point is shown: its window is the figure's
                // meaning ("rate over the last 5m"), and a zoom-dependent
                // window would change the number with the time range
                continue;
            }
            let Some(q) = &t.query else { continue };
            if q.lang != Lang::PromQL {
                continue;
            }
            let Some(a) = q.prom() else { continue };
            for (f, tok) in windows(q.expr_text(), a) {
                let r = tok.start..tok.end;
                let written = match q.var_at(&r) {
                    Some(v) if v.name == wanted || RANGE_VARIABLES.contains(&v.name.as_str()) => {
                        continue
                    }
                    // `increase(x[$__interval])` counts per step on purpose
                    Some(v) if f == "increase" && v.name == "__interval" => continue,
                    Some(v) if matches!(v.name.as_str(), "__interval" | "__auto") => {
                        format!("`${}`", v.name)
                    }
                    Some(_) => continue, // a dashboard variable: the author's choice
                    None => {
                        let window = q.expr_text().get(r.clone()).unwrap_or("");
                        if duration::parse(window).is_ok_and(|w| w >= PERIOD) {
                            continue; // an hourly or daily figure, not a smoothing window
                        }
                        format!("a fixed `{window}`")
                    }
                };
                report(
                    cx,
                    q,
                    &text,
                    r,
                    f,
                    &written,
                    &wanted,
                    p.map(|p| p.describe()),
                );
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn report(
    cx: &mut Ctx<'_>,
    q: &Query,
    text: &str,
    r: std::ops::Range<usize>,
    f: &str,
    written: &str,
    wanted: &str,
    panel: Option<String>,
) {
    let who = panel.unwrap_or_else(|| "annotation".into());
    cx.report(
        &META,
        q.span(text, r),
        format!("`{f}()` window in {who} is {written}, not `${wanted}`"),
    )
    .label("window")
    .help(format!(
        "use `[${wanted}]`: it is at least four scrape intervals and grows with the panel's step, so zoomed-out graphs neither skip samples nor go blank"
    ));
}
