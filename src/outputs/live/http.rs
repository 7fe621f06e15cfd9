//! Blocking HTTP for the backend clients: per-request timeout, bearer
//! token, a custom CA, and bounded retries with exponential backoff on 5xx
//! and 429 answers.

use std::path::Path;
use std::time::Duration;

use ureq::tls::{PemItem, RootCerts, TlsConfig};

/// Longest body read from a backend (large log results are cut by `limit`).
const MAX_BODY: u64 = 64 * 1024 * 1024;
/// Longest pause between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

#[derive(Debug, Clone)]
pub struct Settings {
    /// Timeout of one attempt, connection included.
    pub timeout: Duration,
    /// Attempts after the first when the backend answers 5xx or 429.
    pub retries: u32,
    /// Pause before the first retry; doubled for each further retry.
    pub backoff: Duration,
}

/// An answer (any status) or why there was none.
#[derive(Debug, Clone)]
pub enum Reply {
    Answer {
        status: u16,
        body: String,
        /// Requests sent, retries included.
        attempts: u32,
    },
    /// No HTTP answer: connection refused, TLS failure, timeout, ...
    Failed { message: String, attempts: u32 },
}

/// One backend: its base URL, token and HTTP agent.
#[derive(Debug, Clone)]
pub struct Client {
    agent: ureq::Agent,
    base: String,
    token: Option<String>,
    settings: Settings,
}

/// Read a PEM bundle of CA certificates.
pub fn load_ca(path: &Path) -> Result<RootCerts, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {}", path.display(), e.kind()))?;
    let mut certs = Vec::new();
    for item in ureq::tls::parse_pem(&bytes) {
        match item {
            Ok(PemItem::Certificate(c)) => certs.push(c),
            Ok(_) => {}
            Err(e) => return Err(format!("{}: {e}", path.display())),
        }
    }
    if certs.is_empty() {
        return Err(format!(
            "{}: no PEM certificate (-----BEGIN CERTIFICATE-----) found",
            path.display()
        ));
    }
    Ok(RootCerts::new_with_certs(&certs))
}

impl Client {
    /// `roots`: trust only these CAs (from `--ca-file`); default: the
    /// bundled Mozilla roots.
    pub fn new(
        base: &str,
        token: Option<String>,
        roots: Option<RootCerts>,
        settings: Settings,
    ) -> Client {
        let mut tls = TlsConfig::builder();
        if let Some(r) = roots {
            tls = tls.root_certs(r);
        }
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(settings.timeout))
            .user_agent(concat!("o11ylint/", env!("CARGO_PKG_VERSION")))
            .tls_config(tls.build())
            .build()
            .into();
        Client {
            agent,
            base: base.trim_end_matches('/').to_string(),
            token,
            settings,
        }
    }

    /// The base URL as shown in messages (credentials redacted).
    pub fn base(&self) -> String {
        redact_url(&self.base)
    }

    /// GET `path` (starting with `/`) with query parameters and headers.
    pub fn get(&self, path: &str, params: &[(&str, &str)], headers: &[(&str, &str)]) -> Reply {
        let url = format!("{}{}", self.base, path);
        let mut attempts = 0u32;
        let mut delay = self.settings.backoff;
        loop {
            attempts += 1;
            let mut req = self.agent.get(&url).header("Accept", "application/json");
            for (k, v) in params {
                req = req.query(*k, *v);
            }
            for (k, v) in headers {
                req = req.header(*k, *v);
            }
            if let Some(t) = &self.token {
                req = req.header("Authorization", format!("Bearer {t}"));
            }
            let reply = match req.call() {
                Ok(mut resp) => {
                    let status = resp.status().as_u16();
                    match resp
                        .body_mut()
                        .with_config()
                        .limit(MAX_BODY)
                        .read_to_string()
                    {
                        Ok(body) => Reply::Answer {
                            status,
                            body,
                            attempts,
                        },
                        Err(e) => Reply::Failed {
                            message: format!("reading the answer from {}: {e}", redact_url(&url)),
                            attempts,
                        },
                    }
                }
                Err(e) => Reply::Failed {
                    message: describe(&redact_url(&url), &e),
                    attempts,
                },
            };
            let retry =
                matches!(&reply, Reply::Answer { status, .. } if *status >= 500 || *status == 429);
            if !retry || attempts > self.settings.retries {
                return reply;
            }
            std::thread::sleep(delay);
            delay = (delay * 2).min(MAX_BACKOFF);
        }
    }
}

fn describe(url: &str, e: &ureq::Error) -> String {
    match e {
        ureq::Error::Timeout(_) => format!("{url}: no answer within the timeout"),
        ureq::Error::HostNotFound => format!("{url}: host not found"),
        ureq::Error::Io(io) => format!("{url}: {io}"),
        other => format!("{url}: {other}"),
    }
}

/// Most characters of backend text (an error message, a body's first line)
/// kept in a report: a 50 MiB one-line body was kept and printed whole for
/// every query.
pub const MAX_BACKEND_TEXT: usize = 300;

/// Backend text as it may appear in a report: at most [`MAX_BACKEND_TEXT`]
/// characters (saying how long it was), control characters escaped (a
/// backend's `\n::error ...` or ESC sequences never reach the terminal or a
/// workflow log).
pub fn backend_text(s: &str) -> String {
    let s = s.trim();
    let mut out: String = s.chars().take(MAX_BACKEND_TEXT).collect();
    if out.len() < s.len() {
        out.push_str(&format!("… ({} bytes in all)", s.len()));
    }
    crate::diag::escape::text(&out).into_owned()
}

/// The first line of an error body, for messages (see [`backend_text`]).
pub fn first_line(s: &str) -> String {
    let head = s
        .get(..s.len().min(4 * MAX_BACKEND_TEXT + 64))
        .unwrap_or_else(|| {
            let mut end = (4 * MAX_BACKEND_TEXT + 64).min(s.len());
            while !s.is_char_boundary(end) {
                end -= 1;
            }
            &s[..end]
        });
    let line = head.trim().lines().next().unwrap_or("").trim();
    let mut t = backend_text(line);
    if line.len() < s.trim().len() && !t.contains("bytes in all") {
        t.push_str(&format!(" … ({} bytes in all)", s.len()));
    }
    t
}

/// `url` with any `user:password@` credentials replaced by `***@`.
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return url.to_string();
    };
    let rest = &url[scheme_end..];
    let host_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..host_end].rfind('@') {
        Some(at) => format!("{}***@{}", &url[..scheme_end], &rest[at + 1..]),
        None => url.to_string(),
    }
}
