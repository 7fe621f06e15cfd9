# o11ylint: build, lint this repository, test.
# Targets that need ../shared/corpus say so and skip cleanly without it.

CARGO    ?= cargo
BIN      := target/release/o11ylint
CORPUS   ?= ../shared/corpus

.PHONY: all build check test test-unit cargo-test corpus-check logql-diff fmt clippy lint clean

all: build

build:
	$(CARGO) build --release --locked

## Main job: lint this repository with the default policy (+ o11ylint.yaml)
check: build
	$(BIN) check

## The test command (.ci/run calls exactly this)
test: test-unit corpus-check logql-diff

test-unit: cargo-test

cargo-test:
	$(CARGO) test --locked

## Every corpus rule file: no panic, no internal error, PromQL verdicts agree
## with promtool (needs ../shared/corpus and promtool; skips without them)
corpus-check: build
	python3 scripts/corpus-check.py --corpus $(CORPUS) --o11ylint $(BIN)

## Differential test of our LogQL parser against Grafana's lezer grammar
## (needs node/npm; skips without them)
logql-diff: build
	@if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then \
	  LOGQL_RUST="$(BIN) debug logql" tools/logql-diff/run.sh; \
	else echo "SKIP logql-diff: node/npm not installed"; fi

fmt:
	$(CARGO) fmt --all

clippy:
	$(CARGO) clippy --all-targets --locked -- -D warnings

lint: clippy
	$(CARGO) fmt --all -- --check

clean:
	$(CARGO) clean
