#!/usr/bin/env python3
"""Issue 16 precision run: lint ../shared/corpus and ../shared/corpus-wild (by
path, nothing copied), count the findings of the query-semantics rules and of
the upgraded rules per category, and print a fixed-seed random sample of each
category (up to 20) with the lines needed to judge it by hand.

Usage: scripts/semantics-precision.py [BIN] > /tmp/sample.txt
Skips cleanly (exit 0) when the corpus folders are absent.
"""
import json
import os
import random
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BIN = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target/release/o11ylint")
CORPORA = [os.path.normpath(os.path.join(ROOT, "..", "..", "shared", c)) for c in ("corpus", "corpus-wild")]
CORPORA = [c for c in CORPORA if os.path.isdir(c)] or [
    os.path.normpath(os.path.join(ROOT, "..", "shared", c)) for c in ("corpus", "corpus-wild")
]
SEED = 16
PER_RULE = 20

# (category, code, message regex[, where]): the new findings of issue 16.
# `where` is "rules" (rule files, the default) or "dashboards" (Grafana JSON:
# the label and kind rules judge panel targets too). Dashboard categories come
# last so the fixed-seed samples of the earlier ones do not change.
CATEGORIES = [
    ("OL900 template-label-missing", "OL900", r""),
    ("OL901 alert-label-value", "OL901", r""),
    ("OL902 rate-over-non-counter", "OL902", r""),
    ("OL903 counter-raw", "OL903", r""),
    ("OL904 histogram-quantile-buckets", "OL904", r""),
    ("OL905 vector-matching-missing-label", "OL905", r""),
    ("OL906 query-too-complex", "OL906", r""),
    ("OL200 forbidden-label (outputs)", "OL200", r"without a field list|reaches this|carries the value"),
    ("OL700 duplicate-rule (in a file)", "OL700", r"earlier rule in this file"),
    ("OL700 duplicate-rule (files of a folder)", "OL700", r"in the same folder"),
    ("OL800 unknown-metric (rule files)", "OL800", r"no recording rule in the repository"),
    ("OL902 rate-over-non-counter (dashboards)", "OL902", r"", "dashboards"),
    ("OL903 counter-raw (dashboards)", "OL903", r"", "dashboards"),
    ("OL904 histogram-quantile-buckets (dashboards)", "OL904", r"", "dashboards"),
    ("OL905 vector-matching-missing-label (dashboards)", "OL905", r"", "dashboards"),
    ("OL906 query-too-complex (dashboards)", "OL906", r"", "dashboards"),
    ("OL200 forbidden-label (outputs, dashboards)", "OL200", r"without a field list|reaches this|carries the value", "dashboards"),
    ("OL800 unknown-metric (dashboards)", "OL800", r"no recording rule in the repository", "dashboards"),
]


def place(d):
    return "dashboards" if (d.get("file") or "").endswith(".json") else "rules"


def run(corpus):
    out = subprocess.run(
        [BIN, "check", ".", "--format", "json", "--fail-on", "never"],
        cwd=corpus, capture_output=True, text=True, check=False,
    )
    doc = json.loads(out.stdout)
    return doc["diagnostics"] if isinstance(doc, dict) else doc


def where(d):
    return d.get("file"), ((d.get("range") or {}).get("start") or {}).get("line")


def main():
    if not CORPORA or not all(os.path.isdir(c) for c in CORPORA):
        print("SKIP: corpus folders not found")
        return
    found = {c[0]: [] for c in CATEGORIES}
    internal = 0
    for corpus in CORPORA:
        for d in run(corpus):
            if d.get("code") == "OL004":
                internal += 1
            for name, code, pat, *kind in CATEGORIES:
                if (kind or ["rules"])[0] != place(d):
                    continue
                if d.get("code") == code and re.search(pat, d.get("message", "")):
                    found[name].append((corpus, d))
    print(f"internal errors (OL004): {internal}")
    print()
    print("| category | findings |")
    print("|---|---:|")
    for name, *_ in CATEGORIES:
        print(f"| {name} | {len(found[name])} |")
    rng = random.Random(SEED)
    for name, *_ in CATEGORIES:
        items = found[name]
        sample = rng.sample(items, min(PER_RULE, len(items)))
        print(f"\n## {name}: sample of {len(sample)} (seed {SEED})\n")
        for i, (corpus, d) in enumerate(sample, 1):
            f, line = where(d)
            print(f"{i}. {os.path.basename(corpus)}/{f}:{line}: {d.get('message')}")
            try:
                with open(os.path.join(corpus, f), encoding="utf-8", errors="replace") as fh:
                    lines = fh.read().split("\n")
                lo = max(0, (line or 1) - 12)
                for n in range(lo, min(len(lines), (line or 1) + 3)):
                    print(f"     {n + 1:5} | {lines[n][:200]}")
            except OSError:
                pass


if __name__ == "__main__":
    main()
