#!/usr/bin/env bash
# bfd-cli contract on `bfd-node --dev` (chains 2..7, so chain 7, the ecosystem sidechain, runs the
# contracts module): --help of every contract command; the token template published with typed
# parameters and deployed with init and a value; a send emits an event that `contract events`
# shows; `contract show` prints the contract; a call with too little fuel fails with
# out_of_fuel and exit code 1; the mainchain refuses a publish with kind_not_enabled; set-slot on
# the token (whose template declares no slot) is refused with slot_refused, and without a client or
# --clear before anything is sent.
# Usage: cli_contract_dev_test.sh BFD_NODE BFD_CLI REPO_ROOT
set -u
node_bin=$(realpath "${1:?usage: cli_contract_dev_test.sh BFD_NODE BFD_CLI REPO_ROOT}")
cli=$(realpath "${2:?usage}")
root=$(realpath "${3:?usage}")
work=$(mktemp -d /tmp/bfd-cli-contract-XXXXXX)
source "$root/tests/integration/dev_node_lib.sh"

for c in publish deploy call set-slot show state events; do
  run contract "$c" --help
  [ $rc -eq 0 ] && grep -q "Usage" out || fail "bfd-cli contract $c --help: rc $rc"
done
ok "every contract command has --help"

"$node_bin" --dev --data-dir "$work/data" --http "127.0.0.1:$port" --slot-ms 300 --delegates 6 \
  --work-bits 0 --sidechains 6 >>"$work/node.log" 2>&1 &
node_pid=$!
chain7_final() { json_of 'j["final"]["height"]' info --json --chain 7; }
wait_for 60 at_least chain7_final 2 || fatal "chain 7 did not finalize height 2 within 60 s"
ok "dev node up; chain 7 finalizes"
keys="$work/data/keys"
alice=$("$cli" key show "$keys/account-00.json" | sed -n 's/^address: //p')
bob=$("$cli" key show "$keys/account-01.json" | sed -n 's/^address: //p')
examples="$root/contracts/examples"

run contract publish --key "$keys/account-00.json" --name token --code "$examples/token.wasm" --entry init --entry send
[ $rc -ne 0 ] && grep -q "kind_not_enabled" err && ok "the mainchain refuses a publish: kind_not_enabled" ||
  fail "publish on the mainchain: rc $rc, $(cat err)"

run contract publish --chain 7 --key "$keys/account-00.json" --name fixed-rate-token --code "$examples/token.wasm" \
  --param symbol:bytes --param rate:amount --entry init --entry send --entry balance --entry redeem
[ $rc -eq 0 ] || fatal "publish the token: $(cat err)"
tmpl=$(field template)
run contract deploy --chain 7 --key "$keys/account-00.json" --template "$tmpl" --param bytes:544b4e \
  --param amount:1.5 --value 2 --reader "$bob" --arg i64:1000 --fuel 20000
[ $rc -eq 0 ] || fatal "deploy the token: $(cat err) $(cat out)"
token=$(field contract)
grep -q '"status": "success"' out && ok "token deployed at $token (init succeeded)" || fail "deploy: $(cat out)"
bob_hex=$(python3 -c "import sys; print(sys.argv[1][3:])" "$bob")
run contract call --chain 7 --key "$keys/account-00.json" "$token" send --arg i64:100 --input "$bob_hex" --fuel 20000
[ $rc -eq 0 ] && grep -q '"i32:0"' out && grep -q '"events": 1' out && ok "send returns 0 and emits one event" ||
  fail "send: rc $rc, $(cat out) $(cat err)"
run contract events --chain 7 "$token"
n=$(python3 -c 'import json; j = json.load(open("out")); print(len(j["events"]), len(j["events"][0]["data"]))' 2>/dev/null)
[ "$n" = "1 96" ] && ok "contract events shows the send's 48-byte event" || fail "events: $(cat out)"
run contract show --chain 7 "$token"
python3 -c 'import json,sys; j = json.load(open("out")); assert j["balance"] == "2" and j["calls"] == 2 and j["template_name"] == "fixed-rate-token" and j["readers"] == [sys.argv[1]], j' "$bob" &&
  ok "contract show: balance 2, 2 calls, its template and reader" || fail "show: $(cat out)"
run contract show --chain 7 templates
python3 -c 'import json; j = json.load(open("out")); assert j["count"] == 1 and j["templates"][0]["params"][1] == {"name": "rate", "type": "amount"}, j' &&
  ok "contract show templates lists the typed parameters" || fail "templates: $(cat out)"
run contract call --chain 7 --key "$keys/account-00.json" "$token" send --arg i64:1 --input "$bob_hex" --fuel 100
[ $rc -eq 1 ] && grep -q "^bfd-cli: out_of_fuel: used all 100 units" err && grep -q '"status": "failure"' out &&
  ok "a call with 100 fuel: included, failed with out_of_fuel, exit 1" || fail "short call: rc $rc, $(cat err)"
run contract call --chain 7 --key "$keys/account-00.json" "$token" nope --fuel 100
[ $rc -eq 1 ] && grep -q "bad_entry_point" err && ok "an undeclared entry point is refused: bad_entry_point" ||
  fail "undeclared entry: rc $rc, $(cat err)"

run contract set-slot --chain 7 --key "$keys/account-00.json" "$token" "$token"
[ $rc -ne 0 ] && grep -q "slot_refused" err && ok "set-slot on a template without a slot: slot_refused" ||
  fail "set-slot on the token: rc $rc, $(cat err)"
run contract set-slot --chain 7 --key "$keys/account-00.json" "$token"
[ $rc -ne 0 ] && grep -q "client contract's address, or --clear" err && ok "set-slot needs a client or --clear" ||
  fail "set-slot without a client: rc $rc, $(cat err)"

finish cli-contract-dev
