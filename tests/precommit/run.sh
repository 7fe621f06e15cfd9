#!/usr/bin/env bash
# Prove .pre-commit-hooks.yaml with the real pre-commit (PyPI): `pre-commit
# try-repo` this repository's `o11ylint` hook against a throwaway git
# repository holding a bad rule file. The hook must fail and print our
# diagnostic; after the fix it must pass.
#
# try-repo installs the hook from a commit. The working tree may hold work
# that is not committed (or new files, which try-repo's own "uncommitted
# changes" copy leaves out), so the hook repository is a one-commit snapshot
# of the working tree: tracked and untracked files, minus what .gitignore
# ignores.
#
# pre-commit builds the hook with `cargo install --path .`; the build reuses
# one target directory between runs (O11YLINT_PRECOMMIT_TARGET, default
# target/precommit) and is made without LTO and optimisation, which changes
# how long the build takes, not what the hook runs.
set -euo pipefail

here="$(cd "$(dirname "$0")/../.." && pwd)"
passed=0
failed=0
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }
ok() { echo "ok: $*"; passed=$((passed + 1)); }

if ! command -v pre-commit >/dev/null 2>&1; then
  echo "FAIL: pre-commit is not installed (python3 -m pip install -r requirements-dev.txt)"
  exit 1
fi
echo "using $(pre-commit --version)"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export PRE_COMMIT_HOME="$work/pre-commit-home"
export CARGO_TARGET_DIR="${O11YLINT_PRECOMMIT_TARGET:-$here/target/precommit}"
export CARGO_PROFILE_RELEASE_LTO=false
export CARGO_PROFILE_RELEASE_OPT_LEVEL=0
export CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16
export GIT_AUTHOR_NAME=o11ylint GIT_AUTHOR_EMAIL=o11ylint@example.invalid
export GIT_COMMITTER_NAME=o11ylint GIT_COMMITTER_EMAIL=o11ylint@example.invalid
export NO_COLOR=1

# 0. pre-commit accepts the hook definitions (both hooks)
if pre-commit validate-manifest "$here/.pre-commit-hooks.yaml"; then
  ok "pre-commit validate-manifest .pre-commit-hooks.yaml"
else
  fail "pre-commit rejects .pre-commit-hooks.yaml"
fi

# 1. the hook repository: a snapshot of this working tree, one commit
hooks="$work/o11ylint"
mkdir -p "$hooks"
(
  cd "$here"
  git ls-files -z --cached --others --exclude-standard |
    while IFS= read -r -d '' f; do
      [ -f "$f" ] && cp --parents -p -- "$f" "$hooks/"
    done
)
test -f "$hooks/.pre-commit-hooks.yaml" || { echo "FAIL: no .pre-commit-hooks.yaml"; exit 1; }
git -C "$hooks" init -q
git -C "$hooks" add -A
git -C "$hooks" commit -q -m "o11ylint snapshot for pre-commit try-repo"

# 2. the project using the hook: an alert grouped by a forbidden label
project="$work/project"
mkdir -p "$project/rules" "$project/docs/runbooks"
git -C "$project" init -q
cat > "$project/docs/runbooks/request-errors.md" <<'MD'
# Request errors
MD
cat > "$project/rules/alerts-warning.yaml" <<'YAML'
groups:
- name: openbao-requests
  rules:
  - alert: OpenBaoRequestErrors
    expr: sum by (cluster, request_path) (rate(openbao:core_handle_request_errors:rate5m[5m])) > 1
    for: 10m
    labels:
      severity: warning
    annotations:
      runbook_url: docs/runbooks/request-errors.md
YAML
git -C "$project" add -A
git -C "$project" commit -q -m "bad alert"

run_hook() {
  (cd "$project" && pre-commit try-repo "$hooks" o11ylint --all-files --verbose) \
    >"$work/out.txt" 2>&1
}

echo "pre-commit try-repo (installs the hook with cargo; the first build takes a while)..."
if run_hook; then
  cat "$work/out.txt"
  fail "the hook passed on a rule file grouped by request_path"
elif grep -q 'error\[OL200 forbidden-label\]: label `request_path` is forbidden' "$work/out.txt" &&
     grep -q 'rules/alerts-warning.yaml:5:28' "$work/out.txt"; then
  ok "the hook fails with OL200 forbidden-label at rules/alerts-warning.yaml:5:28"
else
  cat "$work/out.txt"
  fail "the hook failed without our diagnostic"
fi

# 3. the fix: group by cluster only
sed -i 's/sum by (cluster, request_path)/sum by (cluster)/' "$project/rules/alerts-warning.yaml"
git -C "$project" add -A
if run_hook && grep -q '^o11ylint\.*Passed' "$work/out.txt"; then
  ok "the hook passes after the fix"
else
  cat "$work/out.txt"
  fail "the hook did not pass after the fix"
fi

echo "pre-commit hooks: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
