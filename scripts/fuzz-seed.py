#!/usr/bin/env python3
"""Seed the cargo-fuzz corpora (fuzz/corpus/<target>/, git-ignored) from this
repository: every LogQL expression tools/logql-diff/collect.py finds (without
mutations: the fuzzer makes its own) for `logql`, every *.alloy file under
tests/ and examples/ for `alloy`. Files are named by content hash, so running
it again adds nothing twice. Python 3 standard library only."""

import hashlib
import json
import os
import subprocess
import sys

REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


def put(target, data):
    d = os.path.join(REPO, "fuzz", "corpus", target)
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()
    path = os.path.join(d, name)
    if not os.path.exists(path):
        with open(path, "wb") as f:
            f.write(data)
        return 1
    return 0


def main():
    out = subprocess.run(
        [sys.executable, os.path.join(REPO, "tools", "logql-diff", "collect.py"), "--no-mutations"],
        capture_output=True, text=True, check=True,
    ).stdout
    n = sum(put("logql", json.loads(l)["expr"].encode()) for l in out.splitlines() if l.strip())
    print(f"fuzz-seed: logql: {n} new inputs")
    n = 0
    for top in ("tests", "examples"):
        for dirpath, _, files in os.walk(os.path.join(REPO, top)):
            for f in files:
                if f.endswith(".alloy"):
                    with open(os.path.join(dirpath, f), "rb") as fh:
                        n += put("alloy", fh.read())
    print(f"fuzz-seed: alloy: {n} new inputs")
    # YAML rule files and contracts, dashboards, PromQL expressions, templates
    seeds = {"yaml_rules": (".yaml", ".yml"), "dashboard_json": (".json",)}
    for target, exts in seeds.items():
        n = 0
        for top in ("tests/fixtures", "contracts", "generated"):
            for dirpath, _, files in os.walk(os.path.join(REPO, top)):
                for f in sorted(files):
                    if f.endswith(exts):
                        with open(os.path.join(dirpath, f), "rb") as fh:
                            data = fh.read()
                        if len(data) < 64 * 1024:
                            n += put(target, data)
        print(f"fuzz-seed: {target}: {n} new inputs")
    n = m = 0
    for dirpath, _, files in os.walk(os.path.join(REPO, "generated", "prometheus")):
        for f in sorted(files):
            for line in open(os.path.join(dirpath, f), encoding="utf-8"):
                line = line.strip()
                if line.startswith("expr: "):
                    n += put("promql", line[6:].encode())
                if line.startswith(("summary: ", "description: ")) and "{{" in line:
                    m += put("gotemplate", line.split(": ", 1)[1].encode())
    print(f"fuzz-seed: promql: {n} new inputs; gotemplate: {m} new inputs")


if __name__ == "__main__":
    main()
