#!/usr/bin/env bash
# Runs one scenario as N shards in squall containers exactly as a Kubernetes
# Indexed Job would (JOB_COMPLETION_INDEX, SQUALL_SHARDS, SQUALL_START_AT, a
# shared volume for the results), against one local redis-server, then
# merges the shards and checks the merged accounting. Usage:
#   scripts/shards-docker.sh [N]        (default 3)
# Needs Docker and redis-server; builds the image from local files only.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-3}
tag=squall:shards-test
work=$(mktemp -d)
vol=squall-shards-$$
port=$((20000 + RANDOM % 20000))
cleanup() {
  docker rm -f $(docker ps -aq --filter "label=squall-shards=$$") >/dev/null 2>&1 || true
  docker volume rm -f "$vol" >/dev/null 2>&1 || true
  [ -n "${redis_pid:-}" ] && kill "$redis_pid" 2>/dev/null || true
  docker rmi -f "$tag" >/dev/null 2>&1 || true
  rm -rf "$work" deploy/docker/squall
}
trap cleanup EXIT

CGO_ENABLED=0 go build -o deploy/docker/squall ./cmd/squall
docker build -q -t "$tag" deploy/docker >/dev/null
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" >/dev/null &
redis_pid=$!
sleep 0.5

cat >"$work/scenario.yaml" <<YAML
name: shards-docker
warmup: 0s
duration: 3s
drain: 2s
target: {provider: external, addrs: [127.0.0.1:$port]}
workload: {pattern: stream, producers: $((2 * n)), consumers: $n, rate: 3000, keys: 4}
slo: {lost_max: 0}
YAML
docker volume create "$vol" >/dev/null
start=$(date -u -d '+8 sec' +%Y-%m-%dT%H:%M:%SZ)
for i in $(seq 0 $((n - 1))); do
  # The container's user may not own the volume: run as root inside it.
  docker run -d --label "squall-shards=$$" --network host --user 0 \
    -e JOB_COMPLETION_INDEX="$i" -e SQUALL_SHARDS="$n" -e SQUALL_START_AT="$start" \
    -v "$vol:/results" -v "$work/scenario.yaml:/scenario.yaml:ro" \
    "$tag" run /scenario.yaml --quiet --out "/results/shard-$i" >/dev/null
done
status=0
for c in $(docker ps -aq --filter "label=squall-shards=$$"); do
  code=$(docker wait "$c")
  if [ "$code" != 0 ]; then docker logs "$c"; status=1; fi
done
[ "$status" = 0 ] || { echo "a shard failed"; exit 1; }
dirs=$(for i in $(seq 0 $((n - 1))); do printf '/results/shard-%d ' "$i"; done)
docker run --rm --label "squall-shards=$$" --user 0 -v "$vol:/results" "$tag" merge $dirs --out /results/merged
docker run --rm --label "squall-shards=$$" --user 0 -v "$vol:/results" "$tag" report /results/merged --format json >"$work/merged.json"
xadd=$(redis-cli -p "$port" info commandstats | sed -n 's/^cmdstat_xadd:calls=\([0-9]*\),.*/\1/p')
python3 - "$work/merged.json" "$xadd" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); ev = r["cells"][0]["events"]; xadd = int(sys.argv[2])
ok = ev["sent"] == xadd == 9000 and ev["received"] == ev["acked"] == ev["sent"] and ev["lost"] == 0 and ev["duplicated"] == 0
print(f"merged {len(r['shards'])} shards: sent {ev['sent']} (server XADD {xadd}), acked {ev['acked']}, received {ev['received']}, lost {ev['lost']}, duplicated {ev['duplicated']}")
sys.exit(0 if ok else 1)
PY
