//! A stand-in for Loki's query API, not a real Loki (Loki cannot be
//! installed on the build machine). It listens on 127.0.0.1:0 and answers
//! the documented shapes:
//!
//! - `GET /loki/api/v1/query` (instant, metric queries): a `vector`; a log
//!   query gets Loki's 400 "log queries are not supported as an instant
//!   query type";
//! - `GET /loki/api/v1/query_range`: `streams` for log queries, `matrix`
//!   for metric queries;
//! - `GET /loki/api/v1/label/<name>/values`: a list of values;
//!
//! A comparison without `bool` (an alert condition) answers an empty
//! vector, as a healthy Loki would, so the client's data probe is exercised.
//! It checks `Authorization: Bearer <token>` (401 otherwise) and
//! `X-Scope-OrgID` (401 "no org id" without it; a tenant that does not
//! match the query's `log_stream` is recorded as a mismatch and answered
//! with no data). Planted behaviour: a 400 plain-text parse error at a
//! marker, and 500 answers for the first N requests containing a marker.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

#[derive(Debug, Clone)]
pub struct Request {
    pub path: String,
    pub params: Vec<(String, String)>,
    pub tenant: Option<String>,
    pub authorization: Option<String>,
    pub status: u16,
}

impl Request {
    pub fn param(&self, k: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Clone, Default)]
pub struct Config {
    pub token: String,
    /// stream id (value of `log_stream`) -> tenant
    pub tenants: HashMap<String, String>,
    /// A query containing this is answered with a 400 parse error whose
    /// column points at it.
    pub parse_error_at: Option<String>,
    /// The first `n` requests whose query contains the marker get a 500.
    pub fail: Option<(String, usize)>,
    /// label -> values
    pub label_values: HashMap<String, Vec<String>>,
}

#[derive(Default)]
struct State {
    requests: Vec<Request>,
    mismatches: Vec<String>,
    failed: usize,
}

pub struct StandIn {
    pub url: String,
    addr: std::net::SocketAddr,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

impl StandIn {
    pub fn start(config: Config) -> StandIn {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let state = Arc::new(Mutex::new(State::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let config = Arc::new(config);
        let handle = {
            let (state, stop) = (state.clone(), stop.clone());
            std::thread::spawn(move || {
                for conn in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(conn) = conn else { continue };
                    let (state, config) = (state.clone(), config.clone());
                    std::thread::spawn(move || serve(conn, &config, &state));
                }
            })
        };
        StandIn {
            url: format!("http://{addr}"),
            addr,
            state,
            stop,
            handle: Some(handle),
        }
    }

    pub fn requests(&self) -> Vec<Request> {
        self.state.lock().unwrap().requests.clone()
    }

    pub fn mismatches(&self) -> Vec<String> {
        self.state.lock().unwrap().mismatches.clone()
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(v) => {
                        out.push(v);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn respond(mut conn: TcpStream, status: u16, content_type: &str, body: &str) {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        _ => "Internal Server Error",
    };
    let _ = write!(
        conn,
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = conn.flush();
}

/// `log_stream` values named with `=` in the query.
fn streams(q: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, _) in q.match_indices("log_stream=\"") {
        let rest = &q[i + "log_stream=\"".len()..];
        if let Some(end) = rest.find('"') {
            out.push(rest[..end].to_string());
        }
    }
    out
}

fn is_log_query(q: &str) -> bool {
    q.trim_start().starts_with('{')
}

fn serve(conn: TcpStream, config: &Config, state: &Mutex<State>) {
    let mut reader = BufReader::new(match conn.try_clone() {
        Ok(c) => c,
        Err(_) => return,
    });
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() || line.is_empty() {
        return;
    }
    let target = line.split_whitespace().nth(1).unwrap_or("/").to_string();
    let mut headers = HashMap::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).is_err() || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let params: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect();
    let mut req = Request {
        path: path.to_string(),
        params,
        tenant: headers.get("x-scope-orgid").cloned(),
        authorization: headers.get("authorization").cloned(),
        status: 200,
    };
    let (status, ctype, body) = answer(&req, config, state);
    req.status = status;
    state.lock().unwrap().requests.push(req);
    respond(conn, status, ctype, &body);
}

fn answer(req: &Request, config: &Config, state: &Mutex<State>) -> (u16, &'static str, String) {
    const TEXT: &str = "text/plain; charset=utf-8";
    const JSON: &str = "application/json";
    if req.authorization.as_deref() != Some(&format!("Bearer {}", config.token)) {
        return (401, TEXT, "authentication required\n".into());
    }
    let Some(tenant) = req.tenant.clone() else {
        return (401, TEXT, "no org id\n".into());
    };
    let q = req.param("query").map(str::to_string).unwrap_or_default();
    // Tenant check: every stream the query names must live in the tenant.
    let mut right_tenant = true;
    for s in streams(&q) {
        let want = config.tenants.get(&s).cloned().unwrap_or_default();
        if !tenant.split('|').any(|t| t == want) {
            right_tenant = false;
            state
                .lock()
                .unwrap()
                .mismatches
                .push(format!("{} sent to tenant {tenant} (want {want}): {q}", s));
        }
    }
    if let Some((marker, n)) = &config.fail {
        if q.contains(marker.as_str()) {
            let mut st = state.lock().unwrap();
            if st.failed < *n {
                st.failed += 1;
                return (
                    500,
                    TEXT,
                    "rpc error: code = Unavailable desc = stand-in failure\n".into(),
                );
            }
        }
    }
    if let Some(marker) = &config.parse_error_at {
        if let Some(at) = q.find(marker.as_str()) {
            let col = q[..at].chars().count() + 1;
            return (
                400,
                TEXT,
                format!("parse error at line 1, col {col}: syntax error: unexpected IDENTIFIER\n"),
            );
        }
    }
    let now = "1700000000";
    if let Some(label) = req
        .path
        .strip_prefix("/loki/api/v1/label/")
        .and_then(|r| r.strip_suffix("/values"))
    {
        let values = if right_tenant {
            config.label_values.get(label).cloned().unwrap_or_default()
        } else {
            Vec::new()
        };
        let data = serde_json::json!({"status": "success", "data": values});
        return (200, JSON, data.to_string());
    }
    // An alert condition (comparison without `bool`) or an absence check on
    // a healthy system: nothing.
    let condition_only = (q.contains(") > ") && !q.contains("> bool"))
        || q.trim_start().starts_with("absent_over_time");
    let empty = !right_tenant || condition_only;
    match req.path.as_str() {
        "/loki/api/v1/query" => {
            if is_log_query(&q) {
                return (
                    400,
                    TEXT,
                    "log queries are not supported as an instant query type, please change your query to a range query type\n".into(),
                );
            }
            let result = if empty {
                serde_json::json!([])
            } else {
                serde_json::json!([{"metric": {"cluster": "bao-east"}, "value": [1700000000, "1"]}])
            };
            let data = serde_json::json!({"status": "success", "data": {"resultType": "vector", "result": result, "stats": {}}});
            (200, JSON, data.to_string())
        }
        "/loki/api/v1/query_range" => {
            let data = if is_log_query(&q) {
                let result = if empty {
                    serde_json::json!([])
                } else {
                    serde_json::json!([{"stream": {"cluster": "bao-east"}, "values": [[format!("{now}000000000"), "{\"type\":\"request\"}"]]}])
                };
                serde_json::json!({"status": "success", "data": {"resultType": "streams", "result": result, "stats": {}}})
            } else {
                let result = if empty {
                    serde_json::json!([])
                } else {
                    serde_json::json!([{"metric": {"cluster": "bao-east"}, "values": [[1700000000, "1"]]}])
                };
                serde_json::json!({"status": "success", "data": {"resultType": "matrix", "result": result, "stats": {}}})
            };
            (200, JSON, data.to_string())
        }
        _ => (404, TEXT, "404 page not found\n".into()),
    }
}

/// The stand-in configured like the profile's Loki: tenants from the stream
/// contract, cluster and instance values, bearer `token`.
pub fn profile_config(token: &str) -> Config {
    let mut tenants = HashMap::new();
    tenants.insert("openbao.operational".into(), "openbao-operational".into());
    tenants.insert("openbao.audit".into(), "openbao-audit".into());
    tenants.insert("openbao.completed_requests".into(), "openbao-audit".into());
    let mut label_values = HashMap::new();
    label_values.insert("cluster".into(), vec!["bao-west".into(), "bao-east".into()]);
    label_values.insert(
        "instance".into(),
        vec!["bao-east-0:8200".into(), "bao-east-1:8200".into()],
    );
    Config {
        token: token.into(),
        tenants,
        label_values,
        ..Config::default()
    }
}
