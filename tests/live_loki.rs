//! `validate-queries --loki` against a stand-in for Loki's query API
//! (tests/live/loki_stand_in.rs), not a real Loki: Loki cannot be installed
//! on the build machine. The stand-in answers the documented response
//! shapes and checks the bearer token and the `X-Scope-OrgID` tenant of
//! every request.

#[path = "live/loki_stand_in.rs"]
mod loki_stand_in;

use std::path::Path;
use std::process::{Command, Output};

use loki_stand_in::{profile_config, StandIn};

const TOKEN: &str = "stand-in-token-3f9a";

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        let t = to.join(e.file_name());
        if p.is_dir() {
            copy_dir(&p, &t);
        } else {
            std::fs::copy(&p, &t).unwrap();
        }
    }
}

/// A throwaway repository with this repository's contracts.
fn repo_copy() -> tempfile::TempDir {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&src.join("contracts"), &tmp.path().join("contracts"));
    std::fs::copy(src.join("o11ylint.yaml"), tmp.path().join("o11ylint.yaml")).unwrap();
    tmp
}

fn validate(root: &Path, loki: &str, extra: &[&str], token_env: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_o11ylint"));
    cmd.args(["validate-queries", "--loki", loki, "--time", "1700000000"])
        .arg("--root")
        .arg(root)
        .args(extra)
        .env_remove("O11YLINT_PROMETHEUS_TOKEN")
        .env_remove("O11YLINT_LOKI_TOKEN")
        .env("NO_COLOR", "1");
    if let Some(t) = token_env {
        cmd.env("O11YLINT_LOKI_TOKEN", t);
    }
    cmd.output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The counts of a summary-table row: ok, no data, error, skipped, total.
fn row(out: &str, backend: &str, what: &str) -> [usize; 5] {
    let line = out
        .lines()
        .find(|l| l.starts_with(backend) && l.contains(what))
        .unwrap_or_else(|| panic!("no `{backend} {what}` row in:\n{out}"));
    let nums: Vec<usize> = line
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    nums.try_into()
        .unwrap_or_else(|_| panic!("bad row `{line}`"))
}

/// 1-based line and column of the first `needle` in `text`.
fn line_col(text: &str, needle: &str) -> (usize, usize) {
    let at = text.find(needle).expect("needle in file");
    let line = text[..at].matches('\n').count() + 1;
    let col = text[..at].rsplit('\n').next().unwrap().chars().count() + 1;
    (line, col)
}

#[test]
fn loki_stand_in_every_query_ok_with_token_and_tenants() {
    let repo = repo_copy();
    let loki = StandIn::start(profile_config(TOKEN));
    let o = validate(repo.path(), &loki.url, &["--concurrency", "4"], Some(TOKEN));
    let out = stdout(&o);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{out}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let panels = row(&out, "Loki", "dashboard panel queries");
    let vars = row(&out, "Loki", "dashboard variables");
    let alerts = row(&out, "Loki", "alert expressions");
    for r in [panels, vars, alerts] {
        assert_eq!(r[0], r[4], "every Loki query ok:\n{out}");
        assert!(r[4] > 0);
    }
    assert!(
        out.contains("alert OpenBaoAuditStreamMissing [Loki]: not firing"),
        "absent_over_time is probed:\n{out}"
    );
    assert!(loki.mismatches().is_empty(), "{:?}", loki.mismatches());
    let reqs = loki.requests();
    assert!(reqs
        .iter()
        .all(|r| r.authorization.as_deref() == Some(&format!("Bearer {TOKEN}"))));
    let tenant_of = |stream: &str| {
        reqs.iter()
            .filter(|r| r.param("query").is_some_and(|q| q.contains(stream)))
            .map(|r| r.tenant.clone().unwrap_or_default())
            .collect::<std::collections::BTreeSet<_>>()
    };
    assert_eq!(
        tenant_of("log_stream=\"openbao.audit\""),
        ["openbao-audit".to_string()].into()
    );
    assert_eq!(
        tenant_of("log_stream=\"openbao.operational\""),
        ["openbao-operational".to_string()].into()
    );
    // Log queries use query_range, metric queries the instant endpoint.
    for r in &reqs {
        if let Some(q) = r.param("query") {
            match r.path.as_str() {
                "/loki/api/v1/query_range" => assert!(q.starts_with('{'), "{q}"),
                "/loki/api/v1/query" => assert!(!q.starts_with('{'), "{q}"),
                _ => {}
            }
        }
    }
    // `$cluster` was resolved from the label values (sorted, first).
    assert!(reqs.iter().any(|r| r
        .param("query")
        .is_some_and(|q| q.contains("cluster=\"bao-east\""))));
    // The dependent variable `$instance` was looked up with `$cluster` filled in.
    assert!(reqs
        .iter()
        .any(|r| r.path == "/loki/api/v1/label/instance/values"
            && r.param("query")
                .is_some_and(|q| q.contains("cluster=\"bao-east\""))));
}

#[test]
fn loki_stand_in_parse_error_points_into_the_contract() {
    let repo = repo_copy();
    let file = repo
        .path()
        .join("contracts/dashboards/openbao-audit-investigation.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    let planted = text.replacen(
        "| json | type=\"response\" | error!=\"\"",
        "| jsn | type=\"response\" | error!=\"\"",
        1,
    );
    assert_ne!(text, planted);
    std::fs::write(&file, &planted).unwrap();
    let mut config = profile_config(TOKEN);
    config.parse_error_at = Some("jsn".into());
    let loki = StandIn::start(config);
    let o = validate(repo.path(), &loki.url, &[], Some(TOKEN));
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    let (line, col) = line_col(&planted, "jsn");
    let at = format!("contracts/dashboards/openbao-audit-investigation.yaml:{line}:{col}");
    assert!(
        out.lines().any(|l| l.starts_with("error")
            && l.contains(&at)
            && l.contains("parse error at line 1")),
        "error line at {at}:\n{out}"
    );
    assert!(
        out.contains("error[live query-error]: Loki rejected the query"),
        "{out}"
    );
    assert!(out.contains(&format!("┌─ {at}")), "{out}");
    assert_eq!(row(&out, "Loki", "dashboard panel queries")[2], 1, "{out}");
}

#[test]
fn loki_stand_in_retries_server_errors_with_backoff() {
    let repo = repo_copy();
    // One 500, then the answer: ok after a retry.
    let mut config = profile_config(TOKEN);
    config.fail = Some(("observability/audit-canary".into(), 1));
    let loki = StandIn::start(config);
    let o = validate(repo.path(), &loki.url, &["--concurrency", "1"], Some(TOKEN));
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    let marked: Vec<_> = loki
        .requests()
        .into_iter()
        .filter(|r| {
            r.param("query")
                .is_some_and(|q| q.contains("observability/audit-canary"))
        })
        .collect();
    assert!(marked.len() >= 2, "{marked:?}");
    assert_eq!(marked[0].status, 500, "{marked:?}");
    assert_eq!(marked[1].status, 200, "{marked:?}");
    assert_eq!(marked[0].param("query"), marked[1].param("query"));
    assert!(
        out.contains("alert OpenBaoAuditCanaryMissing [Loki]: not firing"),
        "{out}"
    );

    // Always 500: bounded retries, then an error that is not blamed on the query.
    let mut config = profile_config(TOKEN);
    config.fail = Some(("observability/audit-canary".into(), usize::MAX));
    let loki = StandIn::start(config);
    let started = std::time::Instant::now();
    let o = validate(
        repo.path(),
        &loki.url,
        &["--retries", "2", "--concurrency", "1"],
        Some(TOKEN),
    );
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("error[live backend-error]"), "{out}");
    assert!(out.contains("HTTP 500: rpc error"), "{out}");
    assert!(out.contains("3 attempts"), "{out}");
    // Two alerts and one panel read the canary; each sent 3 times.
    let sent = loki
        .requests()
        .iter()
        .filter(|r| {
            r.param("query")
                .is_some_and(|q| q.contains("observability/audit-canary"))
        })
        .count();
    assert_eq!(sent % 3, 0, "{sent}");
    assert!(started.elapsed() < std::time::Duration::from_secs(60));
}

#[test]
fn loki_stand_in_token_from_file_and_refusals() {
    let repo = repo_copy();
    let loki = StandIn::start(profile_config(TOKEN));
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("token");
    std::fs::write(&good, format!("{TOKEN}\n")).unwrap();
    let o = validate(
        repo.path(),
        &loki.url,
        &["--loki-token-file", good.to_str().unwrap()],
        None,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));

    // A wrong token: every query is an HTTP error, reported as such.
    let bad = dir.path().join("bad");
    std::fs::write(&bad, "wrong").unwrap();
    let o = validate(
        repo.path(),
        &loki.url,
        &["--token-file", bad.to_str().unwrap()],
        None,
    );
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("HTTP 401: authentication required"), "{out}");
    let all = row(&out, "total", "");
    assert_eq!(all[2] + all[3], all[4], "{out}");

    // Tokens are never accepted on the command line.
    let o = validate(repo.path(), &loki.url, &["--token", TOKEN], None);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn loki_stand_in_nothing_to_talk_to_is_a_usage_error() {
    let repo = repo_copy();
    let o = Command::new(env!("CARGO_BIN_EXE_o11ylint"))
        .args(["validate-queries", "--root"])
        .arg(repo.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--prometheus URL, --loki URL"));
    let o = Command::new(env!("CARGO_BIN_EXE_o11ylint"))
        .args(["validate-queries", "--loki", "localhost:3100", "--root"])
        .arg(repo.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
}

/// `openssl s_server -www` behind a certificate from a throwaway CA: with
/// `--ca-file` the TLS handshake succeeds (the status page it serves is not
/// a Loki answer, which is reported as such); without it the handshake
/// fails on the unknown issuer.
#[test]
fn tls_custom_ca_file_against_openssl_s_server() {
    let on_path = |tool: &str| {
        std::env::var_os("PATH")
            .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(tool).is_file()))
    };
    assert!(
        on_path("openssl"),
        "`openssl` is not installed (Debian package openssl; .ci/run installs it)"
    );
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let openssl = |args: &[&str]| {
        let o = Command::new("openssl")
            .args(args)
            .current_dir(d)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    };
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    let mut ca = vec!["req", "-x509"];
    ca.extend(ec);
    ca.extend([
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=o11ylint test CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign",
    ]);
    openssl(&ca);
    let mut csr = vec!["req"];
    csr.extend(ec);
    csr.extend([
        "-keyout",
        "srv.key",
        "-out",
        "srv.csr",
        "-subj",
        "/CN=127.0.0.1",
    ]);
    openssl(&csr);
    std::fs::write(
        d.join("ext.cnf"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n\
         keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(&[
        "x509",
        "-req",
        "-in",
        "srv.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "srv.pem",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
    ]);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let _server = Kill(
        Command::new("openssl")
            .args([
                "s_server", "-www", "-quiet", "-cert", "srv.pem", "-key", "srv.key",
            ])
            .args(["-accept", &format!("127.0.0.1:{port}")])
            .current_dir(d)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "openssl s_server did not start"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let repo = repo_copy();
    let url = format!("https://127.0.0.1:{port}");
    let ca_file = d.join("ca.pem");
    let with_ca = validate(
        repo.path(),
        &url,
        &[
            "--ca-file",
            ca_file.to_str().unwrap(),
            "--concurrency",
            "1",
            "--retries",
            "0",
        ],
        Some(TOKEN),
    );
    let out = stdout(&with_ca);
    assert_eq!(with_ca.status.code(), Some(1), "{out}");
    // openssl s_server -www answers an HTML page: said to be no JSON, with why
    assert!(
        out.contains("the answer is not valid JSON (expected value"),
        "{out}"
    );
    assert!(!out.contains("UnknownIssuer"), "{out}");

    let without = validate(
        repo.path(),
        &url,
        &["--concurrency", "1", "--retries", "0"],
        Some(TOKEN),
    );
    let out = stdout(&without);
    assert_eq!(without.status.code(), Some(1), "{out}");
    assert!(out.contains("UnknownIssuer"), "{out}");

    // A CA file without a certificate is a usage error.
    std::fs::write(d.join("empty.pem"), "not a certificate\n").unwrap();
    let o = validate(
        repo.path(),
        &url,
        &["--ca-file", d.join("empty.pem").to_str().unwrap()],
        Some(TOKEN),
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no PEM certificate"));
}
