#!/usr/bin/env python3
"""Check the repository's Markdown (make docs-verify).

Every Markdown file (outside target/, node_modules/, tests/fixtures/):
  * exactly one H1;
  * headings do not skip levels (## then #### is an error);
  * every fenced code block names its language;
  * relative links resolve to a file or directory inside the repository
    (anchors and external URLs are not followed).
Runbooks (docs/runbooks/*.md, except README.md):
  * each is linked from docs/README.md;
  * each is the `runbook:` of exactly one alert contract entry.

Prints `path:line: message` per problem and exits 1 if any.
"""

import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SKIP_DIRS = {"target", "node_modules", ".git", "fixtures", ".generated.new", "fuzz"}

HEADING = re.compile(r"^(#{1,6})\s+\S")
FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})(.*)$")
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)|!\[[^\]]*\]\(([^)\s]+)\)")
REF_DEF = re.compile(r"^\s*\[[^\]]+\]:\s*(\S+)")


def markdown_files():
    for dirpath, dirnames, filenames in os.walk(ROOT):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.startswith("."))
        for f in sorted(filenames):
            if f.endswith(".md"):
                yield os.path.join(dirpath, f)


def check_file(path, problems):
    rel = os.path.relpath(path, ROOT)
    with open(path, encoding="utf-8") as fh:
        lines = fh.read().split("\n")
    h1 = 0
    last_level = 0
    in_fence = None
    for n, line in enumerate(lines, 1):
        m = FENCE.match(line)
        if m:
            marker = m.group(2)
            if in_fence is None:
                in_fence = marker[0] * 3
                if not m.group(3).strip():
                    problems.append(f"{rel}:{n}: fenced code block does not name its language")
            elif marker.startswith(in_fence) and not m.group(3).strip():
                in_fence = None
            continue
        if in_fence:
            continue
        h = HEADING.match(line)
        if h:
            level = len(h.group(1))
            if level == 1:
                h1 += 1
            if last_level and level > last_level + 1:
                problems.append(f"{rel}:{n}: heading level {level} follows level {last_level} (skipped a level)")
            last_level = level
        targets = [a or b for a, b in LINK.findall(line)]
        r = REF_DEF.match(line)
        if r:
            targets.append(r.group(1))
        for t in targets:
            if re.match(r"^[a-z][a-z0-9+.-]*:", t) or t.startswith("#"):
                continue
            target = t.split("#")[0]
            if not target:
                continue
            resolved = os.path.normpath(os.path.join(os.path.dirname(path), target))
            if not resolved.startswith(ROOT + os.sep) and resolved != ROOT:
                problems.append(f"{rel}:{n}: link `{t}` leaves the repository")
            elif not os.path.exists(resolved):
                problems.append(f"{rel}:{n}: link `{t}` does not resolve")
    if in_fence:
        problems.append(f"{rel}: unclosed fenced code block")
    if h1 != 1:
        problems.append(f"{rel}:1: {h1} H1 headings (exactly one expected)")


def check_runbooks(problems):
    rb_dir = os.path.join(ROOT, "docs", "runbooks")
    if not os.path.isdir(rb_dir):
        return
    runbooks = sorted(f"docs/runbooks/{f}" for f in os.listdir(rb_dir) if f.endswith(".md") and f != "README.md")
    index_path = os.path.join(ROOT, "docs", "README.md")
    index = open(index_path, encoding="utf-8").read() if os.path.exists(index_path) else ""
    linked_from_index = set()
    for a, b in LINK.findall(index):
        t = (a or b).split("#")[0]
        linked_from_index.add(os.path.normpath(os.path.join("docs", t)))
    alert_links = {}
    alerts_dir = os.path.join(ROOT, "contracts", "alerts")
    if os.path.isdir(alerts_dir):
        for f in sorted(os.listdir(alerts_dir)):
            text = open(os.path.join(alerts_dir, f), encoding="utf-8").read()
            for m in re.finditer(r"^\s*runbook:\s*(\S+)\s*$", text, re.M):
                alert_links.setdefault(m.group(1).strip("'\""), []).append(f)
    for rb in runbooks:
        if rb not in linked_from_index:
            problems.append(f"docs/README.md: runbook {rb} is not linked from the docs index")
        n = len(alert_links.get(rb, []))
        if n != 1:
            problems.append(f"{rb}:1: linked by {n} alert contract entries (exactly one expected)")


def main():
    problems = []
    count = 0
    for path in markdown_files():
        count += 1
        check_file(path, problems)
    check_runbooks(problems)
    for p in problems:
        print(p)
    print(f"docs-verify: {count} Markdown files, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
