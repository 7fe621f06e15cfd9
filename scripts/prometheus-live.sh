#!/usr/bin/env bash
# A real Prometheus (Debian package `prometheus`) on 127.0.0.1 with a fixture
# TSDB of OpenBao metrics for both source prefixes and the generated rules.
#
#   prometheus-live.sh start STATE_DIR   start; print PROMETHEUS_URL=, PROMETHEUS_PID=
#                                        and FIXTURE_TIME= on stdout; leave it running
#   prometheus-live.sh stop STATE_DIR    stop the Prometheus started in STATE_DIR (by PID)
#   prometheus-live.sh run [--] CMD...   start in a temporary directory, run CMD with
#                                        PROMETHEUS_URL and FIXTURE_TIME exported, stop
#                                        (also when CMD fails or the script is interrupted)
#
# How the fixture is built (docs/live-validation.md):
#   1. tests/live/openbao.om (two samples per series) is expanded by
#      tests/live/expand-openmetrics.py into a sample every 15 s over the two
#      hours before now (FIXTURE_TIME), and turned into TSDB blocks with
#      `promtool tsdb create-blocks-from openmetrics`.
#   2. Prometheus starts on that TSDB with every generated rule file loaded
#      (recording rules and alerts, prefixes vault_ and openbao_).
#   3. Recording rules only evaluate from now on, and the raw samples end at
#      FIXTURE_TIME, so their output over the fixture window is backfilled
#      with `promtool tsdb create-blocks-from rules` against that Prometheus,
#      the blocks are moved into its TSDB and Prometheus is restarted.
#   Queries are then evaluated at FIXTURE_TIME (validate-queries --time).
#
# Exit status: 0 ok, 1 failure, 3 prometheus or promtool is not installed.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
FIXTURE=${O11YLINT_LIVE_FIXTURE:-$REPO/tests/live/openbao.om}
WINDOW=${O11YLINT_LIVE_WINDOW:-7200}
STEP=15

log() { printf 'prometheus-live: %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

need_tools() {
  local missing=()
  for t in prometheus promtool python3 curl; do
    command -v "$t" >/dev/null 2>&1 || missing+=("$t")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "error: not installed: ${missing[*]} (prometheus and promtool come with the Debian package" \
      "'prometheus'; .ci/run installs it)"
    exit 3
  fi
}

# Rule files of every prefix: generated/prometheus/*.yaml and */<prefix>-prefix/*.yaml.
rule_files() {
  find "$REPO/generated/prometheus" -name '*.yaml' | sort
}
recording_rule_files() {
  find "$REPO/generated/prometheus" -name 'recording-rules.yaml' | sort
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Is PID the Prometheus of this state directory? (guards against PID reuse)
ours() {
  local pid=$1 state=$2
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null &&
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "--storage.tsdb.path=$state/data"
}

stop_pid() {
  local state=$1 pid
  pid=$(cat "$state/prometheus.pid" 2>/dev/null || true)
  if [ -z "$pid" ]; then
    return 0
  fi
  if ours "$pid" "$state"; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
      ours "$pid" "$state" || break
      sleep 0.1
    done
    if ours "$pid" "$state"; then
      log "Prometheus (pid $pid) did not stop on SIGTERM; sending SIGKILL"
      kill -9 "$pid" 2>/dev/null || true
    fi
    log "stopped Prometheus (pid $pid)"
  fi
  rm -f "$state/prometheus.pid"
}

# Start Prometheus on STATE/data; sets PORT. Retries on another port if the
# chosen one was taken in the meantime.
launch() {
  local state=$1 attempt pid
  for attempt in 1 2 3; do
    PORT=$(free_port)
    prometheus \
      --config.file="$state/prometheus.yml" \
      --storage.tsdb.path="$state/data" \
      --storage.tsdb.retention.time=30d \
      --web.listen-address="127.0.0.1:$PORT" \
      --log.level=warn \
      </dev/null >>"$state/prometheus.log" 2>&1 &
    pid=$!
    echo "$pid" >"$state/prometheus.pid"
    for _ in $(seq 1 600); do
      if curl -fsS "http://127.0.0.1:$PORT/-/ready" >/dev/null 2>&1; then
        log "Prometheus ready on 127.0.0.1:$PORT (pid $pid)"
        return 0
      fi
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    stop_pid "$state"
    log "Prometheus did not become ready (attempt $attempt); last log lines:"
    tail -n 5 "$state/prometheus.log" >&2 || true
  done
  die "could not start Prometheus"
}

start() {
  local state=$1
  need_tools
  [ -f "$FIXTURE" ] || die "fixture $FIXTURE not found"
  local rules
  rules=$(rule_files)
  [ -n "$rules" ] || die "no generated rule files under generated/prometheus (run 'make generate')"
  mkdir -p "$state"
  rm -rf "$state/data" "$state/rule-blocks"
  : >"$state/prometheus.log"

  # On any failure before the end of start, stop what was started.
  # shellcheck disable=SC2064 # expanded now on purpose: $state is local to start()
  trap "stop_pid '$state'" EXIT

  local end=$(($(date +%s) / STEP * STEP))
  local begin=$((end - WINDOW))
  python3 "$REPO/tests/live/expand-openmetrics.py" "$FIXTURE" "$state/fixture.om" \
    --end "$end" --window "$WINDOW" --step "$STEP"
  promtool tsdb create-blocks-from openmetrics --quiet "$state/fixture.om" "$state/data" >&2 ||
    die "promtool could not create blocks from the fixture"
  rm -f "$state/fixture.om"

  {
    echo "# Written by scripts/prometheus-live.sh"
    echo "global:"
    echo "  scrape_interval: 15s"
    echo "  evaluation_interval: 15s"
    echo "rule_files:"
    while IFS= read -r f; do echo "  - '$f'"; done <<<"$rules"
  } >"$state/prometheus.yml"
  promtool check config "$state/prometheus.yml" >/dev/null || die "promtool check config failed"

  launch "$state"

  # Backfill the recording rules over the fixture window (5 minutes in, so
  # every rate window is full), then restart Prometheus on the merged TSDB.
  local recording=()
  while IFS= read -r f; do recording+=("$f"); done < <(recording_rule_files)
  if ! promtool tsdb create-blocks-from rules --quiet \
    --url="http://127.0.0.1:$PORT" --start=$((begin + 300)) --end="$end" \
    --eval-interval=60s --output-dir="$state/rule-blocks" "${recording[@]}" \
    >"$state/backfill.log" 2>&1; then
    tail -n 20 "$state/backfill.log" >&2
    die "promtool could not backfill the recording rules"
  fi
  stop_pid "$state"
  local moved=0 b
  for b in "$state"/rule-blocks/*/; do
    [ -d "$b" ] || continue
    mv "$b" "$state/data/"
    moved=$((moved + 1))
  done
  [ "$moved" -gt 0 ] || die "the recording-rule backfill produced no blocks"
  log "backfilled recording rules: $moved block(s)"
  launch "$state"

  trap - EXIT
  echo "PROMETHEUS_URL=http://127.0.0.1:$PORT"
  echo "PROMETHEUS_PID=$(cat "$state/prometheus.pid")"
  echo "FIXTURE_TIME=$end"
}

run() {
  [ "${1:-}" = "--" ] && shift
  [ $# -gt 0 ] || die "run needs a command"
  local state env
  state=$(mktemp -d "${TMPDIR:-/tmp}/o11ylint-prometheus.XXXXXX")
  # Stop Prometheus and remove the state whatever happens from here on.
  trap 'stop_pid "'"$state"'"; rm -rf "'"$state"'"' EXIT
  trap 'exit 130' INT TERM
  env=$(start "$state")
  trap 'stop_pid "'"$state"'"; rm -rf "'"$state"'"' EXIT
  PROMETHEUS_URL=$(sed -n 's/^PROMETHEUS_URL=//p' <<<"$env")
  FIXTURE_TIME=$(sed -n 's/^FIXTURE_TIME=//p' <<<"$env")
  export PROMETHEUS_URL FIXTURE_TIME
  local status=0
  "$@" || status=$?
  return "$status"
}

case "${1:-}" in
  start)
    [ $# -eq 2 ] || die "usage: $0 start STATE_DIR"
    start "$(mkdir -p "$2" && cd "$2" && pwd)"
    ;;
  stop)
    [ $# -eq 2 ] || die "usage: $0 stop STATE_DIR"
    [ -d "$2" ] || exit 0
    stop_pid "$(cd "$2" && pwd)"
    ;;
  run)
    shift
    run "$@"
    ;;
  *)
    echo "usage: $0 start STATE_DIR | stop STATE_DIR | run [--] COMMAND [ARGS...]" >&2
    exit 2
    ;;
esac
