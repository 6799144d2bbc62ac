#!/usr/bin/env bash
# Runs the real bfd-cli against a real `bfd-node --dev` over HTTP: info, account, delegates, a
# transfer waited to finality, tx get, a rejected transfer and an unreachable node; then the eight
# chains (`chains`), a transfer on sidechain 4 that no other chain sees, a transaction signed for
# one chain refused on another, and unknown chains. Bounded waits.
# Usage: cli_node_test.sh PATH/TO/bfd-node PATH/TO/bfd-cli
set -u

node_bin=$(realpath "${1:?usage: cli_node_test.sh BFD_NODE BFD_CLI}")
cli=$(realpath "${2:?usage: cli_node_test.sh BFD_NODE BFD_CLI}")
work=$(mktemp -d /tmp/bfd-cli-node-XXXXXX)
# fail/ok/run/field, cleanup on exit, a free $port as BFD_NODE, start_node; cds into $work.
source "$(dirname "$(realpath "$0")")/../integration/dev_node_lib.sh"

start_node --sidechains 7  # all seven dev sidechains (the eight chains)

# The node is up once `bfd-cli info` answers with a final height of at least 2 (30 s bound).
deadline=$((SECONDS + 30))
up=0
while [ $SECONDS -lt $deadline ]; do
  if "$cli" info >out 2>err && [ "$(field final_height)" -ge 2 ] 2>/dev/null; then
    up=1
    break
  fi
  sleep 0.3
done
if [ $up -ne 1 ]; then
  echo "FAIL: the dev node did not finalize height 2 within 30 s; last error: $(cat err)" >&2
  tail -n 20 "$work/node.log" >&2
  exit 1
fi
ok "bfd-cli info answers (final height $(field final_height))"

# --- info --------------------------------------------------------------------------------------
run info
[ "$rc" -eq 0 ] || fail "info: exit code $rc: $(cat err)"
[ "$(field chain)" = 1 ] || fail "info: chain is '$(field chain)', expected 1"
[ "$(field node)" = "$BFD_NODE" ] || fail "info: node is '$(field node)', expected $BFD_NODE"
grep -qE '^head_hash: [0-9a-f]{64}$' out || fail "info: no head hash: $(cat out)"
grep -qE '^slot_ms: 300$' out || fail "info: slot_ms is not 300: $(cat out)"
run info --json
python3 -c 'import json,sys; j = json.load(open("out")); assert j["chain"] == 1' 2>/dev/null ||
  fail "info --json: not the node's JSON: $(cat out)"

# --- delegates ---------------------------------------------------------------------------------
run delegates
[ "$rc" -eq 0 ] || fail "delegates: exit code $rc: $(cat err)"
head -n 1 out | grep -qE '^KEY +CATEGORY +BID +VOTES +STATUS +CLUSTER +BLOCKS +MISSED +REWARDS$' ||
  fail "delegates: unexpected header: $(head -n 1 out)"
[ "$(grep -cE '^[0-9a-f]{16} +(gold|silver|bronze) ' out)" -eq 6 ] ||
  fail "delegates: expected 6 rows: $(cat out)"
grep -q '^6 delegates' out || fail "delegates: no count line: $(cat out)"
ok "info and delegates"

# --- account -----------------------------------------------------------------------------------
keys="$work/data/keys"
sender=$("$cli" key show "$keys/account-00.json" | sed -n 's/^address: //p')
recipient=$("$cli" key show "$keys/account-01.json" | sed -n 's/^address: //p')
run account "$recipient"
[ "$rc" -eq 0 ] || fail "account: exit code $rc: $(cat err)"
[ "$(field address)" = "$recipient" ] || fail "account: wrong address: $(cat out)"
grep -qE '^balance: [0-9.]+ BFDT$' out || fail "account: no balance in BFDT: $(cat out)"
before=$(field balance_units)
[ -n "$before" ] && [ "$before" -gt 0 ] || fail "account: dev account 01 is not funded: $(cat out)"
[ "$(field nonce)" = 0 ] || fail "account: nonce of an unused account is '$(field nonce)'"
run account bfd1234
[ "$rc" -ne 0 ] && grep -q '^bfd-cli: bad_address' err || fail "account of a bad address: rc $rc, $(cat err)"

# --- transfer, waited to finality --------------------------------------------------------------
run transfer --key "$keys/account-00.json" --to "$recipient" --amount 2.5 --timeout 60
[ "$rc" -eq 0 ] || fail "transfer: exit code $rc: $(cat err)"
id=$(field id)
height=$(field height)
[[ "$id" =~ ^[0-9a-f]{64}$ ]] || fail "transfer: no id on stdout: $(cat out)"
[ "$(field status)" = final ] || fail "transfer: status is not final: $(cat out)"
[[ "$height" =~ ^[0-9]+$ ]] || fail "transfer: no final height: $(cat out)"
grep -qE "^tx ${id:0:16}: final at height $height$" err || fail "transfer: no final progress line: $(cat err)"
grep -qE "\(nonce 0, expiry [0-9]+\)" err || fail "transfer: did not use nonce 0 from the node: $(cat err)"
ok "transfer of 2.5 BFDT final at height $height"

run account "$recipient"
after=$(field balance_units)
[ -n "$after" ] && [ "$after" -eq $((before + 250000000)) ] ||
  fail "account: recipient balance $after, expected $before + 250000000"
run account "$sender"
[ "$(field nonce)" = 1 ] || fail "account: sender nonce is '$(field nonce)' after one transfer"

run tx get "$id"
[ "$rc" -eq 0 ] || fail "tx get: exit code $rc: $(cat err)"
grep -qE '^  "status": "final",?$' out || fail "tx get: not final: $(cat out)"
grep -qE "^  \"height\": $height,?$" out || fail "tx get: height is not $height: $(cat out)"
ok "recipient balance rose by 2.5 BFDT and tx get shows final"

# The old spelling submits too, here without waiting.
run tx transfer --key "$keys/account-00.json" --to "$recipient" --amount 1 --no-wait
[ "$rc" -eq 0 ] && [ "$(field status)" = pending ] || fail "tx transfer --no-wait: rc $rc: $(cat out) $(cat err)"
[[ "$(field id)" =~ ^[0-9a-f]{64}$ ]] || fail "tx transfer --no-wait: no id: $(cat out)"

# --- failures ----------------------------------------------------------------------------------
run transfer --key "$keys/account-02.json" --to "$recipient" --amount 99999999 --timeout 30
if [ "$rc" -eq 0 ]; then
  fail "transfer beyond the balance succeeded: $(cat out)"
elif ! tail -n 1 err | grep -qE '^bfd-cli: (insufficient_funds|rejected|[a-z_]+: the node rejected)'; then
  fail "transfer beyond the balance: unexpected error: $(cat err)"
else
  ok "transfer beyond the balance refused: $(tail -n 1 err)"
fi

run transfer --key "$keys/account-00.json" --to "$recipient" --amount 1 --nonce 0
[ "$rc" -ne 0 ] && grep -qE '^bfd-cli: nonce_reused: .*HTTP 409' err ||
  fail "transfer with a used nonce: rc $rc, $(cat err)"

run tx get 0000000000000000000000000000000000000000000000000000000000000000
[ "$rc" -ne 0 ] && grep -qE '^bfd-cli: not_found: .*HTTP 404' err || fail "tx get of an unknown id: rc $rc, $(cat err)"

run info --node http://127.0.0.1:1
if [ "$rc" -eq 0 ] || [ "$(wc -l <err)" -ne 1 ] ||
  ! grep -qE '^bfd-cli: connection_failed: cannot connect to http://127.0.0.1:1' err; then
  fail "info --node http://127.0.0.1:1: rc $rc, $(cat err)"
else
  ok "unreachable node: $(cat err)"
fi

# --- chains -------------------------------------------------------------------------------------
# finals: "id final" for every row of the last `chains` table.
finals() {
  awk '$1 ~ /^[0-9]+$/ && $2 != "chains" { print $1, $(NF - 1) }' out
}
run chains
[ "$rc" -eq 0 ] || fail "chains: exit code $rc: $(cat err)"
head -n 1 out | grep -qE '^ID +KIND +NAME +TOKEN +STATUS +HEAD +FINAL +VALIDATORS$' ||
  fail "chains: unexpected header: $(head -n 1 out)"
[ "$(finals | awk '{ print $1 }' | tr '\n' ' ')" = "1 2 3 4 5 6 7 8 " ] || fail "chains: ids are not 1..8: $(cat out)"
grep -qE '^ 1 +mainchain +mainchain +BFDT +active +[0-9]+ +[0-9]+ +[1-9][0-9]*$' out ||
  fail "chains: no active mainchain row: $(cat out)"
grep -qE '^ 4 +system_service +legal service +LGL +active +[0-9]+ +[0-9]+ +[1-9][0-9]*$' out ||
  fail "chains: no active chain 4 (legal service, LGL): $(cat out)"
[ "$(grep -cE ' active +[0-9]+ +[0-9]+ +[1-9][0-9]*$' out)" -eq 8 ] || fail "chains: not 8 active chains: $(cat out)"
grep -qx "8 chains on $BFD_NODE" out || fail "chains: no count line: $(cat out)"
finals >finals-before
ok "bfd-cli chains lists eight active chains"

# --- a transfer on sidechain 4 that no other chain sees -------------------------------------------
# Account 03 is not used above, so its balances change only through what follows.
sender=$("$cli" key show "$keys/account-03.json" | sed -n 's/^address: //p')
"$cli" key new --out "$work/fresh.json" >/dev/null || fail "key new for the receiver"
fresh=$("$cli" key show "$work/fresh.json" | sed -n 's/^address: //p')
# units ADDR CHAIN: the balance in base units of ADDR on CHAIN, as `account --chain` prints it.
units() {
  run account "$1" --chain "$2"
  [ "$rc" -eq 0 ] || fail "account $1 --chain $2: exit code $rc: $(cat err)"
  field balance_units
}
sender_before_1=$(units "$sender" 1)
sender_before_2=$(units "$sender" 2)
sender_before_4=$(units "$sender" 4)
[ "$(field nonce)" = 0 ] || fail "account --chain 4: the sender's nonce on chain 4 is '$(field nonce)'"
[ "$(units "$fresh" 4)" = 0 ] || fail "the fresh address holds something on chain 4 before the transfer"

run transfer --chain 4 --key "$keys/account-03.json" --to "$fresh" --amount 3.25 --timeout 60
[ "$rc" -eq 0 ] || fail "transfer --chain 4: exit code $rc: $(cat err)"
id4=$(field id)
[ "$(field status)" = final ] || fail "transfer --chain 4: not final: $(cat out)"
grep -qE "^tx ${id4:0:16}: submitted to $BFD_NODE chain 4 \(nonce 0, expiry [0-9]+\)$" err ||
  fail "transfer --chain 4: no submission line for chain 4: $(cat err)"
ok "transfer of 3.25 LGL on chain 4 final at height $(field height)"

run account "$fresh" --chain 4
[ "$(field balance_units)" = 325000000 ] || fail "receiver on chain 4: $(cat out)"
grep -qx 'balance: 3.25 LGL' out || fail "account --chain 4 does not print LGL: $(cat out)"
grep -qx 'chain: 4' out || fail "account --chain 4 does not name chain 4: $(cat out)"
for c in 1 2; do
  [ "$(units "$fresh" $c)" = 0 ] || fail "the receiver holds something on chain $c: $(cat out)"
done
[ "$(units "$sender" 1)" = "$sender_before_1" ] || fail "the sender's mainchain balance changed"
[ "$(units "$sender" 2)" = "$sender_before_2" ] || fail "the sender's chain 2 balance changed"
[ "$(units "$sender" 4)" = $((sender_before_4 - 325000000 - 10000)) ] ||
  fail "the sender's chain 4 balance is not $sender_before_4 - 3.25 - fee: $(cat out)"
[ "$(field nonce)" = 1 ] || fail "the sender's nonce on chain 4 is '$(field nonce)' after one transfer"
[ "$(units "$sender" 1)" = "$sender_before_1" ] && [ "$(field nonce)" = 0 ] ||
  fail "the sender's mainchain nonce moved: $(cat out)"
run account "$fresh"
grep -qx 'balance: 0 BFDT' out || fail "account without --chain is not the mainchain in BFDT: $(cat out)"
run account "$fresh" --chain "Legal Service"
[ "$(field balance_units)" = 325000000 ] && grep -qx 'chain: 4' out ||
  fail "account --chain 'Legal Service' is not chain 4: rc $rc, $(cat out) $(cat err)"
run tx get "$id4" --chain 4
grep -qE '^  "status": "final",?$' out || fail "tx get --chain 4: not final: $(cat out) $(cat err)"
run tx get "$id4"
grep -qE '^bfd-cli: not_found: .*HTTP 404' err || fail "tx get on the mainchain knows the chain-4 transfer: $(cat out)"
run info --chain 4
[ "$(field chain)" = 4 ] && [ "$(field token)" = LGL ] && grep -qE '^total_supply: [0-9.]+ LGL$' out ||
  fail "info --chain 4: $(cat out) $(cat err)"
run delegates --chain 4
grep -qE '^[0-9]+ delegates; amounts in LGL$' out || fail "delegates --chain 4: $(cat out) $(cat err)"
ok "only chain 4 sees the transfer: receiver 3.25 LGL there, 0 on chains 1 and 2; sender unchanged elsewhere"

# --- a transaction signed for one chain is valid on no other -----------------------------------------
run tx transfer --chain 2 --key "$keys/account-03.json" --to "$fresh" --amount 1 --nonce 0 \
  --expiry 100000 --offline
hex2=$(cat out)
run tx submit "$hex2" --chain 3
[ "$rc" -eq 1 ] && grep -qx 'bfd-cli: wrong_chain: the transaction is for chain 2, not chain 3; submit it with --chain 2' err ||
  fail "tx submit --chain 3 of a chain-2 transaction: rc $rc, $(cat err)"
# The node refuses it too, for a client that does not check.
answer=$(curl -s -w ' %{http_code}' -H 'Content-Type: application/json' -d "{\"hex\":\"$hex2\"}" \
  "$BFD_NODE/v1/chains/3/txs")
[[ "$answer" == *'"code":"wrong_chain"'*' 400' ]] || fail "POST /v1/chains/3/txs of a chain-2 transaction: $answer"
run tx submit "$hex2" --chain 2 --no-wait
[ "$rc" -eq 0 ] && [ "$(field status)" = pending ] || fail "tx submit --chain 2: rc $rc, $(cat out) $(cat err)"
ok "a chain-2 transaction is refused on chain 3 (bfd-cli and the node: $answer) and admitted on chain 2"

# --- unknown chains --------------------------------------------------------------------------------
run info --chain 99
[ "$rc" -eq 1 ] && [ "$(wc -l <err)" -eq 1 ] &&
  grep -qE "^bfd-cli: unknown_chain: the node at $BFD_NODE does not host chain 99 .*bfd-cli chains" err ||
  fail "info --chain 99: rc $rc, $(cat err)"
run transfer --chain 99 --key "$keys/account-03.json" --to "$fresh" --amount 1
[ "$rc" -eq 1 ] && grep -q '^bfd-cli: unknown_chain: ' err || fail "transfer --chain 99: rc $rc, $(cat err)"
run account "$fresh" --chain no-such-chain
[ "$rc" -eq 1 ] && grep -q "^bfd-cli: unknown_chain: the node at $BFD_NODE hosts no chain named 'no-such-chain'" err ||
  fail "account --chain no-such-chain: rc $rc, $(cat err)"
ok "unknown chain: $(cat err)"

# Every chain finalized more blocks while the above ran.
run chains
finals >finals-after
if ! join finals-before finals-after | awk '{ if ($3 <= $2) bad = 1 } END { exit bad || NR != 8 }'; then
  fail "chains: final heights did not grow on every chain: before $(tr '\n' ' ' <finals-before), after $(tr '\n' ' ' <finals-after)"
else
  ok "every chain's final height grew: $(join finals-before finals-after | awk '{ printf "%s:%s->%s ", $1, $2, $3 }')"
fi

if [ "$failures" -ne 0 ]; then
  echo "cli_node_test: $failures failure(s); node log:" >&2
  tail -n 20 "$work/node.log" >&2
  exit 1
fi
echo "cli_node_test: all checks passed"
