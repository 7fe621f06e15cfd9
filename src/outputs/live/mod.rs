//! `o11ylint validate-queries`: run every query of the profile against live
//! Prometheus and Loki backends and say, per query, whether the backend
//! rejected it (with its message at the query's place in the contract),
//! answered with no data, or answered with data.
//!
//! Queries come from the contracts (see [`collect`]): dashboard panel
//! targets and query variables, alert expressions, and recording rules once
//! per source prefix. Before a query is sent, Grafana's variables and
//! macros are interpolated with [`crate::syntax::grafana_vars::interpolate`],
//! which keeps the offset map used to point a backend error back into the
//! YAML file:
//!
//! - `$__interval` 15s, `$__rate_interval` 1m (four 15 s scrape intervals),
//!   `$__auto` 1m, `$__range` the `--range` window (default 1h), with their
//!   `_ms`/`_s` forms, `$__from`/`$__to` in milliseconds;
//! - query variables (`label_values(QUERY, label)`): the backend's label
//!   values API is asked, in declaration order (a variable may use the ones
//!   before it), and the first value in sorted order is used; inside a regex
//!   matcher (`=~`, `!~`, `|~`) a variable whose default is "All"
//!   (`includeAll`) becomes the alternation of its values, and a variable
//!   without values becomes `.*`;
//! - custom and interval variables: their first value, or "All" as above;
//! - `${source}` in recording rules: the source series of each prefix.
//!
//! Alert expressions that come back empty are probed (see [`probe`]): an
//! empty condition over existing series is "ok, not firing"; only an empty
//! probe is "no data".

pub mod answer;
pub mod collect;
pub mod http;
pub mod loki;
pub mod probe;
pub mod prometheus;
pub mod report;

use std::collections::HashMap;
use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use crate::artifact::query::Lang;
use collect::{Category, Dashboard, Job, Profile, VarKind, What};

use crate::source::Span;
use crate::syntax::grafana_vars::{self, Context, Interpolated, VarRef};
use crate::syntax::logql;

/// A successful query answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryData {
    pub result_type: String,
    pub series: usize,
}

/// A non-success answer of either backend: 400 and 422 mean the backend
/// rejected the query (a finding at the query), anything else is a backend
/// failure.
pub fn error_status(status: u16, message: String) -> Failure {
    // backend text: bounded and escaped before it is kept or printed
    let message = http::backend_text(&message);
    let message = if message.is_empty() {
        format!("HTTP {status} without a message")
    } else {
        message
    };
    if matches!(status, 400 | 422) {
        Failure::Rejected { status, message }
    } else {
        Failure::Backend {
            status: Some(status),
            message,
        }
    }
}

/// Why a request produced no data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The backend refused the query (HTTP 400 or 422): a query problem.
    Rejected { status: u16, message: String },
    /// Any other error answer (5xx after retries, 401, 404, an answer that is
    /// not the documented shape).
    Backend {
        status: Option<u16>,
        message: String,
    },
    /// No answer at all (connection, TLS, timeout).
    Transport(String),
    /// Not sent: the overall deadline passed or the backend's circuit
    /// breaker opened (the query is counted as skipped, with this reason).
    NotSent(String),
}

impl Failure {
    pub fn message(&self) -> String {
        match self {
            Failure::Rejected { message, .. } => message.clone(),
            Failure::Backend {
                status: Some(s),
                message,
            } => format!("HTTP {s}: {message}"),
            Failure::Backend {
                status: None,
                message,
            } => message.clone(),
            Failure::Transport(m) | Failure::NotSent(m) => m.clone(),
        }
    }
}

/// How the reason of a query that was not sent begins.
pub const NOT_SENT: &str = "not sent: ";

/// A request's result and how many times it was sent.
#[derive(Debug, Clone)]
pub struct Fetched<T> {
    pub result: Result<T, Failure>,
    pub attempts: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    Ok,
    NoData,
    Error,
    Skipped,
}

impl Status {
    pub fn word(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::NoData => "no data",
            Status::Error => "error",
            Status::Skipped => "skipped",
        }
    }
}

/// What happened to one job.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub status: Status,
    /// One line for the report.
    pub detail: String,
    /// The query as sent, when interpolation changed it.
    pub sent: Option<String>,
    /// File span the error or no-data finding points at.
    pub span: Option<Span>,
    /// What the label under the span says.
    pub label: String,
    pub attempts: u32,
    /// For errors: the backend refused the query itself (vs. an HTTP or
    /// connection problem).
    pub rejected: bool,
}

impl Outcome {
    fn skipped(detail: impl Into<String>) -> Outcome {
        Outcome {
            status: Status::Skipped,
            detail: detail.into(),
            sent: None,
            span: None,
            label: String::new(),
            attempts: 0,
            rejected: false,
        }
    }
}

/// Grafana's interval macros, in seconds.
#[derive(Debug, Clone, Copy)]
pub struct Macros {
    pub interval: u64,
    pub rate_interval: u64,
    pub auto: u64,
    pub range: u64,
}

impl Macros {
    pub fn new(range: u64) -> Macros {
        Macros {
            interval: 15,
            rate_interval: 60,
            auto: 60,
            range,
        }
    }
}

/// `90` -> `90s`, `300` -> `5m`, `3600` -> `1h`.
pub fn duration(secs: u64) -> String {
    if secs > 0 && secs % 3600 == 0 {
        format!("{}h", secs / 3600)
    } else if secs > 0 && secs % 60 == 0 {
        format!("{}m", secs / 60)
    } else {
        format!("{secs}s")
    }
}

pub struct Options {
    pub prometheus: Option<prometheus::Prometheus>,
    pub loki: Option<loki::Loki>,
    /// Evaluation time, Unix seconds.
    pub time: f64,
    pub macros: Macros,
    pub concurrency: usize,
    pub timeout_s: u64,
    /// Called once per finished job (progress bar).
    pub on_done: Box<dyn Fn(&Job) + Sync>,
}

/// Every job with its outcome (same order as `profile.jobs`).
pub struct Report {
    pub profile: Profile,
    pub outcomes: Vec<Outcome>,
}

impl Report {
    pub fn count(&self, status: Status) -> usize {
        self.outcomes.iter().filter(|o| o.status == status).count()
    }

    /// Queries not sent because the deadline passed or a circuit breaker
    /// opened (the run did not finish).
    pub fn not_sent(&self) -> usize {
        self.outcomes
            .iter()
            .filter(|o| o.status == Status::Skipped && o.detail.starts_with(NOT_SENT))
            .count()
    }

    /// (backend, category) -> counts per status, for the summary table.
    pub fn table(&self) -> Vec<((Lang, Category), [usize; 4])> {
        let mut rows: Vec<((Lang, Category), [usize; 4])> = Vec::new();
        for (job, o) in self.profile.jobs.iter().zip(&self.outcomes) {
            let key = (job.backend, job.what.category());
            let col = match o.status {
                Status::Ok => 0,
                Status::NoData => 1,
                Status::Error => 2,
                Status::Skipped => 3,
            };
            match rows.iter_mut().find(|(k, _)| *k == key) {
                Some((_, c)) => c[col] += 1,
                None => {
                    let mut c = [0; 4];
                    c[col] = 1;
                    rows.push((key, c));
                }
            }
        }
        rows.sort_by_key(|(k, _)| *k);
        rows
    }
}

/// The resolved default of a dashboard variable.
#[derive(Debug, Clone, Default)]
struct VarValue {
    values: Vec<String>,
    all: bool,
    /// Why there are no values (for the notes of the queries using it).
    empty_because: Option<String>,
}

type Values = HashMap<String, VarValue>;

/// Run `f` over `items` on `n` threads; results in input order (one slot
/// per item).
fn pool<I: Sync, T: Send>(n: usize, items: &[I], f: impl Fn(&I) -> T + Sync) -> Vec<Option<T>> {
    let next = AtomicUsize::new(0);
    let slots: Mutex<Vec<Option<T>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..n.clamp(1, items.len().max(1)) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(item) = items.get(i) else { break };
                let r = f(item);
                if let Ok(mut g) = slots.lock() {
                    if let Some(slot) = g.get_mut(i) {
                        *slot = Some(r);
                    }
                }
            });
        }
    });
    slots.into_inner().unwrap_or_default()
}

/// Run every job of `profile`.
pub fn run(profile: Profile, opts: &Options) -> Report {
    let mut outcomes: Vec<Option<Outcome>> = vec![None; profile.jobs.len()];
    // Phase 1: dashboard variables, each dashboard's in declaration order.
    let indices: Vec<usize> = (0..profile.dashboards.len()).collect();
    let resolved = pool(opts.concurrency, &indices, |&d| {
        profile
            .dashboards
            .get(d)
            .map(|dash| resolve_dashboard(&profile, dash, opts))
            .unwrap_or_default()
    });
    let mut values: Vec<Values> = Vec::with_capacity(resolved.len());
    for (v, done) in resolved.into_iter().map(Option::unwrap_or_default) {
        for (job, o) in done {
            if let Some(slot) = outcomes.get_mut(job) {
                *slot = Some(o);
            }
        }
        values.push(v);
    }
    // Phase 2: everything else.
    let rest: Vec<usize> = (0..profile.jobs.len())
        .filter(|&i| outcomes.get(i).is_some_and(Option::is_none))
        .collect();
    let empty = Values::new();
    let results = pool(opts.concurrency, &rest, |&i| {
        let job = profile.jobs.get(i)?;
        let vars = job.dashboard.and_then(|d| values.get(d)).unwrap_or(&empty);
        let o = run_job(&profile, job, vars, opts);
        (opts.on_done)(job);
        Some(o)
    });
    for (i, o) in rest.into_iter().zip(results) {
        if let Some(slot) = outcomes.get_mut(i) {
            *slot = o.flatten();
        }
    }
    let outcomes = outcomes
        .into_iter()
        .map(|o| o.unwrap_or_else(|| Outcome::skipped("not run")))
        .collect();
    Report { profile, outcomes }
}

fn resolve_dashboard(
    profile: &Profile,
    dash: &Dashboard,
    opts: &Options,
) -> (Values, Vec<(usize, Outcome)>) {
    let mut values = Values::new();
    let mut done = Vec::new();
    for var in &dash.vars {
        let value = match &var.kind {
            VarKind::List { values } => VarValue {
                values: values.clone(),
                all: var.include_all,
                empty_because: None,
            },
            VarKind::Unsupported { reason } => VarValue {
                empty_because: Some(reason.clone()),
                ..VarValue::default()
            },
            VarKind::LabelValues {
                backend,
                label,
                job,
            } => {
                let Some(j) = profile.jobs.get(*job) else {
                    continue;
                };
                let (outcome, mut found) = run_variable(profile, j, *backend, label, &values, opts);
                (opts.on_done)(j);
                let empty_because = match outcome.status {
                    Status::Ok => None,
                    Status::NoData => Some("its query found none".to_string()),
                    Status::Error => Some("its query failed".to_string()),
                    Status::Skipped => Some(format!("its query was skipped: {}", outcome.detail)),
                };
                done.push((*job, outcome));
                found.sort();
                found.dedup();
                VarValue {
                    values: found,
                    all: var.include_all,
                    empty_because,
                }
            }
        };
        values.insert(var.name.clone(), value);
    }
    (values, done)
}

fn regex_escape(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Escape `v` for a string literal opened with `quote`.
fn quote_escape(v: &str, quote: char) -> String {
    if quote == '`' {
        return v.to_string();
    }
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        if c == '\\' || c == quote {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn substitute(v: &VarValue, ctx: Context) -> Option<String> {
    match ctx {
        Context::Str { quote, regex: true } => {
            let re = if v.all && v.values.len() > 1 {
                let alts: Vec<String> = v.values.iter().map(|s| regex_escape(s)).collect();
                format!("({})", alts.join("|"))
            } else {
                match v.values.first() {
                    Some(s) => regex_escape(s),
                    None => ".*".to_string(),
                }
            };
            Some(quote_escape(&re, quote))
        }
        Context::Str {
            quote,
            regex: false,
        } => Some(quote_escape(
            v.values.first().map(String::as_str).unwrap_or(""),
            quote,
        )),
        Context::Range | Context::Code => v.values.first().cloned(),
    }
}

fn macro_value(name: &str, m: Macros, time: f64) -> Option<String> {
    let ms = |s: u64| s.saturating_mul(1000).to_string();
    Some(match name {
        "__interval" => duration(m.interval),
        "__interval_ms" => ms(m.interval),
        "__rate_interval" => duration(m.rate_interval),
        "__rate_interval_ms" => ms(m.rate_interval),
        "__auto" => duration(m.auto),
        "__range" => duration(m.range),
        "__range_s" => m.range.to_string(),
        "__range_ms" => ms(m.range),
        "__from" => format!("{}", ((time - m.range as f64) * 1000.0).round() as i64),
        "__to" => format!("{}", (time * 1000.0).round() as i64),
        _ => return None,
    })
}

/// The job's text with variables and macros substituted, and a note for
/// every variable that had no value.
fn interpolate(job: &Job, vars: &Values, opts: &Options) -> (Interpolated, Vec<String>) {
    let mut notes: Vec<String> = Vec::new();
    let interp = grafana_vars::interpolate(job.src.text(), |r: &VarRef, ctx| {
        if r.is_numeric() {
            return None;
        }
        if let Some(src) = &job.source_name {
            return (r.name == "source").then(|| src.clone());
        }
        if r.is_builtin() {
            return macro_value(&r.name, opts.macros, opts.time);
        }
        let v = vars.get(&r.name)?;
        if v.values.is_empty() {
            let note = match &v.empty_because {
                Some(why) => format!("variable ${} has no value ({why})", r.name),
                None => format!("variable ${} has no value", r.name),
            };
            if !notes.contains(&note) {
                notes.push(note);
            }
        }
        substitute(v, ctx)
    });
    (interp, notes)
}

/// `detail`, followed by the notes.
fn with_notes(detail: String, notes: &[String]) -> String {
    if notes.is_empty() {
        detail
    } else {
        format!("{detail}; {}", notes.join("; "))
    }
}

/// The byte range of the token at `off` in `q`: a name, or one character.
fn extent(q: &str, off: usize) -> Range<usize> {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == ':';
    let Some(rest) = q.get(off..) else {
        return q.len()..q.len();
    };
    let mut end = off;
    for (i, c) in rest.char_indices() {
        if word(c) {
            end = off + i + c.len_utf8();
        } else {
            if i == 0 {
                end = off + c.len_utf8();
            }
            break;
        }
    }
    off..end
}

/// Loki tenant(s) of a LogQL query: the tenant of each stream its selectors
/// name with `<routing label>="<stream>"`, joined with `|` (Loki's
/// multi-tenant form) when there are several; the operational tenant when it
/// names none.
pub fn tenant_for(profile: &Profile, q: &str) -> Option<String> {
    let mut streams: Vec<String> = Vec::new();
    match logql::parse(q) {
        Ok(e) => {
            for s in e.selectors() {
                for m in &s.matchers {
                    if m.name.name == profile.routing_label && m.op == logql::MatchOp::Eq {
                        streams.push(m.value.clone());
                    }
                }
            }
        }
        Err(_) => {
            // Unparseable here: still find `label="value"` pairs.
            let pat = format!("{}=\"", profile.routing_label);
            for (i, _) in q.match_indices(&pat) {
                let rest = q.get(i + pat.len()..).unwrap_or("");
                if let Some(end) = rest.find('"') {
                    streams.push(rest.get(..end).unwrap_or("").to_string());
                }
            }
        }
    }
    let mut tenants: Vec<String> = streams
        .iter()
        .filter_map(|s| profile.tenants.get(s).cloned())
        .collect();
    tenants.sort();
    tenants.dedup();
    if tenants.is_empty() {
        profile.default_tenant.clone()
    } else {
        Some(tenants.join("|"))
    }
}

fn is_log_query(q: &str) -> bool {
    match logql::parse(q) {
        Ok(e) => !e.is_metric(),
        Err(_) => q.trim_start().starts_with('{'),
    }
}

fn failure_outcome(
    job: &Job,
    interp: &Interpolated,
    sent: Option<String>,
    f: &Failure,
    attempts: u32,
) -> Outcome {
    if let Failure::NotSent(why) = f {
        return Outcome::skipped(why.clone());
    }
    let q = interp.text.as_str();
    let (span, label, rejected) = match f {
        Failure::Rejected { message, .. } => {
            let off = match job.backend {
                Lang::PromQL => prometheus::error_offset(message, q),
                Lang::LogQL => loki::error_offset(message, q),
            };
            let span = match off {
                Some(o) => job.src.span(interp.to_source(extent(q, o))),
                None => job.src.whole(),
            };
            (
                span,
                format!("{} rejected this query", job.backend.backend()),
                true,
            )
        }
        _ => (
            job.src.whole(),
            format!("{} did not answer this query", job.backend.backend()),
            false,
        ),
    };
    Outcome {
        status: Status::Error,
        detail: f.message(),
        sent,
        span: Some(span),
        label,
        attempts,
        rejected,
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
}

fn run_variable(
    profile: &Profile,
    job: &Job,
    backend: Lang,
    label: &str,
    vars: &Values,
    opts: &Options,
) -> (Outcome, Vec<String>) {
    let (interp, notes) = interpolate(job, vars, opts);
    let q = interp.text.clone();
    let sent = (q != job.src.text()).then(|| q.clone());
    // `label_values(label)`: the job's text is the label itself.
    let selector = (q != label).then_some(q.as_str());
    let start = opts.time - opts.macros.range as f64;
    let fetched = match backend {
        Lang::PromQL => match &opts.prometheus {
            Some(p) => p.label_values(selector, label, start, opts.time),
            None => return (Outcome::skipped("no --prometheus URL"), Vec::new()),
        },
        Lang::LogQL => match &opts.loki {
            Some(l) => {
                let tenant = tenant_for(profile, selector.unwrap_or("")).unwrap_or_default();
                l.label_values(selector, label, start, opts.time, &tenant)
            }
            None => return (Outcome::skipped("no --loki URL"), Vec::new()),
        },
    };
    match fetched.result {
        Ok(values) if values.is_empty() => (
            Outcome {
                status: Status::NoData,
                detail: with_notes(
                    format!("no values of `{label}`; dependent queries use `.*` or \"\""),
                    &notes,
                ),
                sent,
                span: Some(job.src.whole()),
                label: "no series match this selector".into(),
                attempts: fetched.attempts,
                rejected: false,
            },
            values,
        ),
        Ok(values) => {
            let mut sorted = values.clone();
            sorted.sort();
            let first = sorted.first().cloned().unwrap_or_default();
            (
                Outcome {
                    status: Status::Ok,
                    detail: format!(
                        "{}, first `{first}`",
                        plural(values.len(), "value", "values")
                    ),
                    sent,
                    span: None,
                    label: String::new(),
                    attempts: fetched.attempts,
                    rejected: false,
                },
                values,
            )
        }
        Err(f) => (
            failure_outcome(job, &interp, sent, &f, fetched.attempts),
            Vec::new(),
        ),
    }
}

/// Send `q` to the job's backend.
fn fetch(profile: &Profile, job: &Job, q: &str, opts: &Options) -> Option<Fetched<QueryData>> {
    match job.backend {
        Lang::PromQL => {
            let p = opts.prometheus.as_ref()?;
            Some(p.query(q, opts.time, opts.timeout_s))
        }
        Lang::LogQL => {
            let l = opts.loki.as_ref()?;
            let tenant = tenant_for(profile, q).unwrap_or_default();
            Some(if is_log_query(q) {
                let start = opts.time - opts.macros.range as f64;
                l.range(q, start, opts.time, 1, &tenant)
            } else {
                l.instant(q, opts.time, &tenant)
            })
        }
    }
}

fn run_job(profile: &Profile, job: &Job, vars: &Values, opts: &Options) -> Outcome {
    let missing = match job.backend {
        Lang::PromQL if opts.prometheus.is_none() => Some("no --prometheus URL"),
        Lang::LogQL if opts.loki.is_none() => Some("no --loki URL"),
        _ => None,
    };
    if let Some(why) = missing {
        return Outcome::skipped(why);
    }
    let (interp, notes) = interpolate(job, vars, opts);
    let q = interp.text.clone();
    let sent = (q != job.src.text()).then(|| q.clone());
    let Some(fetched) = fetch(profile, job, &q, opts) else {
        return Outcome::skipped("backend not configured");
    };
    let mut attempts = fetched.attempts;
    match fetched.result {
        Err(f) => failure_outcome(job, &interp, sent, &f, attempts),
        Ok(d) if d.series > 0 => {
            let what = if matches!(job.what, What::Alert { .. }) {
                format!("firing: {}", plural(d.series, "series", "series"))
            } else {
                format!(
                    "{}, {}",
                    d.result_type,
                    plural(d.series, "series", "series")
                )
            };
            Outcome {
                status: Status::Ok,
                detail: what,
                sent,
                span: None,
                label: String::new(),
                attempts,
                rejected: false,
            }
        }
        Ok(d) => {
            let probe = match (&job.what, job.backend) {
                (What::Alert { .. }, Lang::PromQL) => probe::promql(&q),
                (What::Alert { .. }, Lang::LogQL) => probe::logql(&q),
                _ => None,
            };
            let no_data = |detail: String, attempts: u32| Outcome {
                status: Status::NoData,
                detail: with_notes(detail, &notes),
                sent: sent.clone(),
                span: Some(job.src.whole()),
                label: format!(
                    "{} returned no series for this query",
                    job.backend.backend()
                ),
                attempts,
                rejected: false,
            };
            let Some(p) = probe else {
                return no_data(format!("empty {} result", d.result_type), attempts);
            };
            match fetch(profile, job, &p, opts) {
                Some(pf) => {
                    attempts += pf.attempts;
                    match pf.result {
                        Ok(pd) if pd.series > 0 => Outcome {
                            status: Status::Ok,
                            detail: format!(
                                "not firing; the series it compares exist ({})",
                                plural(pd.series, "series", "series")
                            ),
                            sent,
                            span: None,
                            label: String::new(),
                            attempts,
                            rejected: false,
                        },
                        Ok(_) => no_data(
                            "empty result, and the series it compares do not exist either".into(),
                            attempts,
                        ),
                        Err(Failure::NotSent(why)) => Outcome::skipped(why),
                        Err(e) => no_data(
                            format!("empty result; its data probe failed: {}", e.message()),
                            attempts,
                        ),
                    }
                }
                None => no_data(format!("empty {} result", d.result_type), attempts),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(duration(15), "15s");
        assert_eq!(duration(60), "1m");
        assert_eq!(duration(3600), "1h");
        assert_eq!(duration(90), "90s");
        assert_eq!(duration(0), "0s");
    }

    #[test]
    fn variable_values_follow_their_context() {
        let v = VarValue {
            values: vec!["a.b".into(), "c".into()],
            all: true,
            empty_because: None,
        };
        let re = Context::Str {
            quote: '"',
            regex: true,
        };
        assert_eq!(substitute(&v, re).as_deref(), Some("(a\\\\.b|c)"));
        let plain = Context::Str {
            quote: '"',
            regex: false,
        };
        assert_eq!(substitute(&v, plain).as_deref(), Some("a.b"));
        let one = VarValue {
            values: vec!["x\"y".into()],
            ..VarValue::default()
        };
        assert_eq!(substitute(&one, plain).as_deref(), Some("x\\\"y"));
        let none = VarValue::default();
        assert_eq!(substitute(&none, re).as_deref(), Some(".*"));
        assert_eq!(substitute(&none, Context::Code), None);
        let bt = Context::Str {
            quote: '`',
            regex: true,
        };
        assert_eq!(substitute(&v, bt).as_deref(), Some("(a\\.b|c)"));
    }

    #[test]
    fn extents_cover_names() {
        let q = "sum(x) offsett 5m";
        assert_eq!(&q[extent(q, 7)], "offsett");
        assert_eq!(&q[extent(q, 3)], "(");
        assert_eq!(extent(q, q.len()), q.len()..q.len());
    }

    #[test]
    fn macros() {
        let m = Macros::new(3600);
        assert_eq!(
            macro_value("__rate_interval", m, 0.0).as_deref(),
            Some("1m")
        );
        assert_eq!(macro_value("__range", m, 0.0).as_deref(), Some("1h"));
        assert_eq!(
            macro_value("__range_ms", m, 0.0).as_deref(),
            Some("3600000")
        );
        assert_eq!(macro_value("__to", m, 2.0).as_deref(), Some("2000"));
        assert_eq!(macro_value("__nope", m, 0.0), None);
    }
}
