#!/usr/bin/env bash
# Three bfd-node processes from config/three-nodes.toml (mutual TLS through peer gates; ports moved
# up by 100) on 127.0.0.1; node b's peer port is attacked (tests/integration/peer_gate_attack.py):
# the 32-byte BASP header announcing 4 GiB - 1 that once made CAF allocate it, random garbage,
# truncated TLS handshakes, plain bytes, and a peer holding node c's certificate sending the same
# header.
# Checks: finality continues on all three nodes, b's resident set stays under RSS_BOUND_MIB, b's log
# shows the rejections, the violations and the back-off, only topology nodes are ever
# authenticated, and every node stops cleanly on SIGTERM. Every wait is bounded.
# Usage: peer_gate_attack_test.sh BFD_NODE REPO_ROOT   (env: RSS_BOUND_MIB, BFD_KEEP_WORK=1 keeps the logs)
set -u
node_bin=$(realpath "$1")
root=$(realpath "$2")
attack="$root/tests/integration/peer_gate_attack.py"
work=$(mktemp -d /tmp/bfd-gate-XXXXXX)
# config/three-nodes.toml moved to ports 7201-7203 (peers) and 8181-8183 (HTTP), so that this test
# does not collide with three_nodes_test.sh running at the same time (e.g. in another checkout).
topology="$work/three-nodes.toml"
sed -e 's/port = 710\([1-3]\)/port = 720\1/; s/port = 808\([1-3]\)/port = 818\1/' \
    -e "s|\"keys/|\"$root/config/keys/|; s|\"tls/|\"$root/config/tls/|g" "$root/config/three-nodes.toml" > "$topology"
RSS_BOUND_MIB=${RSS_BOUND_MIB:-300}  # override for sanitizer builds, whose shadow memory counts too
declare -A pid port
port[a]=8181; port[b]=8182; port[c]=8183
failures=0

cleanup() {
  for n in a b c; do [ -n "${pid[$n]:-}" ] && kill -9 "${pid[$n]}" 2>/dev/null; done
  wait 2>/dev/null
  if [ -n "${BFD_KEEP_WORK:-}" ]; then echo "logs kept in $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }

start() {
  (cd "$work" && exec "$node_bin" --topology "$topology" --node "$1" >> "$work/$1.log" 2>&1) &
  pid[$1]=$!
}

height() {
  curl -s --max-time 2 "http://127.0.0.1:${port[$1]}/v1/info" |
    python3 -c "import json,sys; print(json.load(sys.stdin)['$2']['height'])" 2>/dev/null
}

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
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }

for n in a b c; do start $n; done
wait_until 60 final_at_least a 3 && wait_until 30 final_at_least b 3 && wait_until 30 final_at_least c 3 ||
  { fail "the three nodes did not reach final height 3"; tail -n 20 "$work"/*.log; exit 1; }
ok "three nodes finalize over mutual TLS (a final $(height a final))"

declare -A before
for n in a b c; do before[$n]=$(height $n final); done
python3 "$attack" 7202 "$root/config/tls/three-nodes" c 6 > "$work/attack.out" 2>&1 &
attacker=$!
max_rss=0
while kill -0 $attacker 2>/dev/null; do
  r=$(rss_kib "${pid[b]}")
  [ -n "$r" ] && [ "$r" -gt "$max_rss" ] && max_rss=$r
  sleep 0.2
done
wait $attacker
cat "$work/attack.out"
ok "attack on b's peer port done; b's peak RSS during it $((max_rss / 1024)) MiB"
[ $((max_rss / 1024)) -lt $RSS_BOUND_MIB ] && ok "b's RSS stayed under $RSS_BOUND_MIB MiB" ||
  fail "b's RSS reached $((max_rss / 1024)) MiB (bound $RSS_BOUND_MIB MiB)"
grep -q "^huge-header: 3 sent, 3 closed" "$work/attack.out" && ok "each 4 GiB header was closed at once" ||
  fail "the 4 GiB headers were not all closed"
grep -q "^authenticated-as-c: closed closed closed closed" "$work/attack.out" &&
  ok "an authenticated peer's 4 GiB headers were closed" || fail "an authenticated 4 GiB header was not closed"

# Finality went on during the attack (about 10 s, a slot is 1 s) and goes on after it, on every node.
declare -A after
for n in a b c; do after[$n]=$(height $n final); done
for n in a b c; do
  [ -n "${after[$n]}" ] && [ "${after[$n]}" -ge $((before[$n] + 3)) ] &&
    ok "node $n finalized during the attack (${before[$n]} -> ${after[$n]})" ||
    fail "node $n did not finalize during the attack (${before[$n]} -> ${after[$n]})"
done
for n in a b c; do
  wait_until 20 final_at_least $n $((${after[$n]:-0} + 3)) && ok "node $n finalizes after it ($(height $n final))" ||
    fail "node $n stopped finalizing after the attack (${after[$n]} -> $(height $n final))"
done

# What b's gate logged.
log="$work/b.log"
grep -q "gate b: rejected from 127.0.0.1:[0-9]*: TLS handshake" "$log" && ok "b logged rejected TLS handshakes" ||
  fail "no rejected TLS handshake in b's log"
grep -q "gate b: rejected from 127.0.0.1:[0-9]*: [0-9]* connections \(from this address \)\?are already in their handshake" "$log" &&
  ok "b refused connections over its handshake bound" || fail "no refusal over the handshake bound in b's log"
grep -q "gate b: violation by c (127.0.0.1:[0-9]*): a BASP frame announcing 4294967295 payload bytes" "$log" &&
  ok "b logged the authenticated peer's violation" || fail "no violation in b's log"
grep -q "gate b: links from c backed off for 60 s after 3 violations" "$log" && ok "b backed off c's inbound links" ||
  fail "no back-off in b's log"
strangers=$(grep "authenticated (" "$log" | grep -cv "gate b: link \(from\|to\) [abc] (")
[ "$strangers" -eq 0 ] && ok "only topology nodes were ever authenticated by b" ||
  fail "$strangers authenticated link(s) of unknown peers in b's log"

# Every node stops cleanly on SIGTERM (the gates close their links; nothing hangs).
stopped() { ! kill -0 "$1" 2>/dev/null || grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }
for n in a b c; do kill -TERM "${pid[$n]}"; done
for n in a b c; do
  if wait_until 15 stopped "${pid[$n]}"; then ok "node $n stopped on SIGTERM"; wait "${pid[$n]}"; pid[$n]=""
  else fail "node $n did not stop within 15 s of SIGTERM"; fi
done
summary=$(grep "gate b: stopped;" "$log")
echo "b's gate: ${summary#*stopped; }"
[ -n "$summary" ] || fail "b's gate logged no summary when it stopped"
# (Rejection lines are rate-limited, so the refusal of the backed-off peer is read from the counters.)
echo "$summary" | grep -q "refused backed-off [1-9]" && ok "b refused c while backed off" ||
  fail "b did not refuse the backed-off peer"
echo "$summary" | grep -q "violations 3, back-offs 1," && ok "b counted 3 violations and 1 back-off" ||
  fail "b's violation and back-off counters are wrong"

if [ $failures -eq 0 ]; then echo "peer-gate attack: all checks passed"; exit 0; fi
echo "peer-gate attack: $failures check(s) failed; logs:"
tail -n 30 "$work"/*.log
exit 1
