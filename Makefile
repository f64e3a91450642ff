# easy-api — `make run` starts the server, `make test` runs every test.
# Both install what they need (Chromium from Debian, npm packages) first.

GO        ?= go
BIN       ?= bin/easy-api
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X main.version=$(VERSION)
ARGS      ?=

.PHONY: all setup browser assets tools build run demo test test-short vet bench spec spec-check clean

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

## test: every test, with the race detector, real Chromium included
test: setup tools vet
	$(GO) test -race -count=1 -timeout 30m ./...

## test-short: the fast loop (skips the browser tests)
test-short:
	$(GO) test -race -short ./...

## bench: benchmarks with figures printed against a floor measured in the same run
bench: setup
	$(GO) test -run '^$$' -bench . -benchtime 1x -timeout 60m ./...

clean:
	rm -rf bin
