#!/usr/bin/env python3
"""The two OpenBao metric alerts that need more time than a CI run, proven
against a real OpenBao cluster (`make test-openbao-slow`, opt-in, not part of
`make test`; about 10 minutes).

It reuses the harness of tests/openbao/live_alerts.py (imported, not copied):
the same three-node cluster, PostgreSQL, a real Prometheus with the generated
rules and the same documented rule overrides (every `for:` is 0s, the memory
floor), plus one more for this run only, printed in its output:

  OpenBaoStorageCommitLatencyElevated's baseline `[1h] offset 1h` becomes
  `[2m] offset 2m` (the run cannot wait two hours for a baseline). The 25 ms
  floor and the factor 3 stay the generated ones.

Scenarios, on one cluster:

  irrevocable    database credentials with a 10 s TTL whose PostgreSQL roles
                 are dropped behind OpenBao's back: when each lease expires the
                 expiration manager's revocation (DROP ROLE) fails, is retried
                 with back-off (10 s x 2^n, +-50 %), and after six failed
                 attempts the lease is marked irrevocable; OpenBao's gauge
                 expire.num_irrevocable_leases then fires
                 OpenBaoIrrevocableLeasesPresent (nothing is shortened here:
                 the back-off is OpenBao's own);
  slow storage   while a steady KV write load runs, strace injects a 50 ms
                 delay into every fsync/fdatasync of the active node's bao
                 process (a real fault in the real server, like a slow disk),
                 after a baseline of more than four minutes. The fault must
                 take (Raft commit time above 25 ms) and
                 OpenBaoStorageCommitLatencyElevated must fire within 180 s,
                 else the run fails. The alert reads the leader's Raft commit
                 time; it was redesigned because the former barrier get/put
                 alert could not fire on 2.7.2 (barrier.put stayed near
                 0.01 ms while every commit took over 100 ms; the run still
                 prints barrier.put; see docs/openbao-compatibility.md).

Exit status: 0 pass, 1 fail, 3 skipped (bao, PostgreSQL, prometheus or strace
missing).
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

# ports of its own (25600-25699), so it can run beside test-openbao-live (25200)
os.environ.setdefault("O11YLINT_OPENBAO_PORT_BASE", "25600")

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("live_alerts", HERE / "live_alerts.py")
la = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(la)
oc = la.oc

COMMIT = "OpenBaoStorageCommitLatencyElevated"
IRREVOCABLE = "OpenBaoIrrevocableLeasesPresent"
BASELINE, BASELINE_TEST = "[1h] offset 1h", "[2m] offset 2m"
DELAY_US = 50_000
LEASES = 4
COMMIT_MEAN = "rate(vault_raft_commitTime_sum[1m]) / rate(vault_raft_commitTime_count[1m])"


def log(msg: str) -> None:
    print(f"slow-alerts: {msg}", file=sys.stderr, flush=True)


def slow_rules(state: Path) -> list[Path]:
    """live_alerts.fast_rules plus the shortened commit-latency baseline."""
    out = la.fast_rules(state)
    for p in out:
        text = p.read_text()
        if COMMIT in text:
            if text.count(BASELINE) != 1:
                raise SystemExit(f"{p.name}: {COMMIT}'s baseline {BASELINE!r} not found exactly once")
            p.write_text(text.replace(BASELINE, BASELINE_TEST))
    return out


def query(expr: str) -> str:
    r = la.prom_get("/api/v1/query?query=" + urllib.parse.quote(expr))["result"]
    return ", ".join(f"{x['metric'].get('instance') or x['metric'].get('cluster', '')}={float(x['value'][1]):.2f}"
                     for x in r) or "none"


def main() -> int:
    try:
        bao = oc.find_bao()
        oc.pg_bin("initdb")
        for tool, pkg in (("prometheus", "prometheus"), ("strace", "strace")):
            if not shutil.which(tool):
                raise oc.Missing(f"{tool} not found (Debian package {pkg})")
    except oc.Missing as e:
        log(f"SKIP: {e}")
        return 3
    state = Path(tempfile.mkdtemp(prefix="o11ylint-slow-alerts-"))
    c = oc.Cluster(state, bao)
    prom = strace = None
    stop = threading.Event()
    failures: list[str] = []
    results: list[str] = []
    not_fired: list[str] = []
    t0 = time.time()
    writes = [0]

    def writer(lead: int) -> None:
        # a steady write load (each a barrier.put on the active node), two a second
        while not stop.is_set():
            oc.http("POST", c.addr(lead) + "/v1/secret/data/slow/steady", c.root_token,
                    {"data": {"n": str(writes[0])}}, timeout=30)
            writes[0] += 1
            stop.wait(0.5)

    try:
        c.start_pg()
        c.start()
        lead = c.leader()
        ctx = oc.scenario_setup(c)
        oc.scenario_workload(c, ctx)
        rules = slow_rules(state)
        prom = oc.start_prometheus(state, rules)
        prom_start = time.time()
        threading.Thread(target=writer, args=(lead,), daemon=True).start()

        # irrevocable: leases whose revocation keeps failing
        c.api(lead, "POST", "database/roles/irrevocable", {
            "db_name": "fixture", "default_ttl": "10s", "max_ttl": "10s",
            "creation_statements": ["CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}';"],
            "revocation_statements": ["DROP ROLE \"{{name}}\";"],
        })
        time.sleep(5)
        if IRREVOCABLE in la.firing():
            failures.append(f"{IRREVOCABLE} firing before any lease failed")
        lease_ids = []
        for _ in range(LEASES):
            d = c.api(lead, "GET", "database/creds/irrevocable", ok=(200,))
            oc.psql(c, f'DROP ROLE "{d["data"]["username"]}";')
            lease_ids.append(d["lease_id"])
        t_leases = time.time()
        log(f"{LEASES} database leases (TTL 10 s) whose PostgreSQL roles were dropped: {lease_ids}")

        # slow storage, after a baseline long enough for `[2m] offset 2m`
        while time.time() - prom_start < 270:
            time.sleep(5)
        baseline = query("openbao:raft_commitTime:mean5m")
        log(f"baseline raft commitTime mean5m (ms): {baseline}; over 1m: {query(COMMIT_MEAN)}; "
            f"barrier.put mean (ms): {query('openbao:barrier_put:mean5m')}; {writes[0]} writes")
        if COMMIT in la.firing():
            failures.append(f"{COMMIT} firing before the fault was injected")
        pid = c.procs[lead].pid
        strace_log = state / "strace.log"
        strace = subprocess.Popen(
            ["strace", "-f", "-qq", "-p", str(pid), "-o", str(strace_log), "-e", "trace=fsync,fdatasync",
             "-e", f"inject=fsync,fdatasync:delay_enter={DELAY_US}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        t_inject = time.time()
        log(f"strace (pid {strace.pid}) injects {DELAY_US // 1000} ms into every fsync/fdatasync of openbao-{lead} "
            f"(pid {pid})")
        now = la.wait_firing([COMMIT], 180)
        syncs = sum(1 for ln in open(strace_log, errors="replace") if "DELAYED" in ln) if strace_log.exists() else 0
        put, commit, mean5m = query("openbao:barrier_put:mean5m"), query(COMMIT_MEAN), query("openbao:raft_commitTime:mean5m")
        log(f"raft commitTime mean5m (ms): {mean5m}; over 1m: {commit}; barrier.put mean (ms): {put}; "
            f"{syncs} syncs delayed")
        fault = f"{DELAY_US // 1000} ms injected into {syncs} fsync/fdatasync calls of openbao-{lead} by strace"
        commit_ms = max((float(v.rsplit("=", 1)[1]) for v in commit.split(", ") if "=" in v), default=0.0)
        if syncs == 0 or commit_ms < DELAY_US / 2000:
            failures.append(f"slow storage: the fault did not take ({fault}; raft commitTime mean {commit})")
        elif COMMIT in now:
            inst = sorted({a.get("instance", "") for a in now[COMMIT]})
            results.append(f"slow storage ({fault}): {COMMIT} fired on {inst} "
                           f"{time.time() - t_inject:.0f}s after the injection (commit mean5m {mean5m} ms, "
                           f"baseline {baseline} ms; barrier.put {put} ms, which the former barrier alert read)")
        else:
            failures.append(f"slow storage: {COMMIT} did not fire within 180 s of a real slow disk ({fault}): "
                            f"commit mean5m {mean5m} ms (baseline {baseline} ms), over 1m {commit} ms")
        strace.terminate()
        strace.wait(timeout=30)
        strace = None
        log(f"strace detached ({time.time() - t0:.0f}s)")

        # irrevocable: OpenBao's own back-off, up to 6 attempts (at most about 16 minutes)
        now = la.wait_firing([IRREVOCABLE], max(60.0, 1080 - (time.time() - t_leases)))
        count = query("openbao:expire_num_irrevocable_leases:max")
        if IRREVOCABLE in now:
            results.append(f"database leases whose revocation keeps failing (role dropped): {IRREVOCABLE} fired "
                           f"{time.time() - t_leases:.0f}s after the leases were issued (irrevocable leases: {count})")
        else:
            failures.append(f"irrevocable: {IRREVOCABLE} did not fire within 18 minutes; irrevocable leases: {count}; "
                            f"firing: {sorted(now)}")
        log(f"irrevocable: firing {IRREVOCABLE in now}, count {count} ({time.time() - t0:.0f}s)")
        code, raw = oc.http("LIST", c.addr(lead) + "/v1/sys/leases/lookup/database/creds/irrevocable", c.root_token)
        log(f"leases still held under database/creds/irrevocable: HTTP {code} {raw[:300]}")
    finally:
        stop.set()
        if strace and strace.poll() is None:
            strace.terminate()
            strace.wait(timeout=30)
        if prom and prom.poll() is None:
            prom.terminate()
            prom.wait(timeout=30)
        c.stop_all()
        shutil.rmtree(state, ignore_errors=True)

    for r in results:
        print(f"ok   {r}")
    print("note the harness changed the generated rules as test-openbao-live does (every `for:` is 0s, "
          f"OpenBaoRuntimeMemoryGrowth's heap floor {la.MEMORY_FLOOR_TEST}) and, for this run only, "
          f"{COMMIT}'s baseline `{BASELINE}` is `{BASELINE_TEST}`; OpenBao's revocation back-off is not shortened")
    for n in not_fired:
        print(f"--   {n}")
    for f in failures:
        print(f"FAIL {f}")
    print(f"slow-alerts: {len(results)} alert(s) proven live, {len(failures)} failure(s), {time.time() - t0:.0f}s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
