#!/usr/bin/env bash
# The five system-service DApps against a real `bfd-node --dev` (docs/dapps.md): the fund on chain
# 8 is registered over the peg and given a member; each DApp installs itself (idempotently) on its
# chain and in the registry; then the request flow end to end for each, the commission each chain
# charged equal to its model (owner's balance on the service chain), a retried request committing
# once, a DApp killed with SIGKILL mid-request (after the contract committed, and after signing
# before sending) committing exactly once on resume, refusals (a non-member, a call without the
# commission straight to the contract, a liquidating fund) and the compensation of a request whose
# usage record the fund refuses. Bounded waits.
# Usage: dapps_dev_test.sh PATH/TO/bfd-node PATH/TO/bfd-cli DIR/OF/DAPPS
set -u

node_bin=$(realpath "${1:?usage: dapps_dev_test.sh BFD_NODE BFD_CLI DAPP_DIR}")
cli=$(realpath "${2:?usage: dapps_dev_test.sh BFD_NODE BFD_CLI DAPP_DIR}")
dapps=$(realpath "${3:?usage: dapps_dev_test.sh BFD_NODE BFD_CLI DAPP_DIR}")
work=$(mktemp -d /tmp/bfd-dapps-XXXXXX)
source "$(dirname "$(realpath "$0")")/../integration/dev_node_lib.sh"
export BFD_DAPP_DIR="$work/dapp-state"
started=$SECONDS
step() { echo "[$((SECONDS - started)) s] $*"; }

# dapp NAME ARGS...: runs bfd-NAME with --json, stdout in out, stderr in err, code in rc.
dapp() {
  local name=$1
  shift
  timeout 120 "$dapps/bfd-$name" "$@" >out 2>err
  rc=$?
}
js() { python3 -c "import json,sys; j = json.load(open('out')); print($1)" 2>/dev/null; }
balance() { json_of 'j["balance_units"]' account "$1" --chain "$2" --json; }
usage_count() {  # usage_count RID: entries of chain 8's usage history with that request id
  local hex
  hex=$(printf '%s' "$1" | od -An -tx1 | tr -d ' \n')
  curl -s "$BFD_NODE/v1/chains/8/ds/usage" | python3 -c "import json,sys
j = json.load(sys.stdin); print(sum(1 for u in j['usage'] if u.get('request') == '$hex'))"
}

fund_is() { [ "$(json_of 'j["status"]' ds show --chain 8)" = "$1" ]; }

start_node --sidechains 7
wait_for 40 at_least "json_of j[\"final\"][\"height\"] info --chain 8 --json" 1 || fatal "chain 8 not served within 40 s"
step "node up"

keys="$work/data/keys"
owner=$keys/registry.json      # registers the services (register_service), receives the commissions
founder=$keys/account-00.json  # the fund's admin on chain 8; publishes the template
operator=$keys/account-01.json # each service's operator
member=$keys/account-02.json   # a member of the fund
outsider=$keys/account-03.json # not a member
addr() { "$cli" key show "$1" | sed -n 's/^address: //p'; }
pub() { "$cli" key show "$1" | sed -n 's/^public_key: //p'; }
owner_addr=$(addr "$owner"); founder_addr=$(addr "$founder"); operator_addr=$(addr "$operator")
member_addr=$(addr "$member"); outsider_addr=$(addr "$outsider")

# The fund: an organisation over the peg (mainchain -> chain 8), a member, the operator's rights.
run ds send ds_register --name "Example fund" --owner "$founder_addr" --key "$founder" --chain 8
[ "$rc" -eq 0 ] || fatal "ds send ds_register: rc $rc: $(cat err)"
wait_for 90 fund_is active || fatal "the fund did not become active: $("$cli" ds show --chain 8)"
step "fund registered on chain 8 over the peg"
# The founder is the fund's access admin: it grants itself write (members) and liquidate (the end), then admits the member.
run acl grant --chain 8 --scope sidechain:8 --account "$founder_addr" --permissions write,liquidate --key "$founder"
[ "$rc" -eq 0 ] || fatal "acl grant to the founder: $(cat err)"
run ds member-add --chain 8 --key "$founder" --account "$member_addr" --member-key "$(pub "$member")"
[ "$rc" -eq 0 ] || fatal "member-add: $(cat err)"
run acl grant --chain 8 --scope sidechain:8 --account "$operator_addr" --permissions read,write --key "$founder"
[ "$rc" -eq 0 ] || fatal "acl grant: $(cat err)"
step "member added, operator granted read and write on the fund"

# Install the five DApps; a second install changes nothing.
declare -A service contract
for d in rating legal media consulting exchange; do
  dapp "$d" install --key "$owner" --publisher "$founder" --operator "$operator_addr" --reader "$member_addr" --json
  [ "$rc" -eq 0 ] || fatal "bfd-$d install: rc $rc: $(cat err)"
  service[$d]=$(js 'j["service"]'); contract[$d]=$(js 'j["contract"]')
  [[ "${service[$d]}" =~ ^[0-9]+$ ]] && [[ "${contract[$d]}" =~ ^bfd ]] || fail "bfd-$d install: $(cat out)"
done
dapp rating install --key "$owner" --publisher "$founder" --json
[ "$rc" -eq 0 ] && [ "$(js 'j["installed"]')" = already ] && [ "$(js 'j["service"]')" = "${service[rating]}" ] \
  || fail "a second install is not a no-op: $(cat out) $(cat err)"
dapp rating status --json
[ "$(js 'j["contract"]')" = "${contract[rating]}" ] && [ "$(js 'j["status"]')" = active ] || fail "status: $(cat out)"
for d in rating legal media consulting exchange; do "$dapps/bfd-$d" --help >/dev/null || fail "bfd-$d --help"; done
step "five DApps installed (services ${service[*]})"

# Rating: request -> the commission is 2.5% of the 10 BFDT price, paid once to the owner on chain 3.
o3=$(balance "$owner_addr" 3); m3=$(balance "$member_addr" 3)
dapp rating request --fund 8 --request-id R1 --key "$member" --operator-key "$operator" --note "annual" --json
[ "$rc" -eq 0 ] && [ "$(js 'j["stage"]')" = acknowledged ] || fail "rating request R1: rc $rc $(cat out) $(cat err)"
[ "$(js 'j["commission"]')" = 25000000 ] || fail "rating request: expected commission 25000000: $(cat out)"
o3b=$(balance "$owner_addr" 3); m3b=$(balance "$member_addr" 3)
[ $((o3b - o3)) -eq 25000000 ] || fail "rating: the owner got $((o3b - o3)), not 25000000 (2.5% of 10 BFDT)"
[ $((m3 - m3b)) -eq $((1000000000 + 1000)) ] || fail "rating: the requester paid $((m3 - m3b)), not 10 BFDT + 1000 fee"
[ "$(usage_count R1)" = 1 ] || fail "rating: usage records of R1: $(usage_count R1)"
ok "rating request R1: committed on chain 3, usage on chain 8, commission 25000000 to the owner"
dapp rating request --fund 8 --request-id R1 --key "$member" --operator-key "$operator" --json
[ "$rc" -eq 0 ] && [ "$(js 'j["already_committed"]')" = True ] || fail "retried R1: $(cat out) $(cat err)"
[ "$(balance "$owner_addr" 3)" = "$o3b" ] && [ "$(usage_count R1)" = 1 ] || fail "the retry of R1 committed again"
ok "a retried request id commits nothing twice"
dapp rating publish --request-id R1 --operator-key "$operator" --rating AA --json
[ "$rc" -eq 0 ] || fail "rating publish: $(cat err)"
for i in 1 2 3; do
  dapp rating show --fund 8 --key "$member" --json
  [ "$rc" -eq 0 ] && [ "$(js 'j["answer"]')" = AA ] && [ "$(js 'j["request_id"]')" = R1 ] || fail "rating show: $(cat out) $(cat err)"
done
ok "rating published and shown (AA)"

# Refusals: a non-member (client side, nothing sent); a call without the commission (the chain).
dapp rating request --fund 8 --request-id R2 --key "$outsider" --operator-key "$operator" --json
[ "$rc" -eq 1 ] && grep -q 'not_a_member' err || fail "non-member: rc $rc $(cat err)"
run contract call --chain 3 --key "$outsider" "${contract[rating]}" request --input 0252320800000000000000 --fuel 100000 --value 1
[ "$rc" -ne 0 ] && grep -q 'commission_unpaid' err || fail "an underpaid call was not refused by the chain: rc $rc $(cat err)"
run contract call --chain 3 --key "$outsider" "${contract[rating]}" ack --input 025231 --fuel 100000
[ "$rc" -ne 0 ] && grep -q 'trapped' err || fail "an outsider's ack was not refused by the contract: rc $rc $(cat err)"
[ "$(balance "$owner_addr" 3)" = "$o3b" ] || fail "refusals moved the owner's balance"
ok "refused: a non-member (not_a_member), a call paying less than the price (commission_unpaid), an outsider's ack"

# Kill -9 after the contract committed, before the usage record: resume commits exactly once.
BFD_DAPP_PAUSE_AT=called "$dapps/bfd-rating" request --fund 8 --request-id R3 --key "$member" \
  --operator-key "$operator" --json >out 2>err &
pid=$!
wait_for 60 grep -q 'paused at called' err || fail "R3 never reached the pause point: $(cat err)"
kill -9 $pid; wait $pid 2>/dev/null
[ "$(usage_count R3)" = 0 ] || fail "R3 recorded before the kill"
dapp rating resume --operator-key "$operator" --json
[ "$rc" -eq 0 ] && [ "$(js 'j["open"]')" = 0 ] || fail "resume after the kill: rc $rc $(cat out) $(cat err)"
dapp rating request --fund 8 --request-id R3 --key "$member" --operator-key "$operator" --json
[ "$(js 'j["already_committed"]')" = True ] && [ "$(js 'j["stage"]')" = acknowledged ] || fail "R3 after resume: $(cat out)"
[ "$(usage_count R3)" = 1 ] || fail "R3: usage records $(usage_count R3)"
o3c=$(balance "$owner_addr" 3)
[ $((o3c - o3b)) -eq 25000000 ] || fail "R3 paid $((o3c - o3b)) in commission, not once 25000000"
ok "killed (SIGKILL) after the contract call: resume committed R3 exactly once"
# Kill -9 after the call was signed and journaled but before it was sent.
BFD_DAPP_PAUSE_AT=call_sent_signed "$dapps/bfd-rating" request --fund 8 --request-id R4 --key "$member" \
  --operator-key "$operator" --json >out 2>err &
pid=$!
wait_for 60 grep -q 'paused at call_sent_signed' err || fail "R4 never reached the pause point: $(cat err)"
kill -9 $pid; wait $pid 2>/dev/null
dapp rating request --fund 8 --request-id R4 --key "$member" --operator-key "$operator" --json
[ "$rc" -eq 0 ] && [ "$(js 'j["stage"]')" = acknowledged ] || fail "R4 retried after the kill: $(cat out) $(cat err)"
[ "$(usage_count R4)" = 1 ] && [ $(( $(balance "$owner_addr" 3) - o3c )) -eq 25000000 ] || fail "R4 did not commit exactly once"
ok "killed (SIGKILL) between signing and sending: the retry committed R4 exactly once"
step "rating done"

# Legal: fixed commission 0.5 BFDT on chain 4.
o4=$(balance "$owner_addr" 4)
dapp legal review --fund 8 --request-id L1 --key "$member" --operator-key "$operator" --document "prospectus-v1" --json
[ "$rc" -eq 0 ] && [ "$(js 'j["stage"]')" = acknowledged ] || fail "legal review: $(cat out) $(cat err)"
[ $(( $(balance "$owner_addr" 4) - o4 )) -eq 50000000 ] || fail "legal: commission is not the fixed 50000000"
dapp legal result --request-id L1 --operator-key "$operator" --verdict "compliant" --json
dapp legal show --request-id L1 --key "$member" --json
[ "$(js 'j["answer"]')" = compliant ] && [ "$(js 'j["status"]')" = acknowledged ] && [ "$(js 'j["payload"]')" = prospectus-v1 ] \
  || fail "legal show: $(cat out) $(cat err)"
ok "legal review L1: fixed commission 50000000, result compliant"

# Media: open to non-members, fixed 0.01 BFDT on chain 5.
o5=$(balance "$owner_addr" 5)
dapp media publish --fund 8 --request-id M1 --key "$outsider" --operator-key "$operator" \
  --hash 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 --json
[ "$rc" -eq 0 ] && [ "$(js 'j["stage"]')" = acknowledged ] || fail "media publish: $(cat out) $(cat err)"
[ $(( $(balance "$owner_addr" 5) - o5 )) -eq 1000000 ] || fail "media: commission is not the fixed 1000000"
ok "media publish M1 by a non-member: fixed commission 1000000"

# Consulting: the registry's expression clamp(bp(amount, 100), 10_000, 5_000_000) on 2 BFDT = 2000000.
o6=$(balance "$owner_addr" 6)
dapp consulting ask --fund 8 --request-id C1 --key "$member" --operator-key "$operator" --value 2 \
  --question "hedge?" --json
[ "$rc" -eq 0 ] && [ "$(js 'j["commission"]')" = 2000000 ] || fail "consulting ask: $(cat out) $(cat err)"
[ $(( $(balance "$owner_addr" 6) - o6 )) -eq 2000000 ] || fail "consulting: the chain charged $(( $(balance "$owner_addr" 6) - o6 )), not 2000000"
dapp consulting answer --request-id C1 --operator-key "$operator" --text "no" --json
[ "$rc" -eq 0 ] || fail "consulting answer: $(cat err)"
ok "consulting C1: expression commission 2000000 (1% of 2 BFDT)"

# Fund exchange: the funds, a listing request (0.5%), the sweep.
dapp exchange list-funds --json
[ "$(js '[f["status"] for f in j["funds"] if f["chain"] == 8][0]')" = active ] || fail "list-funds: $(cat out) $(cat err)"
o2=$(balance "$owner_addr" 2)
dapp exchange request --fund 8 --request-id E1 --key "$outsider" --operator-key "$operator" --note "list EXF" --json
[ "$rc" -eq 0 ] && [ $(( $(balance "$owner_addr" 2) - o2 )) -eq 500000 ] || fail "exchange request: $(cat out) $(cat err)"
# The sweep (fund_sweep on the fund chain): chain 8 has had no trade, so nothing is pending and
# nothing is sent; a bad platform address is refused before anything is read. The scenario
# (integration_fund_scenario) sweeps a real commission to the mainchain.
dapp exchange sweep --fund 8 --operator-key "$operator" --platform "$owner_addr" --json
[ "$rc" -eq 0 ] && [ "$(js '[f["status"] for f in j["sweeps"] if f["chain"] == 8][0]')" = nothing_pending ] ||
  fail "sweep of a fund without trades: rc $rc $(cat out) $(cat err)"
dapp exchange sweep --fund 8 --operator-key "$operator" --platform bfd00 --json
[ "$rc" -eq 1 ] && grep -q 'platform' err || fail "sweep to a bad address: rc $rc $(cat err)"
ok "exchange: chain 8 listed active, listing request with 0.5% commission, sweep with nothing pending, bad platform refused"

# Compensation: the contract committed, then the fund starts liquidating before the usage record.
BFD_DAPP_PAUSE_AT=called "$dapps/bfd-legal" review --fund 8 --request-id L2 --key "$member" \
  --operator-key "$operator" --document "late" --json >out 2>err &
pid=$!
wait_for 60 grep -q 'paused at called' err || fail "L2 never reached the pause point: $(cat err)"
kill -9 $pid; wait $pid 2>/dev/null
run ds send ds_liquidate --phase start --key "$founder" --chain 8
[ "$rc" -eq 0 ] || echo "ds send ds_liquidate: rc $rc: $(tail -3 err)"
wait_for 90 fund_is liquidating || fail "the fund did not start liquidating: $("$cli" ds show --chain 8)"
dapp legal resume --operator-key "$operator" --json
grep -q 'compensated' out err || fail "L2 was not compensated: $(cat out) $(cat err)"
dapp legal show --request-id L2 --key "$member" --json
[ "$(js 'j["status"]')" = cancelled ] || fail "L2 is not cancelled on the contract: $(cat out)"
[ "$(usage_count L2)" = 0 ] || fail "L2 has a usage record"
dapp rating request --fund 8 --request-id R5 --key "$member" --operator-key "$operator" --json
[ "$rc" -eq 1 ] && grep -q 'ds_not_active' err || fail "a request for a liquidating fund: rc $rc $(cat err)"
ok "liquidating fund: L2 compensated (cancelled on chain 4, no usage record), new requests refused (ds_not_active)"

step "done"
finish dapps_dev_test
