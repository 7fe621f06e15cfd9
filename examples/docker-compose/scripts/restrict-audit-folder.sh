#!/usr/bin/env bash
# Restrict the "OpenBao Restricted" Grafana folder (audit dashboards) of the
# local profile to one team. DEMO ONLY: uses the admin password over plain
# HTTP on 127.0.0.1.
#
# File provisioning creates the folder but cannot set its permissions. This
# script uses Grafana's HTTP API to:
#   1. create the team "OpenBao Security" if it does not exist;
#   2. replace the folder's permission list with a single entry: that team may
#      view. The default Viewer and Editor role entries are removed, so
#      ordinary users no longer see the audit dashboards. Grafana admins
#      always keep access.
# Add users to the team in the Grafana UI (Administration > Teams).
#
# Grafana OSS cannot restrict who may query the loki-audit datasource itself;
# see docs/production-checklist.md for the production answer.
set -euo pipefail

GRAFANA_URL=${GRAFANA_URL:-http://127.0.0.1:13000}
GRAFANA_USER=${GRAFANA_USER:-admin}
GRAFANA_PASSWORD=${GRAFANA_ADMIN_PASSWORD:-openbao-demo-only}
FOLDER_UID=openbao-restricted
TEAM_NAME="OpenBao Security"

api() {
  local method=$1 path=$2
  shift 2
  curl -fsS -u "$GRAFANA_USER:$GRAFANA_PASSWORD" -H 'Content-Type: application/json' \
    -X "$method" "$GRAFANA_URL$path" "$@"
}

if command -v python3 >/dev/null 2>&1; then
  first_team_id() { python3 -c 'import json,sys; t=json.load(sys.stdin).get("teams") or []; print(t[0]["id"] if t else "")'; }
elif command -v jq >/dev/null 2>&1; then
  first_team_id() { jq -r '.teams[0].id // ""'; }
else
  echo "restrict-audit-folder: python3 or jq is needed" >&2
  exit 1
fi

api GET "/api/folders/$FOLDER_UID" >/dev/null ||
  { echo "restrict-audit-folder: folder $FOLDER_UID not found; is Grafana up and provisioned?" >&2; exit 1; }

team_id=$(api GET "/api/teams/search?name=$(printf '%s' "$TEAM_NAME" | sed 's/ /%20/g')" | first_team_id)
if [ -z "$team_id" ]; then
  api POST /api/teams -d "{\"name\": \"$TEAM_NAME\"}" >/dev/null
  team_id=$(api GET "/api/teams/search?name=$(printf '%s' "$TEAM_NAME" | sed 's/ /%20/g')" | first_team_id)
fi
[ -n "$team_id" ] || { echo "restrict-audit-folder: could not create team $TEAM_NAME" >&2; exit 1; }

api POST "/api/folders/$FOLDER_UID/permissions" \
  -d "{\"items\": [{\"teamId\": $team_id, \"permission\": 1}]}" >/dev/null

echo "Folder $FOLDER_UID: view for team \"$TEAM_NAME\" (id $team_id) only; admins keep access."
api GET "/api/folders/$FOLDER_UID/permissions"
echo
