#!/usr/bin/env python3
"""Census of the generic policy on ../shared/corpus-wild: every finding with no policy file.

Runs `o11ylint check` on the corpus (its own root, so no o11ylint.yaml applies and the
built-in generic profile is used) and reports:
- internal errors (OL004) and files o11ylint skipped;
- for every Prometheus rule file and PrometheusRule spec that `promtool check rules`
  loads, whether o11ylint linted it (a file promtool loads must never be skipped);
- findings per rule, and each finding (rule, file, line, message) for classification
  in docs/precision.md ("generic policy on corpus-wild").

Skips cleanly (exit 0) when the corpus or promtool is absent. Exit 1 when an internal
error occurs or a file promtool loads was skipped.
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


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=os.path.join(REPO, "..", "shared", "corpus-wild"))
    ap.add_argument("--o11ylint", default=os.path.join(REPO, "target", "release", "o11ylint"))
    ap.add_argument("--promtool", default=shutil.which("promtool") or "promtool")
    ap.add_argument("--list", action="store_true", help="print every finding")
    args = ap.parse_args()
    corpus = os.path.abspath(args.corpus)
    if not os.path.isdir(corpus):
        print(f"SKIP census-wild: {corpus} not found")
        return 0
    if os.path.exists(os.path.join(corpus, "o11ylint.yaml")):
        print("census-wild: the corpus has an o11ylint.yaml; the census needs none", file=sys.stderr)
        return 1
    p = subprocess.run(
        [args.o11ylint, "check", "--root", corpus, "--no-ignore", "--format", "json",
         "--fail-on", "never", "-v", corpus],
        capture_output=True, text=True,
    )
    if p.returncode != 0:
        print(p.stderr[-2000:], file=sys.stderr)
        return 1
    report = json.loads(p.stdout)
    diags = [d for d in report["diagnostics"] if not d.get("suppressed")]
    skipped = {}
    for line in p.stderr.splitlines():
        if line.startswith("skipped "):
            rel, _, why = line[len("skipped "):].partition(": ")
            skipped[rel] = why
    internal = [d for d in diags if d["code"] == "OL004"]

    # files promtool loads must be linted
    problems = []
    promtool = shutil.which(args.promtool)
    loaded = 0
    if promtool:
        for sub in ("prometheus-rules", "prometheusrule-crds"):
            d = os.path.join(corpus, sub)
            if not os.path.isdir(d):
                continue
            for name in sorted(os.listdir(d)):
                rel = f"{sub}/{name}"
                path = os.path.join(d, name)
                target = path
                tmp = None
                if sub == "prometheusrule-crds":
                    tmp = spec_groups(path)
                    if tmp is None:
                        continue
                    target = tmp
                r = subprocess.run([promtool, "check", "rules", target], capture_output=True, text=True)
                if tmp:
                    os.unlink(tmp)
                if r.returncode == 0:
                    loaded += 1
                    if rel in skipped:
                        problems.append(f"{rel}: promtool loads it, o11ylint skipped it ({skipped[rel]})")
    else:
        print("census-wild: promtool not found; the load check is skipped")

    s = report["summary"]
    print(f"census-wild: {s['files_checked']} files linted, {s['files_skipped']} skipped, "
          f"{len(diags)} findings, {len(internal)} internal errors, "
          f"{loaded} rule files promtool loads, {len(problems)} of them skipped")
    for why, n in collections.Counter(skipped.values()).most_common():
        print(f"  skipped {n:4d}  {why}")
    print("findings by rule:")
    for t in s.get("by_rule", []):
        print(f"  {t['count']:5d}  {t['code']} {t['name']}")
    if args.list:
        for d in sorted(diags, key=lambda d: (d["name"], d["file"], d["range"]["start"]["line"])):
            print(f"{d['name']}\t{d['file']}:{d['range']['start']['line']}\t{d['message']}")
    for pr in problems:
        print("PROBLEM " + pr)
    for d in internal:
        print(f"INTERNAL {d['file']}: {d['message']}")
    return 1 if problems or internal else 0


def spec_groups(path):
    """The `spec` of a PrometheusRule manifest as a rule file promtool can check."""
    try:
        import yaml
    except ImportError:
        return None
    try:
        docs = [d for d in yaml.safe_load_all(open(path, encoding="utf-8")) if isinstance(d, dict)]
    except Exception:
        return None
    groups = []
    for d in docs:
        if d.get("kind") == "PrometheusRule":
            groups.extend((d.get("spec") or {}).get("groups") or [])
    if not groups:
        return None
    fd, tmp = tempfile.mkstemp(suffix=".yaml")
    with os.fdopen(fd, "w") as f:
        yaml.safe_dump({"groups": groups}, f)
    return tmp


if __name__ == "__main__":
    sys.exit(main())
