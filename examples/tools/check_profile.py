#!/usr/bin/env python3
"""Consistency checks of the local (docker-compose) profile.

Alloy, Loki, Grafana and OpenBao cannot be installed on the development
machines, so their configuration files are checked statically here: each file
is parsed (HCL with pyhcl, YAML with PyYAML, the Alloy file by pattern) and
the properties the profile promises are asserted:

* every image is pinned to an exact version and every published port is bound
  to 127.0.0.1;
* the three OpenBao nodes share one configuration apart from their names, use
  Raft with retry_join to every peer, expose telemetry as the profile needs it
  and declare the same JSON file audit device;
* Alloy keeps the operational and audit streams apart (one writer per tenant),
  only ever sets allowed stream labels and enforces the allow-list last;
* Loki is multi-tenant with per-tenant retention, Grafana's datasources use
  the fixed uids and tenants, and the dashboard providers match the split
  script;
* Prometheus scrapes /v1/sys/metrics?format=prometheus with a bearer token
  file on every node, loads the three generated rule files, and follows the
  job and cluster label conventions of the metric contracts.

Usage: check_profile.py [EXAMPLES_DIR]   (default: the parent of this file)
Exit status 1 if any check fails.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import hcl
import yaml

ALLOWED_LABELS = {
    "cluster", "environment", "region", "namespace", "app", "component",
    "log_stream", "node_id", "deployment_profile", "pod", "container", "instance",
}
FORBIDDEN_LABELS = {
    "request_id", "request_path", "secret_path", "mount_path", "namespace_path",
    "client_token", "token_accessor", "entity_id", "auth_accessor", "client_ip",
    "remote_address", "policy", "user_name", "display_name",
}
STREAMS = {"openbao.operational", "openbao.audit", "openbao.completed_requests"}
TENANTS = {"operational": "openbao-operational", "audit": "openbao-audit"}
NODES = ["openbao-0", "openbao-1", "openbao-2"]
RESTRICTED_UIDS = {"openbao-audit-overview", "openbao-audit-investigation"}

failures: list[str] = []


def check(condition: bool, message: str) -> None:
    if not condition:
        failures.append(message)


def load_yaml(path: Path):
    with path.open() as handle:
        return yaml.safe_load(handle)


def check_compose(profile: Path) -> None:
    for name in ("docker-compose.yaml", "docker-compose.openbao-prefix.yaml"):
        doc = load_yaml(profile / name)
        for service, spec in (doc.get("services") or {}).items():
            image = spec.get("image")
            if image is not None:
                tag = image.rsplit(":", 1)[1] if ":" in image.split("/")[-1] else ""
                # x.y.z, or x.y for projects whose releases are numbered so
                # (PostgreSQL 16.8 is an exact release); never latest or a major.
                check(bool(re.fullmatch(r"v?\d+\.\d+(\.\d+)?", tag)),
                      f"{name}: service {service} image {image!r} is not pinned to an exact version tag")
            for port in spec.get("ports") or []:
                check(str(port).startswith("127.0.0.1:"),
                      f"{name}: service {service} publishes {port!r} beyond 127.0.0.1")


def shared_part(config: dict) -> dict:
    """The configuration without the keys that name the node itself."""
    shared = {key: value for key, value in config.items() if key not in ("api_addr", "cluster_addr")}
    raft = dict(shared.get("storage", {}).get("raft", {}))
    raft.pop("node_id", None)
    shared["storage"] = {"raft": raft}
    return shared


def check_openbao(profile: Path) -> None:
    configs = {}
    for index, node in enumerate(NODES):
        path = profile / "openbao" / f"openbao-{index}.hcl"
        config = hcl.loads(path.read_text())
        configs[node] = config
        where = path.name

        raft = config.get("storage", {}).get("raft", {})
        check(raft.get("node_id") == node, f"{where}: storage raft node_id is not {node}")
        joins = raft.get("retry_join", [])
        joins = joins if isinstance(joins, list) else [joins]
        leaders = {join.get("leader_api_addr") for join in joins}
        check(leaders == {f"http://{peer}:8200" for peer in NODES},
              f"{where}: retry_join must list every node's API address, found {sorted(leaders)}")
        check(config.get("api_addr") == f"http://{node}:8200", f"{where}: api_addr does not name {node}")
        check(config.get("cluster_addr") == f"http://{node}:8201", f"{where}: cluster_addr does not name {node}")

        # pyhcl merges repeated `listener "tcp"` blocks into one (the last
        # wins); OpenBao keeps each, so every block is parsed on its own
        listeners = [hcl.loads(block)["listener"]["tcp"]
                     for block in re.findall(r'(?ms)^listener "tcp" \{\n.*?^\}', path.read_text())]
        by_addr = {lst.get("address"): lst for lst in listeners}
        api = by_addr.get("0.0.0.0:8200", {})
        check(api.get("telemetry", {}).get("unauthenticated_metrics_access") is False,
              f"{where}: the API listener must keep unauthenticated_metrics_access = false")
        # Prometheus scrapes this one: every node answers for itself, sealed or
        # standby (docs/openbao-compatibility.md)
        metrics = by_addr.get("0.0.0.0:8210", {})
        check(metrics.get("metrics_only") is True
              and metrics.get("telemetry", {}).get("unauthenticated_metrics_access") is True,
              f"{where}: needs the metrics-only listener on 8210 (metrics_only = true, "
              "unauthenticated_metrics_access = true)")
        check("log_requests_level" not in config or config.get("log_requests_level") != "off",
              f"{where}: log_requests_level = \"off\" is rejected by OpenBao; leave the key out")

        telemetry = config.get("telemetry", {})
        check(telemetry.get("disable_hostname") is True, f"{where}: telemetry.disable_hostname must be true")
        retention = str(telemetry.get("prometheus_retention_time", "0"))
        check(retention not in ("0", "0s", ""), f"{where}: telemetry.prometheus_retention_time must be set and non-zero")
        check(telemetry.get("metrics_prefix", "vault") == "vault",
              f"{where}: the base profile uses the vault_ prefix (the override switches it)")

        check(config.get("log_format") == "json", f"{where}: log_format must be json for Alloy")
        check(config.get("log_file") == "/openbao/logs/openbao.log",
              f"{where}: log_file must be /openbao/logs/openbao.log (Alloy's operational glob)")

        # Mounted at file/, the device path the metric contract names
        # (audit_file__log_request).
        device = config.get("audit", {}).get("file", {}).get("file", {})
        options = device.get("options", {})
        check(options.get("file_path") == "/openbao/logs/audit.log",
              f"{where}: audit device file/ must write /openbao/logs/audit.log (Alloy's audit glob)")
        check(options.get("format", "json") == "json", f"{where}: audit device must write JSON lines")
        check(str(options.get("log_raw", "false")).lower() == "false",
              f"{where}: audit device must not log raw (unhashed) values")

    shared = [shared_part(config) for config in configs.values()]
    check(all(part == shared[0] for part in shared),
          "openbao/openbao-{0,1,2}.hcl differ in more than the node's own addresses and node_id; "
          "audit, listener and telemetry stanzas must be identical on every node")

    override = hcl.load((profile / "openbao" / "telemetry-openbao-prefix.hcl").open())
    base = dict(configs[NODES[0]].get("telemetry", {}))
    base["metrics_prefix"] = "openbao"
    check(override.get("telemetry") == base,
          "telemetry-openbao-prefix.hcl must repeat the node telemetry block with only metrics_prefix changed")


def alloy_blocks(text: str, header: str) -> list[str]:
    """Bodies of blocks whose header matches, by brace counting."""
    bodies = []
    for match in re.finditer(header, text):
        start = text.index("{", match.end() - 1)
        depth = 0
        for position in range(start, len(text)):
            depth += {"{": 1, "}": -1}.get(text[position], 0)
            if depth == 0:
                bodies.append(text[start + 1:position])
                break
    return bodies


def check_alloy(profile: Path) -> None:
    raw = (profile / "alloy" / "config.alloy").read_text()
    text = "\n".join(line.split("//", 1)[0] if not line.lstrip().startswith("//") else ""
                     for line in raw.splitlines())

    set_labels: set[str] = set()
    for body in alloy_blocks(text, r"stage\.(?:static_labels|labels)\s*\{"):
        set_labels |= set(re.findall(r"([A-Za-z_][A-Za-z0-9_]*)\s*=(?!=)", body)) - {"values"}
    set_labels |= set(re.findall(r'target_label\s*=\s*"([^"]+)"', text))
    check(not set_labels & FORBIDDEN_LABELS,
          f"alloy: forbidden labels promoted: {sorted(set_labels & FORBIDDEN_LABELS)}")
    check(set_labels <= ALLOWED_LABELS, f"alloy: labels outside the allow-list: {sorted(set_labels - ALLOWED_LABELS)}")

    streams = set(re.findall(r'log_stream\s*=\s*"([^"]+)"', text))
    check(streams <= STREAMS, f"alloy: unknown log_stream values {sorted(streams - STREAMS)}")
    check({"openbao.operational", "openbao.audit"} <= streams, "alloy: both main streams must be labelled")

    keeps = re.findall(r'action\s*=\s*"labelkeep"\s*regex\s*=\s*"([^"]+)"', text)
    check(len(keeps) == 2 and all(set(keep.split("|")) == ALLOWED_LABELS for keep in keeps),
          "alloy: each tenant path must end in a labelkeep of exactly the allowed labels")

    writers = {}
    for match in re.finditer(r'loki\.write\s+"([^"]+)"\s*\{', text):
        body = alloy_blocks(text[match.start():], r'loki\.write\s+"[^"]+"\s*\{')[0]
        tenant = re.search(r'tenant_id\s*=\s*"([^"]+)"', body)
        writers[match.group(1)] = tenant.group(1) if tenant else None
    check(writers == TENANTS, f"alloy: expected writers {TENANTS}, found {writers}")

    # The audit source must only ever reach the audit writer.
    audit_process = alloy_blocks(text, r'loki\.process\s+"openbao_audit"\s*\{')
    check(len(audit_process) == 1 and "allowed_labels_audit" in audit_process[0]
          and "operational" not in audit_process[0].split("forward_to", 1)[1].split("]", 1)[0],
          "alloy: the audit pipeline must forward to the audit tenant only")


def check_loki(profile: Path) -> None:
    config = load_yaml(profile / "loki" / "loki.yaml")
    check(config.get("auth_enabled") is True, "loki: auth_enabled must be true (one tenant per stream family)")
    check(config.get("limits_config", {}).get("discover_service_name") == [],
          "loki: discover_service_name must be [] so Loki adds no service_name label")
    check(config.get("compactor", {}).get("retention_enabled") is True, "loki: compactor retention must be on")
    overrides = load_yaml(profile / "loki" / "runtime.yaml").get("overrides", {})
    check(set(overrides) == set(TENANTS.values()), f"loki: runtime overrides must cover {sorted(TENANTS.values())}")
    periods = {tenant: limits.get("retention_period") for tenant, limits in overrides.items()}
    check(len(set(periods.values())) == len(periods), f"loki: tenants should not share one retention: {periods}")


def check_grafana(profile: Path) -> None:
    provisioning = profile / "grafana" / "provisioning"
    sources = {ds["uid"]: ds for ds in load_yaml(provisioning / "datasources" / "datasources.yaml")["datasources"]}
    check(set(sources) == {"prometheus", "loki-operational", "loki-audit"},
          f"grafana: datasource uids must be prometheus, loki-operational, loki-audit; found {sorted(sources)}")
    for uid, tenant in (("loki-operational", TENANTS["operational"]), ("loki-audit", TENANTS["audit"])):
        source = sources.get(uid, {})
        check(source.get("jsonData", {}).get("httpHeaderName1") == "X-Scope-OrgID"
              and source.get("secureJsonData", {}).get("httpHeaderValue1") == tenant,
              f"grafana: datasource {uid} must send X-Scope-OrgID: {tenant}")

    providers = {p["folder"]: p for p in load_yaml(provisioning / "dashboards" / "openbao.yaml")["providers"]}
    check(set(providers) == {"OpenBao", "OpenBao Restricted"},
          f"grafana: expected folders OpenBao and OpenBao Restricted, found {sorted(providers)}")
    script = (profile / "scripts" / "split-dashboards.sh").read_text()
    check(providers.get("OpenBao", {}).get("options", {}).get("path", "").endswith("/openbao")
          and providers.get("OpenBao Restricted", {}).get("options", {}).get("path", "").endswith("/openbao-restricted"),
          "grafana: provider paths must be the split script's openbao/ and openbao-restricted/")
    uids = set(re.search(r'RESTRICTED_UIDS="([^"]+)"', script).group(1).split())
    check(uids == RESTRICTED_UIDS, f"split-dashboards.sh: restricted uids {sorted(uids)} != {sorted(RESTRICTED_UIDS)}")


def check_prometheus(profile: Path) -> None:
    config = load_yaml(profile / "prometheus" / "prometheus.yml")
    check(config.get("rule_files") == ["rules/recording-rules.yaml", "rules/alerts-critical.yaml",
                                       "rules/alerts-warning.yaml"],
          "prometheus: rule_files must load the three generated files")
    jobs = {job["job_name"]: job for job in config.get("scrape_configs", [])}
    openbao = jobs.get("openbao", {})
    check(openbao.get("metrics_path") == "/v1/sys/metrics", "prometheus: job openbao must scrape /v1/sys/metrics")
    check(openbao.get("params") == {"format": ["prometheus"]}, "prometheus: job openbao needs params format=prometheus")
    check("authorization" not in openbao,
          "prometheus: job openbao scrapes the unauthenticated metrics-only listener; no token")
    targets = {t for sc in openbao.get("static_configs", []) for t in sc.get("targets", [])}
    check(targets == {f"{node}:8210" for node in NODES},
          f"prometheus: job openbao must scrape every node's metrics-only listener (:8210), found {sorted(targets)}")
    # Job names and the cluster label the metric contracts rely on.
    check("alloy" in jobs, "prometheus: the log collector (job alloy) must be scraped")
    check("blackbox-openbao" in jobs, "prometheus: the synthetic probe job must be named blackbox-openbao")
    for name, job in jobs.items():
        clusters = {sc.get("labels", {}).get("cluster") for sc in job.get("static_configs", [])}
        check(clusters == {"openbao-local"}, f"prometheus: every target of job {name} needs cluster=openbao-local")


def check_kubernetes_job_label(examples: Path) -> None:
    for path in sorted((examples / "kubernetes").glob("*/*monitor.yaml")):
        doc = load_yaml(path)
        endpoints = doc["spec"].get("endpoints") or doc["spec"].get("podMetricsEndpoints") or []
        for endpoint in endpoints:
            relabelings = endpoint.get("relabelings", [])
            jobs = [r.get("replacement") for r in relabelings if r.get("targetLabel") == "job"]
            check(jobs == ["openbao"], f"{path.relative_to(examples)}: endpoint must set job=openbao like the local profile")
            check(any(r.get("targetLabel") == "cluster" for r in relabelings),
                  f"{path.relative_to(examples)}: endpoint must set the cluster target label")
            check(endpoint.get("path") == "/v1/sys/metrics" and endpoint.get("params") == {"format": ["prometheus"]},
                  f"{path.relative_to(examples)}: endpoint must scrape /v1/sys/metrics?format=prometheus")


def main() -> int:
    examples = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent
    profile = examples / "docker-compose"
    for step in (check_compose, check_openbao, check_alloy, check_loki, check_grafana, check_prometheus):
        try:
            step(profile)
        except Exception as error:  # a parse error is a failed check, not a crash
            failures.append(f"{step.__name__}: {type(error).__name__}: {error}")
    try:
        check_kubernetes_job_label(examples)
    except Exception as error:
        failures.append(f"check_kubernetes_job_label: {type(error).__name__}: {error}")

    for failure in failures:
        print(f"FAIL {failure}")
    print(f"profile checks: {'OK' if not failures else f'{len(failures)} failure(s)'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
