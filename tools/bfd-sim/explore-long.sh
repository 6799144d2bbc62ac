#!/bin/sh
# explore-long.sh: a long bfd-sim exploration (not part of ctest), niced, for a background run.
# Usage: tools/bfd-sim/explore-long.sh [SEEDS] [START] [OUT] [more bfd-sim explore options]
# Progress goes to OUT/progress.log, the summary to OUT/summary.txt, one row per seed to
# OUT/explore.csv, and each failing seed's scenario to OUT/seed-N.toml.
set -eu
seeds=${1:-1000}
start=${2:-1}
out=${3:-sim-out/explore-long}
[ $# -ge 3 ] && shift 3 || shift $#
bin=${BFD_SIM:-./build/bin/bfd-sim}
mkdir -p "$out"
echo "exploring $seeds seeds from $start into $out (progress: $out/progress.log)"
status=0
nice -n 10 "$bin" explore --seeds "$seeds" --start "$start" --out "$out" "$@" \
  >"$out/summary.txt" 2>"$out/progress.log" || status=$?
cat "$out/summary.txt"
exit $status
