#!/usr/bin/env bash
# Runs the real bfd-cli: key files, offline transfers and their decoding, --offline for the other
# signing commands and tx sign, and every error path.
# Usage: cli_test.sh PATH/TO/bfd-cli
set -u

cli=$(realpath "${1:?usage: cli_test.sh PATH/TO/bfd-cli}")
root=$(realpath "$(dirname "${BASH_SOURCE[0]}")/../..")
if [ ! -x "$cli" ]; then
  echo "cli_test: $cli is not an executable" >&2
  exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1

failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# run ARGS...: runs bfd-cli, leaving stdout in out, stderr in err and the exit code in rc.
run() {
  "$cli" "$@" >out 2>err
  rc=$?
}

# expect_ok NAME ARGS...: the command succeeds.
expect_ok() {
  local name=$1
  shift
  run "$@"
  if [ "$rc" -ne 0 ]; then
    fail "$name: exit code $rc, stderr: $(cat err)"
  fi
}

# expect_error NAME PATTERN ARGS...: the command fails with one line on stderr matching PATTERN.
expect_error() {
  local name=$1 pattern=$2
  shift 2
  run "$@"
  if [ "$rc" -eq 0 ]; then
    fail "$name: succeeded, expected an error"
  fi
  if [ "$(wc -l <err)" -ne 1 ]; then
    fail "$name: expected one line on stderr, got: $(cat err)"
  fi
  if ! grep -qE -- "$pattern" err; then
    fail "$name: stderr does not match '$pattern': $(cat err)"
  fi
}

# expect_out NAME PATTERN: the last command's stdout has a line matching PATTERN.
expect_out() {
  if ! grep -qE -- "$2" out; then
    fail "$1: stdout does not match '$2': $(cat out)"
  fi
}

# field NAME: the value of "NAME: value" in the last command's stdout.
field() {
  sed -n "s/^$1: //p" out
}

# --- key new -----------------------------------------------------------------------------------
expect_ok "key new" key new --out alice.json
expect_out "key new prints the address" '^address: bfd[0-9a-f]{40}$'
expect_out "key new prints the public key" '^public_key: [0-9a-f]{64}$'
alice_address=$(field address)
alice_public=$(field public_key)
[ -f alice.json ] || fail "key new: no key file written"
mode=$(stat -c %a alice.json)
[ "$mode" = "600" ] || fail "key new: key file has mode $mode, expected 600"
grep -q "\"address\": \"$alice_address\"" alice.json || fail "key new: file and output disagree"

before=$(cksum <alice.json)
expect_error "key new refuses to overwrite" 'already exists' key new --out alice.json
[ "$(cksum <alice.json)" = "$before" ] || fail "key new: an existing key file was modified"
expect_error "key new into a missing directory" 'io: .*No such file' key new --out nodir/k.json
expect_error "key new needs --out" '--out is required' key new

expect_ok "key new (recipient)" key new --out bob.json
bob_address=$(field address)

# --- key show ----------------------------------------------------------------------------------
expect_ok "key show" key show alice.json
[ "$(field address)" = "$alice_address" ] || fail "key show: address differs from key new's"
[ "$(field public_key)" = "$alice_public" ] || fail "key show: public key differs from key new's"
grep -q secret out && fail "key show: printed the secret without --secret"
expect_ok "key show --secret" key show --secret alice.json
secret=$(field secret_key)
grep -q "\"secret_key\": \"$secret\"" alice.json || fail "key show --secret: wrong secret"

expect_error "key show of a missing file" 'io: .*missing.json: No such file' key show missing.json
echo '{"format": "bfd-key-1", "secret_key": "01' >truncated.json
expect_error "key show of a truncated file" 'truncated.json: not a JSON object' key show truncated.json
sed 's/"public_key": "\(..\)/"public_key": "00/' alice.json >mismatch.json
if grep -q "\"public_key\": \"00" alice.json; then
  sed 's/"public_key": "\(..\)/"public_key": "11/' alice.json >mismatch.json
fi
expect_error "key show of a file whose public key is not the secret's" \
  'public_key does not belong to secret_key' key show mismatch.json
sed 's/"secret_key": "\(..\)/"secret_key": "zz/' alice.json >badhex.json
expect_error "key show of a file with a non-hex secret" 'bad_secret_key' key show badhex.json

# --- key sign-read (offline: the headers of a signed read) --------------------------------------
expect_ok "key sign-read" key sign-read /v1/chains/7/contracts/x/state --key alice.json --chain 7 --time 1000
[ "$(wc -l <out)" -eq 3 ] || fail "key sign-read: expected three header lines: $(cat out)"
expect_out "key sign-read prints the caller's key" "^X-Bfd-Public-Key: $alice_public$"
expect_out "key sign-read prints the timestamp given" '^X-Bfd-Timestamp: 1000$'
expect_out "key sign-read prints a signature" '^X-Bfd-Signature: [0-9a-f]{128}$'
first_sig=$(sed -n 's/^X-Bfd-Signature: //p' out)
expect_ok "key sign-read again" key sign-read /v1/chains/7/contracts/x/state --key alice.json --chain 7 --time 1000
[ "$(sed -n 's/^X-Bfd-Signature: //p' out)" != "$first_sig" ] || fail "key sign-read: the same signature twice"
expect_error "key sign-read of a relative target" 'invalid_argument' key sign-read v1/info --key alice.json
expect_error "key sign-read for chain 0" 'invalid_argument' key sign-read /v1/info --key alice.json --chain 0
expect_error "key sign-read with a missing key file" 'cannot read the key file' key sign-read /v1/info --key nope.json

# --- delegate keys: key new --delegate, key show --delegate -------------------------------------
# toml_value FILE KEY: the string KEY of the first [[delegates]] entry in FILE (must be valid TOML).
toml_value() {
  python3 -c 'import sys, tomllib; print(tomllib.load(open(sys.argv[1], "rb"))["delegates"][0].get(sys.argv[2], ""))' \
    "$1" "$2"
}
# expected_tip KEYFILE: the hash-chain tip docs/topology.md describes, computed independently:
# seed = tagged("bfd/reveal", secret || public key), then 65536 steps of tagged("bfd/reveal", x).
expected_tip() {
  python3 - "$1" <<'PY'
import hashlib, json, sys
k = json.load(open(sys.argv[1]))
tag = hashlib.sha256(b"bfd/reveal").digest()
tagged = lambda data: hashlib.sha256(tag + tag + data).digest()
x = tagged(bytes.fromhex(k["secret_key"]) + bytes.fromhex(k["public_key"]))
for _ in range(1 << 16):
    x = tagged(x)
print(x.hex())
PY
}
expect_ok "key new --delegate" key new --delegate --out d1.json
[ -f d1.json ] || fail "key new --delegate: no key file written"
mode=$(stat -c %a d1.json)
[ "$mode" = "600" ] || fail "key new --delegate: key file has mode $mode, expected 600"
expect_out "key new --delegate prints a [[delegates]] entry" '^\[\[delegates\]\]$'
expect_out "key new --delegate prints the key file" '^key_file = "d1.json"'
expect_out "key new --delegate prints the public key" '^public_key = "[0-9a-f]{64}"$'
expect_out "key new --delegate prints the hash-chain tip" '^hash_chain_tip = "[0-9a-f]{64}"$'
expect_out "key new --delegate leaves node for the user" '^# node = '
d1_secret=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["secret_key"])' d1.json)
d1_public=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["public_key"])' d1.json)
grep -qi -- "$d1_secret" out && fail "key new --delegate: printed the secret key"
cp out d1-entry.toml
[ "$(toml_value d1-entry.toml public_key)" = "$d1_public" ] ||
  fail "key new --delegate: the entry is not TOML with the file's public key: $(cat d1-entry.toml)"
[ "$(toml_value d1-entry.toml hash_chain_tip)" = "$(expected_tip d1.json)" ] ||
  fail "key new --delegate: hash_chain_tip is not H^65536 of the documented seed"
expect_error "key new --delegate refuses to overwrite" 'already exists' key new --delegate --out d1.json

expect_ok "key show --delegate" key show --delegate d1.json
cmp -s out d1-entry.toml || fail "key show --delegate differs from key new --delegate: $(diff out d1-entry.toml)"
expect_ok "key show --delegate with the entry's fields" key show --delegate d1.json --node a --category gold \
  --bid 1500
cp out d1-full.toml
[ "$(toml_value d1-full.toml node)" = a ] || fail "key show --delegate --node: $(cat d1-full.toml)"
[ "$(toml_value d1-full.toml category)" = gold ] || fail "key show --delegate --category: $(cat d1-full.toml)"
[ "$(toml_value d1-full.toml bid)" = 1500 ] || fail "key show --delegate --bid: $(cat d1-full.toml)"
expect_ok "key show of a delegate key" key show d1.json
[ "$(field public_key)" = "$d1_public" ] || fail "key show: public key differs from the entry's"
expect_error "key show --delegate of a missing file" 'io: .*missing.json: No such file' key show --delegate missing.json
expect_error "--node needs --delegate" '--node requires --delegate' key new --out d2.json --node a
expect_error "--secret excludes --delegate" 'excludes' key show --delegate --secret d1.json
expect_error "key new --delegate with a bad --bid" 'bad_amount: --bid: more than 8 decimals' key new \
  --delegate --out d3.json --bid 1.123456789
[ -e d3.json ] && fail "key new --delegate wrote a key file despite a bad --bid"

# The shipped topologies carry the public parts of their (development) delegate keys.
for topology in "$root"/config/*.toml; do
  python3 - "$topology" >entries 2>&1 <<'PY' || fail "$topology: $(cat entries)"
import os, sys, tomllib
path = sys.argv[1]
for d in tomllib.load(open(path, "rb"))["delegates"]:
    print(os.path.join(os.path.dirname(path), d["key_file"]), d["public_key"], d["hash_chain_tip"])
PY
  while read -r key_file public tip; do
    "$cli" key show --delegate "$key_file" >out 2>err || { fail "key show --delegate $key_file: $(cat err)"; continue; }
    grep -qx "public_key = \"$public\"" out || fail "$topology: public_key of $key_file is not $public"
    grep -qx "hash_chain_tip = \"$tip\"" out || fail "$topology: hash_chain_tip of $key_file is not $tip"
  done <entries
done

# --- tx transfer --offline, then tx decode ------------------------------------------------------
expect_ok "tx transfer --offline" tx transfer --key alice.json --to "$bob_address" --amount 1.5 \
  --nonce 7 --expiry 1000 --offline
[ "$(wc -l <out)" -eq 1 ] || fail "tx transfer: expected one line of hex, got: $(cat out)"
expect_out "tx transfer prints hex" '^[0-9a-f]+$'
hex=$(cat out)
if [ -z "$hex" ]; then
  echo "cli_test: no transaction to decode, stopping after $failures failure(s)" >&2
  exit 1
fi

expect_ok "tx decode" tx decode "$hex"
expect_out "decode: id" '^  "id": "[0-9a-f]{64}",$'
expect_out "decode: chain" '^  "chain": 1,$'
expect_out "decode: kind" '^  "kind": "transfer",$'
expect_out "decode: sender" "^  \"sender\": \"$alice_public\",$"
expect_out "decode: sender address" "^  \"sender_address\": \"$alice_address\",$"
expect_out "decode: nonce" '^  "nonce": 7,$'
expect_out "decode: default fee" '^  "fee": "0.0001",$'
expect_out "decode: default fee in units" '^  "fee_units": 10000,$'
expect_out "decode: expiry" '^  "expiry": 1000,$'
expect_out "decode: to" "^  \"to\": \"$bob_address\",$"
expect_out "decode: amount" '^  "amount": "1.5",$'
expect_out "decode: amount in units" '^  "amount_units": 150000000,$'
expect_out "decode: signature" '^  "signature": "[0-9a-f]{128}",$'
expect_out "decode: signature verifies" '^  "signature_valid": true$'
[ -s err ] && fail "tx decode: unexpected stderr: $(cat err)"

"$cli" tx decode - <<<"$hex" >out 2>err || fail "tx decode -: exit code $?"
expect_out "decode from stdin" '^  "signature_valid": true$'

expect_ok "tx transfer with base units, fee and chain" tx transfer --key alice.json \
  --to "$bob_address" --amount 150u --fee 250u --chain 7 --nonce 0 --expiry 18446744073709551615 \
  --offline
expect_ok "tx decode (base units)" tx decode "$(cat out)"
expect_out "decode: chain 7" '^  "chain": 7,$'
expect_out "decode: 150 units" '^  "amount_units": 150,$'
expect_out "decode: fee 250 units" '^  "fee_units": 250,$'
expect_out "decode: largest expiry" '^  "expiry": 18446744073709551615,$'

# A changed signature byte still decodes, but no longer verifies.
last=${hex: -2}
if [ "$last" = "00" ]; then flipped="${hex:0:-2}01"; else flipped="${hex:0:-2}00"; fi
expect_ok "tx decode of a tampered signature" tx decode "$flipped"
expect_out "decode: tampered signature does not verify" '^  "signature_valid": false$'
grep -q 'signature does not verify' err || fail "tx decode: no warning for a bad signature"

# The worked example of docs/formats.md (secret 0x01..01, aux zero) decodes to its documented id.
example=99010101c4201b84c5567b126440995d3ed5aaba0565d71e1834604819ff9c17f5e9d5dd078f05cd2710ce000186a0
example+=92c414b9f62676ddd1fcaff7fcf407f2045bb397330a03ce08f0d180c440273a7af753b917988713e4d63ee0401a
example+=cb08ed745dc2201ee599a09f604f58df753f3b13843f9d63a45355467d8f3888e45fc36ae0708865f1d5925139372380
expect_ok "tx decode of the documented example" tx decode "$example"
expect_out "example: id" '^  "id": "5aff9cad812df17ea1e7345d8c35044a41a553bc99c381d066e3d56593fb9a3f",$'
expect_out "example: sender address" '^  "sender_address": "bfd1026d68b1c1a996851187c6ccd9f6588400cbae2",$'
expect_out "example: recipient" '^  "to": "bfdb9f62676ddd1fcaff7fcf407f2045bb397330a03",$'
expect_out "example: signature verifies" '^  "signature_valid": true$'

# --- tx errors ---------------------------------------------------------------------------------
# offline AMOUNT ARGS...: an offline transfer of AMOUNT from alice to bob with ARGS added.
offline() {
  local value=$1
  shift
  run_args=(tx transfer --key alice.json --to "$bob_address" --amount "$value" --offline "$@")
}
offline 1 --nonce 0
expect_error "offline transfer needs --expiry" '--expiry is required' "${run_args[@]}"
offline 1 --expiry 10
expect_error "offline transfer needs --nonce" '--nonce is required' "${run_args[@]}"
# Without --offline both spellings submit to the node; port 1 has none (cli_node_test.sh has one).
expect_error "tx transfer without --offline submits to --node" \
  'connection_failed: cannot connect to http://127.0.0.1:1' tx transfer --key alice.json \
  --to "$bob_address" --amount 1 --nonce 0 --expiry 10 --node http://127.0.0.1:1
BFD_NODE=http://127.0.0.1:1 expect_error "transfer submits to BFD_NODE" \
  'connection_failed: cannot connect to http://127.0.0.1:1' transfer --key alice.json \
  --to "$bob_address" --amount 1
expect_error "a bad --node" "invalid_argument: --node: 'ftp://x' is not an endpoint" info \
  --node ftp://x
expect_error "--no-wait with --offline" 'excludes' "${run_args[@]}" --no-wait
expect_error "bad address" 'bad_address: --to' tx transfer --key alice.json --to bfd1234 \
  --amount 1 --nonce 0 --expiry 10 --offline
expect_error "bad address characters" 'bad_address: --to' tx transfer --key alice.json \
  --to "bfd$(printf 'g%.0s' {1..40})" --amount 1 --nonce 0 --expiry 10 --offline
offline 1.123456789 --nonce 0 --expiry 10
expect_error "amount with nine decimals" 'bad_amount: --amount: more than 8 decimals' "${run_args[@]}"
offline abc --nonce 0 --expiry 10
expect_error "amount that is not a number" 'bad_amount: --amount' "${run_args[@]}"
offline -1 --nonce 0 --expiry 10
expect_error "negative amount" 'bad_amount: --amount' "${run_args[@]}"
offline 0 --nonce 0 --expiry 10
expect_error "zero amount" 'zero_amount' "${run_args[@]}"
offline 184467440737.09551616 --nonce 0 --expiry 10
expect_error "amount over 64 bits" 'bad_amount: --amount: .*overflows' "${run_args[@]}"
offline 18446744073709551615u --nonce 0 --expiry 10
expect_error "amount plus fee over 64 bits" 'overflow' "${run_args[@]}"
offline 1 --nonce 0 --expiry 10 --fee 0.000000001
expect_error "bad fee" 'bad_amount: --fee' "${run_args[@]}"
offline 1 --nonce -1 --expiry 10
expect_error "negative nonce" '--nonce' "${run_args[@]}"
offline 1 --nonce 0 --expiry 10 --chain 4294967296
expect_error "chain over 32 bits" "invalid_argument: --chain: '4294967296' is not a chain id from 1 to 4294967295" \
  "${run_args[@]}"
offline 1 --nonce 0 --expiry 10 --chain 0
expect_error "chain 0" "invalid_argument: --chain: '0' is not a chain id" "${run_args[@]}"
offline 1 --nonce 0 --expiry 10 --chain "legal service"
expect_error "chain name offline" 'invalid_argument: --chain legal service: a chain name needs a node' \
  "${run_args[@]}"

# --chain before the command name is the same option: the signed transaction carries the id.
expect_ok "--chain before tx transfer" --chain 4 tx transfer --key alice.json --to "$bob_address" \
  --amount 1 --nonce 0 --expiry 10 --offline
chain4_hex=$(cat out)
expect_ok "tx decode of a chain-4 transfer" tx decode "$chain4_hex"
expect_out "decode: chain 4" '^  "chain": 4,$'

# A malformed --chain is refused before any request: port 1 would answer connection_failed.
for bad in -1 2x "" " 4" 4.0 "legal/service" "$(printf 'a%.0s' {1..65})" 0x10 +4; do
  for cmd in info chains delegates "account $bob_address" "tx get $(printf '0%.0s' {1..64})"; do
    # shellcheck disable=SC2086
    expect_error "--chain '$bad' with $cmd" "^bfd-cli: invalid_argument: --chain: " $cmd \
      --chain "$bad" --node http://127.0.0.1:1
  done
  expect_error "--chain '$bad' before transfer" "^bfd-cli: invalid_argument: --chain: " \
    --chain "$bad" transfer --key alice.json --to "$bob_address" --amount 1 --node http://127.0.0.1:1
done
# A well-formed id or name goes to the node (none at port 1).
for good in 4 "legal service"; do
  expect_error "--chain $good asks the node" 'connection_failed: cannot connect to http://127.0.0.1:1 \(GET /v1/chains' \
    info --chain "$good" --node http://127.0.0.1:1
done

# tx submit: a transaction signed for chain 4 is refused for the mainchain before any request.
expect_error "tx submit of a chain-4 transaction without --chain" \
  '^bfd-cli: wrong_chain: the transaction is for chain 4; submit it with --chain 4$' \
  tx submit "$chain4_hex" --node http://127.0.0.1:1
expect_error "tx submit of bytes that are not a transaction" 'bad_hex' tx submit xyz --node http://127.0.0.1:1
offline 1 --nonce 0 --expiry 10 --nonce 1
expect_error "repeated option" '--nonce' "${run_args[@]}"
expect_error "missing key file" 'io: .*nokey.json: No such file' tx transfer --key nokey.json \
  --to "$bob_address" --amount 1 --nonce 0 --expiry 10 --offline
expect_error "corrupted key file" 'truncated.json: not a JSON object' tx transfer \
  --key truncated.json --to "$bob_address" --amount 1 --nonce 0 --expiry 10 --offline
expect_error "key file with a mismatched public key" 'public_key does not belong' tx transfer \
  --key mismatch.json --to "$bob_address" --amount 1 --nonce 0 --expiry 10 --offline
expect_error "missing --amount" '--amount is required' tx transfer --key alice.json \
  --to "$bob_address" --nonce 0 --expiry 10 --offline

expect_error "decode of non-hex" 'bad_hex' tx decode xyz
expect_error "decode of odd-length hex" 'bad_hex' tx decode abc
expect_error "decode of trailing bytes" 'trailing_bytes' tx decode "${hex}00"
expect_error "decode of a truncated transaction" 'malformed' tx decode "${hex:0:-2}"
expect_error "decode of an unknown kind" 'unknown_kind: cannot decode the transaction: transaction kind 127' \
  tx decode "$(od -An -v -tx1 "$root/tests/fuzz/corpus/fuzz_tx_decode/unknown_kind" | tr -d ' \n')"

# --- --offline for every signing command: one shared path, hex that tx decode reads ------------
printf '%s\n' "$hex" >tx.hex
expect_ok "tx decode FILE" tx decode tx.hex
expect_out "decode FILE: kind" '^  "kind": "transfer",$'
offline_kind() {  # offline_kind KIND ARGS...: ARGS signed --offline decode to KIND, stdout one hex line.
  local kind=$1
  shift
  run "$@" --key alice.json --nonce 4 --expiry 900 --offline --node http://127.0.0.1:1
  [ "$rc" -eq 0 ] || { fail "$kind --offline: exit code $rc: $(cat err)"; return; }
  [ "$(wc -l <out)" -eq 1 ] || fail "$kind --offline: stdout is not one line: $(cat out)"
  grep -q "^tx [0-9a-f]\{16\}: $kind signed offline for chain [0-9]* (nonce 4, expiry 900); not submitted$" err ||
    fail "$kind --offline: no stderr line: $(cat err)"
  "$cli" tx decode "$(cat out)" >decoded 2>&1 && grep -q "^  \"kind\": \"$kind\",$" decoded ||
    fail "$kind --offline: does not decode to $kind: $(cat decoded)"
}
vm=$(printf 'ab%.0s' {1..32})
offline_kind vm_bid delegate bid --category 2 --amount 100
offline_kind vote delegate vote --vm "$vm" --amount 5
offline_kind unvote delegate unvote --vm "$vm" --amount 5
printf '{"evidence_kind": "double_vote", "first": "01", "second": "02"}' >evidence.json
offline_kind evidence evidence submit evidence.json
offline_kind acl_grant acl grant --scope global --account "$bob_address" --permissions read
offline_kind fund_redeem fund redeem --tokens 1 --chain 8
offline_kind ds_rate_set ds rate-set --rate 2 --chain 8
offline_kind sidechain_activate sidechain activate 3
offline_kind fund_redeem tx sign '{"kind": "fund_redeem", "tokens": "1"}' --chain 8
expect_error "tx sign without a field of the payload" "malformed: the payload: field 'to': missing" \
  tx sign '{"kind": "transfer"}' --key alice.json --nonce 0 --expiry 5 --offline
expect_error "tx sign with the signer's field" "invalid_argument: the payload: field 'fee': is set by the signer" \
  tx sign '{"kind": "fund_redeem", "tokens": "1", "fee": "1"}' --key alice.json --nonce 0 --expiry 5 --offline
expect_error "bid by category name offline" 'invalid_argument: --category gold: a category name needs a node' \
  delegate bid --category gold --amount 100 --key alice.json --nonce 0 --expiry 5 --offline
expect_error "vote for a VM that is not a key" 'bad_hex: --vm' delegate vote --vm abc --amount 1 \
  --key alice.json --nonce 0 --expiry 5 --offline
expect_error "evidence file that is not JSON" 'malformed: .*not JSON' evidence submit tx.hex --key alice.json \
  --nonce 0 --expiry 5 --offline
expect_error "handshake pay has no --offline" 'not expected: --offline' handshake pay --offline --key alice.json \
  --credentials c --to "$bob_address" --amount 1
# Bytes 39..41 of the first transfer are its fee, cd 2710; ce 00002710 is the same value, too wide.
[ "${hex:78:6}" = "cd2710" ] || fail "the first transfer's fee is not at bytes 39..41: $hex"
expect_error "decode of a non-canonical integer" 'non_canonical' tx decode \
  "${hex:0:78}ce00002710${hex:84}"
expect_error "decode of nothing" 'bad_hex' tx decode ""

# --- fee eval: fee expressions and WebAssembly fee functions, offline -------------------------------
expect_ok "fee eval of an expression" fee eval --expr 'clamp(bp(amount, 25), 10, 50_000) + units * 2' \
  --amount 1000000 --units 3
expect_out "fee eval prints the fee" '^2506$'
expect_ok "fee eval reads height and calls" fee eval --expr 'if(calls < 100, height, 0)' --amount 0 --height 77 --calls 5
expect_out "fee eval of if()" '^77$'
expect_error "fee eval syntax error" '^bfd-cli: fee_function_refused: column 8: unexpected character' \
  fee eval --expr 'amount & 1' --amount 5
expect_error "fee eval empty expression" '^bfd-cli: fee_function_refused: column 1: empty fee expression' \
  fee eval --expr '' --amount 5
expect_error "fee eval of 257 bytes" 'fee expression of 257 bytes, at most 256' \
  fee eval --expr "$(printf '%0257d' 1)" --amount 5
expect_error "fee eval overflow" '^bfd-cli: fee_function_failed: column 8: 18446744073709551615 \* 2 is above' \
  fee eval --expr 'amount * 2' --amount 18446744073709551615
expect_error "fee eval division by zero" 'fee_function_failed: column 8: 5 / 0: division by zero' \
  fee eval --expr 'amount / calls' --amount 5
expect_error "fee eval bad amount" "invalid_argument: --amount: '-1' is not an integer" fee eval --expr 1 --amount -1
expect_error "fee eval without a function" 'give --expr TEXT or --wasm FILE --export NAME' fee eval --amount 1
expect_error "fee eval with both" 'excludes' fee eval --expr 1 --wasm x.wasm --export fee --amount 1
expect_error "fee eval --wasm needs --export" 'requires --export' fee eval --wasm x.wasm --amount 1
fee_wasm=$root/contracts/examples/fee.wasm
expect_ok "fee eval of the example wasm" fee eval --wasm "$fee_wasm" --export fee --amount 100000 --units 10 --calls 300
expect_out "fee eval of wasm prints the fee" '^270$'
expect_ok "fee eval of the C build" fee eval --wasm "$root/contracts/examples/fee_c.wasm" --export fee \
  --amount 100000 --units 10 --calls 3
expect_out "fee eval of the C build prints the fee" '^135$'
expect_error "fee eval of a negative wasm fee" 'fee_function_failed: fee function .fee. returned -1 \(negative\)' \
  fee eval --wasm "$fee_wasm" --export fee --amount 1 --units 1000001
expect_error "fee eval of a missing export" 'fee_function_refused: fee function .nope.: no_such_export' \
  fee eval --wasm "$fee_wasm" --export nope --amount 1
expect_error "fee eval of an export of another signature" 'fee_function_refused: fee function .spin.: bad_arguments' \
  fee eval --wasm "$root/contracts/examples/loop.wasm" --export spin --amount 1
expect_error "fee eval of a missing file" 'io: .*missing.wasm: cannot read' \
  fee eval --wasm "$work/missing.wasm" --export fee --amount 1
head -c 300000 /dev/zero >big.wasm
expect_error "fee eval of an oversized file" 'invalid_argument: big.wasm: 300000 bytes, at most 262144' \
  fee eval --wasm big.wasm --export fee --amount 1
printf 'not wasm' >bad.wasm
expect_error "fee eval of a non-module" 'fee_function_refused: bad.wasm: malformed' \
  fee eval --wasm bad.wasm --export fee --amount 1

# --- fund applications: refused offline, naming the file, the line and the field -----------------
cat >app.toml <<'EOF_APP'
[fund]
name = "offline fund"
[organisation]
name = "Org"
[token]
symbol = "OFF"
founder_allocation = 1000
[raise]
target = 50
min = 10
max = 100
deadline_blocks = 100
rate_mode = "fixed"
rate = "2"
[contract]
template = "0000000000000000000000000000000000000000000000000000000000000000"
EOF_APP
sed 's/^min = 10$/min = 500/' app.toml >a1.toml
expect_error "fund create: min above target" '^bfd-cli: invalid_argument: a1.toml:10: raise.min: must be above 0 and at most raise.target$' \
  fund create --application a1.toml --key k.json --registry-key r.json --dev-data nowhere
sed 's/^symbol = "OFF"$/symbol = "off"/' app.toml >a2.toml
expect_error "fund create: lower-case symbol" 'a2.toml:6: token.symbol: 1 to 12 characters of A-Z and 0-9' \
  fund create --application a2.toml --key k.json --registry-key r.json --dev-data nowhere
sed 's/^rate_mode = "fixed"$/rate_mode = "bfdt"/' app.toml >a3.toml
expect_error "fund create: mode bfdt" 'a3.toml:13: raise.rate_mode: bfdt .*use fixed or floating' \
  fund create --application a3.toml --key k.json --registry-key r.json --dev-data nowhere
sed 's/^template = .*$/&\nwasm = "x.wasm"/' app.toml >a4.toml
expect_error "fund create: template and wasm" 'a4.toml:15: contract: give exactly one of' \
  fund create --application a4.toml --key k.json --registry-key r.json --dev-data nowhere
printf '{"fund": {"name": "x", "colour": 1}}' >a5.json
expect_error "fund create: unknown JSON field" '^bfd-cli: invalid_argument: a5.json: fund.colour: unknown field' \
  fund create --application a5.json --key k.json --registry-key r.json --dev-data nowhere
printf '[fund\nname = 1\n' >a6.toml
expect_error "fund create: TOML syntax" '^bfd-cli: invalid_argument: a6.toml:1:' \
  fund create --application a6.toml --key k.json --registry-key r.json --dev-data nowhere
expect_error "fund create: no application file" '^bfd-cli: io: missing.toml: cannot read the application' \
  fund create --application missing.toml --key k.json --registry-key r.json --dev-data nowhere
expect_error "fund create: a valid application, then the key file" '^bfd-cli: .*--key: ' \
  fund create --application app.toml --key k.json --registry-key r.json --dev-data nowhere

# --- usage -------------------------------------------------------------------------------------
expect_error "no subcommand" 'subcommand' 
expect_error "unknown subcommand" 'frobnicate' frobnicate
expect_error "key without its subcommand" 'bfd-cli key: a subcommand is required' key
expect_error "tx without its subcommand" 'bfd-cli tx: a subcommand is required' tx
for sub in "" "key" "key new" "key show" "key sign-read" "tx" "tx transfer" "tx submit" "tx get" "tx decode" \
  "transfer" "chains" "info" "account" "delegates" "fund" "fund create" "fund liquidate" "ds send"; do
  # shellcheck disable=SC2086
  expect_ok "--help of '$sub'" $sub --help
  expect_out "--help of '$sub' prints usage" '^Usage:'
done
for sub in "" "tx transfer" "tx submit" "tx get" "transfer" "chains" "info" "account" "delegates"; do
  # shellcheck disable=SC2086
  expect_ok "--help of '$sub'" $sub --help
  expect_out "--help of '$sub' describes --chain" '--chain ID\|NAME +Chain to address, by id \(1 = the mainchain\) or by name'
done
for sub in "key new" "key show"; do
  # shellcheck disable=SC2086
  expect_ok "--help of '$sub'" $sub --help
  expect_out "--help of '$sub' describes --delegate" '--delegate .*\[\[delegates\]\] entry'
done

if [ "$failures" -ne 0 ]; then
  echo "cli_test: $failures failure(s)" >&2
  exit 1
fi
echo "cli_test: all checks passed"
