//! `validate-queries` against a hostile backend (review cases M1, I4, S3):
//! a small HTTP server on 127.0.0.1 (a port the system picks) answers every
//! query with what a compromised or broken backend could send.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;

use super::{o11ylint, stderr, stdout};

/// Serve `answer` (a whole HTTP response) to every request until the
/// listener is dropped with the test process.
fn serve(answer: Vec<u8>) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for conn in l.incoming() {
            let Ok(mut c) = conn else { continue };
            let answer = answer.clone();
            std::thread::spawn(move || {
                let mut r = BufReader::new(c.try_clone().unwrap());
                loop {
                    let mut line = String::new();
                    if r.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                }
                let _ = c.write_all(&answer);
            });
        }
    });
    port
}

/// A repository with one metric contract (a few queries).
fn contract_repo() -> tempfile::TempDir {
    let tmp = super::repo();
    let src = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::create_dir_all(tmp.path().join("contracts/alerts")).unwrap();
    std::fs::copy(
        src.join("contracts/alerts/critical.yaml"),
        tmp.path().join("contracts/alerts/critical.yaml"),
    )
    .unwrap();
    std::fs::copy(src.join("o11ylint.yaml"), tmp.path().join("o11ylint.yaml")).unwrap();
    tmp
}

fn http(status: &str, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn validate(dir: &Path, port: u16) -> std::process::Output {
    let url = format!("http://admin:hunter2@127.0.0.1:{port}");
    o11ylint(
        dir,
        &[
            "validate-queries",
            "--prometheus",
            &url,
            "--timeout",
            "5s",
            "--retries",
            "0",
        ],
    )
}

fn assert_safe(text: &str) {
    for line in text.lines() {
        assert!(
            !line.trim_start().starts_with("::"),
            "workflow command: {line}"
        );
    }
    assert!(!text.contains('\u{1b}'), "raw ESC");
    assert!(!text.contains("hunter2"), "password printed");
}

#[test]
fn m1_huge_backend_bodies_are_truncated() {
    let tmp = contract_repo();
    let body = format!(
        "{{\"status\":\"success\",\"data\":\"{}",
        "x".repeat(4 << 20)
    );
    let port = serve(http("200 OK", &body));
    let o = validate(tmp.path(), port);
    let out = stdout(&o) + &stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{}", &out[..out.len().min(2000)]);
    let queries = out
        .lines()
        .filter(|l| l.starts_with("error"))
        .count()
        .max(1);
    assert!(
        out.len() < 2_000 * (queries + 10),
        "{} bytes printed for {queries} queries",
        out.len()
    );
    assert!(out.contains("bytes in all"), "says it was cut");
    assert_safe(&out);
}

#[test]
fn i4_backend_error_text_is_escaped_and_s3_credentials_are_redacted() {
    let tmp = contract_repo();
    let body = r#"{"status":"error","errorType":"bad_data","error":"1:5: parse error: \u001b]0;pwned\u0007\u001b[2J\n::error file=x::INJECTED"}"#;
    let port = serve(http("400 Bad Request", body));
    let o = validate(tmp.path(), port);
    let out = stdout(&o) + &stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("\\u{1b}]0;pwned"), "escaped visibly: {out}");
    assert_safe(&out);
    assert!(out.contains("***@127.0.0.1"), "redacted URL shown: {out}");
}

/// What a stand-in backend does with each connection (a stand-in server of
/// ours, not Prometheus: it only has to misbehave the way a broken or
/// hostile backend can).
#[derive(Clone, Copy)]
enum Misbehave {
    /// read the request, never answer, keep the connection open
    Stall,
    /// read the request, close without an answer
    Close,
    /// answer with these bytes
    Answer(&'static str),
    /// send headers, then one body byte every half second, forever
    Trickle,
}

/// Serve `how` on 127.0.0.1 (a port the system picks); returns the port and
/// a counter of requests read.
fn stand_in(how: Misbehave) -> (u16, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let seen = std::sync::Arc::new(AtomicUsize::new(0));
    let count = seen.clone();
    std::thread::spawn(move || {
        for conn in l.incoming() {
            let Ok(mut c) = conn else { continue };
            let count = count.clone();
            std::thread::spawn(move || {
                let mut r = BufReader::new(c.try_clone().unwrap());
                loop {
                    let mut line = String::new();
                    if r.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                }
                count.fetch_add(1, Ordering::SeqCst);
                match how {
                    Misbehave::Stall => std::thread::sleep(std::time::Duration::from_secs(600)),
                    Misbehave::Close => {}
                    Misbehave::Answer(a) => {
                        let _ = c.write_all(a.as_bytes());
                    }
                    Misbehave::Trickle => {
                        let _ = c.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n");
                        for _ in 0..1200 {
                            std::thread::sleep(std::time::Duration::from_millis(500));
                            if c.write_all(b"[").is_err() {
                                break;
                            }
                        }
                    }
                }
            });
        }
    });
    (port, seen)
}

/// One request at a time, each given a second, and the backend given up
/// after two failures in a row.
const ONE_AT_A_TIME_TWO_STRIKES: &[&str] = &[
    "--timeout",
    "1s",
    "--max-failures",
    "2",
    "--concurrency",
    "1",
];

fn validate_with(dir: &Path, port: u16, extra: &[&str]) -> std::process::Output {
    let url = format!("http://127.0.0.1:{port}");
    let mut args = vec!["validate-queries", "--prometheus", &url, "--retries", "0"];
    args.extend_from_slice(extra);
    o11ylint(dir, &args)
}

/// The summary table's total row: ok, no data, error, skipped, total.
fn totals(out: &str) -> [usize; 5] {
    let row = out
        .lines()
        .find(|l| l.starts_with("total "))
        .unwrap_or_else(|| panic!("no summary table:\n{out}"));
    let n: Vec<usize> = row
        .split_whitespace()
        .skip(1)
        .map(|w| w.parse().unwrap())
        .collect();
    [n[0], n[1], n[2], n[3], n[4]]
}

#[test]
fn h9_case89_circuit_breaker_stops_asking_a_backend_that_does_not_answer() {
    use std::sync::atomic::Ordering;
    let tmp = contract_repo();
    let (port, seen) = stand_in(Misbehave::Stall);
    let o = validate_with(tmp.path(), port, ONE_AT_A_TIME_TWO_STRIKES);
    let out = stdout(&o) + &stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    // two requests timed out in a row; no further request was sent
    assert_eq!(seen.load(Ordering::SeqCst), 2, "{out}");
    assert!(
        out.contains("failed 2 requests in a row (circuit breaker, --max-failures 2)"),
        "{out}"
    );
    assert!(out.contains("no answer within the timeout"), "{out}");
    let t = totals(&out);
    assert_eq!(t[2], 2, "two errors: {out}");
    assert!(t[3] > 0 && t[4] == t[0] + t[1] + t[2] + t[3], "{out}");
}

#[test]
fn m1_overall_deadline_ends_the_run_with_the_same_summary() {
    use std::sync::atomic::Ordering;
    let tmp = contract_repo();
    let (port, seen) = stand_in(Misbehave::Stall);
    // without the deadline: every query waits its 30 s, far past the
    // test's 120 s hang watchdog
    let o = validate_with(
        tmp.path(),
        port,
        &[
            "--timeout",
            "30s",
            "--deadline",
            "2s",
            "--max-failures",
            "0",
            "--concurrency",
            "2",
        ],
    );
    let out = stdout(&o) + &stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(seen.load(Ordering::SeqCst) <= 2, "{out}");
    assert!(
        out.contains("not sent: the overall deadline (--deadline 2s) had passed"),
        "{out}"
    );
    let t = totals(&out);
    assert!(t[3] > 0 && t[4] == t[0] + t[1] + t[2] + t[3], "{out}");
}

#[test]
fn h9_same_summary_whatever_the_backend_does() {
    let tmp = contract_repo();
    let mut total = None;
    for how in [
        Misbehave::Stall,
        Misbehave::Close,
        Misbehave::Answer("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"),
        Misbehave::Answer("HTTP/1.1 200 OK\r\nContent-Length: 9\r\nConnection: close\r\n\r\n<html>no!"),
        Misbehave::Answer("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\n[[[[["),
        Misbehave::Answer("HTTP/1.1 200 OK\r\nContent-Length: 44\r\nConnection: close\r\n\r\n{\"status\":\"success\",\"data\":{\"result\":true}}"),
    ] {
        let (port, _) = stand_in(how);
        let o = validate_with(
            tmp.path(),
            port,
            &["--timeout", "1s", "--max-failures", "3", "--concurrency", "2"],
        );
        let out = stdout(&o) + &stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{out}");
        let t = totals(&out);
        assert_eq!(t[4], t[0] + t[1] + t[2] + t[3], "{out}");
        assert_eq!(*total.get_or_insert(t[4]), t[4], "same queries counted: {out}");
        assert_eq!(t[0] + t[1], 0, "nothing passes against a broken backend: {out}");
    }
}

#[test]
fn p10_redirect_to_another_host_is_an_error_not_no_data() {
    // the other host (127.0.0.2) would answer an empty vector: "no data",
    // exit 0 when the redirect was followed
    let other = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 63\r\nConnection: close\r\n\r\n{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[]}}";
    let (other_port, other_seen) = stand_in(Misbehave::Answer(other));
    let redirect: &'static str = Box::leak(
        format!(
            "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.2:{other_port}/api/v1/query\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )
        .into_boxed_str(),
    );
    let (port, _) = stand_in(Misbehave::Answer(redirect));
    let tmp = contract_repo();
    let o = validate_with(tmp.path(), port, &["--timeout", "2s"]);
    let out = stdout(&o) + &stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("HTTP 302 redirect to `http://127.0.0.2:") && out.contains("not followed"),
        "{out}"
    );
    assert_eq!(
        other_seen.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "the other host was asked"
    );
}

#[test]
fn p10_token_with_control_characters_is_one_configuration_error() {
    let tmp = contract_repo();
    let token = tmp.path().join("token");
    std::fs::write(&token, "s3cr3t\u{1}T0KEN\n").unwrap();
    let (port, seen) = stand_in(Misbehave::Stall);
    let o = validate_with(tmp.path(), port, &["--token-file", token.to_str().unwrap()]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("token file") && err.contains("\\u{1} at character 7"),
        "{err}"
    );
    assert!(!err.contains("s3cr3t"), "token printed: {err}");
    assert_eq!(seen.load(std::sync::atomic::Ordering::SeqCst), 0);
}

#[test]
fn m5_a_response_body_costs_its_own_size_in_memory() {
    use o11ylint::outputs::live::http::Body;
    // a body arriving in small pieces (as from a socket): a growing String
    // doubled its buffer, and more; the chunked body allocates what it got
    struct Trickle(usize);
    impl std::io::Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.0.min(buf.len()).min(1000);
            buf[..n].fill(b'[');
            self.0 -= n;
            Ok(n)
        }
    }
    for len in [0, 1, 1 << 20, (5 << 20) + 1, 9_999_999] {
        let b = Body::read_from(&mut Trickle(len)).unwrap();
        assert_eq!(b.len(), len);
        assert_eq!(b.reserved(), len, "{len}: {} bytes allocated", b.reserved());
    }
}

#[test]
fn case93_case98_case101_case102_broken_answers_are_clear_errors() {
    let tmp = contract_repo();
    let long_header: &'static str = Box::leak(
        format!(
            "HTTP/1.1 200 OK\r\n{}: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            "h".repeat(64 * 1024)
        )
        .into_boxed_str(),
    );
    let (port, _) = stand_in(Misbehave::Answer(long_header));
    let o = validate_with(
        tmp.path(),
        port,
        &["--timeout", "2s", "--max-failures", "0"],
    );
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.to_lowercase().contains("header"), "#93: {out}");
    // #98: a redirect loop on the same host is reported, never followed
    let (port, seen) = stand_in(Misbehave::Answer(
        "HTTP/1.1 302 Found\r\nLocation: /api/v1/query\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    ));
    let o = validate_with(tmp.path(), port, &["--timeout", "2s", "--concurrency", "1"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("HTTP 302 redirect to `/api/v1/query`"),
        "#98: {out}"
    );
    let t = totals(&out);
    assert_eq!(
        seen.load(std::sync::atomic::Ordering::SeqCst),
        t[2],
        "one request per query"
    );
    // #101: always 503: retried with backoff, then one clear error
    let (port, seen) = stand_in(Misbehave::Answer(
        "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    ));
    let url = format!("http://127.0.0.1:{port}");
    let o = o11ylint(
        tmp.path(),
        &[
            "validate-queries",
            "--prometheus",
            &url,
            "--retries",
            "1",
            "--max-failures",
            "1",
            "--concurrency",
            "1",
        ],
    );
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("HTTP 503: HTTP 503 without a message"),
        "#101: {out}"
    );
    assert_eq!(
        seen.load(std::sync::atomic::Ordering::SeqCst),
        2,
        "first try and one retry"
    );
    // #102: the connection closes without an answer
    let (port, _) = stand_in(Misbehave::Close);
    let o = validate_with(
        tmp.path(),
        port,
        &["--timeout", "2s", "--max-failures", "1"],
    );
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("got no answer from Prometheus"), "#102: {out}");
}

#[test]
fn case103_the_token_is_never_printed() {
    let tmp = contract_repo();
    let token = tmp.path().join("token");
    std::fs::write(&token, "s3cr3t-T0KEN-do-not-print\n").unwrap();
    for how in [
        Misbehave::Stall,
        Misbehave::Close,
        Misbehave::Answer("HTTP/1.1 401 Unauthorized\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"),
        Misbehave::Answer("HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:9/\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"),
    ] {
        let (port, _) = stand_in(how);
        let o = validate_with(
            tmp.path(),
            port,
            &["--timeout", "1s", "--max-failures", "2", "--token-file", token.to_str().unwrap()],
        );
        let all = stdout(&o) + &stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{all}");
        assert!(!all.contains("s3cr3t"), "token printed: {all}");
    }
}

#[test]
fn case91_a_trickled_answer_ends_at_the_timeout() {
    let tmp = contract_repo();
    let (port, _) = stand_in(Misbehave::Trickle);
    let o = validate_with(tmp.path(), port, ONE_AT_A_TIME_TWO_STRIKES);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("timeout") || out.contains("timed out"),
        "{out}"
    );
    assert_eq!(totals(&out)[2], 2, "{out}");
}
