#!/usr/bin/env bash
# A fund's life cycle on a running `bfd-node --dev`, through the real bfd-cli over HTTP
# (docs/fund-lifecycle.md): bad applications refused with file, line and field; `fund create`
# registers DAOS chain 9, which the node starts with its peg bridge without a restart, registers
# the organisation and the raise over the peg, publishes the ecosystem chain's template there and
# deploys the creation contract (init run); a second run creates nothing twice; `ds send` issues;
# BFDT pegged in blocks the cease (escrow_outstanding) until it is pegged out; `fund liquidate`
# then finishes and ceases chain 9, whose height freezes; a re-run is a no-op; the store is sound.
# Usage: fund_lifecycle_test.sh PATH/TO/bfd-node PATH/TO/bfd-cli
set -u

node_bin=$(realpath "${1:?usage: fund_lifecycle_test.sh BFD_NODE BFD_CLI}")
cli=$(realpath "${2:?usage: fund_lifecycle_test.sh BFD_NODE BFD_CLI}")
work=$(mktemp -d /tmp/bfd-fund-life-XXXXXX)
examples="$(dirname "$(realpath "$0")")/../../contracts/examples"
source "$(dirname "$(realpath "$0")")/dev_node_lib.sh"
begin=$SECONDS
registry9() { json_of "[s for s in j['sidechains'] if s['id'] == 9][0]$1" sidechain list --json; }
ds9() { json_of "j$1" ds show --chain 9; }
chain9_final() { json_of 'j["final"]["height"]' chains --chain 9 --json; }
main_sent() { curl -s "$BFD_NODE/v1/chains/1/peg" | python3 -c 'import json,sys; print(json.load(sys.stdin)["sent"])' 2>/dev/null; }

start_node --sidechains 6
wait_for 30 at_least main_final 2 || fatal "the dev node did not finalize height 2 within 30 s"
keys="$work/data/keys"
founder=$("$cli" key show "$keys/account-01.json" | sed -n 's/^address: //p')
treasury=$("$cli" key show "$keys/account-02.json" | sed -n 's/^address: //p')
ok "dev node up on port $port; founder $founder"

# --- the fund template on the ecosystem chain ----------------------------------------------------
run contract publish --chain 7 --key "$keys/account-00.json" --name fund-token --code "$examples/token.wasm" \
  --param symbol:bytes --param rate:amount --entry init --entry send --entry balance --entry redeem
[ "$rc" -eq 0 ] || fatal "publish the template on chain 7: $(cat err)"
tmpl=$(field template)
ok "template $tmpl published on chain 7"

cat >app.toml <<EOF
[fund]
name = "growth fund"
anchor_interval = 4

[organisation]
name = "Growth Partners"
documents_uri = "https://example.org/growth"

[token]
symbol = "GRW"
founder_allocation = 1000000
treasury = "$treasury"
treasury_allocation = 500000

[raise]
target = 5000
min = 1000
max = 10000
deadline_blocks = 2000
rate_mode = "floating"
rate = "1.5"

[contract]
template = "$tmpl"
params = ["bytes:475257", "amount:1.5"]
init_args = ["i64:1000000"]
fuel = 20000

[validators]
count = 3
EOF

# --- bad applications: file, line, field -----------------------------------------------------------
create() { run fund create --key "$keys/account-01.json" --registry-key "$keys/registry.json" --dev-data "$work/data" --timeout 60 "$@"; }
sed 's/^min = 1000$//' app.toml >bad1.toml
create --application bad1.toml
[ "$rc" -eq 1 ] && grep -q '^bfd-cli: invalid_argument: bad1.toml:[0-9]*: raise.min: missing' err ||
  fail "an application without raise.min: rc $rc: $(cat err)"
sed 's/^rate_mode = "floating"$/rate_mode = "sliding"/' app.toml >bad2.toml
create --application bad2.toml
[ "$rc" -eq 1 ] && grep -q 'bad2.toml:20: raise.rate_mode: fixed, floating or bfdt' err ||
  fail "an unknown rate mode: rc $rc: $(cat err)"
printf '{"fund": {"name": "x"}, "raise": {"min": -1}}' >bad3.json
create --application bad3.json
[ "$rc" -eq 1 ] && grep -q 'bad3.json: ' err || fail "a JSON application with bad fields: rc $rc: $(cat err)"
sed 's/^\[validators\]$/[validator]/' app.toml >bad4.toml
create --application bad4.toml
[ "$rc" -eq 1 ] && grep -q 'bad4.toml:[0-9]*: validator: unknown field' err || fail "a misspelt table: rc $rc: $(cat err)"
[ -z "$(registry9 '["id"]')" ] || fail "a refused application registered chain 9"
ok "bad applications refused before anything is sent: $(grep '^bfd-cli' err | cut -c1-80)"

# --- fund create ------------------------------------------------------------------------------------
create --application app.toml
[ "$rc" -eq 0 ] || fatal "fund create: rc $rc: $(tail -5 err) $(tail -5 out)"
[ "$(field chain)" = 9 ] && [ "$(field status | tail -1)" = active ] || fail "fund create's summary: $(cat out)"
contract=$(field contract)
[ "$(registry9 '["kind"]')" = daos ] && [ "$(registry9 '["status"]')" = active ] && [ "$(registry9 '["token"]')" = GRW ] ||
  fail "registry entry of chain 9: $(registry9 '')"
[ "$(ds9 '["organisation"]["name"]')" = "Growth Partners" ] && [ "$(ds9 '["organisation"]["owner"]')" = "$founder" ] ||
  fail "ds organisation: $(ds9 '')"
[ "$(ds9 '["raise"]["target_units"]')" = 500000000000 ] && [ "$(ds9 '["token"]["mode"]')" = floating ] &&
  [ "$(ds9 '["rate_units"]')" = 150000000 ] || fail "ds raise terms: $(ds9 '')"
run contract show --chain 9 "$contract"
grep -q '"template_name": "fund-token"' out && grep -q "\"deployer\": \"$founder\"" out ||
  fail "the creation contract on chain 9: $(cat out) $(cat err)"
run account "$treasury" --chain 9
grep -q '^balance: 500000 GRW$' out || fail "the treasury's allocation on chain 9: $(cat out)"
ok "fund create: chain 9 active, organisation and floating raise adopted, contract $contract ($((SECONDS - begin)) s)"

# --- a second run creates nothing twice ------------------------------------------------------------
sent_before=$(main_sent)
create --application app.toml
[ "$rc" -eq 0 ] || fail "second fund create: rc $rc: $(cat err)"
grep -q 'registered already as chain 9' out && grep -q 'organisation registered already' out &&
  grep -q 'fund raise registered already' out && grep -q "contract $contract deployed already" out ||
  fail "second fund create did not find what exists: $(cat out)"
[ "$(main_sent)" = "$sent_before" ] || fail "second fund create sent peg messages: $sent_before -> $(main_sent)"
ok "fund create again: every step found done, no new peg message ($sent_before sent)"

# --- an issuance through ds send ----------------------------------------------------------------------
run ds send ds_issue --value 100 --chain 9 --key "$keys/account-01.json" --timeout 60
[ "$rc" -eq 0 ] && [ "$(field status | tail -1)" = adopted ] || fail "ds send ds_issue: rc $rc: $(cat err)"
[ "$(ds9 '["issued_units"]')" = 10000000000 ] || fail "issued after ds_issue: $(ds9 '["issued_units"]')"
run ds send ds_issue --value 100 --chain 9 --key "$keys/account-03.json" --timeout 60
[ "$rc" -eq 1 ] && grep -q '^bfd-cli: refused: ' err || fail "ds_issue by an outsider: rc $rc: $(cat err)"
ok "ds_issue adopted (100 issued); an outsider's refused"

# --- BFDT pegged onto the fund chain blocks the cease until it is pegged out -------------------------
run peg send --to-chain 9 --to "$founder" --amount 10 --key "$keys/account-01.json" --timeout 60
[ "$rc" -eq 0 ] || fatal "peg send to chain 9: rc $rc: $(cat err)"
liquidate() { run fund liquidate --chain 9 --key "$keys/account-01.json" --registry-key "$keys/registry.json" --wait-blocks 2 --timeout 60 "$@"; }
liquidate
[ "$rc" -eq 1 ] && grep -q '^bfd-cli: escrow_outstanding: 10 BFDT' err || fail "liquidate with escrow: rc $rc: $(grep '^bfd-cli' err)"
[ "$(ds9 '["status"]')" = liquidated ] && [ "$(registry9 '["status"]')" = active ] ||
  fail "after the refused cease: ds $(ds9 '["status"]'), registry $(registry9 '["status"]')"
ok "liquidation finished but the cease refused while 10 BFDT is escrowed for chain 9"
run peg send --chain 9 --to-chain 1 --to "$founder" --amount 10 --denom peg/1/BFDT --key "$keys/account-01.json" --timeout 60
[ "$rc" -eq 0 ] || fail "peg the vouchers back: rc $rc: $(cat err)"

# --- liquidation ceases the chain ------------------------------------------------------------------------
liquidate
[ "$rc" -eq 0 ] || fatal "fund liquidate: rc $rc: $(cat err)"
grep -q 'started already' out && grep -q 'finished already' out && [ "$(field sidechain_status)" = ceased ] &&
  [ "$(field ds_status)" = liquidated ] && [ "$(field escrow_left)" = 0 ] || fail "fund liquidate: $(cat out)"
sleep 1  # the watcher stops the delegates within a pass of the final cease
frozen=$(chain9_final)
sleep 2
[ "$(chain9_final)" = "$frozen" ] || fail "chain 9 still finalizes after the cease: $frozen -> $(chain9_final)"
liquidate
[ "$rc" -eq 0 ] && grep -q 'ceased already' out || fail "liquidate again: rc $rc: $(cat err)"
ok "fund liquidate: chain 9 ceased at mainchain height $(registry9 '["ceased_height"]'), frozen at $frozen"

stop_node
"$node_bin" --check-storage --data-dir "$work/data" >check.log 2>&1 || fail "check-storage: $(tail -5 check.log)"
ok "store sound ($((SECONDS - begin)) s in all)"
finish fund_lifecycle
