#!/usr/bin/env bash
# Runs the real bfd-cli against a real `bfd-node --dev` over HTTP for DS metadata: the dev DAOS
# sidechain (chain 8, "example fund") has the module and the founder (account-00) as access admin;
# its summary and pages are served (the members to a signed read), the mainchain has none (404), a member write before any
# organisation is refused by the node with ds_no_org, bad sections and starts are 400, and
# `ds op` encodes a peg operation body offline. Bounded waits.
# Usage: ds_cli_node_test.sh PATH/TO/bfd-node PATH/TO/bfd-cli
set -u

node_bin=$(realpath "${1:?usage: ds_cli_node_test.sh BFD_NODE BFD_CLI}")
cli=$(realpath "${2:?usage: ds_cli_node_test.sh BFD_NODE BFD_CLI}")
work=$(mktemp -d /tmp/bfd-ds-node-XXXXXX)
# fail/ok/run/field, cleanup on exit, a free $port as BFD_NODE, start_node; cds into $work.
source "$(dirname "$(realpath "$0")")/../integration/dev_node_lib.sh"
# json EXPR: evaluates a Python expression over the last stdout parsed as JSON (j).
json() {
  python3 -c "import json,sys; j = json.load(open('out')); print($1)" 2>/dev/null
}

start_node --sidechains 7  # all seven dev sidechains

# Up once chain 8's DS summary is served from a final state past height 1 (60 s bound: seven
# sidechains on a loaded 2-core machine can take tens of seconds to finalize their first block).
deadline=$((SECONDS + 60))
up=0
while [ $SECONDS -lt $deadline ]; do
  if "$cli" ds show --chain 8 >out 2>err && [ "$(json 'j["final_height"]')" -ge 1 ] 2>/dev/null; then
    up=1
    break
  fi
  sleep 0.3
done
if [ $up -ne 1 ]; then
  echo "FAIL: chain 8's DS metadata was not served within 60 s; last error: $(cat err); last answer: $(head -c 400 out)" >&2
  tail -n 20 "$work/node.log" >&2
  exit 1
fi
ok "ds show --chain 8 answers (final height $(json 'j["final_height"]'))"

[ "$(json 'j["chain"]')" = 8 ] || fail "ds show: chain is not 8: $(cat out)"
[ "$(json 'j["status"]')" = unregistered ] || fail "ds show: status is not unregistered: $(cat out)"
[ "$(json 'j["organisation"]')" = None ] || fail "ds show: an organisation before any: $(cat out)"
[ "$(json 'j["members"]')" = 0 ] || fail "ds show: members: $(cat out)"
[[ "$(json 'j["root"]')" =~ ^[0-9a-f]{64}$ ]] || fail "ds show: no root: $(cat out)"

keys="$work/data/keys"
for section in members rates issuances usage; do
  # The members are a signed read (the founder is the fund's access admin); the rest is public.
  key=()
  [ "$section" = members ] && key=(--key "$keys/account-00.json")
  run ds list "$section" --chain 8 "${key[@]}"
  [ "$rc" -eq 0 ] || fail "ds list $section: exit code $rc: $(cat err)"
  [ "$(json 'j["total"]')" = 0 ] && [ "$(json 'j["next"]')" = None ] || fail "ds list $section: $(cat out)"
done
run ds list members --chain 8
[ "$rc" -ne 0 ] && grep -q 'unauthenticated' err || fail "ds list members unsigned: rc $rc, $(cat err)"
run ds list rates --chain 8 --from 5
[ "$rc" -eq 0 ] || fail "ds list rates --from 5: exit code $rc: $(cat err)"
ok "summary and the four pages of an unregistered fund (members signed: unsigned is refused)"

run ds show
[ "$rc" -ne 0 ] && grep -q '^bfd-cli: not_found' err || fail "ds show on the mainchain: rc $rc, $(cat err)"
run ds list bogus --chain 8
[ "$rc" -ne 0 ] && grep -q 'invalid_argument' err || fail "ds list bogus: rc $rc, $(cat err)"
run ds list rates --chain 8 --from x1
[ "$rc" -ne 0 ] && grep -q 'invalid_argument' err || fail "ds list rates --from x1: rc $rc, $(cat err)"
code=$(curl -s -o /dev/null -w '%{http_code}' "$BFD_NODE/v1/chains/2/ds")
[ "$code" = 404 ] || fail "GET /v1/chains/2/ds (a system chain): HTTP $code"
ok "mainchain and system chains have no DS metadata; bad sections and starts are refused"

member=$("$cli" key show "$keys/account-01.json" | sed -n 's/^address: //p')
member_key=$("$cli" key show "$keys/account-01.json" | sed -n 's/^public_key: //p')
run ds member-add --chain 8 --key "$keys/account-00.json" --account "$member" --member-key "$member_key" --level 1
[ "$rc" -ne 0 ] && grep -q 'ds_no_org' err || fail "member-add before an organisation: rc $rc, $(cat err)"
ok "a member write before any organisation is refused with ds_no_org"

run ds op ds_raise --target 500 --min 100 --max 1000 --deadline 5000 --symbol EXF --mode floating --rate 2
[ "$rc" -eq 0 ] || fail "ds op ds_raise: exit code $rc: $(cat err)"
[ "$(json 'j["keys"]')" = "['ds/raise', 'ds/rate', 'ds/status']" ] || fail "ds op: keys: $(cat out)"
[[ "$(json 'j["body"]')" =~ ^98 ]] || fail "ds op: body is not an 8-item array: $(cat out)"
run ds op ds_raise --target 500 --min 600 --max 1000 --deadline 5000 --symbol exf --mode floating --rate 2
[ "$rc" -ne 0 ] && grep -q 'symbol' err || fail "ds op with a bad symbol: rc $rc, $(cat err)"
ok "ds op encodes a raise and refuses a bad symbol"

if [ $failures -ne 0 ]; then
  echo "$failures failure(s)" >&2
  tail -n 20 "$work/node.log" >&2
  exit 1
fi
echo "all DS metadata CLI checks passed"
