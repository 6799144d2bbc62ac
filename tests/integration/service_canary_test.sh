#!/usr/bin/env bash
# A canary rollout that fails its health gate is rolled back by itself on `bfd-node --dev`, and
# every chain keeps finalizing meanwhile (issue 14, docs/service-triage.md).
#
# The counter (contracts/examples/counter.wasm) is version 1 of a service on chains 2 and 3; a
# broken counter whose increment traps (broken_counter.wasm) is version 2, upgraded with chain 2
# as its canary and a gate of at most 100 permille failed calls over at least 5. Calls to the
# version-2 contract on chain 2 fail; with no manual health report, the node's triage measures
# them and reports, the mainchain rolls the canary back: resolve on chain 2 gives version 1
# again and chain 3 never switched. The final height of every chain (the mainchain, chain 1,
# and 2-8) grows across the whole rollout. Then a good version 3 passes its gate and is
# promoted to chain 3.
# Prints a timeline in seconds since the test started.
# Usage: service_canary_test.sh BFD_NODE BFD_CLI REPO_ROOT
set -u
node_bin=$(realpath "${1:?usage: service_canary_test.sh BFD_NODE BFD_CLI REPO_ROOT}")
cli=$(realpath "${2:?usage}")
root=$(realpath "${3:?usage}")
work=$(mktemp -d /tmp/bfd-service-canary-XXXXXX)
source "$root/tests/integration/dev_node_lib.sh"

t0=$(date +%s.%N)
timeline=()
mark() {
  local t
  t=$(python3 -c "import sys; print(f'{float(sys.argv[1]) - float(sys.argv[2]):6.1f}')" "$(date +%s.%N)" "$t0")
  timeline+=("$t s  $*")
  echo "[$t s] $*"
}

chains=(1 2 3 4 5 6 7 8)  # the mainchain is chain 1
final_of() { json_of 'j["final"]["height"]' info --json --chain "$1"; }
finals() {
  local out="" c
  for c in "${chains[@]}"; do out+="$c:$(final_of "$c") "; done
  echo "$out"
}

# All seven dev sidechains; the triage reads the mainchain every second (default 3).
start_node --sidechains 7 --triage-interval 1
wait_for 60 at_least "final_of 2" 2 && wait_for 30 at_least "final_of 3" 2 || fatal "chains 2 and 3 did not finalize"
mark "node up: every chain finalizes"
keys="$work/data/keys"
admin="$keys/registry.json"
examples="$root/contracts/examples"

# Templates published by a funded dev account; the contracts deployed by the dev admin (a deploy
# without init needs no fee: --fee 0; these chains have no access module: docs/contracts.md).
publish() {  # CHAIN NAME CODE -> template id
  run contract publish --chain "$1" --key "$keys/account-00.json" --name "$2" --code "$3" --entry increment --entry get
  [ $rc -eq 0 ] || { echo "publish $2 on chain $1: $(cat err)" >&2; return 1; }
  field template
}
deploy() {  # CHAIN TEMPLATE -> contract address
  run contract deploy --chain "$1" --key "$admin" --fee 0 --template "$2"
  [ $rc -eq 0 ] || { echo "deploy on chain $1: $(cat err)" >&2; return 1; }
  field contract
}
# One chain's contracts: counter v1, broken v2, counter v3 (the pass case), in $work/contracts-CHAIN.
setup_chain() {
  local c=$1 dir="$work/on-$1"
  mkdir -p "$dir" && cd "$dir" || return 1
  local good bad
  good=$(publish "$c" counter "$examples/counter.wasm") || return 1
  bad=$(publish "$c" broken-counter "$examples/broken_counter.wasm") || return 1
  echo "$(deploy "$c" "$good") $(deploy "$c" "$bad") $(deploy "$c" "$good")" >"$work/contracts-$c"
}
setup_chain 2 &
p2=$!
setup_chain 3 &
p3=$!
wait $p2 && wait $p3 || fatal "publishing and deploying the contracts failed"
cd "$work" || exit 1
read -r v1_2 v2_2 v3_2 <"$work/contracts-2"
read -r v1_3 v2_3 v3_3 <"$work/contracts-3"
[ -n "$v3_2" ] && [ -n "$v3_3" ] || fatal "contracts: $(cat "$work"/contracts-*)"
ok "counter and broken counter deployed on chains 2 and 3 by the dev admin"

before=$(finals)
mark "final heights before: $before"
run service register --key "$admin" --fee 0 --uuid 0123456789abcdef0123456789abcdef --symbol CNT --home 2 --deploy 2,3 \
  --instance "2:$v1_2" --instance "3:$v1_3" --commission percent:250
[ $rc -eq 0 ] || fatal "service register: $(cat err) $(cat out)"
service=$(json_of 'j["id"]' service show 0123456789abcdef0123456789abcdef)
[ -n "$service" ] || service=1
mark "registered service $service (version 1 on chains 2 and 3)"

resolve() {  # CHAIN -> live version number
  json_of 'j["version"]' service resolve "$service" "$1"
}
[ "$(resolve 2)" = 1 ] && [ "$(resolve 3)" = 1 ] && ok "version 1 resolves on chains 2 and 3" || fail "resolve after register"

run service upgrade "$service" --key "$admin" --fee 0 --instance "2:$v2_2" --instance "3:$v2_3" --canary 2 --delay 2 \
  --window 1000 --min-calls 5 --max-failed-permille 100 --max-missed 1000 --max-latency-ms 60000 --promote-delay 1
[ $rc -eq 0 ] || fatal "service upgrade: $(cat err) $(cat out)"
mark "upgrade to version 2 submitted and final (canary chain 2)"
canary_height=$(json_of 'j["rollout"]["canary_height"]' service show "$service")
[ -n "$canary_height" ] || fatal "no rollout in service show: $(timeout 10 "$cli" service show "$service")"
wait_for 30 at_least "final_of 1" "$canary_height" || fatal "the mainchain did not reach the canary height $canary_height"
mark "canary live: mainchain final >= $canary_height"
[ "$(resolve 2)" = 2 ] && ok "chain 2 resolves to version 2 (canary)" || fail "chain 2 resolves to $(resolve 2), not 2"
[ "$(resolve 3)" = 1 ] && ok "chain 3 stays on version 1" || fail "chain 3 resolves to $(resolve 3) during the canary"
wait_for 20 grep -q "triage: service $service version 2 is live on chain 2" node.log ||
  fatal "the triage did not see the canary live"

# call_six CONTRACT CHECK: six callers at once on chain 2 (accounts 0-5, one nonce each) call
# CONTRACT's increment; prints how many calls CHECK (a function of rc and err) accepted.
call_six() {
  local contract=$1 check=$2 i p n=0 pids=()
  for i in 0 1 2 3 4 5; do
    (
      mkdir -p "$work/call-$contract-$i" && cd "$work/call-$contract-$i" || exit 1
      run contract call --chain 2 --key "$keys/account-0$i.json" "$contract" increment --fuel 10000
      "$check"
    ) &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" && n=$((n + 1)); done
  echo $n
}
trapped() { [ $rc -eq 1 ] && grep -q "trapped" err; }
succeeded() { [ $rc -eq 0 ]; }
# Every call of the broken version traps.
failed=$(call_six "$v2_2" trapped)
mark "first failed call answered ($failed of 6 calls to version 2 failed with a trap)"
[ $failed -eq 6 ] && ok "6 calls to version 2 on chain 2 failed (trapped)" || fail "only $failed of 6 calls failed"

# What the triage measures, as any client reads it (the first 1000 heights cover the test).
health=$(curl -s "$BFD_NODE/v1/chains/2/health?contract=$v2_2&from=1" | python3 -c "import json,sys
j = json.load(sys.stdin); print(j['calls'], j['failed_calls'], j['latency_samples'] > 0)" 2>/dev/null)
[ "$health" = "6 6 True" ] && ok "GET /v1/chains/2/health: 6 calls to version 2, 6 failed, latency measured" ||
  fail "GET /v1/chains/2/health: '$health'"
phase() { json_of 'j["rollout"]["phase"]' service show "$service"; }
is_rolled_back() { [ "$(phase)" = rolled_back ]; }
reported() { grep -q "triage: service $service version 2 on chain 2 .*reported" node.log; }
wait_for 30 reported || fail "the triage sent no health report"
mark "first health report submitted by the triage"
wait_for 30 is_rolled_back || fatal "the rollout is not rolled back: phase $(phase)"
mark "rolled back: $(json_of 'j["rollout"]["reason"]' service show "$service")"
ok "the service rolled back by itself (no manual health report)"
back_to_1() { [ "$(resolve 2)" = 1 ]; }
wait_for 10 back_to_1 && ok "chain 2 resolves to version 1 again" || fail "chain 2 resolves to $(resolve 2)"
[ "$(resolve 3)" = 1 ] && ok "chain 3 never switched" || fail "chain 3 resolves to $(resolve 3)"
python3 -c "import json,sys
j = json.load(sys.stdin)
assert all(e['version'] != 2 for e in j['schedule'] if e['chain'] == 3), j['schedule']" \
  < <(timeout 10 "$cli" service show "$service") && ok "chain 3's schedule never held version 2" ||
  fail "chain 3's schedule: $(timeout 10 "$cli" service show "$service")"
reports=$(curl -s "$BFD_NODE/metrics" | sed -n 's/^bfd_triage_reports_total{outcome="submitted"} //p')
[[ "$reports" =~ ^[0-9.]+$ ]] && python3 -c "import sys; assert float(sys.argv[1]) >= 1" "$reports" &&
  ok "/metrics counts $reports submitted report(s)" || fail "/metrics: bfd_triage_reports_total '$reports'"

after=$(finals)
mark "final heights after the rollback: $after"
python3 - "$before" "$after" <<'EOF' && ok "every chain's final height grew during the rollout" || fail "a chain stopped finalizing: $before -> $after"
import sys
b = dict(p.split(":") for p in sys.argv[1].split())
a = dict(p.split(":") for p in sys.argv[2].split())
stuck = [c for c in b if not (b[c].isdigit() and a.get(c, "").isdigit() and int(a[c]) > int(b[c]))]
assert not stuck, stuck
EOF

# The pass case: a good version 3 (the counter again) gets its calls, passes and is promoted.
# The dev admin's key is also the triage's: a report still pending can hold the nonce the CLI
# picks, so the upgrade is tried again after a refusal.
for attempt in 1 2 3; do
  run service upgrade "$service" --key "$admin" --fee 0 --instance "2:$v3_2" --instance "3:$v3_3" --canary 2 --delay 2 \
    --window 3 --min-calls 5 --max-failed-permille 100 --max-missed 1000 --max-latency-ms 60000 --promote-delay 1
  [ $rc -eq 0 ] && break
  sleep 1
done
[ $rc -eq 0 ] || fatal "service upgrade to version 3: $(cat err) $(cat out)"
mark "upgrade to version 3 submitted (canary chain 2, window 3)"
v3_live() { grep -q "triage: service $service version 3 is live on chain 2" node.log; }
wait_for 30 v3_live || fatal "the triage did not see version 3 live"
good=$(call_six "$v3_2" succeeded)
[ $good -eq 6 ] && ok "6 calls to version 3 succeeded" || fail "only $good of 6 calls to version 3 succeeded"
is_promoted() { [ "$(phase)" = promoted ]; }
wait_for 30 is_promoted && mark "version 3 promoted" || fail "version 3 not promoted: phase $(phase)"
on_3() { [ "$(resolve 3)" = 3 ]; }
wait_for 10 on_3 && ok "chain 3 resolves to version 3 after the promotion" || fail "chain 3 resolves to $(resolve 3)"
mark "final heights at the end: $(finals)"

stop_node
echo "timeline (seconds since the test started):"
printf '  %s\n' "${timeline[@]}"
if [ $failures -eq 0 ]; then echo "service-canary: all checks passed"; exit 0; fi
grep "triage" "$work/node.log" | tail -n 20
tail -n 20 "$work/node.log"
exit 1
