#!/usr/bin/env bash
# The whole test suite in one script: dependencies, the main build, a bounded fuzzing run of every
# fuzz target, the pure unit tests under ASan + UBSan, then ctest (its summary is the last thing
# printed). Run from anywhere in the repo.
# Env: FUZZ_SECONDS (default 8) bounds each fuzzer's run.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
root=$(pwd)
fuzz_seconds=${FUZZ_SECONDS:-8}
fuzz_targets=(fuzz_tx_decode fuzz_header_decode fuzz_block_decode fuzz_text_parsers fuzz_basp_frames fuzz_vote_decode fuzz_registry_decode fuzz_peg_decode fuzz_wasm_load fuzz_signed_request fuzz_fee_expr fuzz_ush_messages fuzz_funds_payloads fuzz_ush_files fuzz_stored_records fuzz_http_json)
# UndefinedBehaviorSanitizer only reports and carries on by default: make it a crash the fuzzer records.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

step() { printf '\n==> %s (at %d s)\n' "$*" "$SECONDS"; }

step "dependencies"
bash tools/setup/install-deps.sh

# The test suite's builds trade optimisation and debug info for compile time: -O1 without debug
# info compiles in about half the time of the default -O2 -g on this code (CAF's templates), which
# is what keeps a cold CI run under its time limit. The fuzz build keeps line tables, so a
# crasher's stack trace names files and lines. (The README's first command builds build/ with the
# defaults; after this script, build/ keeps these flags in its cache until it is reconfigured:
# benchmark figures want `cmake -S . -B build -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g -DNDEBUG"`.)
step "main build (build/, -O1)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -DNDEBUG"
cmake --build build -j2

step "fuzz build (build-fuzz/, clang -O1, libFuzzer + ASan + UBSan; the fuzz targets and the pure unit tests)"
cmake -S . -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DBFD_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only -DNDEBUG"
cmake --build build-fuzz -j2

step "fuzzing each target for ${fuzz_seconds}s, two at a time"
# fuzz_one TARGET: runs one fuzzer; its report goes to build-fuzz/fuzz-run/TARGET/report and the
# exit status says whether it passed.
fuzz_one() {
  local target=$1
  local work="$root/build-fuzz/fuzz-run/$target"
  rm -rf "$work"
  mkdir -p "$work/artifacts"
  # A copy of the seeds: the corpus libFuzzer grows stays out of the repository.
  cp -r "tests/fuzz/corpus/$target" "$work/corpus"
  local log="$work/fuzz.log" report="$work/report"
  if build-fuzz/bin/"$target" -max_total_time="$fuzz_seconds" -timeout=25 -print_final_stats=1 \
      -artifact_prefix="$work/artifacts/" "$work/corpus" >"$log" 2>&1; then
    local runs rate
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    echo "$target: ok, ${runs:-?} runs, ${rate:-?} exec/s" >"$report"
    return 0
  fi
  {
    echo "$target: FAILED (log: $log)"
    tail -n 40 "$log"
    local crasher
    for crasher in "$work"/artifacts/*; do
      [ -e "$crasher" ] || continue
      echo "$target: crasher file: $crasher"
      echo "  reproduce: build-fuzz/bin/$target $crasher   (or build/bin/$target $crasher)"
      echo "  once fixed, add it to tests/fuzz/corpus/$target/ as a regression input"
    done
  } >"$report"
  return 1
}
fuzz_failures=()
declare -A fuzz_pid=()
for target in "${fuzz_targets[@]}"; do
  # At most two fuzzers at once: the machine has two cores.
  while [ "$(jobs -rp | wc -l)" -ge 2 ]; do wait -n || true; done
  fuzz_one "$target" &
  fuzz_pid[$target]=$!
done
for target in "${fuzz_targets[@]}"; do
  if wait "${fuzz_pid[$target]}"; then
    cat "$root/build-fuzz/fuzz-run/$target/report"
  else
    cat "$root/build-fuzz/fuzz-run/$target/report" >&2
    fuzz_failures+=("$target")
  fi
done
if [ ${#fuzz_failures[@]} -ne 0 ]; then
  echo "test-all: fuzzers failed: ${fuzz_failures[*]} (crashers listed above); running ctest anyway" >&2
fi

# The unit tests of the layers the fuzz build compiles (chains/, its RocksDB adapter, protocols/)
# under AddressSanitizer and UndefinedBehaviorSanitizer: the label sanitize in build-fuzz/
# (tests/CMakeLists.txt says which). The actor, HTTP and integration tests run in build/ only.
step "unit tests under ASan + UBSan (build-fuzz/, ctest -L sanitize)"
sanitize_status=0
ctest --test-dir build-fuzz -L sanitize --output-on-failure -j2 || sanitize_status=$?

step "ctest (build/)"
ctest_status=0
ctest --test-dir build --output-on-failure -j2 || ctest_status=$?
if [ ${#fuzz_failures[@]} -ne 0 ] || [ "$sanitize_status" -ne 0 ]; then
  [ "$sanitize_status" -ne 0 ] && echo "test-all: unit tests failed under the sanitizers (build-fuzz/, see above)" >&2
  exit 1
fi
exit "$ctest_status"
