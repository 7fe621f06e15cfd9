#!/usr/bin/env bash
# make bench: o11ylint against promtool on the shared corpus, pre-commit latency,
# scaling with input size and threads, peak memory. Writes docs/performance.md.
#
# Needs ../shared/corpus (third-party rule files, not in this repository),
# hyperfine and promtool (Debian packages hyperfine, prometheus) and GNU time
# (/usr/bin/time). Skips cleanly when the corpus folder is absent.
set -euo pipefail
cd "$(dirname "$0")/.."

CORPUS="${CORPUS:-../shared/corpus}"
BIN="${BIN:-target/release/o11ylint}"
OUT="${BENCH_OUT:-docs/performance.md}"
RUNS="${BENCH_RUNS:-10}"

if [ ! -d "$CORPUS/prometheus-rules" ]; then
  echo "SKIP bench: corpus folder $CORPUS not found (make bench needs ../shared/corpus)"
  exit 0
fi
for tool in hyperfine promtool /usr/bin/time python3; do
  command -v "$tool" >/dev/null 2>&1 || { echo "bench: $tool is missing (apt-get install hyperfine prometheus time)"; exit 1; }
done
[ -x "$BIN" ] || { echo "bench: $BIN missing; run cargo build --release"; exit 1; }

CORPUS="$(cd "$CORPUS" && pwd)"
BIN="$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

RULES=("$CORPUS"/prometheus-rules/*)
NFILES=${#RULES[@]}
BYTES=$(cat "${RULES[@]}" | wc -c)
# A typical file for the pre-commit case: the median-sized corpus rule file.
TYPICAL=$(ls -S "${RULES[@]}" | sed -n "$((NFILES / 2 + 1))p")

echo "== 1. all $NFILES corpus rule files: o11ylint (all rules) vs promtool check rules"
hyperfine --warmup 2 --runs "$RUNS" -i --export-json "$TMP/all.json" \
  -n o11ylint "$BIN check --no-ignore --root $CORPUS/prometheus-rules --format concise --fail-on never ${RULES[*]}" \
  -n promtool "promtool check rules ${RULES[*]}"

echo "== 2. one typical rule file, as a pre-commit hook runs it (process start included)"
hyperfine -N --warmup 10 --runs 200 -i --export-json "$TMP/one.json" \
  -n "o11ylint one file" "$BIN check --no-ignore --root $CORPUS/prometheus-rules --fail-on never $TYPICAL" \
  -n "promtool one file" "promtool check rules $TYPICAL"

echo "== 3. scaling: corpus replicated 1x, 4x, 16x"
for n in 1 4 16; do
  mkdir -p "$TMP/x$n"
  for i in $(seq 1 "$n"); do
    mkdir -p "$TMP/x$n/copy$i"
    cp "${RULES[@]}" "$TMP/x$n/copy$i/"
    cp "$CORPUS"/prometheusrule-crds/* "$TMP/x$n/copy$i/"
  done
done
hyperfine --warmup 1 --runs "$RUNS" -i --export-json "$TMP/scale.json" \
  -n 1x "$BIN check --no-ignore --root $TMP/x1 --format concise --fail-on never $TMP/x1" \
  -n 4x "$BIN check --no-ignore --root $TMP/x4 --format concise --fail-on never $TMP/x4" \
  -n 16x "$BIN check --no-ignore --root $TMP/x16 --format concise --fail-on never $TMP/x16"

echo "== 4. threads on the 16x tree"
hyperfine --warmup 1 --runs "$RUNS" -i --export-json "$TMP/threads.json" \
  -n "1 thread" "$BIN check --threads 1 --no-ignore --root $TMP/x16 --format concise --fail-on never $TMP/x16" \
  -n "2 threads" "$BIN check --threads 2 --no-ignore --root $TMP/x16 --format concise --fail-on never $TMP/x16"

echo "== 5. peak memory on the 16x tree"
/usr/bin/time -v "$BIN" check --no-ignore --root "$TMP/x16" --format concise --fail-on never "$TMP/x16" \
  >/dev/null 2>"$TMP/mem16.txt" || true
/usr/bin/time -v "$BIN" check --no-ignore --root "$TMP/x1" --format concise --fail-on never "$TMP/x1" \
  >/dev/null 2>"$TMP/mem1.txt" || true
/usr/bin/time -v promtool check rules "${RULES[@]}" >/dev/null 2>"$TMP/mempt.txt" || true

echo "== 6. language server memory over open/close cycles (hostile review case 88)"
python3 scripts/lsp-memory.py "$BIN" | tee "$TMP/lsp.txt" || true

X16_FILES=$(find "$TMP/x16" -type f | wc -l)
X16_BYTES=$(find "$TMP/x16" -type f -exec cat {} + | wc -c)

python3 - "$TMP" "$OUT" "$NFILES" "$BYTES" "$TYPICAL" "$X16_FILES" "$X16_BYTES" "$BIN" <<'PY'
import json, os, platform, re, subprocess, sys
tmp, out, nfiles, nbytes, typical, x16_files, x16_bytes, binary = sys.argv[1:]
def load(n):
    return {r["command"]: r for r in json.load(open(os.path.join(tmp, n)))["results"]}
def ms(r):
    return r["mean"] * 1000, r["stddev"] * 1000
def peak(n):
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(os.path.join(tmp, n)).read())
    return int(m.group(1)) / 1024 if m else float("nan")
def ver(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True).stdout.strip().splitlines()[0]
    except Exception:
        return "?"
allr, one, scale, threads = load("all.json"), load("one.json"), load("scale.json"), load("threads.json")
o, p = ms(allr["o11ylint"]), ms(allr["promtool"])
o1, p1 = ms(one["o11ylint one file"]), ms(one["promtool one file"])
s1, s4, s16 = ms(scale["1x"]), ms(scale["4x"]), ms(scale["16x"])
t1, t2 = ms(threads["1 thread"]), ms(threads["2 threads"])
cpu = "?"
for line in open("/proc/cpuinfo"):
    if line.startswith("model name"):
        cpu = line.split(":", 1)[1].strip()
        break
mem_total = "?"
for line in open("/proc/meminfo"):
    if line.startswith("MemTotal"):
        mem_total = f"{int(line.split()[1]) / 1024 / 1024:.0f} GiB"
m16, m1, mpt = peak("mem16.txt"), peak("mem1.txt"), peak("mempt.txt")
def verdict(ok):
    return "met" if ok else "**not met**"
lsp = re.search(r"first cycle (\d+) MB, last cycle (\d+) MB, edits (\d+) MB", open(os.path.join(tmp, "lsp.txt")).read())
l1, l4, le = (int(x) for x in lsp.groups()) if lsp else (float("nan"),) * 3
rows = [
    ("All corpus rule files: o11ylint vs promtool (wall)", f"{o[0]:.1f} ± {o[1]:.1f} ms vs {p[0]:.1f} ± {p[1]:.1f} ms: **{p[0] / o[0]:.1f}x** faster", "≥ 5x", verdict(p[0] / o[0] >= 5)),
    ("One typical file, process start included", f"{o1[0]:.2f} ± {o1[1]:.2f} ms (promtool: {p1[0]:.2f} ms)", "< 5 ms", verdict(o1[0] < 5)),
    ("Scaling 1x → 4x → 16x", f"{s1[0]:.0f} → {s4[0]:.0f} → {s16[0]:.0f} ms: 16x input in **{s16[0] / s1[0]:.1f}x** time", "≤ 17x", verdict(s16[0] / s1[0] <= 17)),
    ("1 vs 2 threads (16x tree)", f"{t1[0]:.0f} ms vs {t2[0]:.0f} ms: **{t1[0] / t2[0]:.2f}x** speed-up", "≥ 1.7x", verdict(t1[0] / t2[0] >= 1.7)),
    ("Language server: 4 cycles of 1,000 open 50 KB documents, closed (case 88)", f"resident after closing: cycle 1 {l1} MB, cycle 4 **{l4} MB**; after 5,000 edits {le} MB", "no growth (≤ 10%)", verdict(l4 <= l1 * 1.10)),
    ("Peak memory (16x tree)", f"**{m16:.0f} MB** (1x tree: {m1:.0f} MB; promtool on 1x: {mpt:.0f} MB)", "< 200 MB", verdict(m16 < 200)),
]
lines = [
    "# Performance",
    "",
    "Measured by `make bench` (scripts/bench.sh) with hyperfine, o11ylint and promtool in the same",
    "run on the same files. The corpus is `../shared/corpus` (third-party files, not in this",
    "repository). Regenerate this page with `make bench`; numbers below are from the last run.",
    "",
    "## Results",
    "",
    "| measurement | result | target | verdict |",
    "|---|---|---|---|",
] + [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows] + [
    "",
    "## Inputs",
    "",
    f"- All corpus rule files: {nfiles} files, {int(nbytes) / 1024 / 1024:.1f} MiB (`prometheus-rules/`).",
    f"- Typical file: `{os.path.basename(typical)}` ({os.path.getsize(typical) / 1024:.1f} KiB, the median size).",
    f"- Scaling trees: the rule files and PrometheusRule manifests copied 1, 4 and 16 times; the 16x tree"
    f" has {x16_files} files, {int(x16_bytes) / 1024 / 1024:.1f} MiB.",
    "- o11ylint runs with the default policy and every rule enabled, `--format concise`, output discarded;",
    "  it reports every finding of every rule (thousands on third-party files).",
    "",
    "## Machine and versions",
    "",
    f"- CPU: {cpu}; {os.cpu_count()} cores; memory {mem_total}; {platform.system()} {platform.release()}",
    f"- {ver([binary, '--version'])}",
    f"- {ver(['promtool', '--version'])}",
    f"- {ver(['hyperfine', '--version'])}",
    f"- {ver(['rustc', '--version'])}",
    "",
    "## Commands",
    "",
    "```shell",
    "make bench                      # everything below, then rewrites this page",
    "hyperfine -i 'o11ylint check --no-ignore --root DIR --format concise --fail-on never FILES' \\",
    "             'promtool check rules FILES'",
    "hyperfine -N 'o11ylint check --no-ignore --root DIR --fail-on never FILE'",
    "/usr/bin/time -v o11ylint check --no-ignore --root X16 --format concise --fail-on never X16",
    "python3 scripts/lsp-memory.py target/release/o11ylint   # language server memory (case 88)",
    "cargo bench --bench parsers     # micro-benchmarks of the parsers (benches/parsers.rs)",
    "```",
    "",
    "## Notes",
    "",
    "- Wall-clock numbers move with machine load; the verdicts above are from one run on an otherwise",
    "  idle machine. hyperfine's ± is the standard deviation over the runs.",
    "- Where the time goes (perf, 2026-11): PromQL parsing through promql-parser is about a third,",
    "  including the regex compilation it does for every `=~` matcher; YAML scanning about a quarter.",
    "  Two fixes came from profiling: `duplicate-rule` was quadratic in the group size (a third of",
    "  the run on large groups), and glibc's allocator spent about 30% growing thread arenas, hence",
    "  mimalloc as the global allocator.",
    "- Tried and not kept (2026-11): opting the process out of transparent huge pages (`prctl`)",
    "  lowered peak memory on the 16x tree from about 170 MB to 129 MB but cost about 10% of wall",
    "  time on multi-file runs (more page faults).",
    "- 2026-12: the query-semantics rules first made the corpus run 0.4x promtool (each query rule",
    "  cloned the file text per query: quadratic). Then, with perf: one parse per distinct",
    "  expression (the semantics layer takes the adapter's AST), one catalogue memo for",
    "  repositories without metrics contracts, matcher regexes syntax-checked without a second",
    "  compile, foldhash for the memos, the last answer kept per thread, and a set for the files",
    "  named on the command line (the check was quadratic). User CPU on the corpus, A/B with",
    "  `hyperfine -N` on the same machine: a3b4dfb (before the semantics) 93 ms, 7587425 124 ms,",
    "  promtool 438 ms.",
    "- 2026-12, second round (wall time, where the first round had cut CPU):",
    "  - Largest files first. `rules_large.yml` (1.2 MB, 10,000 rules) is half the corpus bytes;",
    "    in walk order it started late and one thread linted it while the other sat idle. The",
    "    corpus run went from 86 ms to 64 ms (`hyperfine -N`, A/B on the same machine).",
    "  - Each directory resolved once per run: the display path canonicalised every file's",
    "    directory twice, and `Options::new` the root once per named file (4,292 failing",
    "    `readlink` calls on the corpus, now none; `strace -c`).",
    "  - `duplicate-rule` gathers cross-file identities only under `scope: folder`; before, the",
    "    identities of every rule, and through them every rule file's text, lived to the end of",
    "    the run. Peak memory on the 16x tree went from 329 MB to about 170 MB.",
    "  - `unknown-metric` judged every recorded-series use against every defined series with a",
    "    full edit distance, in the serial repository phase: 50 ms of the 16x run. Each name is",
    "    now judged once, and did-you-mean skips candidates whose length alone puts them out of",
    "    reach. With the largest-first order, 1 → 2 threads went from 1.61x to about 1.8x.",
    "  - YAML mappings under 16 entries find duplicate keys by a scan (no hash map and key",
    "    copies per mapping); the YAML loader builds its line index only when it needs one.",
    "  - A group's rules and a rule's label maps are sized exactly (a 10,000-rule group grew by",
    "    doubling): peak memory on the 16x tree was 167-210 MB over six runs, then 159-174 MB.",
    "    The peak comes from the 16 copies of `rules_large.yml` linted two at a time.",
    "- The memos of PromQL analyses and query semantics are bounded by an estimate of their",
    "  bytes (reaching it starts a new memo), where they were bounded at 65,536 entries each:",
    "  128 MiB in a run of `check` (the whole shared corpus, dashboards included, fits), 32 MiB in",
    "  the language server, which kept them for its whole session: 440 MB resident after the",
    "  case 88 cycles, now about 180 MB. Most of what is left is freed memory that mimalloc holds",
    "  for reuse: with `MIMALLOC_PURGE_DELAY=0` the same run ends at about 50 MB. That setting",
    "  costs the command line too much to be the default: the corpus run took 98 ms instead of",
    "  67 ms (purging is system time).",
    "- Where the time goes now (perf, one thread, the corpus): YAML scanning by saphyr about a",
    "  fifth; promql-parser about a sixth, half of it compiling the regex of every `=~`",
    "  matcher (we never run them); the rules about a fifth. All are used as they are.",
]
open(out, "w").write("\n".join(lines) + "\n")
print(f"wrote {out}")
for a, b, c, d in rows:
    print(f"  {a}: {b} (target {c}: {d})")
PY
