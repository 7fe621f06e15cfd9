#!/usr/bin/env bash
# Differential test of o11ylint's LogQL parser against @grafana/lezer-logql.
#
#   tools/logql-diff/run.sh
#
# Environment:
#   LOGQL_RUST         the Rust checker command line, run from the repository root
#                      (default: target/release/o11ylint debug logql)
#   LOGQL_DIFF_OUT     where to write the report (default: docs/logql-differential.md)
#   LOGQL_DIFF_MIN     fail when agreement (percent) is below this (default: 99)
#   O11YLINT_SHARED    the shared/ folder (default: ../shared next to the repository)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
cd "$ROOT"

LOGQL_RUST="${LOGQL_RUST:-target/release/o11ylint debug logql}"
OUT="${LOGQL_DIFF_OUT:-$ROOT/docs/logql-differential.md}"
MIN="${LOGQL_DIFF_MIN:-99}"

read -r -a RUST_CMD <<< "$LOGQL_RUST"
if ! command -v "${RUST_CMD[0]}" >/dev/null 2>&1 && [ ! -x "${RUST_CMD[0]}" ]; then
    echo "logql-diff: Rust checker '${RUST_CMD[0]}' not found; run 'cargo build --release' or set LOGQL_RUST" >&2
    exit 2
fi

if [ ! -d "$HERE/node_modules/@grafana/lezer-logql" ]; then
    (cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error)
fi
LEZER_VERSION="$(node -p "require('$HERE/node_modules/@grafana/lezer-logql/package.json').version")"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

python3 "$HERE/collect.py" > "$WORK/corpus.jsonl"
if [ ! -s "$WORK/corpus.jsonl" ]; then
    echo "logql-diff: no LogQL expressions found (corpus missing?); skipped"
    exit 0
fi
node "$HERE/lezer-check.mjs" < "$WORK/corpus.jsonl" > "$WORK/lezer.jsonl"
"${RUST_CMD[@]}" < "$WORK/corpus.jsonl" > "$WORK/rust.jsonl"

mkdir -p "$(dirname "$OUT")"
python3 "$HERE/compare.py" \
    --corpus "$WORK/corpus.jsonl" \
    --lezer "$WORK/lezer.jsonl" \
    --rust "$WORK/rust.jsonl" \
    --lezer-version "$LEZER_VERSION" \
    --rust-command "$LOGQL_RUST" \
    --markdown "$OUT" \
    --min-agreement "$MIN" \
    --max-unexplained "${LOGQL_DIFF_MAX_UNEXPLAINED:-0}"
