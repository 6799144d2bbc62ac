#!/usr/bin/env bash
# A DAOS sidechain's whole life on a running `bfd-node --dev`, through the real bfd-cli over HTTP:
# write its entry, a register by a key without sidechain_admin refused (access_denied: the --dev
# mainchain has access control), register and activate
# by the registry authority, chain 9 started without a restart and finalizing, anchored on the
# mainchain, a transfer in its own token that the mainchain does not see, cease, chain 9 frozen and
# never anchored again while the mainchain goes on, a restart that keeps it ceased, and a sound store.
# Bounded waits throughout.
# Usage: sidechain_lifecycle_test.sh PATH/TO/bfd-node PATH/TO/bfd-cli
set -u

node_bin=$(realpath "${1:?usage: sidechain_lifecycle_test.sh BFD_NODE BFD_CLI}")
cli=$(realpath "${2:?usage: sidechain_lifecycle_test.sh BFD_NODE BFD_CLI}")
work=$(mktemp -d /tmp/bfd-sidechain-life-XXXXXX)
source "$(dirname "$(realpath "$0")")/dev_node_lib.sh"
chain9_final() { json_of 'j["final"]["height"]' chains --chain 9 --json; }
registry9() { json_of "[s for s in j['sidechains'] if s['id'] == 9][0]$1" sidechain list --json; }
anchored9() { json_of '([s for s in j["sidechains"] if s["id"] == 9][0]["anchored"] or {"height": 0})["height"]' sidechain list --json; }

start_node
wait_for 30 at_least main_final 2 || fatal "the dev node did not finalize height 2 within 30 s"
ok "dev node up on port $port (mainchain final height $(main_final))"
keys="$work/data/keys"

# --- the entry ---------------------------------------------------------------------------------
run sidechain entry --dev-data "$work/data" --id 9 --name "new fund" --kind daos --symbol NEWF \
  --anchor-interval 4 --start-in 3 --out e9.json
[ "$rc" -eq 0 ] || fatal "sidechain entry: exit code $rc: $(cat err)"
[ "$(field validators)" = 3 ] || fail "sidechain entry: $(field validators) validators, expected one per category (3)"
python3 -c 'import json; e = json.load(open("e9.json")); assert e["id"] == 9 and e["token"]["symbol"] == "NEWF" and len(e["token"]["allocations"]) == 10' ||
  fail "sidechain entry: e9.json is not the entry asked for: $(cat e9.json)"
ok "entry for DAOS sidechain 9 written (3 validators from the active cluster, NEWF to 10 dev accounts)"

# --- a register without sidechain_admin is refused ----------------------------------------------
# The --dev mainchain has access control: the registry needs sidechain_admin on global, which
# only keys/registry.json (the dev admin) holds from the genesis.
run sidechain register --entry e9.json --key "$keys/account-01.json" --timeout 30
[ "$rc" -eq 1 ] && grep -q '^bfd-cli: access_denied: .*lacks sidechain_admin' err ||
  fail "register by a dev account: expected 'bfd-cli: access_denied', got rc $rc: $(cat err)"
ok "register signed by a dev account refused: $(grep '^bfd-cli:' err | cut -c1-90)"

# --- register and activate by the authority ------------------------------------------------------
run sidechain register --entry e9.json --key "$keys/registry.json" --timeout 30
[ "$rc" -eq 0 ] && [ "$(field status)" = final ] && [ "$(field sidechain_status)" = registered ] ||
  fatal "register: rc $rc: $(cat out) $(cat err)"
ok "register final at mainchain height $(field height), sidechain 9 registered"
run sidechain register --entry e9.json --key "$keys/registry.json" --timeout 30
[ "$rc" -eq 1 ] && grep -q '^bfd-cli: already_exists: ' err ||
  fail "second register: expected already_exists, got rc $rc: $(cat err)"
run sidechain activate 9 --key "$keys/registry.json" --timeout 30
[ "$rc" -eq 0 ] && [ "$(field sidechain_status)" = active ] || fatal "activate: rc $rc: $(cat out) $(cat err)"
ok "activate final at mainchain height $(field height), sidechain 9 active"

# --- chain 9 runs without a restart, finalizes and is anchored ----------------------------------
wait_for 20 at_least chain9_final 3 || fatal "chain 9 did not finalize height 3 within 20 s: $(cat err)"
first=$(chain9_final)
wait_for 10 at_least chain9_final $((first + 2)) || fail "chain 9's final height stays at $first"
ok "chain 9 hosted and finalizing: final height $first, then $(chain9_final)"
wait_for 20 at_least anchored9 1 || fail "chain 9 not anchored on the mainchain within 20 s"
ok "chain 9 anchored on the mainchain at sidechain height $(anchored9)"

# --- a transfer in NEWF that the mainchain does not see -----------------------------------------
to=$("$cli" key show "$keys/account-01.json" | sed -n 's/^address: //p')
run account "$to"
main_before=$(field balance_units)
run account "$to" --chain 9
grep -q '^balance: 1000000 NEWF$' out || fail "account on chain 9: expected 1000000 NEWF: $(cat out)"
side_before=$(field balance_units)
run transfer --chain 9 --key "$keys/account-00.json" --to "$to" --amount 5 --timeout 30
[ "$rc" -eq 0 ] && [ "$(field status)" = final ] || fail "transfer on chain 9: rc $rc: $(cat out) $(cat err)"
run account "$to" --chain 9
[ "$(field balance_units)" = $((side_before + 500000000)) ] ||
  fail "chain 9 balance $(field balance_units), expected $side_before + 500000000"
run account "$to"
[ "$(field balance_units)" = "$main_before" ] || fail "mainchain balance moved: $main_before -> $(field balance_units)"
ok "5 NEWF final on chain 9; the receiver's mainchain balance unchanged ($main_before)"

# --- cease ---------------------------------------------------------------------------------------
run sidechain cease 9 --key "$keys/registry.json" --timeout 30
[ "$rc" -eq 0 ] && [ "$(field sidechain_status)" = ceased ] || fatal "cease: rc $rc: $(cat out) $(cat err)"
ceased_at=$(field height)
ok "cease final at mainchain height $ceased_at"
sleep 1.5  # the watcher's next pass stops the delegates; a block already out may still be final
frozen=$(chain9_final)
anchored=$(anchored9)
main_then=$(main_final)
sleep 3  # ten slots of 300 ms
[ "$(chain9_final)" = "$frozen" ] || fail "chain 9 still finalizes after cease: $frozen -> $(chain9_final)"
[ "$(anchored9)" = "$anchored" ] || fail "an anchor was accepted after cease: $anchored -> $(anchored9)"
[ "$(registry9 '["status"]')" = ceased ] || fail "registry status of 9 is '$(registry9 '["status"]')'"
at_least main_final $((main_then + 3)) || fail "the mainchain stopped finalizing: $main_then -> $(main_final)"
ok "after cease chain 9 stays at final height $frozen, anchored height stays $anchored, mainchain $main_then -> $(main_final)"
run sidechain activate 9 --key "$keys/registry.json" --timeout 30
[ "$rc" -eq 1 ] && grep -q '^bfd-cli: wrong_status: ' err ||
  fail "activate after cease: expected wrong_status, got rc $rc: $(cat err)"
run sidechain list
grep -qE '^ 9  daos +new fund +NEWF +ceased +[0-9]+ +'"$ceased_at"'$' out || fail "sidechain list: no ceased row for 9: $(cat out)"

# --- restart on the same data directory ---------------------------------------------------------
before_stop=$(main_final)
stop_node
[ "$node_rc" = 0 ] || fail "the node exited with $node_rc on SIGTERM"
start_node
wait_for 30 at_least main_final $((before_stop + 2)) || fatal "after restart the mainchain did not pass $before_stop"
[ "$(registry9 '["status"]')" = ceased ] || fail "after restart sidechain 9 is '$(registry9 '["status"]')'"
[ "$(anchored9)" = "$anchored" ] || fail "after restart the anchored height of 9 is $(anchored9), not $anchored"
# The ceased chain is opened again without delegates: its blocks stay served, its height frozen.
serves9() { run chains --chain 9; [ "$rc" -eq 0 ]; }
wait_for 15 serves9 || fail "after restart chain 9 is not served: $(cut -c1-80 err)"
[ "$(chain9_final)" = "$frozen" ] || fail "after restart chain 9's final height is $(chain9_final), not $frozen"
ok "restarted: mainchain final $(main_final) > $before_stop, sidechain 9 still ceased (anchored $anchored)"
stop_node

# --- the store ---------------------------------------------------------------------------------
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
echo "sidechain life cycle: all checks passed"
