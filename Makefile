# easy-api — `make run` starts the server, `make test` runs every test.
# Both install what they need (Chromium from Debian, npm packages) first.

GO        ?= go
BIN       ?= bin/easy-api
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X main.version=$(VERSION)
ARGS      ?=

.PHONY: all setup browser assets tools build run demo test test-short vet bench spec spec-check spec-fmt fuzz clean bridge typecheck

all: build

## setup: install Chromium (Debian packages) and the npm assets when missing
setup:
	./scripts/setup.sh

browser:
	./scripts/setup.sh browser

assets:
	./scripts/setup.sh assets

## tools: test-only tools (promtool, from Debian's prometheus package)
tools:
	./scripts/setup.sh tools

## build: the binary; it is the one `go build ./cmd/easy-api` or `go install` gives
## (Swagger UI comes from a Go module; the wa-js bundle is found at run time)
build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/easy-api

## run: the server on 127.0.0.1:8080 with ./data as session data path
run: setup build
	$(BIN) serve --session-data-path ./data $(ARGS)

## demo: the server plus an in-process WhatsApp Web simulator
demo: setup build
	$(BIN) serve --session-data-path ./data-demo --simulator $(ARGS)

vet:
	$(GO) vet ./...

## bridge: nothing to build any more (the binary bundles its TypeScript at
## startup, see docs/bridge.md); kept so an old habit does not fail
bridge:
	@echo "make bridge: nothing to do: the page scripts are bundled from their TypeScript at run time"

## typecheck: tsc --noEmit against the pinned @wppconnect/wa-js declarations
## (also run by `make test`, as TestTypeCheck). There is no compiled JS to
## build or commit: the binary bundles the embedded TypeScript at startup.
typecheck: assets
	node_modules/.bin/tsc --noEmit -p internal/browser/bridge
	node_modules/.bin/tsc --noEmit -p internal/wasim/ts

## test: every test, with the race detector, real Chromium included
## (also the spec's freshness and lint, and the fuzz targets' seed corpora)
test: setup tools vet
	$(GO) test -race -count=1 -timeout 30m ./...

## test-short: the fast loop (skips the browser tests)
test-short:
	$(GO) test -race -short ./...

## bench: benchmarks with figures printed against a floor measured in the same run.
## Browser benchmarks loop internally (one iteration each); bus and store ones need time to average.
bench: setup
	$(GO) test -run '^$$' -bench . -benchtime 1x -timeout 60m ./internal/e2e/
	$(GO) test -run '^$$' -bench . -benchtime 2s -timeout 30m ./internal/events/... ./internal/store/
	$(GO) test -run '^$$' -bench 'LargeProfile|Forward' -benchtime 1x -timeout 30m ./internal/api/
	$(GO) test -run '^$$' -bench LeaseMove -benchtime 1x -timeout 10m ./internal/cluster/
	$(GO) test -run '^$$' -bench ClusterFailover -benchtime 1x -timeout 40m ./cmd/easy-api/
	$(GO) test -run '^$$' -bench SnapshotRefresh -benchtime 1x -timeout 10m ./internal/session/

## spec: regenerate docs/openapi from the swag annotations (commit the result;
## the Go client the tests drive is generated at test time, never committed)
spec:
	$(GO) run ./docs/openapi/gen

## spec-check: fail when `make spec` would change docs/openapi; lint it
spec-check: assets
	$(GO) test -count=1 ./docs/openapi/

## spec-fmt: align the swag annotations
spec-fmt:
	$(GO) tool swag fmt -d internal/api,internal/events,internal/events/webhook

## fuzz: run each fuzz target for FUZZTIME (default 30s); `make test` runs their seeds
FUZZTIME ?= 30s
fuzz:
	@for pkg in ./internal/api/ ./internal/apikey/ ./internal/events/webhook/ ./internal/session/; do \
		for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
			echo "fuzz $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
		done; \
	done

clean:
	rm -rf bin
