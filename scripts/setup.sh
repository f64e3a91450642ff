#!/usr/bin/env bash
# setup.sh installs what easy-api needs at run and test time. The Makefile and
# the Dockerfile both call it, so CI exercises the image's steps.
#   setup.sh            everything
#   setup.sh browser    Chromium (headless shell and full) from Debian's packages
#   setup.sh assets     npm packages (wa-js, swagger-ui-dist) via npm ci
set -euo pipefail
cd "$(dirname "$0")/.."

need_root() { if [ "$(id -u)" -ne 0 ]; then echo "sudo"; fi; }

browser() {
	if command -v chromium-headless-shell >/dev/null 2>&1 && command -v chromium >/dev/null 2>&1; then
		return
	fi
	echo "setup: installing Chromium from Debian's packages" >&2
	$(need_root) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(need_root) apt-get install -y -qq --no-install-recommends \
		chromium-headless-shell chromium fonts-liberation ca-certificates >/dev/null
}

assets() {
	[ -f package-lock.json ] || return 0
	if [ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then
		return
	fi
	echo "setup: npm ci" >&2
	npm ci --no-audit --no-fund --loglevel=error
}

case "${1:-all}" in
	browser) browser ;;
	assets) assets ;;
	all) browser; assets ;;
	*) echo "usage: $0 [browser|assets]" >&2; exit 2 ;;
esac
