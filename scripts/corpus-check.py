#!/usr/bin/env python3
"""Lint every corpus rule file and compare PromQL verdicts with promtool.

Needs ../shared/corpus (third-party rule files; not part of this repository)
and promtool (Debian package `prometheus`). Skips cleanly when the corpus
folder is absent.

For each file of corpus/prometheus-rules and corpus/prometheusrule-crds:
  * o11ylint must not panic, hang or report an internal error (OL004);
  * o11ylint's verdict "this file has invalid PromQL" (any OL101) is compared
    with promtool's ("could not parse expression"), running promtool on the
    groups o11ylint extracts (`o11ylint debug extract-rules`), so manifests and
    files with Thanos/Mimir group fields are compared too.

Every disagreement must be listed, with its reason, in
scripts/corpus-known-disagreements.tsv (and so in docs/promtool-agreement.md);
an unlisted one fails the check. Exit 0 on success, 1 on failure.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default=os.path.join(ROOT, "..", "shared", "corpus"))
    ap.add_argument("--o11ylint", default=os.path.join(ROOT, "target", "release", "o11ylint"))
    ap.add_argument("--promtool", default=shutil.which("promtool") or "promtool")
    ap.add_argument("--known", default=os.path.join(HERE, "corpus-known-disagreements.tsv"))
    ap.add_argument("--report", default=os.path.join(ROOT, "docs", "promtool-agreement.md"))
    args = ap.parse_args()

    corpus = os.path.abspath(args.corpus)
    if not os.path.isdir(corpus):
        print(f"SKIP corpus-check: corpus folder {corpus} not found (it lives in ../shared/corpus beside the repository)")
        return 0
    if not shutil.which(args.promtool) and not os.path.exists(args.promtool):
        print("SKIP corpus-check: promtool not found (apt-get install prometheus)")
        return 0

    files = []
    for sub in ("prometheus-rules", "prometheusrule-crds"):
        d = os.path.join(corpus, sub)
        if os.path.isdir(d):
            files += sorted(os.path.join(d, f) for f in os.listdir(d))
    rel = {f: os.path.relpath(f, corpus) for f in files}

    # 1. one o11ylint run over every file
    t0 = time.time()
    proc = subprocess.run(
        [args.o11ylint, "check", "--format", "json", "--no-ignore", "--root", corpus, "--fail-on", "never"] + files,
        capture_output=True, text=True, timeout=300)
    elapsed = time.time() - t0
    failures = []
    if proc.returncode not in (0, 1):
        failures.append(f"o11ylint exited {proc.returncode}: {proc.stderr[-2000:]}")
    if "panicked" in proc.stderr:
        failures.append("o11ylint panicked:\n" + proc.stderr[-2000:])
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        print("o11ylint did not print JSON:", proc.stdout[:2000], proc.stderr[:2000])
        return 1
    by_file = {}
    for d in report["diagnostics"]:
        by_file.setdefault(d["file"], []).append(d)

    internal = [d for d in report["diagnostics"] if d["code"] == "OL004"]
    for d in internal:
        failures.append(f"internal error: {d['file']}: {d['message']}")

    parsed = 0
    ours = {}
    for f in files:
        diags = by_file.get(rel[f], [])
        if not any(d["code"] in ("OL100", "OL003") for d in diags):
            parsed += 1
        ours[f] = [d for d in diags if d["code"] == "OL101"]

    # 2. promtool on the same groups
    theirs = {}
    with tempfile.TemporaryDirectory() as tmp:
        for i, f in enumerate(files):
            ex = subprocess.run([args.o11ylint, "debug", "extract-rules", f], capture_output=True, text=True, timeout=60)
            path = os.path.join(tmp, f"{i}.json")
            with open(path, "w") as fh:
                fh.write(ex.stdout if ex.returncode == 0 else '{"groups": []}')
            pt = subprocess.run([args.promtool, "check", "rules", path], capture_output=True, text=True, timeout=60)
            out = pt.stdout + pt.stderr
            theirs[f] = [line.strip() for line in out.splitlines() if "could not parse expression" in line]

    known = {}
    if os.path.exists(args.known):
        with open(args.known) as fh:
            for line in fh:
                if line.strip() and not line.startswith("#"):
                    name, _, reason = line.rstrip("\n").partition("\t")
                    known[name] = reason

    agree = 0
    disagreements = []
    for f in files:
        a, b = bool(ours[f]), bool(theirs[f])
        if a == b:
            agree += 1
        else:
            disagreements.append(f)

    print(f"corpus-check: {len(files)} files linted in {elapsed:.2f}s, {parsed} parsed as YAML, "
          f"{len(internal)} internal errors, exit {proc.returncode}")
    print(f"PromQL verdict agreement with promtool: {agree}/{len(files)} files "
          f"({100.0 * agree / max(1, len(files)):.1f}%)")
    for f in disagreements:
        name = rel[f]
        ours_s = "; ".join(f"{d['range']['start']['line']}:{d['range']['start']['column']} {d['message']}" for d in ours[f]) or "valid"
        theirs_s = " | ".join(theirs[f]) or "valid"
        status = "documented" if name in known else "UNDOCUMENTED"
        print(f"  {status}: {name}\n    o11ylint: {ours_s}\n    promtool: {theirs_s}")
        if name in known:
            print(f"    reason: {known[name]}")
        else:
            failures.append(f"undocumented disagreement: {name}")
    stale = sorted(set(known) - {rel[f] for f in disagreements})
    for s in stale:
        print(f"  note: {s} is listed as a disagreement but now agrees; remove it from {os.path.relpath(args.known, ROOT)}")

    write_report(args.report, files, rel, parsed, internal, elapsed, agree, disagreements, ours, theirs, known, args.promtool, args.o11ylint)

    if failures:
        print("\nFAILED:")
        for x in failures:
            print("  " + x)
        return 1
    print("corpus-check: OK")
    return 0


def write_report(path, files, rel, parsed, internal, elapsed, agree, disagreements, ours, theirs, known, promtool, o11ylint):
    def version(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=30).stdout.strip().splitlines()[0]
        except Exception:
            return "?"
    n = len(files)
    invalid_both = sum(1 for f in files if ours[f] and theirs[f])
    lines = [
        "# Agreement with promtool",
        "",
        "`make corpus-check` (scripts/corpus-check.py) lints every rule file and PrometheusRule",
        "manifest of `../shared/corpus` (third-party files, not in this repository) and compares",
        "o11ylint's verdict \"this file has invalid PromQL\" (any `promql-syntax` finding) with",
        "promtool's (\"could not parse expression\"). promtool runs on the rule groups o11ylint",
        "extracts (`o11ylint debug extract-rules`), so manifests and files with Thanos or Mimir group",
        "fields, which promtool refuses before parsing any PromQL, are compared too.",
        "",
        "## Last run",
        "",
        f"- Files: {n} ({sum(1 for f in files if 'prometheus-rules' in rel[f])} rule files,"
        f" {sum(1 for f in files if 'prometheusrule-crds' in rel[f])} PrometheusRule manifests); "
        f"{parsed} load as YAML; o11ylint took {elapsed:.2f} s for all of them.",
        f"- Internal errors (panics caught as OL004): {len(internal)}.",
        f"- PromQL verdicts agree on **{agree} of {n}** files ({100.0 * agree / max(1, n):.1f}%);"
        f" both find invalid PromQL in {invalid_both}.",
        f"- Versions: {version([o11ylint, '--version'])}; {version([promtool, '--version'])}.",
        "",
        "## Disagreements",
        "",
    ]
    if not disagreements:
        lines.append("None.")
    else:
        lines += ["| file | o11ylint | promtool | reason |", "|---|---|---|---|"]
        for f in disagreements:
            o = "invalid" if ours[f] else "valid"
            t = "invalid" if theirs[f] else "valid"
            reason = known.get(rel[f], "not yet explained").replace("|", "\\|")
            lines.append(f"| `{rel[f]}` | {o} | {t} | {reason} |")
    lines += ["", "Reasons are kept in `scripts/corpus-known-disagreements.tsv`; an unexplained",
              "disagreement fails `make corpus-check`.", ""]
    with open(path, "w") as fh:
        fh.write("\n".join(lines))
    print(f"wrote {os.path.relpath(path, ROOT)}")


if __name__ == "__main__":
    sys.exit(main())
