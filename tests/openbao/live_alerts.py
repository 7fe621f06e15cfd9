#!/usr/bin/env python3
"""The generated Prometheus alerts proven against a real OpenBao cluster.

A real three-node OpenBao cluster (scripts/openbao-cluster.py: the compose
example's HCL rendered for 127.0.0.1) and PostgreSQL are started, and a real
Prometheus scrapes every node's metrics-only listener with the generated
recording and alert rules (generated/prometheus/*.yaml). Then:

  healthy       after a workload, no alert is firing;
  failures      one PKI issue failure and database NewUser/Initialize errors
                (each failure counter is born at 1) fire
                OpenBaoPKIOperationFailures and
                OpenBaoDatabaseCredentialOperationFailures;
  sealed node   a standby restarted and left sealed fires
                OpenBaoSealedUnexpectedly and the autopilot alerts;
  node down     that node stopped fires OpenBaoUnreachable;
  peer removed  its Raft peer removed fires OpenBaoRaftPeerCountLow;
  no quorum     a second node stopped fires OpenBaoNoActiveNode.

Only the `for:` durations are shortened (to 0s, with a 1 s scrape and
evaluation interval) so that the run takes minutes; every expression is the
generated one. Metric alerts that no scenario here can provoke are listed with
the reason at the end (e.g. Kubernetes and blackbox alerts need those
exporters). Loki alerts are checked against captured audit/server lines by
tests/openbao/check_profile.py.

Exit status: 0 pass, 1 fail, 3 skipped (bao, PostgreSQL or prometheus missing).
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent
spec = importlib.util.spec_from_file_location("openbao_cluster", REPO / "scripts" / "openbao-cluster.py")
oc = importlib.util.module_from_spec(spec)
spec.loader.exec_module(oc)

NOT_PROVOKED = {
    "OpenBaoMultipleActiveNodes": "a healthy Raft cluster never has two active nodes; the forwarding false positive "
                                  "is avoided by the metrics-only listener (docs/openbao-compatibility.md)",
    "OpenBaoAuditRequestFailures": "needs an audit device that refuses writes; running as root the file device cannot be made to fail",
    "OpenBaoAuditResponseFailures": "as OpenBaoAuditRequestFailures",
    "OpenBaoIrrevocableLeasesPresent": "needs a lease whose revocation keeps failing past its retries",
    "OpenBaoStorageBarrierLatencyElevated": "needs slow storage over an hour-long baseline",
    "OpenBaoStorageCacheHitRatioLow": "needs sustained cache misses over the alert window",
    "OpenBaoRuntimeMemoryGrowth": "needs hours of memory growth (predict_linear)",
    "OpenBaoMountTableGrowth": "needs mount-table growth over the alert window",
    "OpenBaoPKIOperationLatencyElevated": "needs PKI calls slower than 2 s",
    "OpenBaoDatabaseCredentialOperationLatencyElevated": "needs a slow database",
    "OpenBaoSyntheticProbeFailing": "needs the blackbox exporter (job blackbox-openbao)",
    "OpenBaoAvailabilityFastBurn": "reads the blackbox probe",
    "OpenBaoAvailabilitySlowBurn": "reads the blackbox probe",
    "OpenBaoSyntheticProbeLatencyElevated": "reads the blackbox probe",
    "OpenBaoKubernetesPodNotReady": "needs kube-state-metrics",
    "OpenBaoKubernetesPodRestartsIncreasing": "needs kube-state-metrics",
    "OpenBaoKubernetesNodePressure": "needs kube-state-metrics",
    "OpenBaoLogCollectorTargetDown": "needs the Alloy job",
}


def log(msg: str) -> None:
    print(f"live-alerts: {msg}", file=sys.stderr, flush=True)


def prom_get(path: str) -> dict:
    code, raw = oc.http("GET", f"http://127.0.0.1:{oc.PROM_PORT}{path}")
    if code != 200:
        raise SystemExit(f"prometheus {path}: HTTP {code}: {raw[:300]}")
    return json.loads(raw)["data"]


def firing() -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for a in prom_get("/api/v1/alerts")["alerts"]:
        if a["state"] == "firing":
            out.setdefault(a["labels"]["alertname"], []).append(a["labels"])
    return out


def wait_firing(names: list[str], timeout: float) -> dict[str, list[dict]]:
    deadline = time.time() + timeout
    now = {}
    while time.time() < deadline:
        now = firing()
        if all(n in now for n in names):
            return now
        time.sleep(1)
    return now


def fast_rules(state: Path) -> list[Path]:
    """generated/prometheus/*.yaml with every `for:` set to 0s."""
    d = state / "rules"
    d.mkdir()
    out = []
    for p in sorted((REPO / "generated" / "prometheus").glob("*.yaml")):
        text = re.sub(r"(?m)^(\s+)for: \S+$", r"\1for: 0s", p.read_text())
        (d / p.name).write_text(text)
        out.append(d / p.name)
    return out


def main() -> int:
    try:
        bao = oc.find_bao()
        oc.pg_bin("initdb")
        if not shutil.which("prometheus"):
            raise oc.Missing("prometheus not found (Debian package prometheus)")
    except oc.Missing as e:
        log(f"SKIP: {e}")
        return 3
    state = Path(tempfile.mkdtemp(prefix="o11ylint-live-alerts-"))
    c = oc.Cluster(state, bao)
    prom = None
    failures: list[str] = []
    results: list[str] = []
    t0 = time.time()

    def expect(step: str, names: list[str], timeout: float = 45) -> None:
        now = wait_firing(names, timeout)
        missing = [n for n in names if n not in now]
        if missing:
            failures.append(f"{step}: expected firing {missing}; firing: {sorted(now)}")
        else:
            results.append(f"{step}: {', '.join(names)} fired")
        log(f"{step}: firing {sorted(now)}")

    try:
        c.start_pg()
        c.start()
        ctx = oc.scenario_setup(c)
        oc.scenario_workload(c, ctx)
        prom = oc.start_prometheus(state, fast_rules(state))
        # healthy: every target up, enough samples for 5m windows to have two
        for _ in range(60):
            r = prom_get('/api/v1/query?query=sum(up{job="openbao"})')["result"]
            if r and float(r[0]["value"][1]) == 3:
                break
            time.sleep(1)
        time.sleep(15)
        healthy = {}
        for _ in range(10):
            healthy.update(firing())
            time.sleep(1)
        if healthy:
            failures.append(f"healthy cluster: alerts firing: {sorted(healthy)}")
        else:
            results.append("healthy cluster: no alert firing")
        log(f"healthy: firing {sorted(healthy)}")

        oc.scenario_failures(c, ctx)
        expect("isolated PKI and database failures",
               ["OpenBaoPKIOperationFailures", "OpenBaoDatabaseCredentialOperationFailures"])

        lead = c.leader()
        victim = next(n for n in range(oc.NODES) if n != lead)
        c.stop_node(victim)
        c.start_node(victim)  # restarted and left sealed
        expect(f"openbao-{victim} sealed",
               ["OpenBaoSealedUnexpectedly", "OpenBaoAutopilotNodeUnhealthy",
                "OpenBaoAutopilotFailureToleranceLost", "OpenBaoAutopilotUnhealthy"], timeout=60)

        c.stop_node(victim)
        expect(f"openbao-{victim} down", ["OpenBaoUnreachable"])

        c.api(c.leader(), "POST", "sys/storage/raft/remove-peer", {"server_id": f"openbao-{victim}"})
        expect(f"openbao-{victim} removed from Raft", ["OpenBaoRaftPeerCountLow"])

        other = next(n for n in range(oc.NODES) if n not in (victim, c.leader()))
        c.stop_node(other)
        expect("quorum lost", ["OpenBaoNoActiveNode"], timeout=90)
    finally:
        if prom and prom.poll() is None:
            prom.terminate()
            prom.wait(timeout=30)
        c.stop_all()
        shutil.rmtree(state, ignore_errors=True)

    alerts = set()
    for p in (REPO / "generated" / "prometheus").glob("alerts-*.yaml"):
        alerts.update(re.findall(r"(?m)^\s+- alert: (\S+)", p.read_text()))
    proven = {n for r in results for n in re.findall(r"OpenBao\w+", r)}
    unaccounted = sorted(alerts - proven - set(NOT_PROVOKED))
    if unaccounted:
        failures.append(f"metric alerts neither proven live nor listed in NOT_PROVOKED: {unaccounted}")
    for r in results:
        print(f"ok   {r}")
    for name in sorted(alerts & set(NOT_PROVOKED)):
        print(f"--   {name}: not provoked live: {NOT_PROVOKED[name]}")
    for f in failures:
        print(f"FAIL {f}")
    print(f"live-alerts: {len(proven)} alerts proven live, {len(failures)} failure(s), {time.time() - t0:.0f}s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
