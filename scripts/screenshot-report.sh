#!/usr/bin/env bash
# Renders a run's report.html to a PNG with headless Chromium, offline:
#   scripts/screenshot-report.sh RUN_DIR [OUT.png]     (OUT defaults to RUN_DIR/report.png)
#   scripts/screenshot-report.sh path/to/report.html [OUT.png]
# The browser gets no usable network (its own network namespace when
# `unshare -n` is allowed, and in any case a dead proxy and a resolver that
# resolves nothing) and a throw-away profile, so the screenshot shows what
# the page draws by itself. Chromium is Debian's `chromium` package
# (apt-get install -y chromium); set CHROMIUM to use another binary.
# SCREENSHOT_WIDTH / SCREENSHOT_HEIGHT override the window size; the height
# defaults to an estimate of the page's length.
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: $0 RUN_DIR|REPORT.html [OUT.png]" >&2
  exit 2
fi
src=$1
if [ -d "$src" ]; then
  html="$src/report.html"
  out=${2:-$src/report.png}
  if [ ! -f "$html" ]; then
    echo "$html: not found; write it with: squall report $src --format html > $html" >&2
    exit 2
  fi
else
  html=$src
  out=${2:-${src%.html}.png}
fi
[ -f "$html" ] || { echo "$html: not found" >&2; exit 2; }

browser=${CHROMIUM:-}
if [ -z "$browser" ]; then
  for b in chromium chromium-browser google-chrome; do
    if command -v "$b" >/dev/null; then browser=$b; break; fi
  done
fi
if [ -z "$browser" ]; then
  echo "no chromium found; on Debian/Ubuntu: apt-get install -y chromium" >&2
  exit 3
fi

abs() { (cd "$(dirname "$1")" && printf '%s/%s' "$(pwd -P)" "$(basename "$1")"); }
html=$(abs "$html")
out=$(abs "$out")

width=${SCREENSHOT_WIDTH:-1280}
height=${SCREENSHOT_HEIGHT:-}
if [ -z "$height" ]; then
  # Estimated from what the page holds (headless Chromium cannot size the
  # window to the page): the header, each cell section and its faults
  # table, the comparison and the capacity curve.
  n() { { grep -o "$1" "$html" || true; } | wc -l; }
  height=$((500 + $(n '<section class="cell"') * 1950 + $(n '<table class="faults"') * 420 + $(n 'class="card notes"') * 110))
  if [ "$(n 'class="matrix"')" -gt 0 ]; then height=$((height + 700)); fi
  if [ "$(n 'class="capacity"')" -gt 0 ]; then height=$((height + 900)); fi
  if [ "$height" -gt 16000 ]; then height=16000; fi
fi

profile=$(mktemp -d "${TMPDIR:-/tmp}/squall-shot.XXXXXX")
trap 'rm -rf "$profile"' EXIT

args=(
  --headless --disable-gpu --hide-scrollbars --force-device-scale-factor=1
  --user-data-dir="$profile" --no-first-run --no-default-browser-check
  --proxy-server=127.0.0.1:9 --proxy-bypass-list='<-loopback>'
  --host-resolver-rules='MAP * ~NOTFOUND'
  --disable-background-networking --disable-component-update --disable-sync
  --disable-extensions --disable-default-apps --disable-domain-reliability
  --disable-breakpad --no-pings --metrics-recording-only --mute-audio
  --disable-features=Translate,OptimizationHints,MediaRouter,AutofillServerCommunication
  --window-size="$width,$height" --screenshot="$out"
)
if [ "$(id -u)" -eq 0 ]; then args+=(--no-sandbox); fi
if [ -n "${SCREENSHOT_NETLOG:-}" ]; then args+=(--log-net-log="$SCREENSHOT_NETLOG"); fi

run=()
if command -v unshare >/dev/null && unshare -n true 2>/dev/null; then
  run=(unshare -n)
fi
rm -f "$out"
"${run[@]}" "$browser" "${args[@]}" "file://$html" >"$profile/chromium.log" 2>&1 || {
  echo "chromium failed:" >&2
  tail -n 20 "$profile/chromium.log" >&2
  exit 1
}
if [ ! -s "$out" ]; then
  echo "chromium wrote no screenshot:" >&2
  tail -n 20 "$profile/chromium.log" >&2
  exit 1
fi
echo "$out"
