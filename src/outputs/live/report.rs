//! The text report of `validate-queries`: one line per query run, a diagnostic
//! (rustc style, with the contract snippet) for every error and no-data
//! query, and a summary table.

use std::fmt::Write as _;

use super::collect::Job;
use super::{Outcome, Report, Status};
use crate::diag::{Diagnostic, Label, Severity};
use crate::outputs::render;

/// Diagnostic of one error or no-data outcome.
pub fn diagnostic(job: &Job, o: &Outcome) -> Option<Diagnostic> {
    let (severity, name, message) = match o.status {
        Status::Error if o.rejected => (
            Severity::Error,
            "query-error",
            format!(
                "{} rejected the query of {}: {}",
                job.backend.backend(),
                job.what.describe(),
                o.detail
            ),
        ),
        Status::Error => (
            Severity::Error,
            "backend-error",
            format!(
                "the query of {} got no answer from {}: {}",
                job.what.describe(),
                job.backend.backend(),
                o.detail
            ),
        ),
        Status::NoData => (
            Severity::Warning,
            "no-data",
            format!("no data for {}: {}", job.what.describe(), o.detail),
        ),
        _ => return None,
    };
    let span = o.span.clone().unwrap_or_else(|| job.src.whole());
    let mut help = Vec::new();
    if let Some(sent) = &o.sent {
        help.push(format!("sent as: {sent}"));
    }
    if o.attempts > 1 {
        help.push(format!("{} attempts", o.attempts));
    }
    let help = match (o.status, o.rejected) {
        (Status::Error, true) => {
            help.push("fix the query in the contract, then `make generate`".into());
            help
        }
        (Status::Error, false) => {
            help.push("check the URL, the token and the CA, and that the backend is up".into());
            help
        }
        _ => {
            help.push(
                "check that the series exist where this query runs (names, labels, scrape jobs)"
                    .into(),
            );
            help
        }
    };
    Some(Diagnostic {
        code: "live",
        name,
        severity,
        message,
        help: Some(help.join("; ")),
        primary: Label::new(&job.src.file, span, o.label.clone()),
        related: Vec::new(),
        fix: None,
        suppressed: None,
        rendered: None,
    })
}

/// Jobs in report order: file, position, then declaration order.
fn order(report: &Report) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..report.profile.jobs.len()).collect();
    idx.sort_by(|&a, &b| {
        let (ja, jb) = (&report.profile.jobs[a], &report.profile.jobs[b]);
        ja.src
            .file
            .display
            .cmp(&jb.src.file.display)
            .then(ja.src.scalar.span.start.cmp(&jb.src.scalar.span.start))
            .then(a.cmp(&b))
    });
    idx
}

/// Everything printed after the run.
pub fn render(report: &Report, color: bool) -> String {
    let mut out = String::new();
    let order = order(report);
    for &i in &order {
        let (job, o) = (&report.profile.jobs[i], &report.outcomes[i]);
        // Skipped queries (backend not given) are only counted in the table.
        if o.status == Status::Skipped {
            continue;
        }
        let at = o.span.clone().unwrap_or_else(|| job.src.whole());
        let p = job.src.file.position(at.start);
        let _ = writeln!(
            out,
            "{:<8} {}:{}:{}  {} [{}]: {}",
            o.status.word(),
            job.src.file.display,
            p.line,
            p.column,
            job.what.describe(),
            job.backend.backend(),
            crate::diag::escape::text(&o.detail)
        );
    }
    // Errors that are not about the query (connection refused, HTTP 401,
    // ...) usually hit every query alike: show the first of each kind.
    let mut seen: Vec<(String, usize)> = Vec::new();
    let mut diags: Vec<Diagnostic> = Vec::new();
    for &i in &order {
        let (job, o) = (&report.profile.jobs[i], &report.outcomes[i]);
        if o.status == Status::Error && !o.rejected {
            let key = format!("{}: {}", job.backend.backend(), o.detail);
            if let Some((_, n)) = seen.iter_mut().find(|(k, _)| *k == key) {
                *n += 1;
                continue;
            }
            seen.push((key, 0));
        }
        diags.extend(diagnostic(job, o));
    }
    if !diags.is_empty() {
        out.push('\n');
        for d in &diags {
            out.push_str(&render::human::render(d, color));
        }
    }
    for (key, n) in seen.iter().filter(|(_, n)| *n > 0) {
        let _ = writeln!(
            out,
            "note: {n} more {} failed the same way ({key})",
            if *n == 1 { "query" } else { "queries" }
        );
    }
    // queries not sent (deadline, circuit breaker): one line per reason
    let mut stopped: Vec<(&str, usize)> = Vec::new();
    for o in &report.outcomes {
        if o.status == Status::Skipped && o.detail.starts_with(super::NOT_SENT) {
            match stopped.iter_mut().find(|(d, _)| *d == o.detail) {
                Some((_, n)) => *n += 1,
                None => stopped.push((&o.detail, 1)),
            }
        }
    }
    for (detail, n) in stopped {
        let _ = writeln!(
            out,
            "error: {n} {} {}",
            if n == 1 { "query" } else { "queries" },
            crate::diag::escape::text(detail)
        );
    }
    out.push('\n');
    out.push_str(&table(report));
    out
}

/// The summary table.
pub fn table(report: &Report) -> String {
    let mut out = String::new();
    let head = ["ok", "no data", "error", "skipped", "total"];
    let _ = writeln!(
        out,
        "{:<11} {:<24} {:>6} {:>8} {:>6} {:>8} {:>6}",
        "backend", "queries", head[0], head[1], head[2], head[3], head[4]
    );
    let mut total = [0usize; 4];
    for ((backend, cat), c) in report.table() {
        for (t, v) in total.iter_mut().zip(c) {
            *t += v;
        }
        let _ = writeln!(
            out,
            "{:<11} {:<24} {:>6} {:>8} {:>6} {:>8} {:>6}",
            backend.backend(),
            cat.plural(),
            c[0],
            c[1],
            c[2],
            c[3],
            c.iter().sum::<usize>()
        );
    }
    let _ = writeln!(
        out,
        "{:<11} {:<24} {:>6} {:>8} {:>6} {:>8} {:>6}",
        "total",
        "",
        total[0],
        total[1],
        total[2],
        total[3],
        total.iter().sum::<usize>()
    );
    out
}
