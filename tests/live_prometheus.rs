//! `validate-queries` against a real Prometheus (Debian package
//! `prometheus`) started by scripts/prometheus-live.sh on 127.0.0.1 with the
//! fixture TSDB (both source prefixes) and the generated rules; Loki
//! variables are answered by the stand-in of tests/live/loki_stand_in.rs.
//! Prometheus is stopped by a Drop guard whatever happens in the test.

#[path = "live/loki_stand_in.rs"]
mod loki_stand_in;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const TOKEN: &str = "stand-in-token-7c21";

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn on_path(tool: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(tool).is_file()))
}

/// The running Prometheus; dropping it stops it (by PID, through the script).
struct LivePrometheus {
    state: tempfile::TempDir,
    url: String,
    time: String,
    pid: Option<u32>,
}

impl LivePrometheus {
    fn start() -> LivePrometheus {
        for tool in ["prometheus", "promtool"] {
            assert!(
                on_path(tool),
                "`{tool}` is not installed: this test needs a real Prometheus. Install the \
                 Debian package `prometheus` (apt-get install prometheus; .ci/run does)."
            );
        }
        let state = tempfile::tempdir().unwrap();
        let mut guard = LivePrometheus {
            state,
            url: String::new(),
            time: String::new(),
            pid: None,
        };
        let out = Command::new("bash")
            .arg(repo().join("scripts/prometheus-live.sh"))
            .arg("start")
            .arg(guard.state.path())
            .stdin(Stdio::null())
            .output()
            .expect("run scripts/prometheus-live.sh");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let field = |k: &str| {
            stdout
                .lines()
                .find_map(|l| l.strip_prefix(&format!("{k}=")))
                .map(str::to_string)
        };
        guard.pid = field("PROMETHEUS_PID").and_then(|p| p.parse().ok());
        assert!(
            out.status.success(),
            "scripts/prometheus-live.sh start failed ({}):\n{}\n{}",
            out.status,
            stdout,
            String::from_utf8_lossy(&out.stderr)
        );
        guard.url = field("PROMETHEUS_URL").expect("PROMETHEUS_URL");
        guard.time = field("FIXTURE_TIME").expect("FIXTURE_TIME");
        guard
    }

    fn alive(&self) -> bool {
        self.pid.is_some_and(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|c| String::from_utf8_lossy(&c).contains("prometheus"))
        })
    }
}

impl Drop for LivePrometheus {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(repo().join("scripts/prometheus-live.sh"))
            .arg("stop")
            .arg(self.state.path())
            .stdin(Stdio::null())
            .output();
        if self.alive() {
            if let Some(pid) = self.pid {
                let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
            }
        }
    }
}

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

fn validate(root: &Path, prom: &LivePrometheus, loki: Option<&str>) -> (Output, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_o11ylint"));
    cmd.args([
        "validate-queries",
        "--prometheus",
        &prom.url,
        "--time",
        &prom.time,
    ])
    .arg("--root")
    .arg(root)
    .env("NO_COLOR", "1")
    .env_remove("O11YLINT_PROMETHEUS_TOKEN")
    .env("O11YLINT_LOKI_TOKEN", TOKEN);
    if let Some(l) = loki {
        cmd.args(["--loki", l]);
    }
    let o = cmd.output().unwrap();
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    (o, out)
}

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

#[test]
fn real_prometheus_runs_every_query_and_locates_a_planted_typo() {
    let prom = LivePrometheus::start();
    assert!(prom.alive(), "Prometheus is not running after start");
    let loki = loki_stand_in::StandIn::start(loki_stand_in::profile_config(TOKEN));

    // 1. The profile as it is: every Prometheus query answers with data.
    let (o, out) = validate(repo(), &prom, Some(&loki.url));
    assert_eq!(o.status.code(), Some(0), "{out}");
    for what in [
        "dashboard panel queries",
        "dashboard variables",
        "alert expressions",
        "recording rules",
    ] {
        let r = row(&out, "Prometheus", what);
        assert!(r[4] > 0, "{what}: {out}");
        assert_eq!(r[0], r[4], "every Prometheus {what} ok:\n{out}");
    }
    // Recording rules run once per source prefix.
    assert!(out.contains("recording rule openbao:core_active:max (vault_core_active) [Prometheus]: vector, 3 series"), "{out}");
    assert!(out.contains("recording rule openbao:core_active:max (openbao_core_active) [Prometheus]: vector, 3 series"), "{out}");
    // Alerts that do not fire are probed on the series they compare.
    assert!(
        out.contains("alert OpenBaoUnreachable [Prometheus]: not firing"),
        "{out}"
    );

    // 2. Without Loki, the two Prometheus panels that use a Loki variable
    // are no data, and say why; nothing fails.
    let (o, out) = validate(repo(), &prom, None);
    assert_eq!(o.status.code(), Some(0), "{out}");
    let no_data: Vec<&str> = out.lines().filter(|l| l.starts_with("no data")).collect();
    assert_eq!(no_data.len(), 2, "{out}");
    for l in &no_data {
        assert!(l.contains("openbao-audit-overview.yaml"), "{l}");
        assert!(
            l.contains("variable $cluster has no value (its query was skipped: no --loki URL)"),
            "{l}"
        );
    }

    // 3. A typo planted in a copy of a dashboard contract is reported at its
    // place, through the interpolation of `$cluster`.
    let copy = tempfile::tempdir().unwrap();
    copy_dir(&repo().join("contracts"), &copy.path().join("contracts"));
    std::fs::copy(
        repo().join("o11ylint.yaml"),
        copy.path().join("o11ylint.yaml"),
    )
    .unwrap();
    let file: PathBuf = copy
        .path()
        .join("contracts/dashboards/openbao-overview.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    let good = "'sum(openbao:core_active:max{cluster=\"$cluster\"})'";
    let bad = "'sum(openbao:core_active:max{cluster=\"$cluster\"}) offsett 5m'";
    assert!(text.contains(good));
    let planted = text.replacen(good, bad, 1);
    std::fs::write(&file, &planted).unwrap();
    let at = planted.find("offsett").unwrap();
    let line = planted[..at].matches('\n').count() + 1;
    let col = planted[..at].rsplit('\n').next().unwrap().chars().count() + 1;
    let (o, out) = validate(copy.path(), &prom, Some(&loki.url));
    assert_eq!(o.status.code(), Some(1), "{out}");
    let loc = format!("contracts/dashboards/openbao-overview.yaml:{line}:{col}");
    assert!(
        out.lines().any(|l| l.starts_with("error")
            && l.contains(&loc)
            && l.contains("unexpected identifier \"offsett\"")),
        "error at {loc}:\n{out}"
    );
    assert!(out.contains(&format!("┌─ {loc}")), "{out}");
    assert_eq!(
        row(&out, "Prometheus", "dashboard panel queries")[2],
        1,
        "{out}"
    );
    assert_eq!(row(&out, "total", "")[2], 1, "{out}");

    drop(prom);
}

#[test]
fn live_script_stops_prometheus_when_the_command_fails() {
    assert!(
        on_path("prometheus") && on_path("promtool"),
        "`prometheus`/`promtool` are not installed (Debian package `prometheus`; .ci/run installs it)"
    );
    // `run` starts Prometheus, runs the command (which records the URL and
    // fails), and must stop Prometheus anyway.
    let dir = tempfile::tempdir().unwrap();
    let seen = dir.path().join("seen");
    let o = Command::new("bash")
        .arg(repo().join("scripts/prometheus-live.sh"))
        .args(["run", "--", "sh", "-c"])
        // A short fixture window: this test only needs Prometheus up.
        .env("O11YLINT_LIVE_WINDOW", "900")
        .arg(format!(
            "curl -fsS \"$PROMETHEUS_URL/-/ready\" > '{}' && echo \"$PROMETHEUS_URL\" >> '{}' && exit 7",
            seen.display(),
            seen.display()
        ))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(7),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let seen = std::fs::read_to_string(&seen).unwrap();
    let url = seen.lines().last().unwrap().trim().to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{seen}");
    // Nothing answers there any more.
    let after = Command::new("curl")
        .args(["-fsS", "--max-time", "2"])
        .arg(format!("{url}/-/ready"))
        .output()
        .unwrap();
    assert!(!after.status.success(), "Prometheus still answers at {url}");
}
