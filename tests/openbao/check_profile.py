#!/usr/bin/env python3
"""The OpenBao profile checked against what a real OpenBao produced.

Reads the fixtures captured by `make fixtures-openbao` (tests/openbao/fixtures:
Prometheus expositions of every node for both metric prefixes, audit lines and
JSON server logs, each headed by the OpenBao version and scenario) and checks:

  metrics   every source-prefixed metric of contracts/metrics is in the real
            exposition (a summary as <name>{quantile}, _sum, _count), or is listed
            in tests/openbao/metric-sources.yaml with the scenario that would
            produce it; the labels the real series carry are declared; the
            listed key path and emitter exist for every metric.
  logql     every LogQL query of the profile (contracts/, generated/loki,
            generated/grafana, ```logql blocks of docs/) evaluated with Loki's
            semantics (RE2 through google-re2; label regexes fully anchored;
            `| json` flattening with `_`) on the captured lines of its stream
            selects at least one line, unless metric-sources.yaml lists the query
            among `logql_may_be_empty` with the reason.

Exit status: 0 all checks pass, 1 a check failed, 3 a needed module is missing.
`--root DIR` checks the profile of another checkout (e.g. an older commit)
against this checkout's fixtures.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"

try:
    import re2  # google-re2: RE2, the engine Go's regexp follows
    import yaml
except ImportError as e:  # pragma: no cover
    print(f"check_profile: SKIP: {e.name} is not installed (pip install google-re2 pyyaml)", file=sys.stderr)
    sys.exit(3)


# ---------------------------------------------------------------------------------------
# fixtures
def fixture_header(path: Path) -> dict:
    with open(path) as f:
        first = f.readline()
    if first.startswith("# o11ylint-fixture "):
        return json.loads(first[len("# o11ylint-fixture "):])
    return {}


def parse_exposition(text: str) -> dict[str, list[dict[str, str]]]:
    """name -> label sets of the samples in a Prometheus text exposition."""
    out: dict[str, list[dict[str, str]]] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+\S+", line)
        if not m:
            continue
        labels = dict(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', m.group(3) or ""))
        out.setdefault(m.group(1), []).append(labels)
    return out


def load_expositions(prefix: str):
    """[(header, {name: [labels]})] of every fixture of that metric prefix."""
    res = []
    for p in sorted((FIXTURES / "metrics" / prefix).glob("*.prom")):
        res.append((fixture_header(p), parse_exposition(p.read_text())))
    return res


def load_lines(kind: str) -> list[tuple[dict, str]]:
    res = []
    for p in sorted((FIXTURES / kind).glob("*.jsonl")):
        header = fixture_header(p)
        for line in p.read_text().splitlines():
            if line.strip() and not line.startswith("# o11ylint-fixture"):
                res.append((header, line))
    return res


# ---------------------------------------------------------------------------------------
# metrics
def contract_metrics(root: Path) -> list[dict]:
    ms = []
    for p in sorted((root / "contracts" / "metrics").glob("*.yaml")):
        doc = yaml.safe_load(p.read_text())
        for m in doc.get("metrics", []):
            m["_file"] = str(p.relative_to(root))
            ms.append(m)
    return ms


TARGET_LABELS = {"cluster", "instance", "job"}


def check_metrics(root: Path, sources: dict) -> list[str]:
    failures = []
    metric_sources = sources["metrics"]
    seen_vault: dict[str, set[str]] = {}
    for prefix in ("vault", "openbao"):
        expos = load_expositions(prefix)
        if not expos:
            failures.append(f"metrics: no fixtures for prefix {prefix}_ (run make fixtures-openbao)")
            continue
        for m in contract_metrics(root):
            if m.get("prefixed", True) is False:
                continue
            name = m["name"]
            src = metric_sources.get(name)
            where = f"{m['_file']}: {name}"
            if src is None:
                failures.append(f"{where}: not in tests/openbao/metric-sources.yaml (key path, emitter)")
                continue
            if src.get("emitted") is False:
                failures.append(f"{where}: OpenBao does not emit it ({src.get('note', '')}); remove it from the contract")
                continue
            full = f"{prefix}_{name}"
            seen_labels: set[str] = set()
            scenarios = set()
            for header, series in expos:
                names = [full] if m["type"] != "summary" else [full, full + "_sum", full + "_count"]
                for n in names:
                    for labels in series.get(n, []):
                        seen_labels.update(labels)
                        scenarios.add(header.get("scenario", "?"))
            if prefix == "vault":
                seen_vault[name] = scenarios
            if not scenarios:
                if prefix == "openbao":
                    # the openbao_ run repeats the workload and failure scenarios
                    if seen_vault.get(name, set()) & {"healthy-workload", "failures"}:
                        failures.append(f"{where}: {full} missing from the openbao_ exposition")
                    continue
                if src.get("not_captured"):
                    continue
                failures.append(f"{where}: {full} is in no captured exposition and metric-sources.yaml gives no "
                                f"`not_captured` scenario")
                continue
            if src.get("not_captured"):
                failures.append(f"{where}: marked not_captured but {full} is in the fixtures ({sorted(scenarios)})")
            real = {lbl for lbl in seen_labels if lbl != "cluster"}  # OpenBao's own cluster label -> exported_cluster
            declared = set(m.get("labels", [])) - TARGET_LABELS
            undeclared = real - declared - set(src.get("carried_not_declared", []))
            if undeclared and prefix == "vault":
                failures.append(f"{where}: real series carry labels the contract does not declare: {sorted(undeclared)}")
            phantom = declared - real - {"quantile"} - set(src.get("labels_not_captured", []))
            if phantom and prefix == "vault":
                failures.append(f"{where}: declared labels never seen on the real series: {sorted(phantom)}")
    return failures


# ---------------------------------------------------------------------------------------
# LogQL with Loki's semantics (the subset the profile uses)
TOKEN = re.compile(
    r'\s*(?:(?P<str>"(?:[^"\\]|\\.)*")|(?P<raw>`[^`]*`)|(?P<op>\|=|\|~|!=|!~|=~|==|>=|<=|=|\||,|\(|\)|\{|\}|\[|\]|>|<)'
    r'|(?P<num>\d+(?:\.\d+)?[a-z]*)|(?P<id>[A-Za-z_][A-Za-z0-9_.]*)|(?P<other>\S))'
)


def tokens(expr: str):
    pos, out = 0, []
    while pos < len(expr):
        m = TOKEN.match(expr, pos)
        if not m or m.end() == pos:
            break
        pos = m.end()
        kind = m.lastgroup
        val = m.group(kind)
        if kind == "str":
            val = json.loads(val)
        elif kind == "raw":
            val = val[1:-1]
        out.append((kind if kind in ("str", "raw") else kind, val))
    return out


class LogQuery:
    def __init__(self, selector: dict[str, tuple[str, str]], stages: list[tuple]):
        self.selector = selector
        self.stages = stages


def parse_log_queries(expr: str) -> list[LogQuery]:
    toks = tokens(expr)
    res = []
    i = 0
    while i < len(toks):
        if toks[i] == ("op", "{"):
            i += 1
            sel = {}
            while i < len(toks) and toks[i] != ("op", "}"):
                if toks[i][0] == "id":
                    name, op, val = toks[i][1], toks[i + 1][1], toks[i + 2][1]
                    sel[name] = (op, val)
                    i += 3
                else:
                    i += 1
            i += 1
            stages = []
            while i < len(toks):
                k, v = toks[i]
                if k == "op" and v in ("|=", "!=", "|~", "!~") and i + 1 < len(toks) and toks[i + 1][0] in ("str", "raw"):
                    stages.append(("line", v, toks[i + 1][1]))
                    i += 2
                elif (k, v) == ("op", "|"):
                    i += 1
                    k2, v2 = toks[i]
                    if k2 == "id" and v2 in ("json", "logfmt"):
                        stages.append((v2,))
                        i += 1
                        # json with explicit expressions is not used by the profile
                    elif k2 == "id" and v2 in ("regexp", "pattern"):
                        stages.append((v2, toks[i + 1][1]))
                        i += 2
                    elif k2 == "id" and v2 in ("line_format", "label_format", "drop", "keep", "decolorize", "unwrap"):
                        i += 1
                        while i < len(toks) and toks[i] not in (("op", "|"), ("op", "["), ("op", ")")) and \
                                not (toks[i][0] == "op" and toks[i][1] in ("|=", "|~")):
                            i += 1
                        stages.append(("ignored", v2))
                    else:
                        groups = [[]]  # OR of ANDs
                        while True:
                            name, op, val = toks[i][1], toks[i + 1][1], toks[i + 2][1]
                            groups[-1].append((name, op, val))
                            i += 3
                            if i < len(toks) and toks[i] in (("op", ","), ("id", "and")):
                                i += 1
                                continue
                            if i < len(toks) and toks[i] == ("id", "or"):
                                i += 1
                                groups.append([])
                                continue
                            break
                        stages.append(("label", groups))
                else:
                    break
            res.append(LogQuery(sel, stages))
        else:
            i += 1
    return res


def flatten_json(obj, prefix="", out=None):
    out = {} if out is None else out
    if isinstance(obj, dict):
        for k, v in obj.items():
            key = re.sub(r"[^a-zA-Z0-9_]", "_", k)
            flatten_json(v, f"{prefix}_{key}" if prefix else key, out)
    elif isinstance(obj, list):
        pass  # Loki's json parser without expressions skips arrays
    elif obj is None:
        out[prefix] = ""
    elif isinstance(obj, bool):
        out[prefix] = "true" if obj else "false"
    else:
        out[prefix] = obj if isinstance(obj, str) else json.dumps(obj)
    return out


def full_match(pattern: str, value: str) -> bool:
    # Loki label matchers (Prometheus semantics): anchored at both ends, RE2 syntax,
    # `.` does not match a newline unless the pattern sets (?s)
    return re2.fullmatch(pattern, value) is not None


def run_query(q: LogQuery, lines: list[str]):
    """Lines selected by the pipeline, and the count after every stage."""
    rows = [(ln, {}) for ln in lines]
    counts = []
    for st in q.stages:
        if st[0] == "line":
            op, val = st[1], st[2]
            if op == "|=":
                rows = [r for r in rows if val in r[0]]
            elif op == "!=":
                rows = [r for r in rows if val not in r[0]]
            elif op == "|~":
                rows = [r for r in rows if re2.search(val, r[0])]
            else:
                rows = [r for r in rows if not re2.search(val, r[0])]
        elif st[0] == "json":
            new = []
            for ln, labels in rows:
                try:
                    new.append((ln, {**labels, **flatten_json(json.loads(ln))}))
                except ValueError:
                    new.append((ln, {**labels, "__error__": "JSONParserErr"}))
            rows = new
        elif st[0] == "regexp":
            rx = re2.compile(st[1])
            new = []
            for ln, labels in rows:
                m = rx.search(ln)
                new.append((ln, {**labels, **({k: v for k, v in m.groupdict().items() if v is not None} if m else {})}))
            rows = new
        elif st[0] == "label":
            def ok_and(labels, conds):
                for name, op, val in conds:
                    have = labels.get(name, "")
                    if op in ("=", "=="):
                        good = have == val
                    elif op == "!=":
                        good = have != val
                    elif op == "=~":
                        good = full_match(val, have)
                    elif op == "!~":
                        good = not full_match(val, have)
                    else:
                        good = True  # numeric comparisons are not used on log labels here
                    if not good:
                        return False
                return True
            rows = [r for r in rows if any(ok_and(r[1], g) for g in st[1])]
        counts.append((describe(st), len(rows)))
    return rows, counts


def describe(st) -> str:
    if st[0] == "line":
        return f'{st[1]} {json.dumps(st[2])}'
    if st[0] == "label":
        return " or ".join(", ".join(f"{n}{o}{json.dumps(v)}" for n, o, v in g) for g in st[1])
    return " ".join(str(s) for s in st)


def substitute_variables(expr: str) -> str:
    # Grafana variables at their "All"/empty values; runbook placeholders
    expr = re.sub(r"\$\{?path_prefix\}?", "", expr)
    expr = re.sub(r"\$\{?(operation|level|instance)\}?", ".*", expr)
    expr = expr.replace("$cluster", "openbao-local").replace("<cluster>", "openbao-local")
    return expr


def stream_lines() -> dict[str, list[str]]:
    alloy_completed = re2.compile(ALLOY_COMPLETED_REQUEST)
    server = [ln for _, ln in load_lines("server")]
    return {
        "unrouted-server-log": server,
        "openbao.audit": [ln for _, ln in load_lines("audit")],
        "openbao.operational": [ln for ln in server if not alloy_completed.search(ln)],
        "openbao.completed_requests": [ln for ln in server if alloy_completed.search(ln)],
    }


# The collector's routing regex (examples/docker-compose/alloy/config.alloy)
ALLOY_COMPLETED_REQUEST = "completed.request"


def collect_logql(root: Path) -> list[tuple[str, str]]:
    """(where, expr) of every LogQL query in the profile."""
    found = []

    def walk(node, where):
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, f"{where}.{k}" if where else str(k))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                name = v.get("alert") or v.get("title") or v.get("name") if isinstance(v, dict) else None
                walk(v, f"{where}[{name or i}]")
        elif isinstance(node, str) and "log_stream=" in node and "{" in node and "label_values" not in node:
            found.append((where, node))

    for pattern in ("contracts/**/*.yaml", "generated/loki/**/*.yaml"):
        for p in sorted(glob.glob(str(root / pattern), recursive=True)):
            try:
                doc = yaml.safe_load(Path(p).read_text())
            except yaml.YAMLError:
                continue
            walk(doc, os.path.relpath(p, root) + ":")
    for p in sorted(glob.glob(str(root / "generated/grafana/*.json"))):
        walk(json.loads(Path(p).read_text()), os.path.relpath(p, root) + ":")
    for p in sorted(glob.glob(str(root / "docs/**/*.md"), recursive=True)):
        text = Path(p).read_text()
        for m in re.finditer(r"```logql\n(.*?)```", text, re.S):
            for line in m.group(1).strip().splitlines():
                if "log_stream=" in line:
                    found.append((f"{os.path.relpath(p, root)}:{text[:m.start()].count(chr(10)) + 2}", line))
    return found


def check_logql(root: Path, sources: dict) -> list[str]:
    failures = []
    streams = stream_lines()
    may_be_empty = sources.get("logql_may_be_empty", [])
    for where, expr in collect_logql(root):
        for q in parse_log_queries(substitute_variables(expr)):
            stream = q.selector.get("log_stream", ("=", ""))[1]
            entry = next((e for e in may_be_empty if e["match"] in expr
                          and e.get("where", "") in where), None)
            if entry and entry.get("evaluate_on"):
                # a leak check that must be empty when routing works: it must
                # still select the lines it looks for where they come from
                stream = entry["evaluate_on"]
            lines = streams.get(stream)
            if lines is None:
                continue
            rows, counts = run_query(q, lines)
            if rows:
                continue
            if entry and not entry.get("evaluate_on"):
                continue
            dead = next((d for d, c in counts if c == 0), "the stream selector")
            failures.append(f"{where}: selects no captured {stream} line (of {len(lines)}); "
                            f"the first stage that drops every line: {dead}\n    query: {expr.strip()}")
    return failures


# ---------------------------------------------------------------------------------------
# the example configuration against what the real OpenBao did
def hcl_listeners(text: str) -> list[str]:
    return re.findall(r'(?ms)^listener "tcp" \{\n(.*?)^\}', text)


def check_examples(root: Path) -> list[str]:
    failures = []
    ex = root / "examples" / "docker-compose"
    hcl = {p.name: p.read_text() for p in sorted((ex / "openbao").glob("openbao-*.hcl"))}
    # item 8: "off" is rejected by OpenBao (fixture: invalid log_requests_level)
    rejected = any('"@message":"invalid log_requests_level"' in ln and '"level":"off"' in ln
                   for _, ln in load_lines("server"))
    for name, text in hcl.items():
        if re.search(r'(?m)^\s*log_requests_level\s*=\s*"off"', text):
            failures.append(f"examples/docker-compose/openbao/{name}: log_requests_level = \"off\" "
                            f"(rejected by OpenBao: {'seen in the fixtures' if rejected else 'see vault/core.go'})")
    # item 8: a reload does not switch completed-request logging off
    after = [fixture_header(p).get("completed_request_lines_after_sighup", 0)
             for p in (FIXTURES / "server").glob("completed-requests.*.jsonl")]
    runbook = (root / "docs/runbooks/completed-request-logging-observed.md").read_text()
    resolve = runbook.split("## How to resolve", 1)[-1].split("\n## ", 1)[0]
    if any(after) and "SIGHUP" in resolve and not re.search(r"(?i)\brestart", resolve):
        failures.append("docs/runbooks/completed-request-logging-observed.md: resolves with SIGHUP, but a real "
                        "OpenBao keeps logging completed_request lines after SIGHUP; a restart is needed")
    # item 5: the openbao_ override must not depend on config-directory order
    override = (ex / "docker-compose.openbao-prefix.yaml").read_text()
    ov = yaml.safe_load(override)
    for svc in ("openbao-0", "openbao-1", "openbao-2"):
        s = (ov.get("services") or {}).get(svc) or {}
        mounts = [str(v) for v in s.get("volumes", [])]
        inside = [m for m in mounts if "telemetry-openbao-prefix.hcl" in m and ":/openbao/config/" in m]
        cmd = " ".join(s.get("command") or [])
        if inside or "telemetry-openbao-prefix.hcl" not in cmd:
            failures.append(f"examples/docker-compose/docker-compose.openbao-prefix.yaml: {svc} loads the prefix "
                            "override from the config directory (merged in Readdir order, not alphabetically); "
                            "pass it as a second -config flag")
    # items 6 and 7: what the example's OpenBao job scrapes
    prom = yaml.safe_load((ex / "prometheus" / "prometheus.yml").read_text())
    job = next(j for j in prom["scrape_configs"] if j["job_name"] == "openbao")
    ports = {t.rsplit(":", 1)[1] for sc in job.get("static_configs", []) for t in sc["targets"]}
    listeners = hcl_listeners(next(iter(hcl.values())))
    scraped = [ln for ln in listeners if any(f':{p}"' in ln.split("\n")[0] for p in ports)]
    unauth_only = scraped and all("metrics_only" in ln and re.search(r"unauthenticated_metrics_access\s*=\s*true", ln)
                                  for ln in scraped)
    if not unauth_only:
        failures.append("examples/docker-compose/prometheus/prometheus.yml: job openbao scrapes a token-checked "
                        "listener: a standby with disable_standby_reads forwards the scrape to the active node "
                        "(OpenBaoMultipleActiveNodes false positive); scrape a metrics_only listener with "
                        "unauthenticated_metrics_access")
    # item 6, captured from the real cluster: a standby restarted with
    # disable_standby_reads = true answers a token scrape with the active
    # node's series (core_active 1) and its metrics-only listener with its own
    # (the raft_storage_stats_* series carry the answering node's peer_id)
    forwarding, standby, active = {}, None, None
    for p in (FIXTURES / "metrics" / "vault").glob("standby-forwarding.*.prom"):
        h = fixture_header(p)
        if h.get("role") == "active":
            active = h.get("node")
        if h.get("disable_standby_reads") and h.get("role") == "standby":
            standby = h.get("node")
            text = p.read_text()
            m = re.search(r"(?m)^vault_core_active(?:\{[^}]*\})? (\S+)$", text)
            peer = re.search(r'(?m)^vault_raft_storage_stats_commit_index\{[^}]*peer_id="([^"]+)"', text)
            forwarding["token" if "token" in h.get("listener", "") else "unauth"] = (
                m.group(1) if m else None, peer.group(1) if peer else None)
    want = {"token": ("1", active), "unauth": ("0", standby)}
    if not standby or not active or forwarding != want:
        failures.append("tests/openbao/fixtures/metrics/vault/standby-forwarding.*: expected the standby with "
                        "disable_standby_reads to answer a token scrape with the active node's series "
                        "(core_active 1, peer_id of the active node) and its metrics-only listener with its own "
                        f"(core_active 0, its own peer_id): expected {want}, captured {forwarding or 'nothing'} "
                        "(make fixtures-openbao)")
    elif not unauth_only:
        failures.append("examples/docker-compose/prometheus/prometheus.yml: job openbao scrapes a token-checked "
                        "listener, and the captured standby-forwarding fixture shows a standby answering it with "
                        "the active node's core_active 1")
    kind = "unauth" if unauth_only else "token"
    sealed_zero = False
    for p in (FIXTURES / "metrics" / "vault").glob(f"sealed-node.*.{kind}.prom"):
        h = fixture_header(p)
        if h.get("role") == "sealed":
            series = parse_exposition(p.read_text())
            sealed_zero = any(True for _ in series.get("vault_core_unsealed", [])) and \
                re.search(r"(?m)^vault_core_unsealed\{[^}]*\} 0$", p.read_text()) is not None
    if not sealed_zero:
        failures.append("OpenBaoSealedUnexpectedly cannot fire with the example's scrape: the sealed node's "
                        f"answer on the scraped listener ({kind}) holds no core_unsealed 0 sample "
                        "(tests/openbao/fixtures/metrics/vault/sealed-node.*)")
    return failures


DOC = "docs/openbao-compatibility.md"
BEGIN, END = "<!-- metric-table:begin (tests/openbao/check_profile.py --write-doc) -->", "<!-- metric-table:end -->"


def metric_table(root: Path, sources: dict) -> str:
    seen: dict[str, set[str]] = {}
    versions = set()
    for prefix in ("vault", "openbao"):
        for header, series in load_expositions(prefix):
            versions.add(header.get("openbao_version", "?"))
            for name in series:
                base = re.sub(r"_(sum|count)$", "", name[len(prefix) + 1:])
                seen.setdefault(base, set()).add(header.get("scenario", "?"))
                seen.setdefault(name[len(prefix) + 1:], set()).add(header.get("scenario", "?"))
    rows = ["| metric (without prefix) | key path | emitted by (openbao/openbao, v2.5.3 layout) | when | seen in scenario |",
            "|---|---|---|---|---|"]
    for m in contract_metrics(root):
        if m.get("prefixed", True) is False:
            continue
        src = sources["metrics"].get(m["name"], {})
        sc = ", ".join(sorted(seen.get(m["name"], set())))
        if not sc:
            sc = "not captured: " + src.get("not_captured", "?")
        rows.append(f"| `{m['name']}` | `{src.get('key', '?')}` | `{src.get('emitter', '?')}` | "
                    f"{src.get('when', '')} | {sc} |")
    return "\n".join(rows) + f"\n\nFixtures captured from OpenBao {', '.join(sorted(versions))}.\n"


def check_doc(root: Path, sources: dict, write: bool) -> list[str]:
    p = root / DOC
    text = p.read_text() if p.exists() else ""
    if BEGIN not in text or END not in text:
        return [f"{DOC}: missing the metric table markers"]
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    new = head + BEGIN + "\n" + metric_table(root, sources) + END + tail
    if new != text:
        if write:
            p.write_text(new)
            return []
        return [f"{DOC}: the metric table is out of date (python3 tests/openbao/check_profile.py --write-doc)"]
    return []


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", default=str(HERE.parent.parent))
    ap.add_argument("checks", nargs="*", default=["metrics", "logql", "examples", "doc"])
    ap.add_argument("--write-doc", action="store_true", help=f"rewrite the metric table of {DOC}")
    args = ap.parse_args()
    root = Path(args.root).resolve()
    if not FIXTURES.is_dir():
        print("check_profile: no fixtures (make fixtures-openbao)", file=sys.stderr)
        return 1
    sources = yaml.safe_load((HERE / "metric-sources.yaml").read_text())
    failures = []
    if "metrics" in args.checks:
        failures += check_metrics(root, sources)
    if "logql" in args.checks:
        failures += check_logql(root, sources)
    if "examples" in args.checks:
        failures += check_examples(root)
    if "doc" in args.checks or args.write_doc:
        failures += check_doc(root, sources, args.write_doc)
    for f in failures:
        print(f"FAIL {f}")
    print(f"check_profile: {len(failures)} failure(s) ({', '.join(args.checks)}; fixtures {FIXTURES})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
