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
