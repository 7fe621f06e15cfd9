#!/usr/bin/env python3
"""No panic on any Loki rule file or LogQL expression of the corpus.

1. Every Loki ruler file in ../shared/corpus/loki-rules/ is linted with every rule,
   placed under `loki/` so the Loki backend is chosen by path (as in a real repository).
2. Every LogQL expression that tools/logql-diff/collect.py finds (corpus rule files,
   corpus dashboard targets, this repository), plus its systematic mutations, is
   - parsed by the LogQL parser alone (`o11ylint debug logql`), and
   - embedded as the `expr` of an alert and of a recording rule in generated Loki rule
     files, which are linted with every rule (stream separation, Loki sense checks,
     forbidden labels, ...).

A run fails when o11ylint exits with anything but 0 or 1, or reports an internal error
(OL004, a caught panic). Prints the numbers. Python 3 standard library only.
Skips (exit 0) when the corpus is missing.
"""

import argparse
import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, ".."))


def lint(binary, root):
    """Lint `root` as a repository; return (exit code, diagnostics)."""
    p = subprocess.run(
        [binary, "check", "--format", "json", "--fail-on", "never", "."],
        cwd=root,
        capture_output=True,
        text=True,
    )
    diags = []
    if p.stdout.strip():
        try:
            diags = json.loads(p.stdout).get("diagnostics", [])
        except ValueError:
            print(f"not JSON from o11ylint in {root}:\n{p.stdout[:500]}", file=sys.stderr)
    if p.returncode not in (0, 1):
        print(p.stderr[-2000:], file=sys.stderr)
    return p.returncode, diags


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=os.path.join(REPO, "..", "shared", "corpus"))
    ap.add_argument("--o11ylint", default=os.path.join(REPO, "target", "release", "o11ylint"))
    ap.add_argument("--chunk", type=int, default=250, help="expressions per generated file")
    args = ap.parse_args()
    rules_dir = os.path.join(args.corpus, "loki-rules")
    if not os.path.isdir(rules_dir):
        print(f"SKIP loki-corpus-check: {rules_dir} not found")
        return 0
    binary = os.path.abspath(args.o11ylint)
    failures = []
    tmp = tempfile.mkdtemp(prefix="o11ylint-loki-corpus-")
    try:
        # 1. the corpus rule files
        files_root = os.path.join(tmp, "files")
        os.makedirs(os.path.join(files_root, "loki"))
        names = sorted(n for n in os.listdir(rules_dir) if n.endswith((".yaml", ".yml")))
        for n in names:
            shutil.copy(os.path.join(rules_dir, n), os.path.join(files_root, "loki", n))
        rc, diags = lint(binary, files_root)
        internal = [d for d in diags if d["code"] == "OL004"]
        by_rule = collections.Counter(d["name"] for d in diags)
        print(f"loki rule files: {len(names)} linted, exit {rc}, "
              f"{len(diags)} findings, {len(internal)} internal errors")
        for name, count in sorted(by_rule.items()):
            print(f"  {name}: {count}")
        if rc not in (0, 1) or internal:
            failures.append("corpus rule files")

        # 2. every collected expression, with mutations
        collect = subprocess.run(
            [sys.executable, os.path.join(REPO, "tools", "logql-diff", "collect.py"),
             "--shared", os.path.dirname(os.path.abspath(args.corpus))],
            capture_output=True, text=True, check=True,
        )
        exprs = [json.loads(line) for line in collect.stdout.splitlines() if line.strip()]
        parsed = subprocess.run(
            [binary, "debug", "logql"], input=collect.stdout,
            capture_output=True, text=True,
        )
        verdicts = [json.loads(line) for line in parsed.stdout.splitlines() if line.strip()]
        valid = sum(1 for v in verdicts if v["valid"])
        print(f"LogQL expressions: {len(exprs)} parsed, exit {parsed.returncode}, "
              f"{valid} valid, {len(verdicts) - valid} invalid")
        if parsed.returncode != 0 or len(verdicts) != len(exprs):
            failures.append("debug logql")

        exprs_root = os.path.join(tmp, "exprs")
        os.makedirs(os.path.join(exprs_root, "loki"))
        for i in range(0, len(exprs), args.chunk):
            lines = ["groups:", "  - name: corpus", "    rules:"]
            for j, e in enumerate(exprs[i:i + args.chunk]):
                expr = json.dumps(e["expr"], ensure_ascii=False)
                lines += [
                    f"      - alert: CorpusAlert{i + j}",
                    f"        expr: {expr}",
                    "        labels:",
                    "          severity: warning",
                    f"      - record: corpus:record:{i + j}",
                    f"        expr: {expr}",
                ]
            path = os.path.join(exprs_root, "loki", f"exprs-{i // args.chunk:03}.yaml")
            with open(path, "w", encoding="utf-8") as f:
                f.write("\n".join(lines) + "\n")
        rc, diags = lint(binary, exprs_root)
        internal = [d for d in diags if d["code"] == "OL004"]
        by_rule = collections.Counter(d["name"] for d in diags)
        print(f"LogQL expressions as Loki rules: {2 * len(exprs)} rules linted, exit {rc}, "
              f"{len(diags)} findings, {len(internal)} internal errors")
        for name, count in sorted(by_rule.items()):
            print(f"  {name}: {count}")
        if rc not in (0, 1) or internal:
            failures.append("expressions as Loki rules")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if failures:
        print("FAIL: " + ", ".join(failures))
        return 1
    print("OK: no panic, no internal error")
    return 0


if __name__ == "__main__":
    sys.exit(main())
