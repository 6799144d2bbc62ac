#!/usr/bin/env bash
# Runs the real bfd-cli against a real `bfd-node --dev` over HTTP for the funds module: the dev
# DAOS sidechain (chain 8, "example fund") serves its funds summary (not started, reconciled) and
# holders, the mainchain and a system chain have none (404), a bad `from` is 400, every fund kind
# before the fund has terms is refused by the node with funds_no_terms, and BFDT pegged to chain 8
# shows in the summary's voucher supply while it still reconciles. Bounded waits.
# (The DS peg operations that give a fund its terms have no CLI command yet: the whole flow runs
# in tests/chains/funds_module_test.cpp on real blocks.)
# Usage: fund_cli_node_test.sh PATH/TO/bfd-node PATH/TO/bfd-cli
set -u

node_bin=$(realpath "${1:?usage: fund_cli_node_test.sh BFD_NODE BFD_CLI}")
cli=$(realpath "${2:?usage: fund_cli_node_test.sh BFD_NODE BFD_CLI}")
work=$(mktemp -d /tmp/bfd-fund-node-XXXXXX)
source "$(dirname "$(realpath "$0")")/../integration/dev_node_lib.sh"
json() {
  python3 -c "import json,sys; j = json.load(open('out')); print($1)" 2>/dev/null
}

start_node --sidechains 7  # all seven dev sidechains

deadline=$((SECONDS + 30))
up=0
while [ $SECONDS -lt $deadline ]; do
  if "$cli" fund show --chain 8 >out 2>err && [ "$(json 'j["final_height"]')" -ge 1 ] 2>/dev/null; then
    up=1
    break
  fi
  sleep 0.3
done
[ $up -eq 1 ] || fatal "chain 8's funds summary was not served within 30 s; last error: $(cat err)"
ok "fund show --chain 8 answers (final height $(json 'j["final_height"]'))"
[ "$(json 'j["chain"]')" = 8 ] || fail "fund show: chain: $(cat out)"
[ "$(json 'j["started"]')" = False ] || fail "fund show: started before any operation: $(cat out)"
[ "$(json 'j["reconciled"]')" = True ] || fail "fund show: not reconciled: $(cat out)"
[ "$(json 'j["params"]["commission_bps"]')" = 30 ] || fail "fund show: params: $(cat out)"
[[ "$(json 'j["escrow_account"]')" =~ ^bfd[0-9a-f]{40}$ ]] || fail "fund show: escrow account: $(cat out)"
run fund holders --chain 8
[ "$rc" -eq 0 ] && [ "$(json 'j["total"]')" = 0 ] && [ "$(json 'j["next"]')" = None ] \
  || fail "fund holders: rc $rc: $(cat out) $(cat err)"
ok "summary and holders of a fund chain that has not started"

run fund show
[ "$rc" -ne 0 ] && grep -q '^bfd-cli: not_found' err || fail "fund show on the mainchain: rc $rc, $(cat err)"
code=$(curl -s -o /dev/null -w '%{http_code}' "$BFD_NODE/v1/chains/2/funds")
[ "$code" = 404 ] || fail "GET /v1/chains/2/funds (a system chain): HTTP $code"
code=$(curl -s -o /dev/null -w '%{http_code}' "$BFD_NODE/v1/chains/8/funds/holders?from=zz")
[ "$code" = 400 ] || fail "GET /v1/chains/8/funds/holders?from=zz: HTTP $code"
run fund holders --chain 8 --from bfd00
[ "$rc" -ne 0 ] || fail "fund holders --from bfd00 was accepted"
ok "no funds on the mainchain or a system chain; a bad start is refused"

keys="$work/data/keys"
alice=$("$cli" key show "$keys/account-00.json" | sed -n 's/^address: //p')
bob=$("$cli" key show "$keys/account-01.json" | sed -n 's/^address: //p')
for kind in "subscribe --value 1" "trade --buyer $alice --tokens 1" "sweep --platform $alice --timeout-height 100000" \
  "redeem --tokens 1"; do
  # shellcheck disable=SC2086
  run fund $kind --chain 8 --key "$keys/account-01.json" --timeout 20
  [ "$rc" -ne 0 ] && grep -q 'funds_no_terms' err || fail "fund $kind before terms: rc $rc, $(cat err)"
done
ok "every fund kind before the fund has terms is refused with funds_no_terms"

run peg send --to-chain 8 --to "$bob" --amount 5 --key "$keys/account-00.json" --timeout 120
[ "$rc" -eq 0 ] && grep -q '"state": "delivered"' out || fatal "peg send to chain 8: rc $rc: $(tail -n 5 err)"
wait_for 30 bash -c "'$cli' fund show --chain 8 >out 2>/dev/null && python3 -c \"import json; j = json.load(open('out')); exit(0 if j['bfdt_voucher_supply_units'] == 500000000 else 1)\"" \
  || fail "fund show: the pegged BFDT is not in the voucher supply: $(cat out)"
[ "$(json 'j["reconciled"]')" = True ] || fail "fund show after the peg: not reconciled: $(cat out)"
[ "$(json 'j["escrow_units"]')" = 0 ] || fail "fund show: escrow before any subscription: $(cat out)"
ok "5 BFDT pegged to chain 8 appear in its funds summary, which still reconciles"

finish fund_cli_node_test
