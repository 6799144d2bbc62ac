#!/usr/bin/env bash
# The read cache on a real `bfd-node --dev` over real HTTP (docs/cache.md), ring mode then Redis:
# - freshness: a counter on chain 7 read by its reader (a signed read) before and after each of 5
#   increments: the read after a call shows the new value, never the cached old one; a service
#   shown (cached) before an upgrade shows the new version as soon as the upgrade is final;
# - hit rate: 200 signed reads of the counter's state, and 200 reads of a service's resolution
#   (the "rating query": service 1 on chain 3, fund rating), while transfers flow on chains 1 and
#   2: more than 90% hits; the latency of a hit and of a miss through HTTP is printed;
# - /metrics and /v1/info show the cache; with Redis (a redis-server this test starts), the same
#   freshness and hit rate, and a Redis outage degrades to misses (200 answers, errors counted).
# Usage: cache_dev_test.sh BFD_NODE BFD_CLI REPO_ROOT
set -u
node_bin=$(realpath "${1:?usage: cache_dev_test.sh BFD_NODE BFD_CLI REPO_ROOT}")
cli=$(realpath "${2:?usage}")
root=$(realpath "${3:?usage}")
work=$(mktemp -d /tmp/bfd-cache-XXXXXX)
source "$root/tests/integration/dev_node_lib.sh"

redis_pid=""
stop_redis() {
  if [ -n "$redis_pid" ]; then
    kill "$redis_pid" 2>/dev/null
    wait "$redis_pid" 2>/dev/null
    redis_pid=""
  fi
}
flow_pid=""
stop_flow() {
  if [ -n "$flow_pid" ]; then
    kill "$flow_pid" 2>/dev/null
    wait "$flow_pid" 2>/dev/null
    flow_pid=""
  fi
}
trap 'stop_flow; stop_redis; cleanup' EXIT

# signed_read TARGET KEY CHAIN: a signed GET; the body in ./body, the X-Bfd-Cache header in
# ./cache_header; prints the status.
signed_read() {
  local target=$1 key=$2 chain=$3 hdrs
  mapfile -t hdrs < <("$cli" key sign-read "$target" --key "$key" --chain "$chain")
  [ "${#hdrs[@]}" -eq 3 ] || fatal "key sign-read $target: ${hdrs[*]}"
  curl -s -m 10 -D headers -o body -w '%{http_code}' -H "${hdrs[0]}" -H "${hdrs[1]}" -H "${hdrs[2]}" "$BFD_NODE$target"
  tr -d '\r' <headers | sed -n 's/^[Xx]-[Bb]fd-[Cc]ache: //p' >cache_header
}
body_of() { python3 -c "import json; j = json.load(open('body')); print($1)" 2>/dev/null; }
metric() { curl -s -m 10 "$BFD_NODE/metrics" | awk -v m="$1" '$1 == m {print int($2)}'; }
# le64 N: N as the 8 little-endian bytes the counter stores, in hex.
le64() { python3 -c "import sys; print(int(sys.argv[1]).to_bytes(8, 'little').hex())" "$1"; }

# flow_transfers: transfers on chains 1 and 2 until stopped (the unrelated traffic).
flow_transfers() {
  local to
  to=$("$cli" key show "$keys/account-05.json" | sed -n 's/^address: //p')
  while :; do
    "$cli" transfer --key "$keys/account-04.json" --to "$to" --amount 0.001 --timeout 20 >/dev/null 2>&1
    "$cli" transfer --chain 2 --key "$keys/account-04.json" --to "$to" --amount 0.001 --timeout 20 >/dev/null 2>&1
  done
}

# python_reads TARGET N [BASE]: N keep-alive GETs of TARGET (with BASE: TARGET?height=BASE+i for
# i = 0..N-1, each its own cache key, so each a miss); prints "hits N_HITS mean_us MEAN p50_us P50".
python_reads() {
  python3 - "$port" "$1" "$2" "${3:-same}" <<'PY'
import http.client, sys, time
port, target, n, mode = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
hits, times = 0, []
for i in range(n):
    path = target if mode == "same" else f"{target}?height={int(mode) + i}"
    t = time.perf_counter()
    c.request("GET", path)
    r = c.getresponse()
    r.read()
    times.append(time.perf_counter() - t)
    if r.status != 200:
        print(f"status {r.status} for {path}")
        sys.exit(1)
    hits += r.getheader("X-Bfd-Cache") == "hit"
times.sort()
print(f"hits {hits} mean_us {int(sum(times) / n * 1e6)} p50_us {int(times[n // 2] * 1e6)}")
PY
}

# counter_round NAME: 5 increments of the counter, each read (and so cached) before and read
# after; the read after must show the new value.
counter_round() {
  local name=$1 i cached=0
  for i in 1 2 3 4 5; do
    # Two reads: the second is served from the cache when nothing changed in between.
    signed_read "$state_value" "$reader" 7 >/dev/null
    code=$(signed_read "$state_value" "$reader" 7)
    [ "$code" = 200 ] || fatal "$name: read before call $i: $code $(cat body)"
    [ "$(cat cache_header)" = hit ] && cached=$((cached + 1))
    old=$(body_of 'j["value"]')
    run contract call --chain 7 --key "$owner" "$counter" increment --fuel 10000
    [ $rc -eq 0 ] || fatal "$name: increment $i: $(cat out) $(cat err)"
    code=$(signed_read "$state_value" "$reader" 7)
    new=$(body_of 'j["value"]')
    expected=$(le64 $((count + 1)))
    [ "$code" = 200 ] && [ "$new" = "$expected" ] ||
      fail "$name: read after increment $i: $code $(cat body) (before: $old, expected $expected)"
    count=$((count + 1))
  done
  [ $cached -ge 3 ] && ok "$name: 5 increments, each read after the call shows the new value ($cached of the 5 reads before were hits)" ||
    fail "$name: only $cached of the reads before a call were hits: the freshness check proves nothing"
}

# hit_rate NAME: 200 signed reads of the counter's state value and 200 reads of the rating query.
hit_rate() {
  local name=$1 hits=0 i
  for i in $(seq 200); do
    code=$(signed_read "$state_value" "$reader" 7)
    [ "$code" = 200 ] || fatal "$name: signed read $i: $code $(cat body)"
    [ "$(cat cache_header)" = hit ] && hits=$((hits + 1))
  done
  [ $hits -gt 180 ] && ok "$name: $hits of 200 signed reads of the counter's state were hits (> 90%) while transfers flowed" ||
    fail "$name: only $hits of 200 signed reads were hits"
  read -r _ rhits _ rmean _ rp50 < <(python_reads /v1/services/1/resolve/3 200) || fatal "$name: rating reads failed"
  [ "$rhits" -gt 180 ] && ok "$name: the rating query (GET /v1/services/1/resolve/3) hit $rhits of 200 times; a hit: mean $rmean us, median $rp50 us" ||
    fail "$name: the rating query hit only $rhits of 200 times"
  local base
  base=$(main_final)
  read -r _ mhits _ mmean _ mp50 < <(python_reads /v1/services/1/resolve/3 200 "$base") || fatal "$name: miss reads failed"
  [[ "$mmean" =~ ^[0-9]+$ ]] || fatal "$name: miss reads: $mhits $mmean"
  echo "figure: $name: a miss (200 distinct resolve heights from $base, $mhits hits): mean $mmean us, median $mp50 us;" \
    "a hit: mean $rmean us, median $rp50 us"
}

# --- ring mode ---------------------------------------------------------------------------------
start_node --sidechains 6 --http-rate 0
chain7_final() { json_of 'j["final"]["height"]' info --json --chain 7; }
wait_for 90 at_least chain7_final 2 || fatal "chain 7 did not finalize height 2 within 90 s"
keys="$work/data/keys"
owner="$keys/account-00.json"
reader="$keys/account-01.json"
admin="$keys/registry.json"
reader_addr=$("$cli" key show "$reader" | sed -n 's/^address: //p')
[ "$(curl -s "$BFD_NODE/v1/info" | python3 -c 'import json,sys; print(json.load(sys.stdin)["cache"]["backend"])')" = ring ] &&
  ok "GET /v1/info: the ring cache" || fail "GET /v1/info has no ring cache: $(curl -s "$BFD_NODE/v1/info")"

run contract publish --chain 7 --key "$owner" --name counter --code "$root/contracts/examples/counter.wasm" \
  --entry increment --entry get
[ $rc -eq 0 ] || fatal "publish the counter: $(cat err)"
run contract deploy --chain 7 --key "$owner" --template "$(field template)" --reader "$reader_addr"
[ $rc -eq 0 ] || fatal "deploy the counter: $(cat err) $(cat out)"
counter=$(field contract)
run contract call --chain 7 --key "$owner" "$counter" increment --fuel 10000
[ $rc -eq 0 ] || fatal "first increment: $(cat out) $(cat err)"
count=1
count_hex=$(printf 'count' | od -An -tx1 | tr -d ' \n')
state_value=/v1/chains/7/contracts/$counter/state/$count_hex
code=$(signed_read "$state_value" "$reader" 7)
[ "$code" = 200 ] && [ "$(body_of 'j["value"]')" = "$(le64 1)" ] || fatal "first read: $code $(cat body)"
ok "counter $counter on chain 7, read by its reader"

c2a=bfd$(printf '2%.0s' $(seq 40))
c3a=bfd$(printf '3%.0s' $(seq 40))
run service register --key "$admin" --uuid 0123456789abcdef0123456789abcdef --symbol RATE --home 3 --deploy 2,3 \
  --instance "2:$c2a" --instance "3:$c3a" --commission percent:100
[ $rc -eq 0 ] && [ "$(field status)" = final ] || fatal "service register: $(cat out) $(cat err)"
ok "service 1 (RATE) registered, final"

flow_transfers &
flow_pid=$!
counter_round ring
# The registry: shown twice (the second a hit), upgraded, shown at once after the upgrade is final.
curl -s -o /dev/null "$BFD_NODE/v1/services/1"
[ "$(curl -s -D - -o body "$BFD_NODE/v1/services/1" | tr -d '\r' | sed -n 's/^X-Bfd-Cache: //p')" = hit ] ||
  fail "GET /v1/services/1 twice: the second was not a hit"
[ "$(body_of 'j["latest_version"]')" = 1 ] || fail "service 1 before the upgrade: $(cat body)"
# A later hit reports the chain's current final height, not the one the entry was read at.
first_final=$(body_of 'j["final_height"]')
sleep 2.5
[ "$(curl -s -D - -o body "$BFD_NODE/v1/services/1" | tr -d '\r' | sed -n 's/^X-Bfd-Cache: //p')" = hit ] &&
  [ "$(body_of 'j["final_height"]')" -gt "$first_final" ] &&
  ok "a hit 2.5 s later reports final height $(body_of 'j["final_height"]') (read at $first_final)" ||
  fail "a later hit of service 1: final height $(body_of 'j["final_height"]'), read at $first_final: $(cat body)"
c2b=bfd$(printf 'b%.0s' $(seq 40))
c3b=bfd$(printf 'c%.0s' $(seq 40))
run service upgrade 1 --key "$admin" --instance "2:$c2b" --instance "3:$c3b" --canary 2 --delay 2 --window 10 \
  --min-calls 5 --max-failed-permille 100
[ $rc -eq 0 ] && [ "$(field status)" = final ] || fatal "service upgrade: $(cat out) $(cat err)"
curl -s -o body "$BFD_NODE/v1/services/1"
[ "$(body_of 'j["latest_version"]')" = 2 ] && ok "service 1 read at once after its upgrade is final: version 2, not the cached 1" ||
  fail "service 1 after the upgrade: $(cat body)"
hit_rate ring
stop_flow
for m in 'bfd_cache_requests_total{cache="contract",result="hit"}' 'bfd_cache_requests_total{cache="registry",result="hit"}' \
  bfd_cache_invalidations_total bfd_cache_entries; do
  v=$(metric "$m")
  [ -n "$v" ] && [ "$v" -gt 0 ] || fail "/metrics: $m is '${v}'"
done
# A shard on the same node answers in microseconds; a timeout here is only the machine's load.
ring_errors=$(metric 'bfd_cache_backend_errors_total{backend="ring"}')
[ -n "$ring_errors" ] && [ "$ring_errors" -le 3 ] && ok "/metrics: cache hits, invalidations and entries counted; $ring_errors ring errors" ||
  fail "/metrics: ring errors '$ring_errors'"
curl -s "$BFD_NODE/v1/info" >body
echo "figure: ring: GET /v1/info cache: $(body_of 'j["cache"]')"

# --- Redis mode --------------------------------------------------------------------------------
if ! command -v redis-server >/dev/null 2>&1; then
  echo "SKIPPED: the Redis part: redis-server is not installed (tools/setup/install-deps.sh installs it)"
  finish cache-dev
fi
stop_node
redis_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$work/redis"
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work/redis" \
  --logfile "$work/redis/redis.log" &
redis_pid=$!
wait_for 10 sh -c "redis-cli -p $redis_port ping 2>/dev/null | grep -q PONG" || fatal "redis-server did not start"
start_node --sidechains 6 --http-rate 0 --cache-redis "127.0.0.1:$redis_port"
wait_for 60 at_least chain7_final 2 || fatal "the node did not come back"
[ "$(curl -s "$BFD_NODE/v1/info" | python3 -c 'import json,sys; print(json.load(sys.stdin)["cache"]["backend"])')" = redis ] &&
  ok "restarted with --cache-redis: GET /v1/info shows the Redis cache" || fail "no Redis cache: $(curl -s "$BFD_NODE/v1/info")"
code=$(signed_read "$state_value" "$reader" 7)
[ "$code" = 200 ] || fatal "redis: first read: $code $(cat body)"
flow_transfers &
flow_pid=$!
counter_round redis
hit_rate redis
stop_flow
redis-cli -p "$redis_port" --scan --pattern 'bfd:*' | head -3 | grep -q '^bfd:[0-9a-f]\{16\}:' &&
  ok "Redis keys are namespaced by the network's genesis hash" || fail "Redis keys: $(redis-cli -p "$redis_port" --scan | head -3)"
stop_redis
for i in 1 2 3; do
  code=$(signed_read "$state_value" "$reader" 7)
  [ "$code" = 200 ] && [ "$(body_of 'j["value"]')" = "$(le64 $count)" ] || fail "read $i with Redis down: $code $(cat body)"
done
e=$(metric 'bfd_cache_backend_errors_total{backend="redis"}')
[ -n "$e" ] && [ "$e" -gt 0 ] && grep -q "Redis .*reads are misses" "$work/node.log" &&
  ok "Redis down: reads answered from the chain, $e backend errors counted and logged" ||
  fail "Redis down: errors '$e', log: $(grep -i redis "$work/node.log" | tail -3)"
finish cache-dev
