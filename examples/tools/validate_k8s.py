#!/usr/bin/env python3
"""Validate Kubernetes manifests without a cluster.

Built-in kinds (Secret, NetworkPolicy, ...) are checked against the strict
Kubernetes JSON Schemas shipped by kubernetes-validate, for the oldest and the
newest Kubernetes minor version it knows, so both unknown fields and type
errors fail.

Prometheus Operator kinds (ServiceMonitor, PodMonitor, PrometheusRule) are
checked two ways:
  * here, against the Pydantic models generated from the operator's CRDs
    (cloudcoil-models-prometheus-operator): type errors fail, and any field
    the model does not know, i.e. a field the API server would silently prune,
    fails too;
  * by validate-monitoring-crs.mjs, against the CRDs' openAPIV3Schema compiled
    with ajv (@kubernetes-models/prometheus-operator). This script writes the
    documents for it with --emit-crs FILE.

Any other kind is an error, so nothing is skipped silently.

Usage: validate_k8s.py [--emit-crs FILE] PATH...   (PATH: file, or '-' for stdin)
"""

from __future__ import annotations

import argparse
import json
import sys

import kubernetes_validate
from kubernetes_validate.utils import all_versions
import yaml
from cloudcoil.models.prometheus_operator import v1 as monitoring_v1

MONITORING_KINDS = {
    "ServiceMonitor": monitoring_v1.ServiceMonitor,
    "PodMonitor": monitoring_v1.PodMonitor,
    "PrometheusRule": monitoring_v1.PrometheusRule,
}


def kubernetes_versions() -> list[str]:
    versions = all_versions()  # sorted oldest first
    return [versions[0], versions[-1]]


def pruned_fields(source, kept, path: str = "") -> list[str]:
    """Paths present in source but absent from kept (what pruning would drop)."""
    missing = []
    if isinstance(source, dict):
        for key, value in source.items():
            if not isinstance(kept, dict) or key not in kept:
                missing.append(f"{path}/{key}")
            else:
                missing += pruned_fields(value, kept[key], f"{path}/{key}")
    elif isinstance(source, list) and isinstance(kept, list):
        for index, (item, kept_item) in enumerate(zip(source, kept)):
            missing += pruned_fields(item, kept_item, f"{path}/{index}")
    return missing


def validate_monitoring(doc: dict) -> list[str]:
    model = MONITORING_KINDS[doc["kind"]]
    try:
        parsed = model.model_validate(doc)
    except Exception as error:  # pydantic.ValidationError
        return [str(error)]
    kept = parsed.model_dump(mode="json", by_alias=True, exclude_unset=True)
    return [f"unknown field {field} (the API server would prune it)" for field in pruned_fields(doc, kept)]


def validate_builtin(doc: dict, versions: list[str]) -> list[str]:
    errors = []
    for version in versions:
        try:
            kubernetes_validate.validate(doc, version, strict=True)
        except kubernetes_validate.SchemaNotFoundError:
            errors.append(f"no schema for {doc.get('apiVersion')}/{doc.get('kind')} in Kubernetes {version}")
        except kubernetes_validate.ValidationError as error:
            location = "/".join(str(p) for p in error.path)
            errors.append(f"Kubernetes {version}: /{location}: {error.message}")
    return errors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--emit-crs", help="write the Prometheus Operator documents as a JSON array here")
    parser.add_argument("paths", nargs="+")
    args = parser.parse_args()

    versions = kubernetes_versions()
    crs, failures, count = [], 0, 0
    for path in args.paths:
        text = sys.stdin.read() if path == "-" else open(path).read()
        try:
            docs = list(yaml.safe_load_all(text))
        except yaml.YAMLError as error:
            print(f"FAIL {path}: not valid YAML: {error}")
            failures += 1
            continue
        for doc in docs:
            if not doc:
                continue
            count += 1
            kind = doc.get("kind", "?")
            name = f"{path}: {kind}/{doc.get('metadata', {}).get('name', '?')}"
            if kind in MONITORING_KINDS and str(doc.get("apiVersion")) == "monitoring.coreos.com/v1":
                errors = validate_monitoring(doc)
                crs.append({"source": name, "document": doc})
            elif "." not in str(doc.get("apiVersion", "")).split("/")[0] or "k8s.io" in str(doc.get("apiVersion")):
                errors = validate_builtin(doc, versions)
            else:
                errors = [f"no validator for {doc.get('apiVersion')}/{kind}"]
            status = "FAIL" if errors else "ok"
            print(f"{status:4} {name}")
            for error in errors:
                print(f"       {error}")
            failures += bool(errors)

    if args.emit_crs:
        with open(args.emit_crs, "w") as handle:
            json.dump(crs, handle)
    print(f"kubernetes manifests: {count} document(s), {failures} failure(s) "
          f"(built-in kinds against Kubernetes {' and '.join(versions)}, strict)")
    return 1 if failures or count == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
