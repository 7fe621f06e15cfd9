#!/bin/sh
# Split the generated Grafana dashboards into the two file-provisioning
# directories of the local profile:
#   $DST_DIR/openbao-restricted  the audit dashboards (folder "OpenBao Restricted")
#   $DST_DIR/openbao             every other dashboard (folder "OpenBao")
#
# Runs inside the one-shot grafana-dashboards service (see docker-compose.yaml)
# on every `docker compose up`. POSIX sh only: the Grafana image has busybox.
#
# Guards, each a hard failure so that Grafana does not start half-provisioned:
#   - no generated dashboards at all (run `make generate` first);
#   - a file whose name is not its dashboard uid (routing is by uid);
#   - a dashboard outside the restricted set that queries the audit datasource.
set -eu

SRC_DIR=${SRC_DIR:-/opt/o11ylint/generated}
DST_DIR=${DST_DIR:-/var/lib/o11ylint/dashboards}
RESTRICTED_UIDS="openbao-audit-overview openbao-audit-investigation"
AUDIT_DATASOURCE_UID="loki-audit"

fail() {
  echo "split-dashboards: $*" >&2
  exit 1
}

set -- "$SRC_DIR"/*.json
[ -e "$1" ] || fail "no dashboards in generated/grafana; run 'make generate' at the repository root, then 'docker compose up' again"

staging="$DST_DIR/.staging"
rm -rf "$staging"
mkdir -p "$staging/openbao" "$staging/openbao-restricted"

for file in "$SRC_DIR"/*.json; do
  uid=$(basename "$file" .json)
  grep -Eq "\"uid\"[[:space:]]*:[[:space:]]*\"$uid\"" "$file" ||
    fail "$uid.json does not declare uid \"$uid\"; dashboards are routed by uid"
  case " $RESTRICTED_UIDS " in
    *" $uid "*)
      folder=openbao-restricted
      ;;
    *)
      if grep -q "\"$AUDIT_DATASOURCE_UID\"" "$file"; then
        fail "$uid queries the audit datasource ($AUDIT_DATASOURCE_UID) but is not an audit dashboard; refusing to publish it in the broad OpenBao folder"
      fi
      folder=openbao
      ;;
  esac
  cp "$file" "$staging/$folder/"
done

for uid in $RESTRICTED_UIDS; do
  [ -f "$staging/openbao-restricted/$uid.json" ] ||
    echo "split-dashboards: warning: $uid.json was not generated" >&2
done

chmod -R a+rX "$staging"
rm -rf "$DST_DIR/openbao" "$DST_DIR/openbao-restricted"
mv "$staging/openbao" "$staging/openbao-restricted" "$DST_DIR/"
rmdir "$staging"

echo "split-dashboards: $(find "$DST_DIR/openbao" -name '*.json' | wc -l) dashboard(s) for folder OpenBao," \
  "$(find "$DST_DIR/openbao-restricted" -name '*.json' | wc -l) for folder OpenBao Restricted"
