//! Blocking HTTP for the backend clients: per-request timeout, bearer
//! token, a custom CA, bounded retries with exponential backoff on 5xx and
//! 429 answers, one overall deadline for the run and a circuit breaker per
//! backend (after N requests in a row without an answer, the rest are not
//! sent). Redirects are never followed (a redirect to another host would
//! silently answer for the backend); bodies are read in chunks under a cap.

use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ureq::tls::{PemItem, RootCerts, TlsConfig};

/// Longest body read from a backend (large log results are cut by `limit`).
pub const MAX_BODY: u64 = 64 * 1024 * 1024;
/// Bodies are kept as chunks of this size, so a body costs its own size in
/// memory (a growing `String` doubled it, and more: about 230 MB per
/// in-flight request at the 64 MiB cap).
const BODY_CHUNK: usize = 1024 * 1024;
/// Longest pause between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(5);
/// Requests in a row without an answer (connection refused, timeout, 5xx
/// after retries) after which a backend is given up for the rest of the run.
pub const DEFAULT_MAX_FAILURES: u32 = 5;

#[derive(Debug, Clone)]
pub struct Settings {
    /// Timeout of one attempt, connection included.
    pub timeout: Duration,
    /// Attempts after the first when the backend answers 5xx or 429.
    pub retries: u32,
    /// Pause before the first retry; doubled for each further retry.
    pub backoff: Duration,
    /// When the whole run must end (`--deadline`), with its text for
    /// messages; no request is sent after it, and none outlives it.
    pub deadline: Option<(Instant, String)>,
    /// Circuit breaker: consecutive requests without an answer after which
    /// the backend's remaining requests are not sent (0: never).
    pub max_failures: u32,
}

impl Settings {
    pub fn new(timeout: Duration, retries: u32) -> Settings {
        Settings {
            timeout,
            retries,
            backoff: Duration::from_millis(250),
            deadline: None,
            max_failures: DEFAULT_MAX_FAILURES,
        }
    }
}

/// A response body: at most [`MAX_BODY`] bytes, kept in chunks.
#[derive(Debug, Clone, Default)]
pub struct Body {
    chunks: Vec<Vec<u8>>,
    len: usize,
}

impl Body {
    pub fn from_bytes(b: &[u8]) -> Body {
        Body {
            chunks: b.chunks(BODY_CHUNK).map(<[u8]>::to_vec).collect(),
            len: b.len(),
        }
    }

    /// Read `r` to its end in chunks: the body's memory is its length (the
    /// last chunk is shrunk to fit), never a doubling buffer.
    pub fn read_from(r: &mut impl Read) -> std::io::Result<Body> {
        let mut body = Body::default();
        loop {
            let mut chunk = vec![0u8; BODY_CHUNK];
            let mut filled = 0;
            while filled < chunk.len() {
                match r.read(&mut chunk[filled..]) {
                    Ok(0) => break,
                    Ok(n) => filled += n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
            chunk.truncate(filled);
            chunk.shrink_to_fit();
            body.len += filled;
            let done = filled < BODY_CHUNK;
            if filled > 0 {
                body.chunks.push(chunk);
            }
            if done {
                return Ok(body);
            }
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    /// Bytes allocated for the body.
    pub fn reserved(&self) -> usize {
        self.chunks.iter().map(Vec::capacity).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// A reader over the whole body (for a streaming JSON parse).
    pub fn reader(&self) -> impl Read + '_ {
        ChunkReader {
            chunks: &self.chunks,
            at: 0,
            off: 0,
        }
    }

    /// The first `n` bytes as text (invalid UTF-8 replaced).
    pub fn head(&self, n: usize) -> String {
        let mut v = Vec::new();
        for c in &self.chunks {
            if v.len() >= n {
                break;
            }
            v.extend_from_slice(&c[..c.len().min(n - v.len())]);
        }
        String::from_utf8_lossy(&v).into_owned()
    }
}

struct ChunkReader<'a> {
    chunks: &'a [Vec<u8>],
    at: usize,
    off: usize,
}

impl Read for ChunkReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while let Some(c) = self.chunks.get(self.at) {
            if self.off < c.len() {
                let n = buf.len().min(c.len() - self.off);
                buf[..n].copy_from_slice(&c[self.off..self.off + n]);
                self.off += n;
                return Ok(n);
            }
            self.at += 1;
            self.off = 0;
        }
        Ok(0)
    }
}

/// An answer (any status) or why there was none.
#[derive(Debug, Clone)]
pub enum Reply {
    Answer {
        status: u16,
        body: Body,
        /// Requests sent, retries included.
        attempts: u32,
    },
    /// No HTTP answer: connection refused, TLS failure, timeout, ...
    Failed { message: String, attempts: u32 },
    /// Not sent: the overall deadline passed, or the backend's circuit
    /// breaker is open.
    NotSent { reason: String },
}

/// Consecutive failures of one backend; once open, it stays open.
#[derive(Debug, Default)]
struct Breaker {
    consecutive: AtomicU32,
    open: Mutex<Option<String>>,
}

/// One backend: its base URL, token and HTTP agent.
#[derive(Debug, Clone)]
pub struct Client {
    agent: ureq::Agent,
    base: String,
    token: Option<String>,
    settings: Settings,
    breaker: Arc<Breaker>,
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

/// Why `token` cannot be sent in an `Authorization` header (a control
/// character or a non-ASCII byte), if it cannot: one configuration error,
/// never one "failed to parse header value" per query.
pub fn token_problem(token: &str) -> Option<String> {
    let (i, c) = token
        .char_indices()
        .find(|&(_, c)| !(c == ' ' || c == '\t' || c.is_ascii_graphic()))?;
    Some(format!(
        "the token holds {} at character {}; a bearer token is printable ASCII",
        crate::diag::escape::text(&c.to_string()),
        token[..i].chars().count() + 1
    ))
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
            // a redirect is answered as it is (see `redirect`), never followed
            .max_redirects(0)
            .max_redirects_will_error(false)
            .user_agent(concat!("o11ylint/", env!("CARGO_PKG_VERSION")))
            .tls_config(tls.build())
            .build()
            .into();
        Client {
            agent,
            base: base.trim_end_matches('/').to_string(),
            token,
            settings,
            breaker: Arc::new(Breaker::default()),
        }
    }

    /// The base URL as shown in messages (credentials redacted).
    pub fn base(&self) -> String {
        redact_url(&self.base)
    }

    /// Why no request may be sent now, if none may.
    fn stop(&self) -> Option<String> {
        if let Some((at, text)) = &self.settings.deadline {
            if Instant::now() >= *at {
                return Some(format!(
                    "not sent: the overall deadline ({text}) had passed"
                ));
            }
        }
        self.breaker.open.lock().ok().and_then(|g| g.clone())
    }

    /// Count one request's result in the circuit breaker.
    fn record(&self, reply: &Reply) {
        let failed = match reply {
            Reply::Failed { .. } => true,
            Reply::Answer { status, .. } => *status >= 500,
            Reply::NotSent { .. } => return,
        };
        if !failed {
            self.breaker.consecutive.store(0, Ordering::SeqCst);
            return;
        }
        let n = self.breaker.consecutive.fetch_add(1, Ordering::SeqCst) + 1;
        let max = self.settings.max_failures;
        if max > 0 && n >= max {
            if let Ok(mut g) = self.breaker.open.lock() {
                g.get_or_insert_with(|| {
                    format!(
                        "not sent: {} failed {n} requests in a row (circuit breaker, --max-failures {max})",
                        redact_url(&self.base)
                    )
                });
            }
        }
    }

    /// GET `path` (starting with `/`) with query parameters and headers.
    pub fn get(&self, path: &str, params: &[(&str, &str)], headers: &[(&str, &str)]) -> Reply {
        let reply = self.get_retrying(path, params, headers);
        self.record(&reply);
        reply
    }

    fn get_retrying(&self, path: &str, params: &[(&str, &str)], headers: &[(&str, &str)]) -> Reply {
        let url = format!("{}{}", self.base, path);
        let mut attempts = 0u32;
        let mut delay = self.settings.backoff;
        loop {
            if let Some(reason) = self.stop() {
                return if attempts == 0 {
                    Reply::NotSent { reason }
                } else {
                    Reply::Failed {
                        message: format!("{}: {reason}", redact_url(&url)),
                        attempts,
                    }
                };
            }
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
            // no attempt outlives the overall deadline
            if let Some((at, _)) = &self.settings.deadline {
                let left = at.saturating_duration_since(Instant::now());
                if left < self.settings.timeout {
                    req = req
                        .config()
                        .timeout_global(Some(left.max(Duration::from_millis(1))))
                        .build();
                }
            }
            let reply = match req.call() {
                Ok(mut resp) => {
                    let status = resp.status().as_u16();
                    let location = resp
                        .headers()
                        .get("location")
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_string);
                    let mut reader = resp.body_mut().with_config().limit(MAX_BODY).reader();
                    match Body::read_from(&mut reader) {
                        Ok(_) if (300..400).contains(&status) => Reply::Failed {
                            message: redirect(&url, status, location.as_deref()),
                            attempts,
                        },
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
            let pause = match &self.settings.deadline {
                Some((at, _)) => delay.min(at.saturating_duration_since(Instant::now())),
                None => delay,
            };
            std::thread::sleep(pause);
            delay = (delay * 2).min(MAX_BACKOFF);
        }
    }
}

/// A redirect answer, as a failure: following it would let another host
/// answer for the backend (and drop the token on the way).
fn redirect(url: &str, status: u16, location: Option<&str>) -> String {
    format!(
        "{}: HTTP {status} redirect to `{}`; redirects are not followed (give the final URL)",
        redact_url(url),
        backend_text(&redact_url(location.unwrap_or("")))
    )
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
pub fn first_line(body: &Body) -> String {
    let head = body.head(4 * MAX_BACKEND_TEXT + 64);
    let line = head.trim().lines().next().unwrap_or("").trim();
    let mut t = backend_text(line);
    let more = head.trim().len() > line.len() || body.len() > 4 * MAX_BACKEND_TEXT + 64;
    if more && !t.contains("bytes in all") {
        t.push_str(&format!(" … ({} bytes in all)", body.len()));
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
