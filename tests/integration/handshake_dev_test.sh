#!/usr/bin/env bash
# The membership proofs end to end on a running `bfd-node --dev`, through real bfd-cli processes
# over HTTP (docs/membership-proofs.md): an authority makes two groups; issuance refused without
# `join`, then made; two processes of one group complete a handshake and a bound (tagged) payment
# that the payee checks and sees final; the tag reused is refused on chain; a third process with
# another group's credential fails with the same line on both sides; a forged credential is
# refused before anything is sent; a replayed and a tampered transcript through the HTTP mailbox
# fail; a consortium chain registered at run time admits a member by the proof (join and a member
# record final on that chain) and refuses one of another group. Bounded waits throughout.
# Usage: handshake_dev_test.sh PATH/TO/bfd-node PATH/TO/bfd-cli
set -u

node_bin=$(realpath "${1:?usage: handshake_dev_test.sh BFD_NODE BFD_CLI}")
cli=$(realpath "${2:?usage: handshake_dev_test.sh BFD_NODE BFD_CLI}")
work=$(mktemp -d /tmp/bfd-handshake-XXXXXX)
[ -n "${KEEP_WORK:-}" ] && echo "work: $work"
source "$(dirname "$(realpath "$0")")/dev_node_lib.sh"
addr() { "$cli" key show "$1" | sed -n 's/^address: //p'; }
failed_line='bfd-cli: handshake_failed: the handshake did not succeed (no proof of a shared group)'
mode_of() { stat -c %a "$1"; }
# mailbox METHOD PATH [JSON]: a raw request to the node's mailbox; prints the JSON answer.
mailbox() {
  python3 - "$BFD_NODE" "$@" <<'PY'
import json, sys, urllib.request, urllib.error
base, method, path = sys.argv[1], sys.argv[2], sys.argv[3]
data = sys.argv[4].encode() if len(sys.argv) > 4 else None
req = urllib.request.Request(base + path, data=data, method=method, headers={"Content-Type": "application/json"})
try:
    print(urllib.request.urlopen(req, timeout=10).read().decode())
except urllib.error.HTTPError as e:
    print(e.read().decode())
PY
}
jget() { python3 -c "import json,sys; j=json.load(sys.stdin); print($1)"; }

start_node
wait_for 30 at_least main_final 2 || fatal "the dev node did not finalize height 2 within 30 s"
ok "dev node up on port $port"
keys="$work/data/keys"
admin="$keys/registry.json"
operator="$keys/account-00.json"; payee=$(addr "$operator")
authority="$keys/account-01.json"
payer="$keys/account-02.json"; payer_addr=$(addr "$payer")
outsider="$keys/account-03.json"; outsider_addr=$(addr "$outsider")
fresh="$keys/account-04.json"; fresh_addr=$(addr "$fresh")

# --- a consortium chain, registered first so it runs by the time it admits ----------------------
run sidechain entry --dev-data "$work/data" --id 3 --name "consortium" --kind consortium --symbol CNS \
  --anchor-interval 4 --start-in 3 --out e3.json
[ "$rc" -eq 0 ] || fatal "sidechain entry: rc $rc: $(cat err)"
run sidechain register --entry e3.json --key "$admin" --timeout 30
[ "$rc" -eq 0 ] || fatal "register consortium chain 3: rc $rc: $(cat out) $(cat err)"
run sidechain activate 3 --key "$admin" --timeout 30
[ "$rc" -eq 0 ] || fatal "activate chain 3: rc $rc: $(cat err)"
ok "consortium chain 3 registered and active (operator $payee)"

# --- the authority: two groups, issuance only after join ----------------------------------------
run authority group-new --name "over 21" --out g1.group --key "$authority" --timeout 30
[ "$rc" -eq 0 ] && [ "$(field status)" = final ] || fatal "group-new: rc $rc: $(cat out) $(cat err)"
scope1=$(field scope); group1=$(field group)
[ "$(mode_of g1.group)" = 600 ] || fail "the group file has mode $(mode_of g1.group), not 600"
run authority group-new --name "another club" --out g2.group --key "$authority" --timeout 30
[ "$rc" -eq 0 ] || fatal "group-new 2: rc $rc: $(cat err)"
scope2=$(field scope)
ok "groups 'over 21' ($scope1) and 'another club' ($scope2) on chain; secrets in 0600 files"

run authority issue --group g1.group --member "$payer_addr" --count 4 --out payer.creds --key "$authority" --timeout 30
[ "$rc" -eq 1 ] && grep -q '^bfd-cli: access_denied: .*lacks join' err && [ ! -e payer.creds ] ||
  fail "issue without join: expected access_denied and no file, got rc $rc: $(cat err)"
ok "issuance to a member without join refused on chain: $(grep '^bfd-cli:' err | cut -c1-80)"

for grant in "$scope1 $payer_addr" "$scope1 $payee" "$scope2 $outsider_addr"; do
  set -- $grant
  run acl grant --scope "$1" --account "$2" --permissions join --key "$admin" --timeout 30
  [ "$rc" -eq 0 ] || fatal "acl grant join on $1 to $2: rc $rc: $(cat err)"
done
issue() {
  run authority issue --group "$1" --member "$2" --count "$3" --out "$4" --key "$authority" --timeout 30
  [ "$rc" -eq 0 ] && [ "$(mode_of "$4")" = 600 ] || fatal "issue $4: rc $rc: $(cat out) $(cat err)"
}
issue g1.group "$payer_addr" 4 payer.creds
issue g1.group "$payee" 8 payee.creds
issue g2.group "$outsider_addr" 2 outsider.creds
creds() { grep -c '^credential ' "$1"; }
ok "batches issued after join: payer 4, payee 8 (group 1), outsider 2 (group 2), each file 0600"

# --- same group: handshake and bound payment ----------------------------------------------------
timeout 60 "$cli" handshake receive --credentials payee.creds --address "$payee" --timeout 45 >recv.out 2>recv.err &
recv_pid=$!
run handshake pay --credentials payer.creds --to "$payee" --amount 1.5 --key "$payer" --timeout 45
pay_rc=$rc; cp out pay.out; cp err pay.err
wait "$recv_pid"; recv_rc=$?
[ "$pay_rc" -eq 0 ] && grep -q '^handshake: succeeded$' pay.out && grep -q '^status: final$' pay.out ||
  fail "pay (same group): rc $pay_rc: $(cat pay.out) $(cat pay.err)"
[ "$recv_rc" -eq 0 ] && grep -q '^handshake: succeeded$' recv.out && grep -q '^status: final$' recv.out ||
  fail "receive (same group): rc $recv_rc: $(cat recv.out) $(cat recv.err)"
tag=$(sed -n 's/^tag: //p' pay.out); since=$(sed -n 's/^since: //p' pay.out); session=$(sed -n 's/^session: //p' pay.out)
[ -n "$tag" ] && [ "$tag" = "$(sed -n 's/^tag: //p' recv.out)" ] || fail "payer and payee tags differ"
[ "$(sed -n 's/^amount: //p' recv.out)" = 1.5 ] && [ "$(sed -n 's/^from: //p' recv.out)" = "$payer_addr" ] ||
  fail "the payee saw $(cat recv.out)"
[ "$(creds payer.creds)" = 3 ] && [ "$(creds payee.creds)" = 7 ] || fail "one credential each was not used up"
ok "same group: handshake succeeded, 1.5 BFDT tagged payment final and checked by the payee (tag ${tag:0:16}…)"
# The transcript as the mailbox holds it, for the replays below (a session lives 120 s).
old=$(mailbox GET "/v1/handshakes/$session")
old_hello=$(echo "$old" | jget 'j["hello"]'); old_finish=$(echo "$old" | jget 'j["finish"]'); old_reply=$(echo "$old" | jget 'j["reply"]')
[ ${#old_hello} = 262 ] && [ ${#old_reply} = 326 ] && [ ${#old_finish} = 66 ] || fatal "the session's messages: $old"

# --- the tag reused is refused on chain ---------------------------------------------------------
run authority tagged-transfer --to "$payee" --amount 1 --tag "$tag" --since "$since" --key "$outsider" --timeout 30
[ "$rc" -eq 1 ] && grep -q '^bfd-cli: ush_tag_reused: ' err || fail "tag reuse: expected ush_tag_reused, rc $rc: $(cat err)"
ok "the payment tag reused by another sender refused on chain: $(grep '^bfd-cli:' err | cut -c1-70)"

# --- another group's credential: both fail with the same line, nothing paid ----------------------
timeout 60 "$cli" handshake receive --credentials payee.creds --address "$payee" --timeout 30 >recv.out 2>recv.err &
recv_pid=$!
run handshake pay --credentials outsider.creds --to "$payee" --amount 1 --key "$outsider" --timeout 30
pay_rc=$rc; cp err pay.err; cp out pay.out
wait "$recv_pid"; recv_rc=$?
[ "$pay_rc" -eq 1 ] && [ "$(grep '^bfd-cli:' pay.err)" = "$failed_line" ] || fail "pay (other group): rc $pay_rc: $(cat pay.err)"
[ "$recv_rc" -eq 1 ] && [ "$(grep '^bfd-cli:' recv.err)" = "$failed_line" ] ||
  fail "receive (other group): rc $recv_rc: $(cat recv.err)"
! grep -q "$group1" pay.out pay.err && ! grep -q succeeded pay.out || fail "the outsider's output names the group or a success"
failed_id=$(sed -n 's/^handshake \([0-9a-f]*\): opened.*/\1/p' pay.err)
[ -n "$failed_id" ] && [ "$(mailbox GET "/v1/handshakes/$failed_id" | jget 'j["finish"] is not None and j["payment"] is None')" = True ] ||
  fail "the failed session $failed_id: expected a finish and no payment: $(mailbox GET "/v1/handshakes/$failed_id")"
ok "another group's credential: both sides print only '$failed_line'; nothing paid"

# --- a revoked credential: the other side consults the chain's list and fails ----------------------
next_pseudonym=$(sed -n 's/^credential 01\(.\{64\}\).*/\1/p' payer.creds | head -1)
run authority revoke --group-id "$group1" --pseudonym "$next_pseudonym" --key "$authority" --timeout 30
[ "$rc" -eq 0 ] || fail "revoke: rc $rc: $(cat err)"
timeout 60 "$cli" handshake receive --credentials payee.creds --address "$payee" --timeout 30 >recv.out 2>recv.err &
recv_pid=$!
run handshake pay --credentials payer.creds --to "$payee" --amount 1 --key "$payer" --timeout 30
wait "$recv_pid"; recv_rc=$?
[ "$rc" -eq 1 ] && [ "$(grep '^bfd-cli:' err)" = "$failed_line" ] && [ "$recv_rc" -eq 1 ] ||
  fail "revoked credential: pay rc $rc ($(cat err)), receive rc $recv_rc ($(cat recv.err))"
ok "a revoked pseudonym (on chain) fails the handshake on both sides with the same line"

# --- a forged credential is refused before anything is sent -------------------------------------
python3 - payer.creds forged.creds <<'PY'
import sys
lines = open(sys.argv[1]).read().splitlines()
i = next(n for n, l in enumerate(lines) if l.startswith("credential "))
h = list(lines[i]); p = len("credential ") + 2 * 70; h[p] = "1" if h[p] == "0" else "0"; lines[i] = "".join(h)
open(sys.argv[2], "w").write("\n".join(lines) + "\n")
PY
run handshake pay --credentials forged.creds --to "$payee" --amount 1 --key "$outsider" --timeout 10
[ "$rc" -eq 1 ] && grep -q '^bfd-cli: ush_bad_credential: ' err || fail "forged credential: rc $rc: $(cat err)"
[ "$(mailbox GET "/v1/handshakes?to=$payee" | jget 'len(j["sessions"])')" = 0 ] || fail "a forged credential opened a session"
ok "no valid credential: refused locally ($(grep '^bfd-cli:' err | cut -c1-60)), no session opened"

# --- a replayed and a tampered transcript through the mailbox -----------------------------------
for attack in replayed tampered; do
  hello=$old_hello
  [ $attack = tampered ] && hello="${old_hello:0:220}$(printf '%02x' $(( (0x${old_hello:220:2} + 1) % 256 )))${old_hello:222}"
  timeout 40 "$cli" handshake receive --credentials payee.creds --address "$payee" --timeout 20 >recv.out 2>recv.err &
  recv_pid=$!
  id=$(mailbox POST /v1/handshakes "{\"to\": \"$payee\", \"message\": \"$hello\"}" | jget 'j["id"]')
  for _ in $(seq 60); do
    [ "$(mailbox GET "/v1/handshakes/$id" | jget 'j["reply"] is not None')" = True ] && break
    sleep 0.25
  done
  mailbox POST "/v1/handshakes/$id/finish" "{\"message\": \"$old_finish\"}" >/dev/null
  wait "$recv_pid"; recv_rc=$?
  [ "$recv_rc" -eq 1 ] && [ "$(grep '^bfd-cli:' recv.err)" = "$failed_line" ] ||
    fail "$attack transcript: the payee did not fail: rc $recv_rc: $(cat recv.out) $(cat recv.err)"
done
# And a replayed message 2 against a payer: it fails and pays nothing.
( for _ in $(seq 80); do
    id=$(mailbox GET "/v1/handshakes?to=$outsider_addr" | jget 'j["sessions"][0]["id"] if j["sessions"] else ""')
    if [ -n "$id" ]; then mailbox POST "/v1/handshakes/$id/reply" "{\"message\": \"$old_reply\"}" >/dev/null; break; fi
    sleep 0.25
  done ) &
replier=$!
run handshake pay --credentials payer.creds --to "$outsider_addr" --amount 1 --key "$payer" --timeout 20
wait "$replier"
[ "$rc" -eq 1 ] && [ "$(grep '^bfd-cli:' err)" = "$failed_line" ] || fail "replayed reply: the payer did not fail: rc $rc: $(cat out) $(cat err)"
ok "a replayed and a tampered message 1 and a replayed message 2 through the mailbox: the handshake fails"

# --- consortium admission by the proof -----------------------------------------------------------
# Chain 3 was registered at run time on a node started with --sidechains 1 (dev chain 2 only): it
# is hosted and finalizes like any sidechain registered while the node runs.
chain3_final() { json_of 'j["final"]["height"]' chains --chain 3 --json; }
wait_for 40 at_least chain3_final 2 || fatal "consortium chain 3 did not finalize height 2"
ok "consortium chain 3 (registered at run time, id among the unused dev ids) finalizes: final height $(chain3_final)"
intruder="$keys/account-05.json"; intruder_addr=$(addr "$intruder")
# joined ADDRESS: whether ADDRESS holds join on sidechain:3 on chain 3 (a signed read of its head).
joined() {
  timeout 30 "$cli" acl check --account "$1" --scope sidechain:3 --permission join --key "$operator" --chain 3 >/dev/null 2>&1
}
for who in "$fresh_addr" "$intruder_addr"; do
  joined "$who" && fail "$who holds join on chain 3 before any admission"
done
run authority member-record --data 0102 --key "$fresh" --chain 3 --fee 0 --timeout 30
[ "$rc" -eq 1 ] && grep -q '^bfd-cli: access_denied: ' err || fail "member record before admission: rc $rc: $(cat err)"
ok "before admission: no join on chain 3, a member record refused ($(grep '^bfd-cli:' err | cut -c1-60))"

# A member of the consortium's group (the operator's group, "over 21") pays from a fresh address.
timeout 90 "$cli" handshake receive --credentials payee.creds --address "$payee" --timeout 60 --admit-chain 3 \
  --key "$operator" >recv.out 2>recv.err &
recv_pid=$!
run handshake pay --credentials payer.creds --to "$payee" --amount 0.1 --key "$fresh" --timeout 45
pay_rc=$rc; cp err pay.err
wait "$recv_pid"; recv_rc=$?
[ "$pay_rc" -eq 0 ] && [ "$recv_rc" -eq 0 ] && grep -q "^admitted: $fresh_addr on chain 3" recv.out ||
  fail "admission: pay rc $pay_rc ($(cat pay.err)), receive rc $recv_rc: $(cat recv.out) $(cat recv.err)"
[ "$(sed -n 's/^from: //p' recv.out)" = "$fresh_addr" ] || fail "the payee saw the payment from $(sed -n 's/^from: //p' recv.out)"
joined "$fresh_addr" || fail "after admission $fresh_addr holds no join on sidechain:3 on chain 3"
run authority member-record --data 0102 --key "$fresh" --chain 3 --fee 0 --timeout 30
[ "$rc" -eq 0 ] && [ "$(field status)" = final ] || fail "member record after admission: rc $rc: $(cat out) $(cat err)"
record_id=$(field id)
[ "$(json_of 'j["status"]' tx get "$record_id" --chain 3)" = final ] ||
  fail "the member record $record_id is not final on chain 3: $("$cli" tx get "$record_id" --chain 3 2>&1)"
ok "admitted by the proof: $fresh_addr holds join on chain 3 (the grant final), its member record ${record_id:0:16}… final there"

# Another group's credential: the handshake fails on both sides, nothing is granted on chain 3.
timeout 90 "$cli" handshake receive --credentials payee.creds --address "$payee" --timeout 30 --admit-chain 3 \
  --key "$operator" >recv.out 2>recv.err &
recv_pid=$!
run handshake pay --credentials outsider.creds --to "$payee" --amount 0.1 --key "$intruder" --timeout 30
pay_rc=$rc; cp err pay.err; cp out pay.out
wait "$recv_pid"; recv_rc=$?
[ "$pay_rc" -eq 1 ] && [ "$(grep '^bfd-cli:' pay.err)" = "$failed_line" ] || fail "pay (other group, admission): rc $pay_rc: $(cat pay.err)"
[ "$recv_rc" -eq 1 ] && [ "$(grep '^bfd-cli:' recv.err)" = "$failed_line" ] && ! grep -q '^admitted:' recv.out ||
  fail "receive (other group, admission): rc $recv_rc: $(cat recv.out) $(cat recv.err)"
! grep -q "$group1" pay.out pay.err || fail "the intruder's output names the consortium's group"
joined "$intruder_addr" && fail "$intruder_addr holds join on chain 3 after a failed handshake"
run authority member-record --data 0304 --key "$intruder" --chain 3 --fee 0 --timeout 30
[ "$rc" -eq 1 ] && grep -q '^bfd-cli: access_denied: ' err || fail "member record by the intruder: rc $rc: $(cat err)"
ok "another group's credential: both sides print only the failure line; no join on chain 3, its member record refused"

finish handshake_dev_test
