#!/usr/bin/env bash
# The two-way peg on a running `bfd-node --dev`, through the real bfd-cli over HTTP: 10 BFDT go
# from the mainchain to dev sidechain 2 (escrowed, carried by the node's bridge with its proof,
# the acknowledgement carried back: delivered; counted in flight towards chain 2 by
# GET /v1/chains/1/peg while it travels), then 4 of the vouchers come back (burned on the
# sidechain, released from the escrow on the mainchain: delivered); the balances add up, a return
# of more vouchers than held is refused, and the store is sound afterwards. Bounded waits.
# Usage: peg_dev_test.sh PATH/TO/bfd-node PATH/TO/bfd-cli
set -u

node_bin=$(realpath "${1:?usage: peg_dev_test.sh BFD_NODE BFD_CLI}")
cli=$(realpath "${2:?usage: peg_dev_test.sh BFD_NODE BFD_CLI}")
work=$(mktemp -d /tmp/bfd-peg-dev-XXXXXX)
source "$(dirname "$(realpath "$0")")/dev_node_lib.sh"

# conserved: whether /metrics reports the peg invariant holding between the mainchain and chain 2.
conserved() {
  python3 -c "import urllib.request,sys
t = urllib.request.urlopen('$BFD_NODE/metrics', timeout=10).read().decode()
sys.exit(0 if 'bfd_peg_conservation_ok{pair=\"1-2\"} 1' in t else 1)" 2>/dev/null
}

start_node
wait_for 30 at_least main_final 2 || fatal "the dev node did not finalize height 2 within 30 s"
ok "dev node up on port $port"
keys="$work/data/keys"
grep -q '"peg"' "$work/data/genesis.json" || fail "the dev genesis does not name the peg module"
[ -f "$keys/bridge.json" ] || fail "no bridge key in the dev data directory"

alice=$("$cli" key show "$keys/account-00.json" | sed -n 's/^address: //p')
bob=$("$cli" key show "$keys/account-01.json" | sed -n 's/^address: //p')
run account "$alice"
alice_before=$(field balance_units)

# --- out: 10 BFDT to bob on sidechain 2 ---------------------------------------------------------
# While it travels, the mainchain's peg ledger counts it in flight towards chain 2 (the count per
# destination that fund liquidate and the fund scenario wait on); once delivered, nothing.
in_flight_to() {
  curl -s -m 10 "$BFD_NODE/v1/chains/$1/peg" | python3 -c "import json,sys
j = json.load(sys.stdin); print(json.dumps(j['in_flight_by_destination']))" 2>/dev/null
}
timeout 150 "$cli" peg send --to-chain 2 --to "$bob" --amount 10 --key "$keys/account-00.json" --timeout 120 >out 2>err &
send_pid=$!
counted_towards_2() { [ "$(in_flight_to 1)" = '[{"chain": 2, "count": 1}]' ]; }
wait_for 60 counted_towards_2 &&
  ok "GET /v1/chains/1/peg: the message in flight towards chain 2 (in_flight_by_destination)" ||
  fail "the message was never counted in flight towards chain 2: $(in_flight_to 1)"
wait "$send_pid"
rc=$?
out_id=$(field message)
[ "$(in_flight_to 1)" = "[]" ] && [ "$(in_flight_to 2)" = "[]" ] ||
  fail "in flight after the delivery: 1: $(in_flight_to 1), 2: $(in_flight_to 2)"
[ "$rc" -eq 0 ] || fatal "peg send to chain 2: rc $rc: $(tail -n 5 err)"
[ "$out_id" = "1:0" ] || fail "peg send printed id '$out_id', expected 1:0"
grep -q '"state": "delivered"' out || fail "peg send: not delivered: $(cat out)"
ok "10 BFDT mainchain -> sidechain 2: message $out_id delivered"
conserved || fail "/metrics: bfd_peg_conservation_ok{pair=\"1-2\"} is not 1 after the delivery"
run peg status "$out_id"
python3 -c 'import json,sys; j = json.load(open("out")); assert j["state"] == "delivered" and j["received_on"] == [{"chain": 2, "acknowledged": "success"}], j' ||
  fail "peg status $out_id: $(cat out)"
run account "$alice"
alice_mid=$(field balance_units)
fee_units=10000
[ "$alice_mid" = $((alice_before - 1000000000 - fee_units)) ] ||
  fail "alice's balance after sending: $alice_mid, expected $((alice_before - 1000000000 - fee_units))"

# --- a return of more vouchers than bob holds is refused -----------------------------------------
run peg send --chain 2 --to-chain 1 --to "$alice" --amount 11 --denom peg/1/BFDT --key "$keys/account-01.json" --timeout 30
[ "$rc" -ne 0 ] || fail "returning 11 vouchers (bob holds 10) was accepted: $(cat out)"
ok "returning 11 vouchers refused: $(grep '^bfd-cli:' err | cut -c1-100)"

# --- back: 4 vouchers to alice on the mainchain ----------------------------------------------------
run peg send --chain 2 --to-chain 1 --to "$alice" --amount 4 --denom peg/1/BFDT --key "$keys/account-01.json" --timeout 120
back_id=$(field message)
[ "$rc" -eq 0 ] || fatal "peg send back to the mainchain: rc $rc: $(tail -n 5 err)"
[ "$back_id" = "2:0" ] || fail "the return printed id '$back_id', expected 2:0"
ok "4 vouchers sidechain 2 -> mainchain: message $back_id delivered"
conserved || fail "/metrics: bfd_peg_conservation_ok{pair=\"1-2\"} is not 1 after the return"
run account "$alice"
[ "$(field balance_units)" = $((alice_mid + 400000000)) ] ||
  fail "alice's balance after the return: $(field balance_units), expected $((alice_mid + 400000000))"
ok "alice's BFDT: $alice_before -> $alice_mid -> $(field balance_units) (10 out, fee, 4 back)"
run peg status 9:9
[ "$rc" -ne 0 ] && grep -q 'not_found' err || fail "an unknown message: rc $rc $(cat err)"
stop_node

if "$node_bin" --check-storage --data-dir "$work/data" >check.out 2>&1; then
  ok "--check-storage: sound"
else
  fail "--check-storage: $(tail -n 5 check.out)"
fi
if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed" >&2
  tail -n 30 "$work/node.log" >&2
  exit 1
fi
echo "peg on the dev node: all checks passed"
