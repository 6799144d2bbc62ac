#!/usr/bin/env bash
# Protected reads at the HTTP edge of a real `bfd-node --dev` (all seven dev sidechains: chain 7
# runs contracts, chain 8 is the DAOS fund whose access admin is account-00), over real HTTP:
# - a counter deployed on chain 7 with account-01 as its reader, incremented three times: the
#   reader's signed read lists the key "count" and returns the value the calls wrote (200, through
#   bfd-cli contract state and through curl with `bfd-cli key sign-read` headers); another key
#   gets 403 access_denied with the reason; unsigned, stale (2 minutes old) and replayed reads get
#   401 unauthenticated; an unknown key of the contract is 404 for the reader.
# - chain 8's DS members: 401 unsigned and stale, 403 for an account without read, 200 for the
#   fund's admin and for an account granted `read` on sidechain:8 (and 403 again once revoked);
#   the other sections stay public.
# Usage: protected_reads_test.sh BFD_NODE BFD_CLI REPO_ROOT
set -u
node_bin=$(realpath "${1:?usage: protected_reads_test.sh BFD_NODE BFD_CLI REPO_ROOT}")
cli=$(realpath "${2:?usage}")
root=$(realpath "${3:?usage}")
work=$(mktemp -d /tmp/bfd-reads-XXXXXX)
source "$root/tests/integration/dev_node_lib.sh"

# get TARGET [HEADER...]: GET $BFD_NODE/TARGET with curl; the body in ./body, prints the status.
get() {
  local target=$1
  shift
  local h=()
  for x in "$@"; do h+=(-H "$x"); done
  curl -s -m 10 -o body -w '%{http_code}' "${h[@]}" "$BFD_NODE$target"
}
# sign TARGET KEY CHAIN [--time MS]: the X-Bfd-* headers of a signed read, into the array hdrs.
sign() {
  local target=$1 key=$2 chain=$3
  shift 3
  mapfile -t hdrs < <("$cli" key sign-read "$target" --key "$key" --chain "$chain" "$@")
  [ "${#hdrs[@]}" -eq 3 ] || fatal "key sign-read $target: ${hdrs[*]}"
}
# signed_get TARGET KEY CHAIN [--time MS]: a signed GET; prints the status.
signed_get() {
  sign "$@"
  get "$1" "${hdrs[@]}"
}
# body_of EXPR: a Python expression over the last body parsed as JSON (j).
body_of() { python3 -c "import json; j = json.load(open('body')); print($1)" 2>/dev/null; }
now_ms() { python3 -c 'import time; print(int(time.time() * 1000))'; }

for c in "contract state" "key sign-read" "ds list"; do
  # shellcheck disable=SC2086
  run $c --help
  [ $rc -eq 0 ] && grep -q -- "--key" out || fail "bfd-cli $c --help: rc $rc"
done

start_node --sidechains 7
chain7_final() { json_of 'j["final"]["height"]' info --json --chain 7; }
wait_for 60 at_least chain7_final 2 || fatal "chain 7 did not finalize height 2 within 60 s"
ok "dev node up; chain 7 finalizes"
keys="$work/data/keys"
owner="$keys/account-00.json"
reader="$keys/account-01.json"
other="$keys/account-02.json"
address_of() { "$cli" key show "$1" | sed -n 's/^address: //p'; }
reader_addr=$(address_of "$reader")
other_addr=$(address_of "$other")

# --- a contract's state --------------------------------------------------------------------
run contract publish --chain 7 --key "$owner" --name counter --code "$root/contracts/examples/counter.wasm" \
  --entry increment --entry get
[ $rc -eq 0 ] || fatal "publish the counter: $(cat err)"
run contract deploy --chain 7 --key "$owner" --template "$(field template)" --reader "$reader_addr"
[ $rc -eq 0 ] || fatal "deploy the counter: $(cat err) $(cat out)"
counter=$(field contract)
for i in 1 2 3; do
  run contract call --chain 7 --key "$owner" "$counter" increment --fuel 10000
  [ $rc -eq 0 ] && grep -q "\"i64:$i\"" out || fatal "increment $i: rc $rc, $(cat out) $(cat err)"
done
ok "counter $counter deployed with reader $reader_addr, incremented 3 times"

count_hex=$(printf 'count' | od -An -tx1 | tr -d ' \n')
three_le=0300000000000000
run contract state --chain 7 --key "$reader" "$counter"
python3 -c 'import json,sys; j = json.load(open("out")); assert j["keys"] == [{"key": sys.argv[1], "bytes": 8}] and j["count"] == 1 and "next_after" not in j, j' "$count_hex" &&
  ok "contract state (the reader): one key, \"count\", 8 bytes" || fail "contract state: rc $rc, $(cat out) $(cat err)"
run contract state --chain 7 --key "$reader" "$counter" "$count_hex"
python3 -c 'import json,sys; j = json.load(open("out")); assert j["value"] == sys.argv[1] and j["bytes"] == 8, j' "$three_le" &&
  ok "contract state KEY (the reader): $three_le, the 3 the calls wrote" || fail "state value: rc $rc, $(cat out) $(cat err)"
run contract state --chain 7 --key "$reader" "$counter" --after "$count_hex"
python3 -c 'import json; j = json.load(open("out")); assert j["keys"] == [] and j["count"] == 1, j' &&
  ok "--after the last key: an empty page" || fail "state --after: rc $rc, $(cat out) $(cat err)"
run contract state --chain 7 --key "$other" "$counter"
[ $rc -eq 1 ] && grep -q "^bfd-cli: access_denied: .*not a reader" err && ok "contract state by another key: access_denied" ||
  fail "another key's state read: rc $rc, $(cat err)"

state=/v1/chains/7/contracts/$counter/state
code=$(signed_get "$state/$count_hex" "$reader" 7)
[ "$code" = 200 ] && [ "$(body_of 'j["value"]')" = "$three_le" ] && ok "curl, signed by the reader: 200 $three_le" ||
  fail "signed curl by the reader: $code $(cat body)"
# The same headers again: the node refuses a replay.
code=$(get "$state/$count_hex" "${hdrs[@]}")
[ "$code" = 401 ] && [ "$(body_of 'j["error"]["code"]')" = unauthenticated ] && ok "the same signed read again: 401 (replay)" ||
  fail "replayed read: $code $(cat body)"
code=$(signed_get "$state" "$other" 7)
[ "$code" = 403 ] && [ "$(body_of 'j["error"]["code"]')" = access_denied ] &&
  [ "$(body_of 'j["error"]["reason_code"]')" = 900 ] && body_of 'j["error"]["detail"]' | grep -q "$other_addr is not a reader" &&
  ok "signed by another key: 403 access_denied (900) naming it" || fail "another key: $code $(cat body)"
code=$(get "$state")
[ "$code" = 401 ] && [ "$(body_of 'j["error"]["code"]')" = unauthenticated ] && ok "unsigned: 401 unauthenticated" ||
  fail "unsigned: $code $(cat body)"
code=$(signed_get "$state" "$reader" 7 --time $(($(now_ms) - 120000)))
[ "$code" = 401 ] && [ "$(body_of 'j["error"]["code"]')" = unauthenticated ] && ok "signed 2 minutes ago: 401" ||
  fail "stale: $code $(cat body)"
code=$(signed_get "$state" "$reader" 2)
[ "$code" = 401 ] && ok "signed for another chain: 401" || fail "wrong chain: $code $(cat body)"
code=$(signed_get "$state/00ff" "$reader" 7)
[ "$code" = 404 ] && [ "$(body_of 'j["error"]["code"]')" = not_found ] && ok "a key the state lacks: 404" ||
  fail "missing key: $code $(cat body)"
code=$(signed_get "/v1/chains/7/contracts/$other_addr/state" "$reader" 7)
[ "$code" = 404 ] && ok "no contract there: 404" || fail "unknown contract: $code $(cat body)"

# --- DS members on the fund chain ------------------------------------------------------------
members=/v1/chains/8/ds/members
code=$(get "$members")
[ "$code" = 401 ] && ok "ds members unsigned: 401" || fail "ds members unsigned: $code $(cat body)"
code=$(signed_get "$members" "$other" 8)
[ "$code" = 403 ] && [ "$(body_of 'j["error"]["code"]')" = access_denied ] && body_of 'j["error"]["detail"]' | grep -q "read" &&
  ok "ds members by an account without read: 403 access_denied" || fail "ds members, no read: $code $(cat body)"
code=$(signed_get "$members" "$owner" 8)
[ "$code" = 200 ] && [ "$(body_of 'j["total"]')" = 0 ] && ok "ds members by the fund's admin: 200, no members yet" ||
  fail "ds members, admin: $code $(cat body)"
code=$(signed_get "$members" "$owner" 8 --time $(($(now_ms) - 120000)))
[ "$code" = 401 ] && ok "ds members signed 2 minutes ago: 401" || fail "ds members stale: $code $(cat body)"
for section in rates issuances usage; do
  code=$(get "/v1/chains/8/ds/$section")
  [ "$code" = 200 ] || fail "ds $section unsigned: $code $(cat body)"
done
code=$(get "/v1/chains/8/ds")
[ "$code" = 200 ] && ok "the summary and the other sections stay public" || fail "ds summary: $code"

run ds list members --chain 8
[ $rc -eq 1 ] && grep -q "unauthenticated.*pass --key" err && ok "ds list members without --key: the hint" ||
  fail "ds list members without --key: rc $rc, $(cat err)"
run acl grant --chain 8 --scope sidechain:8 --account "$other_addr" --permissions read --key "$owner"
[ $rc -eq 0 ] || fatal "grant read on sidechain:8: $(cat err)"
run ds list members --chain 8 --key "$other"
[ $rc -eq 0 ] && [ "$(python3 -c 'import json; print(json.load(open("out"))["total"])')" = 0 ] &&
  ok "granted read on sidechain:8: ds list members --key answers" || fail "ds list members after grant: rc $rc, $(cat err)"
run acl revoke --chain 8 --scope sidechain:8 --account "$other_addr" --permissions read --key "$owner"
[ $rc -eq 0 ] || fatal "revoke read on sidechain:8: $(cat err)"
# Members are read from the final state: the revocation counts once final (the command waited).
run ds list members --chain 8 --key "$other"
[ $rc -eq 1 ] && grep -q "access_denied" err && ok "read revoked: access_denied again" ||
  fail "ds list members after revoke: rc $rc, $(cat err)"

finish protected-reads
