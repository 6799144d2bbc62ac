#!/usr/bin/env bash
# The consensus kinds made with the real bfd-cli against a real `bfd-node --dev`: a vm_bid, a vote
# and an unvote become final and show in /v1/delegates; a vote signed --offline and submitted later
# is accepted; a payload signed by `tx sign` goes through; evidence of a real double sign (two
# headers for one slot signed by the new VM's key) becomes final and slashes the VM, and bogus
# evidence is refused. Bounded waits.
# Usage: cli_consensus_node_test.sh PATH/TO/bfd-node PATH/TO/bfd-cli PATH/TO/bfd_evidence_fixture
set -u

node_bin=$(realpath "${1:?usage: cli_consensus_node_test.sh BFD_NODE BFD_CLI EVIDENCE_FIXTURE}")
cli=$(realpath "${2:?usage: cli_consensus_node_test.sh BFD_NODE BFD_CLI EVIDENCE_FIXTURE}")
fixture=$(realpath "${3:?usage: cli_consensus_node_test.sh BFD_NODE BFD_CLI EVIDENCE_FIXTURE}")
work=$(mktemp -d /tmp/bfd-cli-consensus-XXXXXX)
# fail/ok/run/field/json_of/wait_for, cleanup on exit, a free $port as BFD_NODE, start_node; cds into $work.
source "$(dirname "$(realpath "$0")")/../integration/dev_node_lib.sh"

start_node --sidechains 0  # the mainchain alone

wait_for 30 at_least main_final 2 || fatal "the dev node did not finalize height 2 within 30 s"
ok "dev node up (final height $(main_final))"

keys="$work/data/keys"
run key new --out vm.json
vm_key=$(field public_key)
vm_address=$(field address)
voter=$("$cli" key show "$keys/account-01.json" | sed -n 's/^address: //p')

# delegates_field KEY EXPR: EXPR of the /v1/delegates entry `d` with public key KEY ("" if none).
delegates_field() {
  json_of "next((str($2) for d in j['delegates'] if d['key'] == '$1'), '')" delegates --json
}
min_bid=$(json_of 'j["params"]["min_bid"]' info --json)
[ -n "$min_bid" ] || fatal "info has no params.min_bid"

# --- fund the VM key, then vm_bid ---------------------------------------------------------------
run transfer --key "$keys/account-00.json" --to "$vm_address" --amount 1000 --timeout 60
[ "$rc" -eq 0 ] || fatal "funding transfer: exit code $rc: $(cat err)"
run delegate bid --key vm.json --category silver --amount "$min_bid" --timeout 60
[ "$rc" -eq 0 ] || fail "delegate bid: exit code $rc: $(cat err)"
[ "$(field status)" = final ] || fail "delegate bid: not final: $(cat out)"
bid_id=$(field id)
grep -q "vm_bid of $min_bid in category 1" err || fail "delegate bid: no progress line naming the bid: $(cat err)"
[ "$(delegates_field "$vm_key" "d['category_name']")" = silver ] ||
  fail "delegates: the new VM is not listed in silver: $("$cli" delegates --json)"
[ "$(delegates_field "$vm_key" "d['bid_units']")" = "$(json_of 'j["params"]["min_bid_units"]' info --json)" ] ||
  fail "delegates: the new VM's bid is not min_bid"
# The tip committed is the one `key show --delegate` prints for this key.
tip=$("$cli" key show --delegate vm.json | sed -n 's/^hash_chain_tip = "\(.*\)"$/\1/p')
run tx get "$bid_id"
python3 -c "import json; t = json.load(open('out'))['transaction']; assert t['kind'] == 'vm_bid' and t['hash_chain_tip'] == '$tip' and t['category'] == 1" ||
  fail "the vm_bid does not commit to the key's hash-chain tip $tip: $(cat out)"
ok "delegate bid: VM ${vm_key:0:16} in silver with bid $min_bid"
# A second bid from the key tops the VM up and keeps its hash chain (an all-zero tip).
run delegate bid --key vm.json --category silver --amount 1 --timeout 60
[ "$rc" -eq 0 ] && [ "$(field status)" = final ] || fail "delegate bid (top-up): exit code $rc: $(cat err)"
grep -q "(top-up)" err || fail "delegate bid (top-up): not recognised as a top-up: $(cat err)"
run tx get "$(field id)"
python3 -c "import json; t = json.load(open('out'))['transaction']; assert t['hash_chain_tip'] == '0' * 64" ||
  fail "the top-up does not keep the hash chain (tip not all zero): $(cat out)"
[ "$(delegates_field "$vm_key" "d['bid_units']")" = "$(( $(json_of 'j["params"]["min_bid_units"]' info --json) + 100000000 ))" ] ||
  fail "delegates: the top-up did not add 1 to the bid"
ok "delegate bid again: a top-up of 1, hash chain kept"

# --- vote and unvote ----------------------------------------------------------------------------
run delegate vote --key "$keys/account-01.json" --vm "$vm_key" --amount 5 --timeout 60
[ "$rc" -eq 0 ] && [ "$(field status)" = final ] || fail "delegate vote: exit code $rc: $(cat err)"
vote_id=$(field id)
[ "$(delegates_field "$vm_key" "d['votes_units']")" = 500000000 ] ||
  fail "delegates: votes after voting 5 are $(delegates_field "$vm_key" "d['votes_units']"), expected 500000000"
run tx get "$vote_id"
python3 -c 'import json; j = json.load(open("out")); t = j["transaction"]; assert t["kind"] == "vote" and t["amount_units"] == 500000000' ||
  fail "tx get of the vote does not show kind vote and its amount: $(cat out)"
run delegate unvote --key "$keys/account-01.json" --vm "$vm_key" --amount 2 --timeout 60
[ "$rc" -eq 0 ] && [ "$(field status)" = final ] || fail "delegate unvote: exit code $rc: $(cat err)"
[ "$(delegates_field "$vm_key" "d['votes_units']")" = 300000000 ] ||
  fail "delegates: votes after unvoting 2 are $(delegates_field "$vm_key" "d['votes_units']"), expected 300000000"
ok "delegate vote 5 then unvote 2: the VM holds 3 BFDT of votes"

# --- offline: sign without a node, decode, submit later -----------------------------------------
nonce=$(json_of 'j["nonce"]' account "$voter" --json)
expiry=$(( $(json_of 'j["head"]["height"]' info --json) + 500 ))
run delegate vote --offline --key "$keys/account-01.json" --vm "$vm_key" --amount 1 --nonce "$nonce" \
  --expiry "$expiry" --node http://127.0.0.1:1
[ "$rc" -eq 0 ] || fail "delegate vote --offline: exit code $rc: $(cat err)"
[ "$(wc -l <out)" -eq 1 ] && grep -qE '^[0-9a-f]+$' out || fail "delegate vote --offline: stdout is not one hex line: $(cat out)"
cp out vote.hex
run tx decode vote.hex
[ "$rc" -eq 0 ] || fail "tx decode FILE: exit code $rc: $(cat err)"
python3 -c "import json; j = json.load(open('out')); assert j['kind'] == 'vote' and j['vm'] == '$vm_key' and j['nonce'] == $nonce and j['expiry'] == $expiry and j['amount_units'] == 100000000 and j['signature_valid']" ||
  fail "tx decode of the offline vote: $(cat out)"
run tx submit vote.hex --timeout 60
[ "$rc" -eq 0 ] && [ "$(field status)" = final ] || fail "tx submit of the offline vote: exit code $rc: $(cat err)"
[ "$(delegates_field "$vm_key" "d['votes_units']")" = 400000000 ] || fail "delegates: the offline vote did not count"
run delegate unvote --offline --key "$keys/account-01.json" --vm "$vm_key" --amount 1 --expiry 10
[ "$rc" -ne 0 ] && grep -q -- '--nonce is required with --offline' err || fail "offline without --nonce: rc $rc, $(cat err)"
run delegate bid --offline --key vm.json --category silver --amount 100 --nonce 0 --expiry 10
[ "$rc" -ne 0 ] && grep -q 'a category name needs a node' err || fail "offline bid by category name: rc $rc, $(cat err)"
ok "delegate vote --offline: decoded from a file, submitted later, counted"

# --- tx sign: any kind from its payload JSON ----------------------------------------------------
run tx sign "{\"kind\": \"unvote\", \"vm\": \"$vm_key\", \"amount\": \"1\"}" --key "$keys/account-01.json" --timeout 60
[ "$rc" -eq 0 ] && [ "$(field status)" = final ] || fail "tx sign of an unvote payload: exit code $rc: $(cat err)"
[ "$(delegates_field "$vm_key" "d['votes_units']")" = 300000000 ] || fail "delegates: the tx sign unvote did not count"
run tx sign '{"kind": "vote", "nonce": 4}' --key "$keys/account-01.json"
[ "$rc" -ne 0 ] && grep -q "invalid_argument: the payload: field 'nonce': is set by the signer" err || fail "tx sign with a nonce field: rc $rc, $(cat err)"
ok "tx sign: an unvote from its payload JSON"

# --- evidence -----------------------------------------------------------------------------------
"$fixture" vm.json 1 5 bogus.json same || fatal "evidence fixture failed"
run evidence submit bogus.json --key "$keys/account-02.json" --timeout 60
[ "$rc" -ne 0 ] && grep -q 'bad_evidence' err || fail "bogus evidence (one header twice): rc $rc, $(cat out) $(cat err)"
"$fixture" vm.json 1 5 double.json || fatal "evidence fixture failed"
run evidence submit double.json --key "$keys/account-02.json" --timeout 60
[ "$rc" -eq 0 ] && [ "$(field status)" = final ] || fail "evidence submit: exit code $rc: $(cat out) $(cat err)"
[ "$(delegates_field "$vm_key" "d['status']")" = slashed ] ||
  fail "delegates: the double-signing VM is '$(delegates_field "$vm_key" "d['status']")', expected slashed"
run evidence submit double.json --key "$keys/account-02.json" --timeout 60
[ "$rc" -ne 0 ] && grep -q 'already_slashed' err || fail "evidence twice: rc $rc, $(cat err)"
echo '{"evidence_kind": "double_block", "first": "00"}' >short.json
run evidence submit short.json --key "$keys/account-02.json" --node http://127.0.0.1:1
[ "$rc" -ne 0 ] && grep -q 'second' err || fail "evidence file without second: rc $rc, $(cat err)"
ok "evidence of a real double sign: final, the VM slashed; bogus and repeated evidence refused"

finish cli_consensus_node_test
