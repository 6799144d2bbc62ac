#!/usr/bin/env bash
# docs/openapi.yaml held against a real `bfd-node --dev --sidechains 7` (tests/api/README.md):
# the node's route table (`bfd-node --routes`) and the spec must list the same operations; the
# real bfd-cli gives every module something to show (a final transfer, a peg transfer to chain 2,
# a service, a credential group, a token contract on chain 7 with an event and a reader, the fund
# on chain 8 with a member, terms, a rate, an issuance and a usage record); then
# tests/api/check_node.mjs requests every route (2xx answers and refusals) and validates each
# status, content type and body with Ajv against the spec, objects closed. Bounded waits.
# Needs `npm ci` in tests/api (tools/setup/install-deps.sh runs it): without it the test fails.
# Usage: openapi_node_test.sh PATH/TO/bfd-node PATH/TO/bfd-cli REPO_ROOT
set -u
node_bin=$(realpath "${1:?usage: openapi_node_test.sh BFD_NODE BFD_CLI REPO_ROOT}")
cli=$(realpath "${2:?usage: openapi_node_test.sh BFD_NODE BFD_CLI REPO_ROOT}")
root=$(realpath "${3:?usage: openapi_node_test.sh BFD_NODE BFD_CLI REPO_ROOT}")
api="$root/tests/api"
if ! command -v node >/dev/null || [ ! -d "$api/node_modules/ajv" ] || [ ! -d "$api/node_modules/yaml" ]; then
  echo "FAIL: needs Node.js and the packages of tests/api: run tools/setup/install-deps.sh (or: cd tests/api && npm ci)" >&2
  exit 1
fi
work=$(mktemp -d /tmp/bfd-openapi-XXXXXX)
source "$root/tests/integration/dev_node_lib.sh"
started=$SECONDS
step() { echo "[$((SECONDS - started)) s] $*"; }

"$node_bin" --routes >routes.txt || fatal "bfd-node --routes failed"
[ "$(wc -l <routes.txt)" -gt 40 ] || fatal "bfd-node --routes printed $(wc -l <routes.txt) routes"

# No rate bound: the check sends a few hundred requests in a burst.
start_node --sidechains 7 --http-rate 0
wait_for 40 at_least "json_of j[\"final\"][\"height\"] info --chain 8 --json" 1 || fatal "chain 8 not final within 40 s"
wait_for 20 at_least "json_of j[\"final\"][\"height\"] info --chain 7 --json" 1 || fatal "chain 7 not final within 20 s"
step "node up on port $port"

keys="$work/data/keys"
addr() { "$cli" key show "$keys/$1.json" | sed -n 's/^address: //p'; }
pub() { "$cli" key show "$keys/$1.json" | sed -n 's/^public_key: //p'; }
alice=$(addr account-00); bob=$(addr account-01); reader=$(addr account-03); payee=$(addr account-06)

# The setup: independent groups run side by side, each with its own keys (so no two submit with
# one sender's nonce), each writing its results to a file; "ERR ..." lines name what failed.
# c ARGS...: bfd-cli, its stdout returned; on failure an ERR line in $log and a non-zero status.
c() {
  local o
  o=$(timeout 120 "$cli" "$@" 2>"$log.err") || { echo "ERR bfd-cli $*: $(tail -n 3 "$log.err")" >>"$log"; return 1; }
  printf '%s\n' "$o"
}
val() { sed -n "s/^$1: //p"; }

setup_transfer() {  # a final transfer on the mainchain: its id
  local log=$work/s.transfer o
  o=$(c transfer --key "$keys/account-05.json" --to "$payee" --amount 1) || return
  echo "transfer_tx=$(printf '%s\n' "$o" | val id)" >>"$log"
}
setup_peg() {  # 1 BFDT to chain 2 over the peg: the message id
  local log=$work/s.peg o
  o=$(c peg send --to-chain 2 --to "$bob" --amount 1 --key "$keys/account-04.json" --timeout 60) || return
  echo "peg_message=$(printf '%s\n' "$o" | val message)" >>"$log"
}
setup_service() {  # a service on chains 2 and 3 (instance addresses need no contract there), upgraded
  local log=$work/s.service
  c service register --key "$keys/registry.json" --uuid 0123456789abcdef0123456789abcdef --symbol EXCH --home 2 \
    --deploy 2,3 --instance "2:bfd$(printf '2%.0s' $(seq 40))" --instance "3:bfd$(printf '3%.0s' $(seq 40))" \
    --commission percent:250 >/dev/null || return
  # Version 2 with a canary on chain 2: the service then shows a rollout.
  c service upgrade 1 --key "$keys/registry.json" --instance "2:bfd$(printf 'b%.0s' $(seq 40))" \
    --instance "3:bfd$(printf 'c%.0s' $(seq 40))" --canary 2 --delay 2 --window 10 --min-calls 5 >/dev/null || return
  echo "service=1" >>"$log"
}
setup_group() {  # a credential group on the mainchain
  local log=$work/s.group o
  o=$(c authority group-new --name "api test" --out "$work/g1.group" --key "$keys/account-01.json" --timeout 30) || return
  echo "group=$(printf '%s\n' "$o" | val group)" >>"$log"
}
setup_contract() {  # a token on chain 7: published, deployed with a reader, one send (an event)
  local log=$work/s.contract o tmpl token
  o=$(c contract publish --chain 7 --key "$keys/account-02.json" --name fixed-rate-token \
    --code "$root/contracts/examples/token.wasm" --param symbol:bytes --param rate:amount --entry init --entry send \
    --entry balance --entry redeem) || return
  tmpl=$(printf '%s\n' "$o" | val template)
  o=$(c contract deploy --chain 7 --key "$keys/account-02.json" --template "$tmpl" --param bytes:544b4e \
    --param amount:1.5 --value 2 --reader "$reader" --arg i64:1000 --fuel 20000) || return
  token=$(printf '%s\n' "$o" | val contract)
  c contract call --chain 7 --key "$keys/account-02.json" "$token" send --arg i64:100 --input "${reader:3}" \
    --fuel 20000 >/dev/null || return
  echo "contract=$token" >>"$log"
}
setup_fund() {  # chain 8's fund: registered over the peg, rights, members, terms, a rate, an issuance, a usage, a subscription
  local log=$work/s.fund k=$keys/account-00.json
  c ds send ds_register --name "API fund" --owner "$alice" --key "$k" --chain 8 >/dev/null || return
  c acl grant --chain 8 --scope sidechain:8 --account "$alice" --permissions read,write,issue --key "$k" >/dev/null || return
  c ds member-add --chain 8 --key "$k" --account "$alice" --member-key "$(pub account-00)" >/dev/null || return
  c ds send ds_raise --target 1000 --min 10 --max 100000 --deadline 100000 --symbol EXF --mode floating --rate 1 \
    --key "$k" --chain 8 >/dev/null || return
  c ds rate-set --rate 1.5 --key "$k" --chain 8 >/dev/null || return
  c ds usage --service 1 --request 0a0b --value 1 --key "$k" --chain 8 >/dev/null || return
  c ds send ds_issue --value 100 --key "$k" --chain 8 >/dev/null || return
  # An investor (account-03, level 1, trade): BFDT pegged to chain 8, then a subscription (a holder).
  c ds member-add --chain 8 --key "$k" --account "$reader" --member-key "$(pub account-03)" --level 1 >/dev/null || return
  c acl grant --chain 8 --scope sidechain:8 --account "$reader" --permissions trade --key "$k" >/dev/null || return
  c peg send --to-chain 8 --to "$reader" --amount 5 --key "$keys/account-03.json" --timeout 60 >/dev/null || return
  c fund subscribe --chain 8 --key "$keys/account-03.json" --value 2 >/dev/null || return
  echo "fund=8" >>"$log"
}
pids=()
for s in transfer peg service group contract fund; do
  : >"$work/s.$s"
  "setup_$s" &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
grep -h '^ERR' "$work"/s.* >&2 && fatal "the setup failed (above)"
kv() { sed -n "s/^$1=//p" "$work"/s.* | head -1; }
for k in transfer_tx peg_message service group contract fund; do
  [ -n "$(kv $k)" ] || fatal "the setup did not produce $k"
done
step "setup done: transfer $(kv transfer_tx | cut -c1-16), peg $(kv peg_message), group $(kv group | cut -c1-16), contract $(kv contract)"

cat >context.json <<EOF
{"keys": "$keys", "addr": {"alice": "$alice", "bob": "$bob", "reader": "$reader"},
 "transfer_tx": "$(kv transfer_tx)", "peg_message": "$(kv peg_message)", "service_uuid": "0123456789abcdef0123456789abcdef",
 "group": "$(kv group)", "contract": "$(kv contract)"}
EOF

timeout 120 node "$api/check_node.mjs" --spec "$root/docs/openapi.yaml" --routes routes.txt --base "$BFD_NODE" \
  --cli "$cli" --context context.json --exchanges "$work/exchanges.json"
rc=$?
step "check done"
[ $rc -eq 0 ] || fail "check_node.mjs: exit code $rc (its FAIL lines above)"
finish openapi-node
