#!/usr/bin/env bash
# Unit-test the generated OpenBao Prometheus alerts with `promtool test rules`, for both
# source prefixes.
#
#   1. Coverage: every alert in generated/prometheus/alerts-*.yaml must have a test case
#      where it fires and one, at an eval_time past its `for`, where it stays silent; every
#      alertname a test names must exist (a misspelt name would pass silently); the
#      openbao-prefix directory must define the same alerts.
#   2. tests/promtool/*.test.yaml as written (vault_ source series, source_prefix "vault",
#      rules from generated/prometheus/).
#   3. The same files rewritten for the openbao_ prefix into a temporary directory: source
#      series names at the start of `series:` values, `source_prefix: vault` labels and
#      rule_files (to generated/prometheus/openbao-prefix/) are rewritten, nothing else.
#
# Needs promtool (Debian package `prometheus`) and python3 with PyYAML
# (requirements-dev.txt). PROMTOOL=/path/to/promtool overrides the binary.
# Exit status: 0 when every check passed, 1 on a test or coverage failure, 2 on a setup
# error.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

promtool="${PROMTOOL:-promtool}"
if ! command -v "$promtool" >/dev/null 2>&1; then
  echo "promtool-test: promtool not found (Debian package 'prometheus', or set PROMTOOL)" >&2
  exit 2
fi
if ! python3 -c 'import yaml' >/dev/null 2>&1; then
  echo "promtool-test: python3 with PyYAML is required (pip install -r requirements-dev.txt)" >&2
  exit 2
fi

shopt -s nullglob
tests=(tests/promtool/*.test.yaml)
alert_files=(generated/prometheus/alerts-*.yaml)
shopt -u nullglob
if [ "${#tests[@]}" -eq 0 ]; then
  echo "promtool-test: no tests/promtool/*.test.yaml found" >&2
  exit 2
fi
if [ "${#alert_files[@]}" -eq 0 ]; then
  echo "promtool-test: no generated/prometheus/alerts-*.yaml found (run o11ylint generate)" >&2
  exit 2
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# --- 1. coverage -------------------------------------------------------------------------
coverage_rc=0
python3 - "${alert_files[@]}" -- "${tests[@]}" >"$tmp/coverage.txt" <<'PY' || coverage_rc=$?
import os
import re
import sys

import yaml

args = sys.argv[1:]
sep = args.index("--")
alert_files, test_files = args[:sep], args[sep + 1:]

UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
DURATION = re.compile(r"(\d+)(ms|s|m|h|d|w|y)")


def seconds(text):
    """Prometheus duration (e.g. 3h20m) in seconds; None if it is not one."""
    text = str(text).strip()
    if text == "0":
        return 0.0
    parts = DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        return None
    return sum(int(n) * UNITS[u] for n, u in parts)


def load(path):
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


def alerts_in(path):
    found = {}
    for group in load(path).get("groups") or []:
        for rule in group.get("rules") or []:
            if "alert" in rule:
                found[rule["alert"]] = seconds(rule.get("for", "0")) or 0.0
    return found


problems = []
alerts = {}   # name -> (file, for in seconds)
for path in alert_files:
    for name, hold in alerts_in(path).items():
        alerts[name] = (os.path.basename(path), hold)
    twin = os.path.join(os.path.dirname(path), "openbao-prefix", os.path.basename(path))
    if not os.path.exists(twin):
        problems.append(f"{twin} is missing (run o11ylint generate)")
    elif set(alerts_in(twin)) != set(alerts_in(path)):
        problems.append(f"{twin} does not define the same alerts as {path}")

firing = {name: [] for name in alerts}
silent = {name: [] for name in alerts}
for path in test_files:
    doc = load(path)
    for index, group in enumerate(doc.get("tests") or []):
        where = f"{path} test #{index + 1} ({group.get('name', 'unnamed')})"
        for case in group.get("alert_rule_test") or []:
            name = case.get("alertname")
            at = seconds(case.get("eval_time", ""))
            if name not in alerts:
                problems.append(f"{where}: alertname {name!r} is not a generated alert")
                continue
            if at is None:
                problems.append(f"{where}: {name}: bad eval_time {case.get('eval_time')!r}")
                continue
            if case.get("exp_alerts"):
                firing[name].append(where)
            elif at >= alerts[name][1]:
                silent[name].append(where)

for name, (source, _) in sorted(alerts.items()):
    if not firing[name]:
        problems.append(f"{name} ({source}): no test case where it fires")
    if not silent[name]:
        problems.append(f"{name} ({source}): no test case past its `for` where it stays silent")

per_file = {}
for name, (source, _) in alerts.items():
    per_file[source] = per_file.get(source, 0) + 1
print(len(alerts), ", ".join(f"{f}: {n}" for f, n in sorted(per_file.items())))
for problem in problems:
    print("COVERAGE: " + problem, file=sys.stderr)
sys.exit(1 if problems else 0)
PY
if [ "$coverage_rc" -ne 0 ]; then
  echo "promtool-test: coverage check FAILED" >&2
fi
coverage="$(head -n1 "$tmp/coverage.txt" 2>/dev/null || true)"
alert_count="${coverage%% *}"
alert_split="${coverage#* }"

# --- 2. vault prefix, as written ----------------------------------------------------------
failed=()
run() { # prefix file
  echo "== [$1] promtool test rules $2"
  if ! "$promtool" test rules "$2"; then
    failed+=("$1: $2")
  fi
}

for t in "${tests[@]}"; do
  run vault "$t"
done

# --- 3. openbao prefix, rewritten copies --------------------------------------------------
mkdir -p "$tmp/openbao"
if ! python3 - "$root" "$tmp/openbao" "${tests[@]}" <<'PY'; then
"""Rewrite vault-prefix test files for the openbao prefix (stdlib only, line based)."""
import os
import re
import sys

root, out_dir, files = sys.argv[1], sys.argv[2], sys.argv[3:]
generated = os.path.join(root, "generated", "prometheus")

SERIES = re.compile(r"""^(\s*(?:-\s+)?series:\s*['"]?)vault_""")
PREFIX_BLOCK = re.compile(r"^(\s*(?:-\s+)?source_prefix:\s*)(['\"]?)vault\2(\s*(?:#.*)?)$")
PREFIX_FLOW = re.compile(r"""([{,]\s*source_prefix:\s*)(['"]?)vault\2(\s*[,}])""")
RULE_FILES = re.compile(r"^rule_files:\s*(?:#.*)?$")
RULE_ITEM = re.compile(r"""^(\s*-\s+)(['"]?)(\S+?)\2(\s*(?:#.*)?)$""")


def rule_file(path, source):
    name = os.path.basename(path)
    if os.path.basename(os.path.dirname(path)) != "prometheus":
        sys.exit(f"{source}: rule file {path} is not under generated/prometheus/")
    target = os.path.join(generated, "openbao-prefix", name)
    if not os.path.exists(target):
        sys.exit(f"{source}: {target} does not exist (run o11ylint generate)")
    return target


for source in files:
    with open(source, encoding="utf-8") as handle:
        lines = handle.read().split("\n")
    out, counts, in_rule_files = [], {"series": 0, "prefix": 0, "rule_files": 0}, False
    for line in lines:
        if RULE_FILES.match(line):
            in_rule_files = True
            out.append(line)
            continue
        if in_rule_files:
            item = RULE_ITEM.match(line)
            if item:
                target = rule_file(item.group(3), source)
                out.append(f"{item.group(1)}'{target}'{item.group(4)}")
                counts["rule_files"] += 1
                continue
            if line.strip() and not line.lstrip().startswith("#"):
                in_rule_files = False
        if line.lstrip().startswith("rule_files:"):
            sys.exit(f"{source}: write rule_files as a block list, one file per line")
        new, n = SERIES.subn(r"\1openbao_", line)
        counts["series"] += n
        new, n = PREFIX_BLOCK.subn(r"\1\2openbao\2\3", new)
        counts["prefix"] += n
        new, n = PREFIX_FLOW.subn(r"\1\2openbao\2\3", new)
        counts["prefix"] += n
        out.append(new)
    text = "\n".join(out)
    left = [l for l in out if re.search(r"source_prefix:\s*['\"]?vault\b", l)
            or re.match(r"""^\s*(?:-\s+)?series:\s*['"]?vault_""", l)]
    if left:
        sys.exit(f"{source}: could not rewrite: {left[0].strip()}")
    if counts["rule_files"] == 0:
        sys.exit(f"{source}: no rule_files entries found to rewrite")
    target = os.path.join(out_dir, os.path.basename(source))
    with open(target, "w", encoding="utf-8") as handle:
        handle.write(text)
    print(f"rewrote {source}: {counts['series']} series, {counts['prefix']} "
          f"source_prefix labels, {counts['rule_files']} rule files")
PY
  echo "promtool-test: rewriting the tests for the openbao prefix FAILED" >&2
  failed+=("openbao: rewrite")
else
  for t in "${tests[@]}"; do
    run openbao "$tmp/openbao/$(basename "$t")"
  done
fi

# --- summary ------------------------------------------------------------------------------
echo
if [ "$coverage_rc" -ne 0 ] || [ "${#failed[@]}" -ne 0 ]; then
  echo "promtool-test: FAILED"
  [ "$coverage_rc" -ne 0 ] && echo "  coverage: see COVERAGE lines above"
  for f in "${failed[@]}"; do
    echo "  failed: $f"
  done
  exit 1
fi
echo "promtool-test: OK: ${alert_count} Prometheus alerts covered (${alert_split}),"
echo "  each with a firing case and a silent case past its 'for';"
echo "  ${#tests[@]} test files passed for both source prefixes (vault_, openbao_)."
