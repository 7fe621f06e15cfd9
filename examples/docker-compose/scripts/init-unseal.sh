#!/usr/bin/env bash
# ===========================================================================
#  DEMO ONLY - never use this flow for a real OpenBao cluster.
#  It writes the unseal keys and the root token to a file on your disk
#  (secrets/openbao/init.json), uses 3 key shares with a threshold of 2, and
#  passes keys and tokens on command lines inside the containers.
# ===========================================================================
#
# Brings the local profile's three-node cluster to a usable state, using the
# `bao` CLI inside the containers:
#   1. initialise openbao-0 (3 shares, threshold 2) unless already done;
#   2. unseal openbao-0, then openbao-1 and openbao-2, which join the Raft
#      cluster by themselves through their retry_join stanzas;
#   3. check that the declarative file audit device (file/) exists, sending
#      SIGHUP to the active node if the config has not been applied;
#   4. write the policy openbao-metrics (read on sys/metrics) and a token
#      holding only that policy to secrets/prometheus/openbao-metrics-token,
#      which Prometheus reads as its bearer token file;
#   5. mount kv-v2 at secret/, write the audit canary secret and give the
#      audit-canary service a token that can read only that secret
#      (secrets/audit-canary/token);
#   6. mount the database secrets engine against the PostgreSQL fixture.
#
# Idempotent: re-run it after `docker compose restart` to unseal again, and
# within 30 days to renew the tokens it issued.
# Options:
#   --rotate-metrics-token   revoke the current metrics token and issue a new one
#   --skip-database-fixture  leave the database secrets engine alone
set -euo pipefail

cd "$(dirname "$0")/.."

NODES=(openbao-0 openbao-1 openbao-2)
KEY_SHARES=3
KEY_THRESHOLD=2
METRICS_POLICY=openbao-metrics
CANARY_POLICY=audit-canary
CANARY_PATH=observability/audit-canary
INIT_FILE=secrets/openbao/init.json
TOKEN_FILE=secrets/prometheus/openbao-metrics-token
CANARY_TOKEN_FILE=secrets/audit-canary/token

rotate_token=false
database_fixture=true
for arg in "$@"; do
  case "$arg" in
    --rotate-metrics-token) rotate_token=true ;;
    --skip-database-fixture) database_fixture=false ;;
    -h | --help)
      sed -n '2,/^set -euo pipefail/{/^set -euo/!p}' "$0"
      exit 0
      ;;
    *)
      echo "unknown option: $arg" >&2
      exit 2
      ;;
  esac
done

log() { printf '==> %s\n' "$*"; }
die() {
  printf 'init-unseal: %s\n' "$*" >&2
  exit 1
}

if [ -n "${COMPOSE:-}" ]; then
  read -r -a compose <<<"$COMPOSE"
elif docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
elif command -v docker-compose >/dev/null 2>&1; then
  compose=(docker-compose)
else
  die "neither 'docker compose' nor 'docker-compose' found"
fi

# json_get PATH: print one value of the JSON document on stdin. PATH is a
# dot-separated key path such as sealed or unseal_keys_b64.0; booleans print
# as true/false and a missing key prints an empty line.
if command -v python3 >/dev/null 2>&1; then
  json_get() {
    python3 -c '
import json, sys
value = json.load(sys.stdin)
for part in sys.argv[1].split("."):
    try:
        value = value[int(part)] if isinstance(value, list) else value[part]
    except (KeyError, IndexError, TypeError):
        value = ""
        break
print(str(value).lower() if isinstance(value, bool) else value)
' "$1"
  }
elif command -v jq >/dev/null 2>&1; then
  json_get() { jq -r "$(printf '.%s' "$1" | sed -E 's/\.([0-9]+)/[\1]/g') | if . == null then \"\" else tostring end"; }
else
  die "python3 or jq is needed to read the CLI's JSON output"
fi

# bao NODE ARGS...      run the CLI unauthenticated inside NODE
# bao_root NODE ARGS... run it with the root token
bao() {
  local node=$1
  shift
  "${compose[@]}" exec -T "$node" bao "$@"
}
bao_root() {
  local node=$1
  shift
  "${compose[@]}" exec -T -e "BAO_TOKEN=$ROOT_TOKEN" "$node" bao "$@"
}

# Seal status as JSON; `bao status` exits 2 when sealed, which is not an error.
status_json() {
  bao "$1" status -format=json 2>/dev/null || [ $? -eq 2 ]
}

wait_for_api() {
  local node=$1
  for _ in $(seq 1 60); do
    if status_json "$node" >/dev/null 2>&1; then
      return 0
    fi
    sleep 2
  done
  die "$node did not answer on 127.0.0.1:8200 inside its container; is the stack up?"
}

is_sealed() { [ "$(status_json "$1" | json_get sealed)" != "false" ]; }

unseal_node() {
  local node=$1 k
  for _ in $(seq 1 30); do
    is_sealed "$node" || return 0
    for k in $(seq 0 $((KEY_THRESHOLD - 1))); do
      # A node that has not joined the Raft cluster yet may refuse keys;
      # retry_join completes the join and the next round unseals it.
      bao "$node" operator unseal "$(json_get "unseal_keys_b64.$k" <"$INIT_FILE")" >/dev/null 2>&1 || true
    done
    sleep 2
  done
  is_sealed "$node" && die "$node is still sealed after 30 attempts"
  return 0
}

active_node() {
  local node
  for node in "${NODES[@]}"; do
    # `bao status` reports is_self (omitted on standbys) for HA clusters.
    if [ "$(status_json "$node" | json_get is_self)" = "true" ]; then
      echo "$node"
      return 0
    fi
  done
  return 1
}

# The three directories are in git (each with a .gitignore for its contents),
# so they exist before `docker compose up` and belong to you, not to the
# Docker daemon. Only the key file's directory is private; Prometheus and the
# canary run as unprivileged users in their containers and must read their
# token files, and each container mounts only its own directory.
mkdir -p secrets/openbao secrets/prometheus secrets/audit-canary
chmod 700 secrets/openbao
chmod 755 secrets/prometheus secrets/audit-canary

for node in "${NODES[@]}"; do
  wait_for_api "$node"
done

# 1. Initialise -------------------------------------------------------------
if [ "$(status_json openbao-0 | json_get initialized)" = "false" ]; then
  log "initialising openbao-0 ($KEY_SHARES key shares, threshold $KEY_THRESHOLD) - DEMO ONLY"
  (
    umask 077
    bao openbao-0 operator init -key-shares="$KEY_SHARES" -key-threshold="$KEY_THRESHOLD" -format=json >"$INIT_FILE.tmp"
  )
  mv "$INIT_FILE.tmp" "$INIT_FILE"
  log "unseal keys and root token written to $INIT_FILE (keep it out of version control)"
elif [ ! -s "$INIT_FILE" ]; then
  die "the cluster is initialised but $INIT_FILE is missing; start over with 'docker compose down -v'"
fi
ROOT_TOKEN=$(json_get root_token <"$INIT_FILE")

# 2. Unseal -----------------------------------------------------------------
for node in "${NODES[@]}"; do
  log "unsealing $node"
  unseal_node "$node"
done

log "waiting for an active node"
for _ in $(seq 1 30); do
  ACTIVE=$(active_node) && break
  sleep 2
done
[ -n "${ACTIVE:-}" ] || die "no active node after unsealing"
log "active node: $ACTIVE"
bao_root "$ACTIVE" operator raft list-peers

# 3. Audit device -----------------------------------------------------------
# The file audit device is declared in openbao/openbao-N.hcl; OpenBao applies
# declarative audit stanzas on the active node at startup and on SIGHUP.
audit_present() { bao_root "$ACTIVE" audit list -format=json 2>/dev/null | grep -q '"file/"'; }
for _ in $(seq 1 10); do
  audit_present && break
  log "audit device file/ not present yet; sending SIGHUP to $ACTIVE"
  "${compose[@]}" kill -s SIGHUP "$ACTIVE" >/dev/null
  sleep 3
done
audit_present || die "audit device file/ missing on $ACTIVE; check the audit stanza and the node's logs"
log "audit device file/ writes JSON lines to /openbao/logs/audit.log"

# Tokens for the monitoring side: orphan (they outlive the root token), no
# default policy, one narrow policy each, 30 days. A token file is replaced
# when it is missing, invalid or (--rotate-metrics-token) on request; readers
# pick the new file up without a restart.
token_valid() {
  [ -s "$1" ] && "${compose[@]}" exec -T -e "BAO_TOKEN=$(cat "$1")" "$ACTIVE" bao token lookup >/dev/null 2>&1
}
issue_token() {
  local policy=$1 file=$2 token
  token=$(bao_root "$ACTIVE" token create -orphan -no-default-policy -policy="$policy" \
    -ttl=720h -display-name="$policy" -field=token)
  (
    umask 022
    printf '%s' "$token" >"$file.tmp"
  )
  mv "$file.tmp" "$file"
}

# 4. Metrics policy and token -------------------------------------------------
printf 'path "sys/metrics" {\n  capabilities = ["read"]\n}\n' |
  bao_root "$ACTIVE" policy write "$METRICS_POLICY" - >/dev/null
log "policy $METRICS_POLICY grants read on sys/metrics only"
if [ "$rotate_token" = true ] && token_valid "$TOKEN_FILE"; then
  log "revoking the current metrics token"
  "${compose[@]}" exec -T -e "BAO_TOKEN=$(cat "$TOKEN_FILE")" "$ACTIVE" bao token revoke -self >/dev/null
  rm -f "$TOKEN_FILE"
fi
if token_valid "$TOKEN_FILE"; then
  log "existing metrics token in $TOKEN_FILE is still valid"
else
  issue_token "$METRICS_POLICY" "$TOKEN_FILE"
  log "metrics token written to $TOKEN_FILE (Prometheus re-reads it on every scrape)"
fi

# 5. Audit canary -------------------------------------------------------------
if ! bao_root "$ACTIVE" secrets list -format=json | grep -q '"secret/"'; then
  bao_root "$ACTIVE" secrets enable -path=secret kv-v2 >/dev/null
fi
bao_root "$ACTIVE" kv put -mount=secret "$CANARY_PATH" purpose=audit-canary >/dev/null
printf 'path "secret/data/%s" {\n  capabilities = ["read"]\n}\n' "$CANARY_PATH" |
  bao_root "$ACTIVE" policy write "$CANARY_POLICY" - >/dev/null
if token_valid "$CANARY_TOKEN_FILE"; then
  log "existing audit canary token in $CANARY_TOKEN_FILE is still valid"
else
  issue_token "$CANARY_POLICY" "$CANARY_TOKEN_FILE"
  log "audit canary token written to $CANARY_TOKEN_FILE; the audit-canary service reads secret/$CANARY_PATH every minute"
fi

# 6. Database secrets engine fixture -----------------------------------------
if [ "$database_fixture" = true ]; then
  if ! bao_root "$ACTIVE" secrets list -format=json | grep -q '"database/"'; then
    bao_root "$ACTIVE" secrets enable database >/dev/null
  fi
  bao_root "$ACTIVE" write database/config/fixture-postgres \
    plugin_name=postgresql-database-plugin \
    allowed_roles=fixture-readonly \
    connection_url='postgresql://{{username}}:{{password}}@postgres:5432/fixture?sslmode=disable' \
    username=openbao \
    password="${POSTGRES_PASSWORD:-openbao-demo-only}" >/dev/null
  bao_root "$ACTIVE" write database/roles/fixture-readonly \
    db_name=fixture-postgres \
    creation_statements="CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'; GRANT SELECT ON ALL TABLES IN SCHEMA public TO \"{{name}}\";" \
    default_ttl=1h max_ttl=24h >/dev/null
  log "database secrets engine: read database/creds/fixture-readonly for a short-lived PostgreSQL user"
fi

cat <<EOF

Done. DEMO ONLY.
  OpenBao   http://127.0.0.1:18200 (openbao-0), :18210 (openbao-1), :18220 (openbao-2)
            root token: see $INIT_FILE
  Grafana   http://127.0.0.1:13000 (admin / \$GRAFANA_ADMIN_PASSWORD, default openbao-demo-only)
  Prometheus http://127.0.0.1:19090   Alloy http://127.0.0.1:12345
Restrict the audit folder next: scripts/restrict-audit-folder.sh
EOF
