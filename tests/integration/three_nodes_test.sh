#!/usr/bin/env bash
# Three bfd-node processes from config/three-nodes.toml on 127.0.0.1, each given a copy of config/
# whose key directory holds only its own delegates' key files ("keys stay home"): a node refuses to
# start without its own keys and never needs the others'; a transfer posted to node a is final on
# all three with identical block hashes; every sidechain of the file's [[chains]] finalizes on the
# two nodes that host it, with one block hash, and the third node has no such chain
# (GET /v1/chains); node c is killed with SIGKILL and a and b keep finalizing; c restarts and
# catches up to the same chain; stopped, each node's data directory passes
# `bfd-node --check-storage`. Last, a copy of the topology with one `nodes` line changed (chain 4's
# replica moved from b to c, a one-line diff) runs from fresh data directories: chain 4 then
# finalizes on a and c, and b has no chain 4. Every wait is bounded.
# Usage: three_nodes_test.sh BFD_NODE BFD_CLI REPO_ROOT
set -u
node_bin=$(realpath "$1")
cli=$(realpath "$2")
root=$(realpath "$3")
topology="$root/config/three-nodes.toml"
keys="$root/config/keys/three-nodes"
work=$(mktemp -d /tmp/bfd-three-XXXXXX)
declare -A pid port
port[a]=8081; port[b]=8082; port[c]=8083
failures=0

cleanup() {
  for n in a b c; do [ -n "${pid[$n]:-}" ] && kill -9 "${pid[$n]}" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }

# Each node's own config directory mirrors config/ file by file as symlinks (the topology file
# itself included, so key paths resolve inside this directory), without keys/ and without the
# other nodes' TLS private keys (if the topology has TLS); keys/ holds copies of only the key files
# of the delegates the topology places on that node.
delegate_keys() {  # NODE: the key_file paths of NODE's delegates, as the topology writes them
  python3 -c 'import sys, tomllib
for d in tomllib.load(open(sys.argv[1], "rb"))["delegates"]:
    if d["node"] == sys.argv[2]: print(d["key_file"])' "$topology" "$1"
}
others_secrets() {  # NODE: the config/ files holding the other nodes' secrets (delegate and TLS keys)
  python3 -c 'import sys, tomllib
t = tomllib.load(open(sys.argv[1], "rb"))
for d in t["delegates"]:
    if d["node"] != sys.argv[2] and "key_file" in d: print(d["key_file"])
for n in t["nodes"]:
    if n["name"] != sys.argv[2] and "tls" in n: print(n["tls"]["key"])' "$topology" "$1"
}
for n in a b c; do
  dir="$work/config-$n"
  withheld=$(others_secrets $n)
  (cd "$root/config" && find . -path ./keys -prune -o -type f -print) | sed 's|^\./||' | while read -r f; do
    grep -qxF -- "$f" <<<"$withheld" && continue
    mkdir -p "$(dirname "$dir/$f")"
    ln -s "$root/config/$f" "$dir/$f"
  done
  for f in $(delegate_keys $n); do
    mkdir -p "$(dirname "$dir/$f")"
    cp "$root/config/$f" "$dir/$f"
    chmod 600 "$dir/$f"
  done
done
# No file of a node's directory holds another node's secret: a delegate's secret key (as hex, in
# any file) or a TLS private key file's content.
leaks() {  # NODE
  python3 - "$root/config" "$work/config-$1" $(others_secrets "$1") <<'PY'
import json, os, sys
config, mine, others = sys.argv[1], sys.argv[2], sys.argv[3:]
needles = []
for f in others:
    data = open(os.path.join(config, f), "rb").read()
    try:
        needles.append((f, json.loads(data)["secret_key"].encode()))
    except (ValueError, KeyError, TypeError):
        needles.append((f, data.strip()))
for top, _, files in os.walk(mine, followlinks=True):
    for name in files:
        data = open(os.path.join(top, name), "rb").read().lower()
        for f, needle in needles:
            if needle.lower() in data:
                print(os.path.relpath(os.path.join(top, name), mine), "holds the secret of", f)
PY
}
for n in a b c; do
  own=$(find "$work/config-$n/keys" -type f | wc -l)
  [ "$own" -eq "$(delegate_keys $n | wc -l)" ] && [ "$own" -gt 0 ] || fail "config-$n holds $own key files"
  found=$(leaks $n)
  [ -z "$found" ] || fail "node $n's directory holds other nodes' secrets: $found"
done
[ $failures -eq 0 ] && ok "each node's directory holds its own delegates' secrets and no other node's"

start() {
  (cd "$work" && exec "$node_bin" --topology "$work/config-$1/three-nodes.toml" --node "$1" >> "$work/$1.log" 2>&1) &
  pid[$1]=$!
}

# A node needs its own delegates' keys: run as b from its own directory with a's keys/ in place of
# its own, it stops at once, naming the topology line of b's first key file.
cp -r "$work/config-b" "$work/b-with-a-keys"
rm -rf "$work/b-with-a-keys/keys"
cp -r "$work/config-a/keys" "$work/b-with-a-keys/keys"
b_key_line=$(grep -n "^key_file = \"$(delegate_keys b | sed -n 1p)\"" "$topology" | cut -d: -f1)
out=$(cd "$work" && timeout 20 "$node_bin" --topology "$work/b-with-a-keys/three-nodes.toml" --node b 2>&1)
rc=$?
if [ $rc -ne 0 ] && grep -q "three-nodes.toml:$b_key_line:12: cannot read the key file of this delegate" <<<"$out"; then
  ok "node b refuses to start without its own key files (line $b_key_line)"
else
  fail "node b with a's keys: exit $rc, $out"
fi
rm -rf "$work/b-with-a-keys"

# A key file must be the entry's key, and its hash chain must end in the entry's tip: a scratch
# copy of a's directory with b's key in the place of a's first, then with a changed tip.
refused() {  # NAME PATTERN TOPOLOGY: node a started from TOPOLOGY stops with an error matching PATTERN
  local out rc
  out=$(cd "$work" && timeout 20 "$node_bin" --topology "$3" --node a 2>&1)
  rc=$?
  if [ $rc -ne 0 ] && grep -qE -- "$2" <<<"$out"; then ok "$1"; else fail "$1: exit $rc, $out"; fi
}
a_key=$(delegate_keys a | sed -n 1p)
a_line=$(grep -n "^key_file = \"$a_key\"" "$topology" | cut -d: -f1)
cp -r "$work/config-a" "$work/bad"
cp "$root/config/$(delegate_keys b | sed -n 1p)" "$work/bad/$a_key"
refused "a key file holding another delegate's key is refused" \
  "three-nodes.toml:$a_line:12: key file .* holds public key [0-9a-f]{64}, not this delegate's public_key" \
  "$work/bad/three-nodes.toml"
cp "$root/config/$a_key" "$work/bad/$a_key"
rm "$work/bad/three-nodes.toml"
tip_line=$(awk -v from="$a_line" 'NR > from && /^hash_chain_tip = / { print NR; exit }' "$topology")
first=$(sed -n "${tip_line}s/^hash_chain_tip = \"\(.\).*/\1/p" "$topology")
[ "$first" = 0 ] && other=1 || other=0
sed "${tip_line}s/^hash_chain_tip = \"./hash_chain_tip = \"$other/" "$topology" >"$work/bad/three-nodes.toml"
cmp -s "$topology" "$work/bad/three-nodes.toml" && fail "the test could not change a's first tip"
refused "a hash_chain_tip that is not the key's is refused" \
  "three-nodes.toml:$tip_line:18: hash_chain_tip is not the tip of the hash chain of key file" \
  "$work/bad/three-nodes.toml"
rm -rf "$work/bad"

# info N FIELD: a number from node N's /v1/info ("final" or "head" height), empty if down.
height() {
  curl -s --max-time 2 "http://127.0.0.1:${port[$1]}/v1/info" |
    python3 -c "import json,sys; print(json.load(sys.stdin)['$2']['height'])" 2>/dev/null
}

hash_at() {
  curl -s --max-time 2 "http://127.0.0.1:${port[$1]}/v1/blocks/$2" |
    python3 -c "import json,sys; print(json.load(sys.stdin)['hash'])" 2>/dev/null
}

# wait_until SECONDS COMMAND...: polls every 0.2 s.
wait_until() {
  local limit=$1
  shift
  local deadline=$((SECONDS + limit))
  while [ $SECONDS -lt $deadline ]; do
    if "$@"; then return 0; fi
    sleep 0.2
  done
  return 1
}

final_at_least() { local h; h=$(height "$1" final); [ -n "$h" ] && [ "$h" -ge "$2" ]; }

for n in a b c; do start $n; done
wait_until 60 final_at_least a 5 && wait_until 30 final_at_least b 5 && wait_until 30 final_at_least c 5 ||
  { fail "the three nodes did not reach final height 5"; tail -n 5 "$work"/*.log; exit 1; }
ok "three nodes finalize (a final $(height a final))"

# A transfer through node a's HTTP API, final on all three.
to=$("$cli" key show "$keys/account-02.json" | sed -n 's/^address: //p')
hex=$("$cli" tx transfer --key "$keys/account-01.json" --to "$to" --amount 3.25 --nonce 0 --expiry 100000 --offline)
id=$("$cli" tx decode "$hex" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
code=$(curl -s -o "$work/post.json" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
  -d "{\"hex\":\"$hex\"}" "http://127.0.0.1:${port[a]}/v1/txs")
[ "$code" = 202 ] && ok "transfer accepted by node a" || fail "POST /v1/txs answered $code: $(cat "$work/post.json")"
tx_final() { curl -s --max-time 2 "http://127.0.0.1:${port[$1]}/v1/txs/$id" | grep -q '"status":"final"'; }
for n in a b c; do
  wait_until 30 tx_final $n && ok "transfer final on node $n" || fail "transfer not final on node $n"
done
h=$(curl -s "http://127.0.0.1:${port[c]}/v1/txs/$id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["height"])')
ha=$(hash_at a "$h"); hb=$(hash_at b "$h"); hc=$(hash_at c "$h")
[ -n "$ha" ] && [ "$ha" = "$hb" ] && [ "$hb" = "$hc" ] && ok "block $h has one hash on all nodes" ||
  fail "block $h hashes differ: $ha $hb $hc"

# Sidechains: each finalizes on the nodes its `nodes` line names, and is absent elsewhere.
chain_hosts() {  # TOPOLOGY: "ID NODE NODE..." per [[chains]] entry
  python3 -c 'import sys, tomllib
for c in tomllib.load(open(sys.argv[1], "rb")).get("chains", []):
    print(c["id"], *c["nodes"])' "$1"
}
# chain_final NODE ID: the final height of chain ID in NODE's GET /v1/chains; "none" when NODE
# does not list it; empty when NODE does not answer.
chain_final() {
  curl -s --max-time 2 "http://127.0.0.1:${port[$1]}/v1/chains" | python3 -c '
import json, sys
chains = {c["id"]: c for c in json.load(sys.stdin)["chains"]}
c = chains.get(int(sys.argv[1]))
print("none" if c is None else c["final"]["height"])' "$2" 2>/dev/null
}
chain_final_at_least() { local h; h=$(chain_final "$1" "$2"); [ -n "$h" ] && [ "$h" != none ] && [ "$h" -ge "$3" ]; }
chain_hash_at() {  # NODE ID HEIGHT
  curl -s --max-time 2 "http://127.0.0.1:${port[$1]}/v1/chains/$2/blocks/$3" |
    python3 -c "import json,sys; print(json.load(sys.stdin)['hash'])" 2>/dev/null
}
check_chains() {  # TOPOLOGY: every sidechain final at height >= 3 on its hosts, one hash, absent elsewhere
  local id hosts n h
  while read -r id hosts; do
    for n in $hosts; do
      wait_until 60 chain_final_at_least "$n" "$id" 3 && ok "chain $id finalizes on node $n (final $(chain_final "$n" "$id"))" ||
        fail "chain $id does not finalize on node $n (final: $(chain_final "$n" "$id"))"
    done
    local first="" hashes=""
    for n in $hosts; do
      h=$(chain_hash_at "$n" "$id" 2)
      hashes="$hashes $n:$h"
      [ -z "$first" ] && first=$h
      [ -n "$h" ] && [ "$h" = "$first" ] || first=mismatch
    done
    [ "$first" != mismatch ] && ok "chain $id block 2 has one hash on its hosts" || fail "chain $id block 2:$hashes"
    for n in a b c; do
      grep -qw "$n" <<<"$hosts" && continue
      h=$(chain_final "$n" "$id")
      [ "$h" = none ] && ok "node $n has no chain $id" || fail "node $n lists chain $id (final: $h)"
      code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${port[$n]}/v1/chains/$id/info")
      [ "$code" = 404 ] || fail "GET /v1/chains/$id/info on node $n answered $code, not 404"
    done
  done < <(chain_hosts "$1")
}
[ "$(chain_hosts "$topology" | wc -l)" -ge 3 ] || fail "three-nodes.toml has fewer than three sidechains"
check_chains "$topology"
# The mainchain's registry holds the sidechains from its genesis; their hosts anchor them.
anchored_on() {  # node, chain id -> the anchored height in the node's final registry (or none)
  curl -s --max-time 2 "http://127.0.0.1:${port[$1]}/v1/sidechains" | python3 -c '
import json, sys
try:
    s = [x for x in json.load(sys.stdin)["sidechains"] if x["id"] == '"$2"']
    print(s[0]["anchored"]["height"] if s and s[0]["status"] == "active" else "none")
except Exception:
    print("none")'
}
anchored_at_least() { local h; h=$(anchored_on "$1" "$2"); [ "$h" != none ] && [ "$h" -ge "$3" ]; }
for id in $(chain_hosts "$topology" | cut -d' ' -f1); do
  wait_until 60 anchored_at_least c "$id" 1 && ok "sidechain $id is registered and anchored on the mainchain (node c sees #$(anchored_on c "$id"))" ||
    fail "sidechain $id is not anchored on the mainchain (node c: $(anchored_on c "$id"))"
done

# SIGKILL node c (22% of the power): a and b hold 78% > 2/3 and keep finalizing.
kill -9 "${pid[c]}"
wait "${pid[c]}" 2>/dev/null
pid[c]=""
before=$(height a final)
wait_until 30 final_at_least a $((before + 5)) && ok "a and b keep finalizing without c ($before -> $(height a final))" ||
  fail "finality stopped with c down (stuck at $before)"
fb=$(height b final)
[ -n "$fb" ] && [ "$fb" -ge $((before + 3)) ] && ok "b finalizes too ($fb)" || fail "b did not finalize ($fb)"

# Restart c: it catches up to the same chain.
target=$(height a final)
start c
wait_until 60 final_at_least c "$target" && ok "c caught up to final height $target" || fail "c did not catch up to $target"
ha=$(hash_at a "$target"); hc=$(hash_at c "$target")
[ -n "$ha" ] && [ "$ha" = "$hc" ] && ok "c has a's block $target" || fail "block $target differs after catch-up: $ha $hc"

# Stop the three cleanly (10 s bound); each data directory passes --check-storage and
# --replay-check (docs/storage.md).
for n in a b c; do kill "${pid[$n]}" 2>/dev/null; done
for n in a b c; do
  for _ in $(seq 50); do kill -0 "${pid[$n]}" 2>/dev/null || break; sleep 0.2; done
  kill -9 "${pid[$n]}" 2>/dev/null
  wait "${pid[$n]}"
  rc=$?
  pid[$n]=""
  [ $rc -eq 0 ] || fail "node $n stopped with exit code $rc"
done
for n in a b c; do
  if (cd "$work" && "$node_bin" --check-storage --topology "$topology" --node "$n" >"$work/$n.check" 2>&1); then
    ok "node $n's storage is sound ($(grep -o 'final head #[0-9]*' "$work/$n.check" | tr '\n' ' '))"
  else
    fail "--check-storage of node $n: $(grep PROBLEM "$work/$n.check")"
  fi
  # Every chain the node stores, replayed from its genesis: equal at every height (docs/storage.md).
  if (cd "$work" && "$node_bin" --replay-check --topology "$topology" --node "$n" >"$work/$n.replay" 2>&1); then
    ok "node $n's storage equals the replay ($(tail -n 1 "$work/$n.replay"))"
  else
    fail "--replay-check of node $n: $(grep -E 'PROBLEM|bfd-node' "$work/$n.replay" | head -n 3)"
  fi
done

# Move chain 4's replica from b to c: one changed line in a copy of the topology (in every node's
# directory, beside its keys), and the network restarted from fresh data directories.
line=$(awk '/^name = "legal service"/ { found = 1 } found && /^nodes = / { print NR; exit }' "$topology")
sed "${line}s/^nodes = \[\"a\", \"b\"\]/nodes = [\"a\", \"c\"]/" "$topology" >"$work/moved.toml"
changed=$(diff "$topology" "$work/moved.toml" | grep -c '^[<>]')
[ "$changed" -eq 2 ] && grep -q '^> nodes = \["a", "c"\]$' <(diff "$topology" "$work/moved.toml") &&
  ok "moving chain 4 to node c is a one-line diff (line $line)" || fail "the move is not a one-line diff: $(diff "$topology" "$work/moved.toml")"
for n in a b c; do cp "$work/moved.toml" "$work/config-$n/moved.toml"; done
rm -rf "$work/bfd-data"
start_moved() {
  (cd "$work" && exec "$node_bin" --topology "$work/config-$1/moved.toml" --node "$1" >> "$work/$1-moved.log" 2>&1) &
  pid[$1]=$!
}
for n in a b c; do start_moved $n; done
wait_until 60 final_at_least a 3 || fail "the moved network does not finalize"
check_chains "$work/moved.toml"
[ "$(chain_final b 4)" = none ] && ok "chain 4 no longer runs on node b" || fail "node b still hosts chain 4"
for n in a b c; do kill "${pid[$n]}" 2>/dev/null; done
for n in a b c; do
  for _ in $(seq 50); do kill -0 "${pid[$n]}" 2>/dev/null || break; sleep 0.2; done
  kill -9 "${pid[$n]}" 2>/dev/null
  wait "${pid[$n]}" 2>/dev/null
  pid[$n]=""
done

if [ $failures -eq 0 ]; then echo "three-nodes: all checks passed"; exit 0; fi
echo "three-nodes: $failures check(s) failed; logs:"
tail -n 20 "$work"/*.log
exit 1
