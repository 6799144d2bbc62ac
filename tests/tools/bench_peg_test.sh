#!/usr/bin/env bash
# Runs the real `bfd-bench peg` on a small workload: every peg_send must be delivered (its
# acknowledgement final on the mainchain), the JSON line must carry the figures with sane values,
# and the conservation check must pass; then with --return (vouchers back) on two sidechains; then
# with --nodes 3 (three real bfd-node processes, sends and tracking over HTTP), and a Ctrl-C in
# the middle of a --nodes 3 run, which must stop every node and remove the data directory.
# 150 messages from 30 accounts land in one mainchain block, so the bridge carries a block of more
# than 20 messages (what stalled node_tx_submitter's nonces before). Correctness only: no rate is
# asserted.
# Usage: bench_peg_test.sh PATH/TO/bfd-bench PATH/TO/bfd-node
set -u

bench=$(realpath "${1:?usage: bench_peg_test.sh PATH/TO/bfd-bench PATH/TO/bfd-node}")
node_bin=$(realpath "${2:?usage: bench_peg_test.sh PATH/TO/bfd-bench PATH/TO/bfd-node}")
work=$(mktemp -d)
bg=""
# Whatever happens, no bench of this test outlives it (its nodes die with it: PR_SET_PDEATHSIG).
trap '[ -n "$bg" ] && kill -9 "$bg" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT

failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

check_json() {  # check_json FILE MESSAGES SIDECHAINS RETURN(0|1) [NODES]
  python3 - "$@" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
m, n, ret = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "1"
nodes = int(sys.argv[5]) if len(sys.argv) > 5 else 1
problems = []
def check(cond, what):
    if not cond:
        problems.append(what)
check(j["bench"] == "peg" and j["nodes"] == nodes and j["messages"] == m and j["sidechains"] == n, "header fields")
check(j["raw_verify_per_s"] > 0, "raw_verify_per_s > 0")
check(j["submitted"] == m and j["accepted"] == m and j["refused"] == {}, "every send accepted")
check(j["expected"] == m and j["delivered"] == m and j["failed"] == 0 and j["complete"] is True, "delivered == messages")
check(j["messages_per_s"] > 0 and j["over_raw_verify"] > 0 and j["seconds"] > 0, "positive rate")
for stage in ("send_final", "receive_final", "ack_final"):
    s = j[stage]
    check(s["n"] == m, stage + ": every message")
    l = s["ms"]
    check(0 < l["p50"] <= l["p90"] <= l["p99"] <= l["max"], stage + ": ordered latencies")
    check(0 < s["p50_slots"] <= s["p99_slots"], stage + ": slots")
# The stages happen in order: the acknowledgement after the receive after the send.
check(j["send_final"]["ms"]["p50"] <= j["receive_final"]["ms"]["p50"] <= j["ack_final"]["ms"]["p50"], "stage order")
b = j["bridge"]
if nodes == 1:
    check(b["passes"] >= 1 and b["carried"] >= 2 * m * (2 if ret else 1) and b["client_updates"] >= 1, "bridge figures")
else:
    # The bridges run in the nodes: only their restarts are visible (/metrics), and none is expected.
    check(b == {"restarts": 0}, "bridge restarts from /metrics")
    check(len(j["node_peak_rss_mb"]) == 3 and all(x > 0 for x in j["node_peak_rss_mb"]), "every node's RSS")
check(j["mainchain_blocks"] >= 1 and j["sidechain_blocks"] >= 1 and j["max_block_peg_txs"] >= 1, "block figures")
check(j["peak_rss_mb"] > 0 and j["cpu_cores"] > 0, "RSS and CPU")
check(j["conserved"] is True and len(j["pairs"]) == n, "conserved, one pair per sidechain")
for p in j["pairs"]:
    if nodes == 1:
        check(p["conservation_ok"] and p["ok"] and p["escrowed"] == p["vouchers"] == p["expected"], f"pair 1-{p['sidechain']}")
    else:
        # Over HTTP: the conservation gauge of both hosts, and the value the delivered states imply.
        check(p["conservation_ok"] and p["ok"] and p["expected"] > 0, f"pair 1-{p['sidechain']}")
if ret:
    check(j["return_submitted"] == m and j["return_accepted"] == m and j["return_delivered"] == m, "every return delivered")
    check(j["return_ack_final"]["n"] == m and j["round_trips_per_s"] > 0, "return figures")
    check(all(p["expected"] == 0 for p in j["pairs"]), "everything came back: no escrow left")
else:
    check("return_submitted" not in j, "no return fields without --return")
    check(sum(p["expected"] for p in j["pairs"]) > 0, "escrow left on the mainchain")
for what in problems:
    print("  " + what, file=sys.stderr)
sys.exit(1 if problems else 0)
PY
}

TMPDIR="$work" "$bench" peg --messages 150 --accounts 30 --delegates 4 --slot-ms 500 --timeout 40 --quiet \
  >"$work/out" 2>"$work/err"
rc=$?
[ "$rc" -eq 0 ] || fail "bfd-bench peg: exit code $rc, stderr: $(cat "$work/err")"
for row in 'delivered (final ack)' 'messages/s to final ack' '  / raw verify' 'ack final (mainchain)' \
  'bridge passes' 'peak RSS MiB' 'conservation 1-2'; do
  grep -qF "$row" "$work/out" || fail "no '$row' row in the table: $(cat "$work/out")"
done
[ "$(grep -c '^{' "$work/out")" -eq 1 ] || fail "expected one JSON line: $(cat "$work/out")"
grep '^{' "$work/out" >"$work/json"
check_json "$work/json" 150 1 0 || fail "the JSON line is not sane: $(cat "$work/json")"

TMPDIR="$work" "$bench" peg --messages 80 --accounts 20 --sidechains 2 --return --delegates 4 --slot-ms 500 \
  --store memory --timeout 40 --quiet --json-only >"$work/out" 2>"$work/err"
rc=$?
[ "$rc" -eq 0 ] || fail "bfd-bench peg --return: exit code $rc, stderr: $(cat "$work/err")"
[ "$(wc -l <"$work/out")" -eq 1 ] || fail "--json-only: expected one line: $(cat "$work/out")"
check_json "$work/out" 80 2 1 || fail "--return: the JSON line is not sane: $(cat "$work/out")"


"$bench" peg --help >"$work/out" 2>&1 || fail "bfd-bench peg --help failed"
for opt in --messages --accounts --sidechains --nodes --node-bin --return --bridge-ms --slot-ms --timeout --json-only 'Exit code 2'; do
  grep -q -- "$opt" "$work/out" || fail "bfd-bench peg --help does not mention $opt"
done
# Three bfd-node processes from a generated topology: every message delivered, conservation on both
# hosts' /metrics, nothing left running or on disk.
TMPDIR="$work" "$bench" peg --nodes 3 --node-bin "$node_bin" --messages 60 --accounts 20 --delegates 9 \
  --slot-ms 500 --timeout 40 --quiet --json-only >"$work/out" 2>"$work/err"
rc=$?
[ "$rc" -eq 0 ] || fail "bfd-bench peg --nodes 3: exit code $rc, stderr: $(cat "$work/err")"
check_json "$work/out" 60 1 0 3 || fail "--nodes 3: the JSON line is not sane: $(cat "$work/out")"
pgrep -f -- "--topology $work/" >/dev/null && fail "--nodes 3: a bfd-node is still running after the bench"

# Ctrl-C once the nodes run: the bench stops them and removes its directory, exit code 1.
TMPDIR="$work" "$bench" peg --nodes 3 --node-bin "$node_bin" --messages 400 --accounts 20 --delegates 9 \
  --slot-ms 500 --rate 20 --timeout 40 --quiet --json-only >"$work/out" 2>"$work/err" &
bg=$!
for _ in $(seq 100); do pgrep -f -- "--topology $work/.* --node c" >/dev/null && break; sleep 0.1; done
sleep 1
kill -INT "$bg"
for _ in $(seq 150); do kill -0 "$bg" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$bg" 2>/dev/null; then
  fail "--nodes 3: still running 15 s after SIGINT"
else
  wait "$bg"
  rc=$?
  [ "$rc" -eq 1 ] && grep -q 'interrupted' "$work/err" || fail "--nodes 3 after SIGINT: exit code $rc, stderr: $(cat "$work/err")"
fi
bg=""
pgrep -f -- "--topology $work/" >/dev/null && fail "--nodes 3: a bfd-node is still running after SIGINT"
if "$bench" peg --nodes 2 >"$work/out" 2>"$work/err"; then
  fail "bfd-bench peg --nodes 2 succeeded"
fi
[ "$(wc -l <"$work/err")" -eq 1 ] || fail "--nodes 2: expected one line on stderr: $(cat "$work/err")"
if "$bench" peg --nodes 3 --return >"$work/out" 2>"$work/err"; then
  fail "bfd-bench peg --nodes 3 --return succeeded"
fi
grep -q 'not supported' "$work/err" || fail "--nodes 3 --return: no clear error: $(cat "$work/err")"
if "$bench" peg --accounts 1 --sidechains 2 >"$work/out" 2>"$work/err"; then
  fail "bfd-bench peg with fewer accounts than sidechains succeeded"
fi
[ "$(wc -l <"$work/err")" -eq 1 ] || fail "bad --accounts: expected one line on stderr: $(cat "$work/err")"

leftovers=$(find "$work" -maxdepth 1 -name 'bfd-bench-*' | wc -l)
[ "$leftovers" -eq 0 ] || fail "$leftovers temporary data directories left in TMPDIR"

if [ "$failures" -ne 0 ]; then
  echo "bench_peg_test: $failures failure(s)" >&2
  exit 1
fi
echo "bench_peg_test: all checks passed"
