#!/usr/bin/env bash
# setup.sh installs what easy-api needs at run and test time. The Makefile and
# the Dockerfile both call it, so CI exercises the image's steps. Every step
# is idempotent: it does nothing when what it installs is already there.
#   setup.sh                  browser + assets (what `make run` needs)
#   setup.sh browser          Chromium (headless shell and full) and fonts from Debian's packages
#   setup.sh browser headless only the headless shell and fonts (the Docker image)
#   setup.sh assets           npm packages (wa-js, the spec linter) via npm ci; installs npm if missing
#   setup.sh tools            test tools: promtool (Debian package prometheus)
# apt runs directly as root (containers) and through sudo otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

# Fonts WhatsApp Web renders with: Latin metrics-compatible fonts and colour
# emoji, so screenshots and layout match a desktop browser.
FONTS=(fonts-liberation fonts-noto-color-emoji)

as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo "$@"
	else
		echo "setup: need root or sudo to run: $*" >&2
		return 1
	fi
}

# missing prints the Debian packages among its arguments that are not
# installed; without dpkg it prints them all (apt_install then explains).
missing() {
	local p
	for p in "$@"; do
		if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
			echo "$p"
		fi
	done
}

# apt_install installs the Debian packages given that are missing.
apt_install() {
	local need
	need=$(missing "$@")
	[ -n "$need" ] || return 0
	if ! command -v apt-get >/dev/null 2>&1; then
		echo "setup: no apt-get here; install these yourself: $need" >&2
		return 1
	fi
	echo "setup: installing" $need >&2
	as_root apt-get update -qq
	# shellcheck disable=SC2086 # one word per package
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need >/dev/null
}

browser() {
	if ! command -v dpkg-query >/dev/null 2>&1 && command -v chromium-headless-shell >/dev/null 2>&1; then
		return # not Debian, and a browser is there already
	fi
	local pkgs=(chromium-headless-shell)
	if [ "${1:-}" != headless ]; then
		pkgs+=(chromium) # headful sessions and the browser tests' comparisons
	fi
	apt_install "${pkgs[@]}" "${FONTS[@]}" ca-certificates
}

assets() {
	[ -f package-lock.json ] || return 0
	if ! [ -d node_modules ] || ! [ node_modules/.package-lock.json -nt package-lock.json ]; then
		if ! command -v npm >/dev/null 2>&1; then
			apt_install nodejs npm
		fi
		echo "setup: npm ci" >&2
		npm ci --no-audit --no-fund --loglevel=error
	fi
}

tools() {
	if command -v promtool >/dev/null 2>&1; then
		return
	fi
	apt_install prometheus
}

case "${1:-all}" in
	browser) browser "${2:-}" ;;
	assets) assets ;;
	tools) tools ;;
	all) browser; assets ;;
	*) echo "usage: $0 [browser [headless]|assets|tools]" >&2; exit 2 ;;
esac
