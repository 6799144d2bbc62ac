#!/usr/bin/env bash
# Runs the real `bfd-bench e2e` on a small workload over both paths (mempool actor and HTTP): it
# must finish, print its table and one JSON line whose figures are sane (every transaction final,
# positive throughput, ordered latencies). Correctness only: no rate is asserted.
# Usage: bench_e2e_test.sh PATH/TO/bfd-bench
set -u

bench=$(realpath "${1:?usage: bench_e2e_test.sh PATH/TO/bfd-bench}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# Small enough to finish in seconds on two cores, large enough for several blocks. --delegates 4 is
# the smallest cluster with every category; the timeout bounds a hang well under the ctest limit.
TMPDIR="$work" "$bench" e2e --txs 500 --accounts 50 --delegates 4 --slot-ms 500 --path both \
  --timeout 30 --quiet >"$work/out" 2>"$work/err"
rc=$?
[ "$rc" -eq 0 ] || fail "bfd-bench e2e: exit code $rc, stderr: $(cat "$work/err")"
for row in 'run' 'final tx/s' 'final / raw verify' 'latency p99 ms' 'blocks per slot' 'peak RSS MiB' \
  'refused (mempool)' 'refused (http)'; do
  grep -q "^$row" "$work/out" || fail "no '$row' row in the table: $(cat "$work/out")"
done
json_lines=$(grep -c '^{' "$work/out")
[ "$json_lines" -eq 1 ] || fail "expected one JSON line, got $json_lines"
grep '^{' "$work/out" >"$work/json"
python3 - "$work/json" <<'PY' || fail "the JSON line is not sane: $(cat "$work/json")"
import json, sys
j = json.load(open(sys.argv[1]))
problems = []
def check(cond, what):
    if not cond:
        problems.append(what)
check(j["bench"] == "e2e" and j["txs"] == 500 and j["accounts"] == 50 and j["delegates"] == 4, "header fields")
check(j["raw_verify_per_s"] > 0, "raw_verify_per_s > 0")
runs = j["runs"]
check([r["path"] for r in runs] == ["mempool", "http"], "one mempool run, then one http run")
for r in runs:
    p = r["path"]
    check(r["submitted"] == 500 and r["accepted"] == 500 and r["refused"] == {}, p + ": all 500 accepted")
    check(r["expected_final"] == 500 and r["final"] == 500 and r["complete"] is True, p + ": all 500 final")
    check(r["submit_tps"] > 0 and r["final_tps"] > 0, p + ": positive rates")
    check(r["final_over_raw_verify"] > 0, p + ": positive ratio to raw verify")
    l = r["latency_ms"]
    check(0 < l["p50"] <= l["p90"] <= l["p99"] <= l["max"], p + ": p50 <= p90 <= p99 <= max")
    check(r["blocks"] >= 1 and r["slots"] >= 1 and r["blocks"] >= r["empty_blocks"], p + ": block counts")
    check(sum(c["txs"] for c in r["categories"].values()) >= 500, p + ": category txs cover the workload")
    check(r["cluster"] >= 1 and r["schedule_ceiling_tps"] > 0, p + ": cluster and ceiling")
    check(r["peak_rss_mb"] > 0, p + ": peak RSS")
    check(r["cpu_cores"] > 0, p + ": CPU cores busy")
for what in problems:
    print("  " + what, file=sys.stderr)
sys.exit(1 if problems else 0)
PY
# Nothing of the temporary networks is left behind.
leftovers=$(find "$work" -maxdepth 1 -name 'bfd-bench-*' | wc -l)
[ "$leftovers" -eq 0 ] || fail "$leftovers temporary data directories left in TMPDIR"

# A refused submission strands its sender's later nonces: reported, not waited for. One sender
# whose mempool bound (1,000 pending) is exceeded at once, on the memory store.
TMPDIR="$work" "$bench" e2e --txs 6000 --accounts 1 --delegates 4 --slot-ms 3000 --path mempool --store memory \
  --window 6000 --timeout 30 --quiet --json-only >"$work/out" 2>"$work/err"
rc=$?
[ "$rc" -eq 0 ] || fail "overload run: exit code $rc, stderr: $(cat "$work/err")"
python3 - "$work/out" <<'PY' || fail "overload run: $(cat "$work/out")"
import json, sys
r = json.load(open(sys.argv[1]))["runs"][0]
ok = (r["refused"].get("mempool_full", 0) > 0 and r["accepted"] + sum(r["refused"].values()) == 6000
      and r["final"] == r["expected_final"] and r["expected_final"] <= r["accepted"] and r["complete"])
sys.exit(0 if ok else 1)
PY

# --chains: two rows (1 and 3 sidechains beside the mainchain, one fresh node each). The bench
# checks itself: every accepted transfer final exactly once on its own chain, nothing foreign in a
# chain's blocks, supply unchanged, the accounts' sum down by exactly the fees, nonces = finals.
TMPDIR="$work" "$bench" e2e --chains 1,3 --txs 300 --accounts 30 --delegates 4 --slot-ms 500 --timeout 30 \
  --quiet >"$work/out" 2>"$work/err"
rc=$?
[ "$rc" -eq 0 ] || fail "bfd-bench e2e --chains: exit code $rc, stderr: $(cat "$work/err")"
grep -q '^chains ' "$work/out" || fail "--chains: no header row in the table: $(cat "$work/out")"
grep '^{' "$work/out" >"$work/json"
python3 - "$work/json" <<'PY' || fail "--chains: the JSON line is not consistent: $(cat "$work/json")"
import json, sys
j = json.load(open(sys.argv[1]))
problems = []
def check(cond, what):
    if not cond:
        problems.append(what)
check(j["bench"] == "e2e-chains" and j["txs_per_chain"] == 300 and j["raw_verify_per_s"] > 0, "header fields")
rows = j["rows"]
check([r["sidechains"] for r in rows] == [1, 3], "one row per count, in order")
for r in rows:
    n = r["sidechains"]
    chains = r["chains"]
    check([c["chain"] for c in chains] == list(range(2, 2 + n)), f"{n}: sidechain ids 2..{n + 1}")
    check(r["submitted"] == 300 * n and r["final"] == 300 * n and r["complete"] and r["consistent"], f"{n}: all final, consistent")
    check(r["final_tps"] > 0 and r["final_over_raw_verify"] > 0, f"{n}: positive aggregate rate")
    check(r["mainchain_final_blocks"] >= 1, f"{n}: the mainchain kept finalizing")
    for c in chains:
        w = f"{n}/chain {c['chain']}"
        check(c["accepted"] == 300 and c["final"] == 300 and c["found_once"] == 300, w + ": 300 final, each once")
        check(c["duplicates"] == 0 and c["foreign"] == 0, w + ": no duplicate, nothing of another chain")
        check(c["supply_conserved"] and c["balances_conserved"] and c["nonces_match"], w + ": balances conserved")
        l = c["latency_ms"]
        check(0 < l["p50"] <= l["p90"] <= l["p99"] <= l["max"], w + ": ordered latencies")
    check(sum(c["final"] for c in chains) == r["final"], f"{n}: the aggregate is the sum of the chains")
for what in problems:
    print("  " + what, file=sys.stderr)
sys.exit(1 if problems else 0)
PY
if "$bench" e2e --chains 2 --path http >"$work/out" 2>"$work/err"; then
  fail "bfd-bench e2e --chains 2 --path http succeeded"
fi
grep -q 'not supported' "$work/err" || fail "--chains with --path http: no clear error: $(cat "$work/err")"

"$bench" e2e --help >"$work/out" 2>&1 || fail "bfd-bench e2e --help failed"
for opt in --txs --accounts --delegates --path --concurrency --rate --latency-run --store --threads --chains; do
  grep -q -- "$opt" "$work/out" || fail "bfd-bench e2e --help does not mention $opt"
done
if "$bench" e2e --path carrier-pigeon >"$work/out" 2>"$work/err"; then
  fail "bfd-bench e2e --path carrier-pigeon succeeded"
fi
[ "$(wc -l <"$work/err")" -eq 1 ] || fail "bad --path: expected one line on stderr: $(cat "$work/err")"
"$bench" codec --count 50 --rounds 1 >"$work/out" 2>&1 || fail "bfd-bench codec no longer runs"

if [ "$failures" -ne 0 ]; then
  echo "bench_e2e_test: $failures failure(s)" >&2
  exit 1
fi
echo "bench_e2e_test: all checks passed"
