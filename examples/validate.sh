#!/usr/bin/env bash
# Validate everything under examples/ without Docker, a cluster or network
# access to the services themselves.
#
#   docker-compose      `config` of the local profile, alone and with the
#                       openbao_ prefix override (docker compose or docker-compose)
#   promtool            `check config` of prometheus.yml: syntax in place, then
#                       a full check beside the generated rule files (or empty
#                       placeholder rule groups when `make generate` has not run)
#   blackbox exporter   `--config.check` of the probe module
#   shell scripts       shellcheck of the profile's scripts and of this file
#   profile checks      tools/check_profile.py: OpenBao HCL, Alloy, Loki,
#                       Grafana and Prometheus files against the profile's rules
#   Kubernetes          tools/validate_k8s.py: built-in kinds against the strict
#                       Kubernetes JSON Schemas (kubernetes-validate), Prometheus
#                       Operator kinds against models generated from the CRDs
#                       (unknown fields fail)
#   CRD JSON Schema     tools/validate-monitoring-crs.mjs: ServiceMonitor,
#                       PodMonitor and PrometheusRule against the CRDs'
#                       openAPIV3Schema (ajv, @kubernetes-models/prometheus-operator)
#   kustomize           build of kubernetes/prometheusrules (placeholders for the
#                       generated manifests if they are missing), then both
#                       validators above on the output
#
# Installs, into $O11YLINT_EXAMPLES_CACHE (default ~/.cache/o11ylint-examples),
# never system-wide:
#   pip install -r examples/tools/requirements.txt   (in a virtualenv)
#   npm ci with examples/tools/package.json + package-lock.json
#
# A tool that is genuinely absent (no promtool, no python3, no node, ...) is
# skipped with a message; every other problem is a failure. Exit status 1 if
# anything failed.
set -uo pipefail

EXAMPLES=$(cd "$(dirname "$0")" && pwd)
REPO=$(dirname "$EXAMPLES")
PROFILE=$EXAMPLES/docker-compose
TOOLS=$EXAMPLES/tools
CACHE=${O11YLINT_EXAMPLES_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/o11ylint-examples}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

passed=0
failed=0
skipped=0
failed_names=()

section() { printf '\n== %s\n' "$*"; }
pass() {
  passed=$((passed + 1))
  printf 'PASS %s\n' "$*"
}
fail() {
  failed=$((failed + 1))
  failed_names+=("$*")
  printf 'FAIL %s\n' "$*"
}
skip() {
  skipped=$((skipped + 1))
  printf 'SKIP %s\n' "$*"
}
# run NAME COMMAND...: run a check, print its output indented, record the result.
run() {
  local name=$1 output status
  shift
  output=$("$@" 2>&1)
  status=$?
  [ -n "$output" ] && printf '%s\n' "$output" | sed 's/^/     /'
  if [ "$status" -eq 0 ]; then pass "$name"; else fail "$name"; fi
  return "$status"
}
have() { command -v "$1" >/dev/null 2>&1; }
# blackbox_check BINARY: --config.check logs its verdict, and a configuration
# error still exits 0 on some versions, so the log line decides.
# shellcheck disable=SC2317 # called through run
blackbox_check() {
  local output
  output=$("$1" --config.check --config.file="$PROFILE/blackbox/blackbox.yml" 2>&1)
  printf '%s\n' "$output" | grep -E 'level=error|Config file is ok'
  printf '%s\n' "$output" | grep -q 'Config file is ok'
}

# --- docker-compose --------------------------------------------------------
section "docker-compose config"
compose=()
if docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
elif have docker-compose; then
  compose=(docker-compose)
fi
if [ ${#compose[@]} -eq 0 ]; then
  skip "docker-compose config: neither 'docker compose' nor 'docker-compose' is installed"
else
  # Relative paths and .env resolve against the first file's directory.
  run "compose: docker-compose.yaml" "${compose[@]}" -f "$PROFILE/docker-compose.yaml" config -q
  run "compose: docker-compose.yaml + docker-compose.openbao-prefix.yaml" \
    "${compose[@]}" -f "$PROFILE/docker-compose.yaml" -f "$PROFILE/docker-compose.openbao-prefix.yaml" config -q
fi

# --- promtool --------------------------------------------------------------
section "promtool check config"
if ! have promtool; then
  skip "promtool: not installed (Debian package prometheus)"
else
  run "promtool: syntax of examples/docker-compose/prometheus/prometheus.yml" \
    promtool check config --syntax-only "$PROFILE/prometheus/prometheus.yml"

  # Full check: prometheus.yml uses paths relative to its own directory
  # (rules/, secrets/), which exist only inside the container. Rebuild that
  # layout in a temporary directory around an unmodified copy of the file.
  promtool_full() {
    local variant=$1 rules_src=$2 dir=$WORK/prometheus-$1 file
    mkdir -p "$dir/rules" "$dir/secrets"
    cp "$PROFILE/prometheus/prometheus.yml" "$dir/"
    printf 'placeholder-token' >"$dir/secrets/openbao-metrics-token"
    local placeholders=0
    for file in recording-rules.yaml alerts-critical.yaml alerts-warning.yaml; do
      if [ -f "$rules_src/$file" ]; then
        cp "$rules_src/$file" "$dir/rules/"
      else
        printf 'groups: []\n' >"$dir/rules/$file"
        placeholders=$((placeholders + 1))
      fi
    done
    local note="generated rules"
    [ "$placeholders" -gt 0 ] && note="$placeholders empty placeholder rule file(s); run 'make generate' to check the real ones"
    run "promtool: full check, $variant ($note)" promtool check config "$dir/prometheus.yml"
  }
  promtool_full vault-prefix "$REPO/generated/prometheus"
  if [ -d "$REPO/generated/prometheus/openbao-prefix" ]; then
    promtool_full openbao-prefix "$REPO/generated/prometheus/openbao-prefix"
  fi
fi

# --- blackbox exporter -------------------------------------------------------
section "blackbox exporter --config.check"
blackbox=""
for candidate in blackbox_exporter prometheus-blackbox-exporter; do
  have "$candidate" && blackbox=$candidate && break
done
if [ -z "$blackbox" ]; then
  skip "blackbox exporter: not installed (Debian package prometheus-blackbox-exporter)"
else
  run "blackbox exporter: examples/docker-compose/blackbox/blackbox.yml" blackbox_check "$blackbox"
fi

# --- shellcheck ------------------------------------------------------------
section "shellcheck"
if have shellcheck; then
  run "shellcheck: profile scripts and validate.sh" shellcheck "$PROFILE"/scripts/*.sh "$EXAMPLES/validate.sh"
else
  skip "shellcheck: not installed (Debian package shellcheck)"
fi

# --- Python tools ----------------------------------------------------------
section "Python validators"
python=""
if ! have python3; then
  skip "Python validators: python3 is not installed"
else
  venv=$CACHE/venv
  stamp=$(sha256sum "$TOOLS/requirements.txt" | cut -d' ' -f1)
  if [ ! -x "$venv/bin/python" ] || [ "$(cat "$venv/.requirements-sha256" 2>/dev/null)" != "$stamp" ]; then
    echo "     installing examples/tools/requirements.txt into $venv"
    rm -rf "$venv"
    if python3 -m venv "$venv" && "$venv/bin/pip" install -q --disable-pip-version-check -r "$TOOLS/requirements.txt"; then
      echo "$stamp" >"$venv/.requirements-sha256"
    else
      fail "pip install -r examples/tools/requirements.txt"
    fi
  fi
  [ -f "$venv/.requirements-sha256" ] && python=$venv/bin/python
fi

if [ -n "$python" ]; then
  run "profile checks (OpenBao HCL, Alloy, Loki, Grafana, Prometheus)" "$python" "$TOOLS/check_profile.py" "$EXAMPLES"
  run "YAML syntax: kubernetes/all-node/helm-values-metrics-port.yaml" \
    "$python" -c 'import sys, yaml; yaml.safe_load(open(sys.argv[1]))' "$EXAMPLES/kubernetes/all-node/helm-values-metrics-port.yaml"
  run "HCL syntax: kubernetes/all-node/metrics-listener.hcl" \
    "$python" -c 'import sys, hcl; hcl.load(open(sys.argv[1]))' "$EXAMPLES/kubernetes/all-node/metrics-listener.hcl"
  manifests=()
  for file in "$EXAMPLES"/kubernetes/*/*.yaml; do
    case "$(basename "$file")" in
      kustomization.yaml | helm-values-*.yaml) ;;
      *) manifests+=("$file") ;;
    esac
  done
  run "Kubernetes manifests (kubernetes-validate strict; CRD models, unknown fields)" \
    "$python" "$TOOLS/validate_k8s.py" --emit-crs "$WORK/crs-manifests.json" "${manifests[@]}"
fi

# --- kustomize ---------------------------------------------------------------
section "kustomize build of kubernetes/prometheusrules"
kustomize_cmd=()
if have kubectl && kubectl kustomize --help >/dev/null 2>&1; then
  kustomize_cmd=(kubectl kustomize --load-restrictor LoadRestrictionsNone)
elif have kustomize; then
  kustomize_cmd=(kustomize build --load-restrictor LoadRestrictionsNone)
fi
if [ ${#kustomize_cmd[@]} -eq 0 ]; then
  skip "kustomize: neither kubectl nor kustomize is installed"
else
  # Always build against placeholders in a copy of the layout, so the
  # kustomization itself is checked before `make generate` has run.
  fake=$WORK/kustomize
  mkdir -p "$fake/examples/kubernetes/prometheusrules" "$fake/generated/prometheusrules"
  cp "$EXAMPLES/kubernetes/prometheusrules/kustomization.yaml" "$fake/examples/kubernetes/prometheusrules/"
  for name in openbao-recording-rules openbao-alerts-critical openbao-alerts-warning; do
    cat >"$fake/generated/prometheusrules/$name.yaml" <<EOF
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: $name
spec:
  groups:
    - name: placeholder
      rules:
        - record: o11ylint:placeholder
          expr: vector(1)
EOF
  done
  run "kustomize: build with placeholder generated manifests" \
    "${kustomize_cmd[@]}" "$fake/examples/kubernetes/prometheusrules" -o "$WORK/kustomize-placeholder.yaml" &&
    [ -n "$python" ] &&
    run "kustomize output (placeholders): Kubernetes and CRD model validation" \
      "$python" "$TOOLS/validate_k8s.py" --emit-crs "$WORK/crs-kustomize-placeholder.json" "$WORK/kustomize-placeholder.yaml"

  if [ -d "$REPO/generated/prometheusrules" ]; then
    run "kustomize: build with the generated manifests" \
      "${kustomize_cmd[@]}" "$EXAMPLES/kubernetes/prometheusrules" -o "$WORK/kustomize-generated.yaml" &&
      [ -n "$python" ] &&
      run "kustomize output (generated): Kubernetes and CRD model validation" \
        "$python" "$TOOLS/validate_k8s.py" --emit-crs "$WORK/crs-kustomize-generated.json" "$WORK/kustomize-generated.yaml"
  else
    skip "kustomize with generated manifests: generated/prometheusrules/ does not exist yet (run 'make generate')"
  fi
fi

# --- CRD JSON Schema (ajv) ---------------------------------------------------
section "Prometheus Operator CRD JSON Schema"
if ! have node || ! have npm; then
  skip "CRD JSON Schema: node and npm are not both installed"
elif ! ls "$WORK"/crs-*.json >/dev/null 2>&1; then
  skip "CRD JSON Schema: no documents (the Python step did not run)"
else
  npm_dir=$CACHE/npm
  stamp=$(cat "$TOOLS/package.json" "$TOOLS/package-lock.json" | sha256sum | cut -d' ' -f1)
  if [ ! -d "$npm_dir/node_modules" ] || [ "$(cat "$npm_dir/.lock-sha256" 2>/dev/null)" != "$stamp" ]; then
    echo "     installing examples/tools/package-lock.json into $npm_dir"
    rm -rf "$npm_dir"
    mkdir -p "$npm_dir"
    cp "$TOOLS/package.json" "$TOOLS/package-lock.json" "$npm_dir/"
    if (cd "$npm_dir" && npm ci --no-audit --no-fund --loglevel=error); then
      echo "$stamp" >"$npm_dir/.lock-sha256"
    else
      fail "npm ci (examples/tools/package-lock.json)"
    fi
  fi
  if [ -f "$npm_dir/.lock-sha256" ]; then
    # ES modules resolve packages from the script's own directory.
    cp "$TOOLS/validate-monitoring-crs.mjs" "$npm_dir/"
    for documents in "$WORK"/crs-*.json; do
      label=$(basename "$documents" .json)
      run "CRD JSON Schema (${label#crs-})" node "$npm_dir/validate-monitoring-crs.mjs" "$documents"
    done
  fi
fi

# --- summary ---------------------------------------------------------------
printf '\n%d passed, %d failed, %d skipped\n' "$passed" "$failed" "$skipped"
if [ "$failed" -gt 0 ]; then
  printf 'failed: %s\n' "${failed_names[@]}"
  exit 1
fi
exit 0
