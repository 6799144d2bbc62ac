#!/usr/bin/env bash
# The two-way peg on three bfd-node processes (a copy of config/three-nodes.toml with peg = true,
# plain TCP on free ports, 500 ms slots, chain 2 only, and a [[bridges]] entry running the bridge
# of pair 1-2 on nodes a and b). Through the real bfd-cli: two BFDT transfers go mainchain ->
# chain 2 and two voucher returns chain 2 -> mainchain, concurrently; mid-flight node a gets
# SIGUSR1 (its bridge actor is killed and restarted by its supervisor: the log line and
# bfd_actor_restarts_total{actor="bridge-1-2"} on /metrics) and node b is killed with SIGKILL and
# restarted (its bridge starts again from its progress file). Every message reaches a terminal
# state (delivered), the mainchain balances are exact, bfd_peg_conservation_ok{pair="1-2"} is 1 on
# every poll of node a throughout. Last, six SIGUSR1 within 10 s make b's supervisor give up: b
# stops with exit code 4; every data directory passes --check-storage afterwards.
# Usage: peg_three_nodes_test.sh BFD_NODE BFD_CLI REPO_ROOT
set -u
node_bin=$(realpath "${1:?usage: peg_three_nodes_test.sh BFD_NODE BFD_CLI REPO_ROOT}")
cli=$(realpath "${2:?usage}")
root=$(realpath "${3:?usage}")
work=$(mktemp -d /tmp/bfd-peg-three-XXXXXX)
source "$(dirname "$(realpath "$0")")/dev_node_lib.sh"  # fail/ok/run/field/wait_for/at_least; cds into $work

declare -A pid http
poller=""
cleanup_all() {
  [ -n "$poller" ] && kill "$poller" 2>/dev/null
  for n in a b c; do [ -n "${pid[$n]:-}" ] && kill -9 "${pid[$n]}" 2>/dev/null; done
  wait 2>/dev/null
  if [ -n "${BFD_KEEP_WORK:-}" ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup_all EXIT
fatal() {
  echo "FAIL: $*" >&2
  for n in a b c; do echo "--- $n.log" >&2; tail -n 25 "$work/$n.log" >&2; done
  exit 1
}

# --- the topology: three-nodes.toml adapted ------------------------------------------------------
read -r -a ports <<<"$(python3 -c 'import socket
ss = [socket.socket() for _ in range(6)]
for s in ss: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))')"
mkdir -p cfg
ln -s "$root/config/keys" cfg/keys
"$cli" key new --out cfg/bridge.json >/dev/null || fatal "bfd-cli key new"
python3 - "$root/config/three-nodes.toml" cfg/three-nodes-peg.toml "$work" "${ports[@]}" <<'PY'
import re, sys
src, dst, work, ports = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
t = open(src).read()
t = t[:t.index("\n[[chains]]\nid = 3")] + "\n"               # chain 2 only
t = re.sub(r"\ntls = \{[^\n]*\}", "", t)                       # plain TCP (loopback only)
t = t.replace("slot_ms = 1000", "slot_ms = 500").replace("work_bits = 8", "work_bits = 0")
t = re.sub(r"(registry_authority = \"[0-9a-f]+\")", r"\1\npeg = true", t)
for i, n in enumerate("abc"):
    t = t.replace(f"port = {7101 + i}", f"port = {ports[i]}").replace(f"port = {8081 + i}", f"port = {ports[3 + i]}")
    t = t.replace(f'data_dir = "bfd-data/three-nodes/{n}"', f'data_dir = "{work}/data/{n}"')
t += '\n[[bridges]]\nsidechain = 2\nnodes = ["a", "b"]\nkey_file = "bridge.json"\n'
open(dst, "w").write(t)
PY
topology="$work/cfg/three-nodes-peg.toml"
http[a]=${ports[3]}; http[b]=${ports[4]}; http[c]=${ports[5]}

start() {
  "$node_bin" --topology "$topology" --node "$1" >>"$work/$1.log" 2>&1 &
  pid[$1]=$!
}
final_on() {  # NODE CHAIN: the chain's final height on NODE
  BFD_NODE="http://127.0.0.1:${http[$1]}" json_of 'j["final"]["height"]' info --json --chain "$2"
}
metric() {  # NODE NAME_WITH_LABELS: the value of one /metrics line, or nothing
  python3 -c "import urllib.request,sys
t = urllib.request.urlopen('http://127.0.0.1:${http[$1]}/metrics', timeout=10).read().decode()
for line in t.splitlines():
    if line.startswith(sys.argv[1] + ' '): print(line.split()[1])" "$2" 2>/dev/null
}
bridge_runs() { [ "$(grep -c 'bridge-1-2 running' "$1.log")" -ge "$2" ]; }  # NODE N: started N times
restarts_at_least() { at_least "metric $1 bfd_actor_restarts_total{actor=\"bridge-1-2\"}" "$2"; }

for n in a b c; do start $n; done
export BFD_NODE="http://127.0.0.1:${http[a]}"
wait_for 40 at_least "final_on a 1" 2 || fatal "the mainchain did not finalize height 2 within 40 s"
wait_for 30 at_least "final_on a 2" 2 || fatal "chain 2 did not finalize height 2 within 30 s"
for n in a b; do
  grep -q "bridge-1-2 running" "$n.log" || fail "node $n does not run the bridge of pair 1-2"
done
grep -q "bridge-1-2 running" c.log && fail "node c runs a bridge the topology does not place there"
ok "three nodes up; the bridge of pair 1-2 runs on a and b"

# The invariant on every poll of node a, all along (a poll that finds no gauge yet is skipped).
( while :; do v=$(metric a 'bfd_peg_conservation_ok{pair="1-2"}'); [ -n "$v" ] && echo "$v" >>conservation; sleep 0.5; done ) &
poller=$!

keys="$work/cfg/keys/three-nodes"
alice=$("$cli" key show "$keys/account-01.json" | sed -n 's/^address: //p')
bob=$("$cli" key show "$keys/account-02.json" | sed -n 's/^address: //p')
run account "$alice"; alice0=$(field balance_units)
run account "$bob"; bob0=$(field balance_units)

# send NAME ARGS...: a bfd-cli peg send in the background, output in NAME.out/NAME.err, code in NAME.rc.
send() {
  local name=$1
  shift
  ( timeout 150 "$cli" peg send "$@" --timeout 120 >"$name.out" 2>"$name.err"; echo $? >"$name.rc" ) &
}
# --- out: 10 BFDT alice -> bob and 7 BFDT bob -> alice, mainchain -> chain 2 ------------------------
send out1 --to-chain 2 --to "$bob" --amount 10 --key "$keys/account-01.json"
send out2 --to-chain 2 --to "$alice" --amount 7 --key "$keys/account-02.json"
# Mid-flight: once both sends are final on the source, kill a's bridge actor through the test hook.
wait_for 40 grep -q '^message:' out1.out || fatal "out1 was not final on the mainchain within 40 s: $(cat out1.err)"
kill -USR1 "${pid[a]}"
wait_for 10 grep -q "fault injection: killing bridge-1-2" a.log || fail "node a did not log the fault injection"
wait_for 10 restarts_at_least a 1 || fail "/metrics of a: bfd_actor_restarts_total{actor=\"bridge-1-2\"} did not reach 1"
wait_for 10 bridge_runs a 2 || fail "a's bridge actor was not started again"
ok "SIGUSR1: a's bridge actor killed and restarted ($(grep -m1 'supervisor: bridge-1-2 ended' a.log | cut -c14-))"
before=$failures
for s in out1 out2; do
  wait_for 120 test -f "$s.rc" || fatal "$s: bfd-cli did not finish"
  [ "$(cat $s.rc)" = 0 ] && grep -q '"state": "delivered"' "$s.out" || fail "$s: rc $(cat $s.rc): $(tail -n 3 $s.err)"
done
[ $failures -eq $before ] && ok "out: $(sed -n 's/^message: //p' out1.out) and $(sed -n 's/^message: //p' out2.out) delivered"

# --- back: 4 vouchers bob -> alice and 3 alice -> bob, chain 2 -> mainchain; b killed mid-flight ---
send back1 --chain 2 --to-chain 1 --to "$alice" --amount 4 --denom peg/1/BFDT --key "$keys/account-02.json"
send back2 --chain 2 --to-chain 1 --to "$bob" --amount 3 --denom peg/1/BFDT --key "$keys/account-01.json"
wait_for 40 grep -q '^message:' back1.out || fatal "back1 was not final on chain 2 within 40 s: $(cat back1.err)"
kill -9 "${pid[b]}"
wait "${pid[b]}" 2>/dev/null
sleep 1
start b
ok "node b killed with SIGKILL mid-flight and restarted"
before=$failures
for s in back1 back2; do
  wait_for 120 test -f "$s.rc" || fatal "$s: bfd-cli did not finish"
  [ "$(cat $s.rc)" = 0 ] && grep -q '"state": "delivered"' "$s.out" || fail "$s: rc $(cat $s.rc): $(tail -n 3 $s.err)"
done
[ $failures -eq $before ] && ok "back: $(sed -n 's/^message: //p' back1.out) and $(sed -n 's/^message: //p' back2.out) delivered"
wait_for 20 bridge_runs b 2 || fail "node b's bridge did not start again after the restart"
[ -f "$work/data/b/bridges/1-2.progress" ] && ok "node b's bridge keeps its progress in data/b/bridges/1-2.progress" ||
  fail "no progress file data/b/bridges/1-2.progress after node b's bridge ran"

# --- terminal states, balances, the invariant ----------------------------------------------------
for s in out1 out2 back1 back2; do
  id=$(sed -n 's/^message: //p' "$s.out")
  run peg status "$id"
  python3 -c 'import json,sys; j = json.load(open("out")); assert j["state"] == "delivered", j' 2>/dev/null ||
    fail "peg status $id ($s): $(cat out)"
done
fee=10000
run account "$alice"
[ "$(field balance_units)" = $((alice0 - 1000000000 - fee + 400000000)) ] ||
  fail "alice's mainchain balance $(field balance_units), expected $((alice0 - 1000000000 - fee + 400000000))"
run account "$bob"
[ "$(field balance_units)" = $((bob0 - 700000000 - fee + 300000000)) ] ||
  fail "bob's mainchain balance $(field balance_units), expected $((bob0 - 700000000 - fee + 300000000))"
ok "mainchain balances exact: alice -10 +4, bob -7 +3 BFDT (and one fee each)"
kill "$poller" 2>/dev/null; wait "$poller" 2>/dev/null; poller=""
polls=$(wc -l <conservation 2>/dev/null || echo 0)
bad=$(grep -vcx 1 conservation 2>/dev/null)
if [ "$polls" -ge 3 ] && [ "$bad" = 0 ]; then
  ok "bfd_peg_conservation_ok{pair=\"1-2\"} was 1 on all $polls polls of node a"
else
  fail "bfd_peg_conservation_ok{pair=\"1-2\"}: $bad of $polls polls not 1"
fi

# --- escalation: six bridge failures within 10 s stop node b cleanly, exit code 4 ------------------
export BFD_NODE="http://127.0.0.1:${http[b]}"
for i in 1 2 3 4 5 6; do
  kill -USR1 "${pid[b]}"
  [ $i -lt 6 ] && { wait_for 10 restarts_at_least b $i || fail "b's bridge restart $i not counted"; }
done
for _ in $(seq 100); do kill -0 "${pid[b]}" 2>/dev/null || break; sleep 0.2; done
wait "${pid[b]}" 2>/dev/null
rc=$?
pid[b]=""
if [ $rc -eq 4 ] && grep -q "the bridge supervisor gave up: bridge-1-2 failed 6 times within 10000 ms" b.log; then
  ok "a sixth SIGUSR1 within 10 s: b's supervisor gave up and b stopped with exit code 4"
else
  fail "escalation on b: exit code $rc, $(grep -m1 'gave up' b.log)"
fi

# --- stopped: sound storage ----------------------------------------------------------------------
for n in a c; do kill "${pid[$n]}" 2>/dev/null; done
for n in a c; do
  for _ in $(seq 50); do kill -0 "${pid[$n]}" 2>/dev/null || break; sleep 0.2; done
  wait "${pid[$n]}" 2>/dev/null
  rc=$?
  pid[$n]=""
  [ $rc -eq 0 ] || fail "node $n exited with $rc on SIGTERM"
done
for n in a b c; do
  "$node_bin" --check-storage --topology "$topology" --node $n >check.out 2>&1 || fail "--check-storage $n: $(tail -n 5 check.out)"
done
[ "$failures" -eq 0 ] && ok "every node stopped cleanly; every data directory is sound"
if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed" >&2
  for n in a b c; do echo "--- $n.log" >&2; tail -n 20 "$work/$n.log" >&2; done
  exit 1
fi
echo "peg on three nodes: all checks passed in ${SECONDS} s"
