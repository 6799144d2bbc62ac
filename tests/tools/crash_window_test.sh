#!/usr/bin/env bash
# Kills a real `bfd-node --dev` at the points between signing and committing, over and over on one
# data directory, and checks that it finalizes again after every restart. Each cycle starts the
# node with the hidden test option `--kill-point SITE:N` (the process exits with code 137 at once,
# as a SIGKILL at that instruction, on the N-th hit of SITE: actors/kill_point.hpp), waits until it
# dies, restarts it without a kill point and requires that it resumes no lower than its last
# commit, that its final height passes the last final height logged before the kill within 10 s,
# and that every delegate of the cluster whose last vote the kill left above the commit (for a
# block the node may no longer have) votes again once the chain moves on; then stops it cleanly.
# `--check-storage` must pass the directory after every kill and every clean stop. Sites and N
# come from a seed printed at the start (CRASH_SEED replays it; CRASH_CYCLES sets the number of
# cycles, 56 by default: 8 a site; CRASH_KEEP=1 keeps the directory of a failed run). About a
# minute; bounded waits throughout.
# Usage: crash_window_test.sh PATH/TO/bfd-node
set -u

node_bin=$(realpath "${1:?usage: crash_window_test.sh BFD_NODE}")
work=$(mktemp -d /tmp/bfd-crash-window-XXXXXX)
node_pid=""
cleanup() {
  if [ -n "$node_pid" ]; then
    kill -9 "$node_pid" 2>/dev/null
    wait "$node_pid" 2>/dev/null
  fi
  if [ "${failures:-0}" -ne 0 ] && [ -n "${CRASH_KEEP:-}" ]; then
    echo "kept $work" >&2
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT
cd "$work" || exit 1

failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

seed=${CRASH_SEED:-$(((RANDOM << 15 | RANDOM) % 1000000))}
cycles=${CRASH_CYCLES:-56}
RANDOM=$seed
echo "crash_window_test: seed $seed, $cycles cycles (rerun with CRASH_SEED=$seed)"

# The kill sites, and the largest N drawn for each: about a second of running for a site hit once
# a block (one or two blocks a slot), as much for one hit by each voter (a cluster of three).
sites=(vote-saved block-saved vote-counted before-commit after-commit before-justification after-justification)
max_n=(24 8 24 8 8 8 8)
declare -A site_cycles site_worst

data="$work/data"
slot_ms=150
# start LOG [ARGS...]: runs the dev node on the data directory in the background (no HTTP).
start() {
  local log=$1
  shift
  "$node_bin" --dev --sidechains 0 --data-dir "$data" --http off --slot-ms $slot_ms --delegates 6 --work-bits 0 "$@" >"$log" 2>&1 &
  node_pid=$!
}

# wait_exit SECONDS: waits (bounded) for the node to exit by itself; exit code in rc, 1 if it did.
wait_exit() {
  local deadline=$((SECONDS + $1))
  while [ $SECONDS -lt $deadline ] && kill -0 "$node_pid" 2>/dev/null; do sleep 0.05; done
  if kill -0 "$node_pid" 2>/dev/null; then
    rc=""
    return 1
  fi
  { wait "$node_pid"; } 2>/dev/null
  rc=$?
  node_pid=""
}

# stop_node: SIGTERM, waits (10 s bound, then SIGKILL); exit code in rc.
stop_node() {
  kill -TERM "$node_pid" 2>/dev/null
  wait_exit 10 || {
    kill -9 "$node_pid" 2>/dev/null
    { wait "$node_pid"; } 2>/dev/null
    rc=timeout
    node_pid=""
  }
}

# finals LOG: every final height the log shows, in order: the one resumed at, then each
# "final #N" line.
finals() {
  sed -n -e 's/.* head #[0-9]* final #\([0-9]*\).*/\1/p' -e 's/.* final #\([0-9]*\) [0-9a-f]* (.*/\1/p' "$1" 2>/dev/null
}

# now_ms: wall time in milliseconds.
now_ms() {
  local t=${EPOCHREALTIME/./}
  echo $((t / 1000))
}

# check_storage WHEN: --check-storage must pass the stopped node's directory (its report stays in
# check.out).
checks=0
check_storage() {
  checks=$((checks + 1))
  if ! "$node_bin" --check-storage --data-dir "$data" >"$work/check.out" 2>&1; then
    fail "$1: --check-storage flags the data directory: $(grep PROBLEM "$work/check.out" | head -n 3)"
    cp -a "$data" "$work/damaged-$checks" 2>/dev/null
  fi
}

# vote_targets: "KEY TARGET" for each delegate's signing record in the last check's report.
vote_targets() {
  sed -n 's/.* delegate \([0-9a-f]*\): .*last vote #[0-9]* -> #\([0-9]*\).*/\1 \2/p' "$work/check.out" | sort
}

# wait_final_above HEIGHT MS: waits (bounded) until the restart log shows a final height above
# HEIGHT; the last one seen in after.
wait_final_above() {
  local until=$(($(now_ms) + $2))
  after=""
  while [ "$(now_ms)" -lt $until ] && kill -0 "$node_pid" 2>/dev/null; do
    after=$(finals "$rlog" | tail -n 1)
    [ -n "$after" ] && [ "$after" -gt "$1" ] && return 0
    sleep 0.05
  done
  return 1
}

worst_ms=0
last_known=0  # the final height the last clean stop left
done_cycles=0
cluster=""    # the cluster's members (8 hex digits each) in the last round logged; empty: not seen yet
revoted=0     # delegates whose last vote the kill left above the commit, and who voted again
worst_what=""
total_start=$SECONDS
offset=$((seed % ${#sites[@]}))
for ((cycle = 1; cycle <= cycles; cycle++)); do
  i=$(((cycle + offset) % ${#sites[@]}))
  site=${sites[$i]}
  n=$((1 + RANDOM % max_n[$i]))
  klog="$work/kill-$cycle.log"
  rlog="$work/restart-$cycle.log"

  # 1. Run until the kill point ends the process (20 s bound).
  start "$klog" --kill-point "$site:$n"
  if ! wait_exit 20; then
    fail "cycle $cycle: $site:$n was not reached within 20 s (seed $seed); log tail: $(tail -n 3 "$klog")"
    stop_node
    continue
  fi
  if [ "$rc" -ne 137 ] || ! grep -q "kill point $site hit" "$klog"; then
    fail "cycle $cycle: $site:$n: the node exited with code $rc, not at the kill point (seed $seed): $(tail -n 3 "$klog")"
    break
  fi
  # The final height before the kill: the last one logged (or, killed before it logged any, the
  # one the previous run stopped at). The last commit is that one, or the one logged before it
  # (logged, then killed before its commit returned).
  before=$( { echo "$last_known"; finals "$klog"; } | tail -n 1)
  committed=$( { echo "$last_known"; finals "$klog"; } | tail -n 2 | head -n 1)
  # The signing records the kill left: a vote above the last commit may be for a block the node
  # no longer has.
  check_storage "cycle $cycle, killed at $site:$n"
  vote_targets >"$work/targets.killed"
  highest_target=$(awk '{print $2}' "$work/targets.killed" | sort -n | tail -n 1)

  # 2. Restart without a kill point: resumed no lower than the last commit, then final past
  # `before` (10 s bound), then on until the chain has moved past every vote the kill left.
  t0=$(now_ms)
  start "$rlog"
  if ! wait_final_above "$before" 10000; then
    fail "cycle $cycle: killed at $site:$n after final #$before; no finality past it within 10 s of the restart" \
      "(final #${after:-?}; seed $seed)"
    { echo "--- the killed run's last lines:"; tail -n 6 "$klog"; echo "--- the restart's warnings and last lines:"
      grep -E 'warn|error|refused|restored' "$rlog" | head -n 5; tail -n 4 "$rlog"; } >&2
    stop_node
    break
  fi
  took=$(($(now_ms) - t0))
  resumed=$(finals "$rlog" | head -n 1)
  if [ -z "$resumed" ] || [ "$resumed" -lt "$committed" ] || [ "$resumed" -gt "$before" ]; then
    fail "cycle $cycle: killed at $site:$n after final #$before (committed #$committed), resumed at final #$resumed"
  fi
  wait_final_above $((${highest_target:-0} + 1)) 10000 ||
    fail "cycle $cycle: killed at $site:$n; final #$after is not past the votes the kill left (#$highest_target)"
  first_after=$(finals "$rlog" | awk -v b="$before" '$1 > b' | head -n 1)
  done_cycles=$((done_cycles + 1))
  site_cycles[$site]=$((${site_cycles[$site]:-0} + 1))
  [ "$took" -gt "${site_worst[$site]:-0}" ] && site_worst[$site]=$took
  if [ "$took" -gt "$worst_ms" ]; then
    worst_ms=$took
    worst_what="cycle $cycle, $site:$n"
  fi

  # 3. A clean stop before the next cycle. Every delegate of the current cluster whose last vote
  # the kill left above the commit (a block the node may have lost) has voted again since.
  stop_node
  [ "$rc" = 0 ] || fail "cycle $cycle: the clean stop after the restart gave exit code $rc"
  last_known=$(finals "$rlog" | tail -n 1)
  check_storage "cycle $cycle, after a clean stop"
  for log in "$klog" "$rlog"; do
    order=$(sed -n 's/.* order:\(.*\)/\1/p' "$log" | tail -n 1)
    [ -n "$order" ] && cluster=$order
  done
  lost=0
  while read -r key target new_target; do
    [ "$target" -gt "$resumed" ] || continue
    [ -z "$cluster" ] || case " $cluster " in *" ${key:0:8} "*) ;; *) continue ;; esac
    lost=$((lost + 1))
    [ "$new_target" -gt "$target" ] ||
      fail "cycle $cycle: killed at $site:$n; delegate ${key:0:8} voted #$target before the kill (resumed at" \
        "final #$resumed) and has not voted again (last vote #$new_target; final #$last_known; seed $seed)"
  done < <(vote_targets | join "$work/targets.killed" -)
  revoted=$((revoted + lost))
  printf 'cycle %2d: %-21s N=%-2d final before #%-4s resumed #%-4s final after restart #%-4s in %5d ms;' \
    "$cycle" "$site" "$n" "$before" "$resumed" "$first_after" "$took"
  printf ' %d vote(s) left above the commit\n' "$lost"
done
check_storage "the end"

sites_hit=0
for site in "${sites[@]}"; do
  [ "${site_cycles[$site]:-0}" -gt 0 ] && sites_hit=$((sites_hit + 1))
  printf '  %-21s %2d cycle(s), worst %5d ms to finalize again\n' "$site" "${site_cycles[$site]:-0}" \
    "${site_worst[$site]:-0}"
done
echo "crash_window_test: seed $seed: $done_cycles of $cycles cycles, $sites_hit of ${#sites[@]} sites," \
  "worst time to finalize again ${worst_ms} ms ($worst_what), $revoted vote(s) left above the" \
  "commit and all voted again, $checks storage checks, $((SECONDS - total_start)) s"
if [ "$failures" -ne 0 ]; then
  echo "crash_window_test: $failures failure(s) (rerun with CRASH_SEED=$seed)" >&2
  exit 1
fi
echo "crash_window_test: all checks passed"
