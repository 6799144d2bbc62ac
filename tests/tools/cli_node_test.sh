#!/usr/bin/env bash
# Runs the real bfd-cli against a real `bfd-node --dev` over HTTP: info, account, delegates, a
# transfer waited to finality, tx get, a rejected transfer and an unreachable node. Bounded waits.
# Usage: cli_node_test.sh PATH/TO/bfd-node PATH/TO/bfd-cli
set -u

node_bin=$(realpath "${1:?usage: cli_node_test.sh BFD_NODE BFD_CLI}")
cli=$(realpath "${2:?usage: cli_node_test.sh BFD_NODE BFD_CLI}")
work=$(mktemp -d /tmp/bfd-cli-node-XXXXXX)
node_pid=""
cleanup() {
  if [ -n "$node_pid" ]; then
    # SIGTERM stops the node cleanly; SIGKILL after 10 s keeps the wait bounded.
    kill "$node_pid" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$node_pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$node_pid" 2>/dev/null
    wait "$node_pid" 2>/dev/null
  fi
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work" || exit 1

failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}
ok() { echo "ok: $*"; }

# run ARGS...: runs bfd-cli (with timeout as a backstop), stdout in out, stderr in err, code in rc.
run() {
  timeout 120 "$cli" "$@" >out 2>err
  rc=$?
}

# field NAME: the value of "NAME: value" in the last command's stdout.
field() {
  sed -n "s/^$1: //p" out
}

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export BFD_NODE="http://127.0.0.1:$port"
"$node_bin" --dev --data-dir "$work/data" --http "127.0.0.1:$port" --slot-ms 300 --delegates 6 \
  --work-bits 0 >"$work/node.log" 2>&1 &
node_pid=$!

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

if [ "$failures" -ne 0 ]; then
  echo "cli_node_test: $failures failure(s); node log:" >&2
  tail -n 20 "$work/node.log" >&2
  exit 1
fi
echo "cli_node_test: all checks passed"
