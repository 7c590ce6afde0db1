#!/usr/bin/env bash
# Makes sure redis-server (and redis-benchmark, redis-sentinel) are installed:
# installs Debian's packages when missing and we are root, says how otherwise.
set -euo pipefail
if command -v redis-server >/dev/null && command -v redis-sentinel >/dev/null && command -v redis-benchmark >/dev/null; then
  exit 0
fi
pkgs="redis-server redis-sentinel redis-tools"
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "installing $pkgs (Debian packages)..." >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $pkgs >/dev/null
  # The package may start a system redis on :6379; squall never uses it.
  exit 0
fi
echo "squall needs redis-server, redis-sentinel and redis-benchmark in PATH." >&2
echo "On Debian/Ubuntu: sudo apt-get install -y $pkgs" >&2
exit 1
