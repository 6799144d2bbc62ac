#!/usr/bin/env bash
# The TypeScript client (sdk/ts) against a real `bfd-node --dev`: bfd-cli decodes a transaction of
# every kind the SDK built (the C++ codec agrees byte for byte); the README's example
# (sdk/ts/examples/transfer.ts, compiled) transfers 2.5 BFDT to finality from a dev key file and
# bfd-cli confirms the recipient's balance; then sdk/ts/live/check.ts sends transfers, a batch, a
# peg send, a vote and an ACL grant, all built and signed by the SDK, each to finality, reads them
# back through the SDK, and bfd-cli cross-checks the balances it reports. Bounded waits.
# Needs `npm ci` in sdk/ts (tools/setup/install-deps.sh) and its build (`npm run build`: the ctest
# fixture sdk_ts_build does it). Usage: ts_client_test.sh PATH/TO/bfd-node PATH/TO/bfd-cli REPO_ROOT
set -u
node_bin=$(realpath "${1:?usage: ts_client_test.sh BFD_NODE BFD_CLI REPO_ROOT}")
cli=$(realpath "${2:?usage: ts_client_test.sh BFD_NODE BFD_CLI REPO_ROOT}")
root=$(realpath "${3:?usage: ts_client_test.sh BFD_NODE BFD_CLI REPO_ROOT}")
sdk="$root/sdk/ts"
if ! command -v node >/dev/null || [ ! -d "$sdk/node_modules/@noble/curves" ]; then
  echo "FAIL: needs Node.js and the packages of sdk/ts: run tools/setup/install-deps.sh (or: cd sdk/ts && npm ci)" >&2
  exit 1
fi
if [ ! -f "$sdk/dist/examples/transfer.js" ] || [ ! -f "$sdk/dist/live/check.js" ]; then
  echo "FAIL: sdk/ts is not built: cd sdk/ts && npm run build" >&2
  exit 1
fi
work=$(mktemp -d /tmp/bfd-sdk-ts-XXXXXX)
source "$root/tests/integration/dev_node_lib.sh"
started=$SECONDS
step() { echo "[$((SECONDS - started)) s] $*"; }

start_node

# While the node starts: one transaction of every kind, built and signed by the SDK, decoded by
# bfd-cli (the C++ codec, which re-encodes and compares): same kind, same id, valid signature.
timeout 60 node "$sdk/dist/live/kinds.js" "$cli" || fail "live/kinds.js: the C++ codec disagrees (above)"

wait_for 30 at_least main_final 1 || fatal "the mainchain not final within 30 s"
wait_for 30 at_least "json_of j[\"final\"][\"height\"] info --chain 2 --json" 1 || fatal "chain 2 not final within 30 s"
step "node up on port $port"
keys="$work/data/keys"
units_of() { json_of 'j["balance_units"]' account "$1" --json; }

# The README example, exactly as committed: 2.5 BFDT from account-00 to a new address.
"$cli" key new --out "$work/to.json" >/dev/null || fatal "bfd-cli key new failed"
to=$("$cli" key show "$work/to.json" | sed -n 's/^address: //p')
timeout 60 node "$sdk/dist/examples/transfer.js" "$keys/account-00.json" "$to" "$BFD_NODE" >example.out 2>&1
rc=$?
cat example.out
[ $rc -eq 0 ] || fail "examples/transfer.js: exit code $rc"
grep -Eq "^transaction [0-9a-f]{64} final at height [0-9]+$" example.out || fail "the example did not report a final transaction"
grep -q "^$to: 0 -> 2.5 BFDT$" example.out || fail "the example did not report 0 -> 2.5 BFDT"
[ "$(units_of "$to")" = 250000000 ] && ok "bfd-cli: the example's recipient holds 250000000 units" \
  || fail "bfd-cli: the example's recipient holds '$(units_of "$to")' units, 250000000 expected"
id=$(sed -n 's/^transaction \([0-9a-f]*\) final.*/\1/p' example.out)
[ "$(json_of 'j["status"]' tx get "$id")" = final ] && ok "bfd-cli tx get: the example's transaction is final" \
  || fail "bfd-cli tx get $id: not final"
step "example done"

# The SDK's own round of kinds, then bfd-cli's view of the balances it reports.
timeout 90 node "$sdk/dist/live/check.js" "$BFD_NODE" "$keys" >check.out 2>&1
rc=$?
cat check.out
[ $rc -eq 0 ] || fail "live/check.js: exit code $rc"
summary=$(tail -n 1 check.out)
field_of() { python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$summary" "$1" 2>/dev/null; }
for who in recipient sender; do
  addr=$(field_of "$who"); want=$(field_of "${who}_units")
  [ -n "$addr" ] || { fail "live/check.js printed no summary"; break; }
  got=$(units_of "$addr")
  [ "$got" = "$want" ] && ok "bfd-cli agrees: $who $addr holds $got units" || fail "bfd-cli: $who $addr holds '$got' units, the SDK saw $want"
done
step "check done"
finish sdk-ts-client
