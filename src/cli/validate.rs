//! `o11ylint validate-queries`: every query of the profile against live
//! Prometheus and Loki backends (see `crate::outputs::live` and docs/live-validation.md).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::{ColorChoice, EXIT_ERROR, EXIT_FINDINGS, EXIT_OK};
use crate::artifact::query::Lang;
use crate::outputs::live::collect;
use crate::outputs::live::http::{self, Client, Settings};
use crate::outputs::live::{
    self, loki::Loki, prometheus::Prometheus, report, Macros, Options, Status,
};

pub const PROMETHEUS_TOKEN_ENV: &str = "O11YLINT_PROMETHEUS_TOKEN";
pub const LOKI_TOKEN_ENV: &str = "O11YLINT_LOKI_TOKEN";

#[derive(clap::Args, Debug, Clone)]
pub struct ValidateArgs {
    /// Prometheus base URL (e.g. http://127.0.0.1:9090); its queries are
    /// skipped without it
    #[arg(long, value_name = "URL")]
    pub prometheus: Option<String>,
    /// Loki base URL (e.g. http://127.0.0.1:3100); its queries are skipped
    /// without it
    #[arg(long, value_name = "URL")]
    pub loki: Option<String>,
    /// Repository root (default: nearest ancestor with .git or o11ylint.yaml)
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Extra policy file
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Evaluation time in Unix seconds (default: now)
    #[arg(long, value_name = "SECONDS")]
    pub time: Option<f64>,
    /// `$__range`, and the window of log queries and variable lookups
    #[arg(long, value_name = "DURATION", default_value = "1h")]
    pub range: String,
    /// Queries in flight at once
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub concurrency: usize,
    /// Timeout of each request
    #[arg(long, value_name = "DURATION", default_value = "30s")]
    pub timeout: String,
    /// Deadline of the whole run: no request is sent after it and none
    /// outlives it; the queries not sent are counted as skipped, and the
    /// run exits 1
    #[arg(long, value_name = "DURATION", default_value = "10m")]
    pub deadline: String,
    /// Circuit breaker: after N requests in a row to one backend without an
    /// answer (connection refused, timeout, 5xx after retries), its
    /// remaining queries are not sent (counted as skipped; the run exits
    /// 1). 0 turns it off
    #[arg(long, value_name = "N", default_value_t = http::DEFAULT_MAX_FAILURES)]
    pub max_failures: u32,
    /// Retries of a request answered with 5xx or 429 (exponential backoff
    /// from 250ms, at most 5s between attempts)
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub retries: u32,
    /// Bearer token for both backends, read from FILE (tokens are never
    /// taken on the command line; see also O11YLINT_PROMETHEUS_TOKEN and
    /// O11YLINT_LOKI_TOKEN)
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
    /// Bearer token for Prometheus only, read from FILE
    #[arg(long, value_name = "FILE")]
    pub prometheus_token_file: Option<PathBuf>,
    /// Bearer token for Loki only, read from FILE
    #[arg(long, value_name = "FILE")]
    pub loki_token_file: Option<PathBuf>,
    /// PEM bundle of the CA certificates that sign the backends' TLS
    /// certificates (replaces the bundled public roots)
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    /// Exit 1 when a query returns no data (default: reported only)
    #[arg(long)]
    pub fail_on_no_data: bool,
    /// Colours in diagnostics (NO_COLOR is honoured with `auto`)
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorChoice,
}

fn read_token(path: &Path) -> Result<String, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("token file {}: {}", path.display(), e.kind()))?;
    let token = text.trim();
    if token.is_empty() {
        return Err(format!("token file {} is empty", path.display()));
    }
    if token.contains(['\n', '\r']) {
        return Err(format!(
            "token file {} holds more than one line",
            path.display()
        ));
    }
    Ok(token.to_string())
}

/// The backend's own file, else the shared file, else its variable.
/// A token with a control character is one configuration error naming
/// where it came from (never one header error per query).
fn token(own: Option<&Path>, shared: Option<&Path>, env: &str) -> Result<Option<String>, String> {
    let (token, from) = if let Some(p) = own.or(shared) {
        (read_token(p)?, format!("token file {}", p.display()))
    } else {
        match std::env::var(env) {
            Ok(v) if !v.trim().is_empty() => (v.trim().to_string(), env.to_string()),
            _ => return Ok(None),
        }
    };
    match http::token_problem(&token) {
        Some(why) => Err(format!("{}: {why}", crate::diag::escape::text(&from))),
        None => Ok(Some(token)),
    }
}

fn check_url(name: &str, url: &str) -> Result<(), String> {
    if url.starts_with("http://") || url.starts_with("https://") {
        Ok(())
    } else {
        Err(format!(
            "--{name} {url}: expected an http:// or https:// URL"
        ))
    }
}

fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

struct Setup {
    opts_prometheus: Option<Prometheus>,
    opts_loki: Option<Loki>,
    time: f64,
    range: u64,
    timeout: Duration,
}

fn setup(args: &ValidateArgs) -> Result<Setup, String> {
    if args.prometheus.is_none() && args.loki.is_none() {
        return Err("give --prometheus URL, --loki URL or both".into());
    }
    let range = crate::syntax::duration::parse(&args.range)
        .map_err(|e| format!("--range {}: {e}", args.range))?;
    let timeout = crate::syntax::duration::parse(&args.timeout)
        .map_err(|e| format!("--timeout {}: {e}", args.timeout))?;
    if range.as_secs() == 0 || timeout.as_secs() == 0 {
        return Err("--range and --timeout must be at least one second".into());
    }
    if args.concurrency == 0 {
        return Err("--concurrency must be at least 1".into());
    }
    let time = match args.time {
        Some(t) if t.is_finite() && t > 0.0 => t,
        Some(t) => return Err(format!("--time {t}: expected Unix seconds")),
        None => now(),
    };
    let roots = match &args.ca_file {
        Some(p) => Some(http::load_ca(p)?),
        None => None,
    };
    let deadline = crate::syntax::duration::parse(&args.deadline)
        .map_err(|e| format!("--deadline {}: {e}", args.deadline))?;
    if deadline.as_secs() == 0 {
        return Err("--deadline must be at least one second".into());
    }
    let mut settings = Settings::new(timeout, args.retries);
    settings.deadline = Some((
        std::time::Instant::now() + deadline,
        format!("--deadline {}", args.deadline),
    ));
    settings.max_failures = args.max_failures;
    let shared = args.token_file.as_deref();
    let opts_prometheus = match &args.prometheus {
        Some(url) => {
            check_url("prometheus", url)?;
            let t = token(
                args.prometheus_token_file.as_deref(),
                shared,
                PROMETHEUS_TOKEN_ENV,
            )?;
            Some(Prometheus {
                client: Client::new(url, t, roots.clone(), settings.clone()),
            })
        }
        None => None,
    };
    let opts_loki = match &args.loki {
        Some(url) => {
            check_url("loki", url)?;
            let t = token(args.loki_token_file.as_deref(), shared, LOKI_TOKEN_ENV)?;
            Some(Loki {
                client: Client::new(url, t, roots, settings),
            })
        }
        None => None,
    };
    Ok(Setup {
        opts_prometheus,
        opts_loki,
        time,
        range: range.as_secs(),
        timeout,
    })
}

fn progress_bar(total: usize) -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let pb = indicatif::ProgressBar::new(total as u64);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} queries  {elapsed} {msg}")
    {
        pb.set_style(style);
    }
    pb
}

pub fn run(args: &ValidateArgs) -> i32 {
    let color = super::check::use_color(args.color, std::io::stdout().is_terminal());
    let setup = match setup(args) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_ERROR;
        }
    };
    let Some((root, policy)) =
        super::check::root_and_policy(args.root.as_deref(), args.policy.as_deref())
    else {
        return EXIT_ERROR;
    };
    let profile = match collect::collect(&root, &policy) {
        Ok(p) => p,
        Err(errors) => {
            for e in errors {
                eprintln!("error: {}: {}", e.file, e.message);
            }
            return EXIT_ERROR;
        }
    };
    if profile.jobs.is_empty() {
        eprintln!("error: no queries found under {}/contracts", root.display());
        return EXIT_ERROR;
    }
    let count = |b: Lang| profile.jobs.iter().filter(|j| j.backend == b).count();
    let describe = |b: Lang, url: &Option<String>| match url {
        Some(u) => format!(
            "{} {} at {}",
            count(b),
            b.backend(),
            crate::diag::escape::text(&live::http::redact_url(u))
        ),
        None => format!(
            "{} {} (skipped: no --{} URL)",
            count(b),
            b.backend(),
            b.backend().to_lowercase()
        ),
    };
    let header = format!(
        "validate-queries: {} queries ({}; {}) at time {}\n",
        profile.jobs.len(),
        describe(Lang::PromQL, &args.prometheus),
        describe(Lang::LogQL, &args.loki),
        live::prometheus::time_param(setup.time),
    );
    let pb = progress_bar(profile.jobs.len());
    let opts = Options {
        prometheus: setup.opts_prometheus,
        loki: setup.opts_loki,
        time: setup.time,
        macros: Macros::new(setup.range),
        concurrency: args.concurrency,
        timeout_s: setup.timeout.as_secs().max(1),
        on_done: Box::new({
            let pb = pb.clone();
            move |_| pb.inc(1)
        }),
    };
    let report = live::run(profile, &opts);
    pb.finish_and_clear();
    let text = report::render(&report, color);
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(header.as_bytes());
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
    let errors = report.count(Status::Error);
    let no_data = report.count(Status::NoData);
    if errors > 0 || report.not_sent() > 0 || (args.fail_on_no_data && no_data > 0) {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_come_from_files_then_env() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("t");
        std::fs::write(&f, "s3cret\n").unwrap();
        assert_eq!(
            token(Some(&f), None, "O11YLINT_TEST_UNSET_VAR")
                .unwrap()
                .as_deref(),
            Some("s3cret")
        );
        std::fs::write(&f, "\n").unwrap();
        assert!(token(None, Some(&f), "O11YLINT_TEST_UNSET_VAR").is_err());
        std::fs::write(&f, "a\nb").unwrap();
        assert!(read_token(&f).is_err());
        assert_eq!(token(None, None, "O11YLINT_TEST_UNSET_VAR").unwrap(), None);
    }

    #[test]
    fn urls_need_a_scheme() {
        assert!(check_url("loki", "http://127.0.0.1:3100").is_ok());
        assert!(check_url("loki", "127.0.0.1:3100").is_err());
    }
}
