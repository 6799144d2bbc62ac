#!/usr/bin/env bash
# WebAssembly contracts on three bfd-node processes: a copy of config/three-nodes.toml with chain 2
# turned into an ecosystem sidechain (the contracts module) replicated on all three nodes, plain
# TCP on free ports, 500 ms slots. Through the real bfd-cli on node a: the counter template is
# published, deployed and called twice, the loop template published, deployed and called with a
# fuel limit; the service commission execution template (a slot) and the loyalty discount client are
# published and deployed, the client set into the slot, and run called (20000 instead of 25000).
# Then every node serves the same contract (state root, calls), the same slot and client state,
# the same state root in the header of the last call's block, and the loop's call as included and failed with
# "out_of_fuel: used all 20000 units" (GET /v1/chains/2/txs/{id}); stopped, every data directory
# passes --check-storage (which rebuilds the contracts module from its records).
# Usage: contracts_three_nodes_test.sh BFD_NODE BFD_CLI REPO_ROOT
set -u
node_bin=$(realpath "${1:?usage: contracts_three_nodes_test.sh BFD_NODE BFD_CLI REPO_ROOT}")
cli=$(realpath "${2:?usage}")
root=$(realpath "${3:?usage}")
work=$(mktemp -d /tmp/bfd-contracts-three-XXXXXX)
source "$(dirname "$(realpath "$0")")/dev_node_lib.sh"  # fail/ok/run/field/wait_for/at_least; cds into $work

declare -A pid http
cleanup_all() {
  for n in a b c; do [ -n "${pid[$n]:-}" ] && kill -9 "${pid[$n]}" 2>/dev/null; done
  wait 2>/dev/null
  if [ -n "${BFD_KEEP_WORK:-}" ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup_all EXIT
fatal() {
  echo "FAIL: $*" >&2
  for n in a b c; do echo "--- $n.log" >&2; tail -n 25 "$work/$n.log" >&2; done
  exit 1
}

# --- the topology: three-nodes.toml with chain 2 an ecosystem chain on a, b and c -----------------
read -r -a ports <<<"$(python3 -c 'import socket
ss = [socket.socket() for _ in range(6)]
for s in ss: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))')"
mkdir -p cfg
ln -s "$root/config/keys" cfg/keys
python3 - "$root/config/three-nodes.toml" cfg/contracts.toml "$work" "${ports[@]}" <<'PY'
import re, sys
src, dst, work, ports = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
t = open(src).read()
t = t[:t.index("\n[[chains]]\nid = 3")] + "\n"               # chain 2 only
t = re.sub(r"\ntls = \{[^\n]*\}", "", t)                       # plain TCP (loopback only)
t = t.replace("slot_ms = 1000", "slot_ms = 500").replace("work_bits = 8", "work_bits = 0")
head, chain = t.split("\n[[chains]]\nid = 2\n", 1)
chain = chain.replace('kind = "system_service"', 'kind = "ecosystem"', 1)
chain = chain.replace('name = "fund exchange"', 'name = "smart contracts"', 1)
chain = chain.replace('nodes = ["a", "b"]', 'nodes = ["a", "b", "c"]', 1)
t = head + "\n[[chains]]\nid = 2\n" + chain
for i, n in enumerate("abc"):
    t = t.replace(f"port = {7101 + i}", f"port = {ports[i]}").replace(f"port = {8081 + i}", f"port = {ports[3 + i]}")
    t = t.replace(f'data_dir = "bfd-data/three-nodes/{n}"', f'data_dir = "{work}/data/{n}"')
open(dst, "w").write(t)
PY
grep -q 'kind = "ecosystem"' cfg/contracts.toml && grep -q 'nodes = \["a", "b", "c"\]' cfg/contracts.toml ||
  fatal "could not adapt three-nodes.toml"
topology="$work/cfg/contracts.toml"
http[a]=${ports[3]}; http[b]=${ports[4]}; http[c]=${ports[5]}
key="$root/config/keys/three-nodes/account-01.json"
examples="$root/contracts/examples"

start() {
  "$node_bin" --topology "$topology" --node "$1" >>"$work/$1.log" 2>&1 &
  pid[$1]=$!
}
final_on() {  # NODE: chain 2's final height on NODE
  BFD_NODE="http://127.0.0.1:${http[$1]}" json_of 'j["final"]["height"]' info --json --chain 2
}
get() {  # NODE PATH: GET on NODE, body on stdout
  curl -s --max-time 5 "http://127.0.0.1:${http[$1]}$2"
}
py() {  # EXPR: of the JSON on stdin as `j`
  python3 -c "import json,sys
try:
  j = json.load(sys.stdin); print($1)
except Exception:
  pass" 2>/dev/null
}

for n in a b c; do start $n; done
export BFD_NODE="http://127.0.0.1:${http[a]}"
for n in a b c; do
  wait_for 60 at_least "final_on $n" 2 || fatal "chain 2 did not finalize height 2 on node $n within 60 s"
done
ok "chain 2 (ecosystem, contracts module) finalizes on a, b and c"

# --- publish, deploy, call ------------------------------------------------------------------------
run contract publish --chain 2 --key "$key" --name counter --code "$examples/counter.wasm" --entry increment --entry get
[ $rc -eq 0 ] || fatal "contract publish counter: $(cat err)"
counter_t=$(field template)
ok "counter published: template $counter_t"
run contract deploy --chain 2 --key "$key" --template "$counter_t"
[ $rc -eq 0 ] || fatal "contract deploy counter: $(cat err) $(cat out)"
counter=$(field contract)
ok "counter deployed at $counter"
for i in 1 2; do
  run contract call --chain 2 --key "$key" "$counter" increment --fuel 10000
  [ $rc -eq 0 ] || fatal "increment $i: $(cat err) $(cat out)"
done
run contract call --chain 2 --key "$key" "$counter" get --fuel 10000
[ $rc -eq 0 ] && grep -q '"i64:2"' out && ok "get returns i64:2 after two increments" || fail "get: $(cat out) $(cat err)"

run contract publish --chain 2 --key "$key" --name loop --code "$examples/loop.wasm" --entry spin
[ $rc -eq 0 ] || fatal "contract publish loop: $(cat err)"
loop_t=$(field template)
run contract deploy --chain 2 --key "$key" --template "$loop_t"
[ $rc -eq 0 ] || fatal "contract deploy loop: $(cat err)"
loop=$(field contract)
run contract call --chain 2 --key "$key" "$loop" spin --fuel 20000
spin_id=$(field id)
[ $rc -eq 1 ] && grep -q "^bfd-cli: out_of_fuel: used all 20000 units" err &&
  ok "the loop is stopped by fuel: bfd-cli exits 1 with 'out_of_fuel: used all 20000 units'" ||
  fail "spin: exit $rc, $(cat err)"
[ -n "$spin_id" ] || fatal "no transaction id printed for the spin call: $(cat out)"

# --- an execution template with a client in its slot ----------------------------------------------
run contract publish --chain 2 --key "$key" --name service-commission --code "$examples/commission.wasm" \
  --param bps:u64 --entry run --entry last --slot adjuster
[ $rc -eq 0 ] || fatal "contract publish commission: $(cat err)"
commission_t=$(field template)
run contract publish --chain 2 --key "$key" --name loyalty-discount --code "$examples/discount_c.wasm" \
  --param discount_bps:u64 --entry adjust --entry calls
[ $rc -eq 0 ] || fatal "contract publish discount: $(cat err)"
discount_t=$(field template)
run contract deploy --chain 2 --key "$key" --template "$commission_t" --param u64:250
[ $rc -eq 0 ] || fatal "contract deploy commission: $(cat err)"
commission=$(field contract)
run contract deploy --chain 2 --key "$key" --template "$discount_t" --param u64:2000
[ $rc -eq 0 ] || fatal "contract deploy discount: $(cat err)"
discount=$(field contract)
run contract set-slot --chain 2 --key "$key" "$commission" "$discount"
[ $rc -eq 0 ] && grep -q '"contract_set_slot"' out && ok "the discount is in the commission's slot" ||
  fatal "set-slot: $(cat err) $(cat out)"
run contract call --chain 2 --key "$key" "$commission" run --arg i64:1000000 --fuel 50000
slot_id=$(field id)
[ $rc -eq 0 ] && grep -q '"i64:20000"' out && ok "run returns i64:20000: 2.5 % less the client's 20 % discount" ||
  fail "run with the slot: exit $rc, $(cat out) $(cat err)"
last=$(get a "/v1/chains/2/txs/$slot_id" | py 'j["height"]')
[ -n "$last" ] || fatal "the slot call has no height on node a"

# --- every node agrees ----------------------------------------------------------------------------
for n in a b c; do
  wait_for 30 at_least "final_on $n" "$last" || fail "node $n did not finalize height $last"
done
roots=""; views=""; slots=""
for n in a b c; do
  roots="$roots $(get $n "/v1/chains/2/blocks/$last" | py 'j["header"]["state_root"] if "header" in j else j["state_root"]')"
  views="$views $(get $n "/v1/chains/2/contracts/$counter" | py 'j["state_root"] + "/" + str(j["calls"])')"
  slots="$slots $(get $n "/v1/chains/2/contracts/$commission" | py 'j["slot"] + "/" + j["state_root"]')"
  slots="$slots/$(get $n "/v1/chains/2/contracts/$discount" | py 'j["state_root"] + "/" + str(j["calls"])')"
done
read -r ra rb rc_ <<<"$roots"
[ -n "$ra" ] && [ "$ra" = "$rb" ] && [ "$rb" = "$rc_" ] && ok "block $last has state root $ra on all three nodes" ||
  fail "state roots of block $last differ:$roots"
read -r va vb vc <<<"$views"
[ -n "$va" ] && [ "$va" = "$vb" ] && [ "$vb" = "$vc" ] && [ "${va#*/}" = 3 ] &&
  ok "the counter has one state root and 3 calls on every node ($va)" || fail "counter views:$views"
read -r sa sb sc <<<"$slots"
[ -n "$sa" ] && [ "$sa" = "$sb" ] && [ "$sb" = "$sc" ] && [ "${sa%%/*}" = "$discount" ] && [ "${sa##*/}" = 1 ] &&
  ok "every node shows the discount in the commission's slot, one client call, equal contract states" ||
  fail "slot views:$slots"
for n in a b c; do
  e=$(get $n "/v1/chains/2/txs/$spin_id" | py 'j["contract_result"]["status"] + "|" + j["contract_result"]["error"] + "|" + str(j["contract_result"]["fuel_used"])')
  [ "$e" = "failure|out_of_fuel: used all 20000 units|20000" ] || fail "node $n reports the spin call as '$e'"
done
ok "every node reports the spin call as failed: out_of_fuel: used all 20000 units"
n_templates=$(get c /v1/chains/2/contracts/templates | py 'j["count"]')
[ "$n_templates" = 4 ] && ok "node c lists 4 templates" || fail "node c lists '$n_templates' templates"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${http[b]}/v1/contracts/$counter")
[ "$code" = 404 ] && ok "the mainchain (no contracts module) answers 404 for the contract" || fail "mainchain answered $code"

# --- stopped, every data directory passes --check-storage ------------------------------------------
for n in a b c; do kill "${pid[$n]}" 2>/dev/null; done
for n in a b c; do
  for _ in $(seq 50); do kill -0 "${pid[$n]}" 2>/dev/null || break; sleep 0.2; done
  kill -9 "${pid[$n]}" 2>/dev/null
  wait "${pid[$n]}" 2>/dev/null
  pid[$n]=""
done
for n in a b c; do
  if "$node_bin" --check-storage --topology "$topology" --node "$n" >"$work/$n.check" 2>&1; then
    ok "node $n's storage is sound"
  else
    fail "--check-storage of node $n: $(grep -i problem "$work/$n.check" | head -3)"
  fi
done

if [ $failures -eq 0 ]; then echo "contracts-three-nodes: all checks passed"; exit 0; fi
echo "contracts-three-nodes: $failures check(s) failed"
for n in a b c; do echo "--- $n.log"; tail -n 15 "$work/$n.log"; done
exit 1
