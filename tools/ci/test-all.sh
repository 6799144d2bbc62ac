#!/usr/bin/env bash
# The whole test suite in one script: dependencies, the main build, a bounded fuzzing run of every
# fuzz target, then ctest (its summary is the last thing printed). Run from anywhere in the repo.
# Env: FUZZ_SECONDS (default 20) bounds each fuzzer's run.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
root=$(pwd)
fuzz_seconds=${FUZZ_SECONDS:-20}
fuzz_targets=(fuzz_tx_decode fuzz_header_decode fuzz_block_decode fuzz_text_parsers fuzz_basp_frames fuzz_vote_decode fuzz_registry_decode fuzz_peg_decode fuzz_wasm_load fuzz_signed_request fuzz_fee_expr fuzz_ush_messages fuzz_funds_payloads fuzz_ush_files)
# UndefinedBehaviorSanitizer only reports and carries on by default: make it a crash the fuzzer records.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

step() { printf '\n==> %s\n' "$*"; }

step "dependencies"
bash tools/setup/install-deps.sh

step "main build (build/)"
cmake -S . -B build -G Ninja
cmake --build build -j2

step "fuzz build (build-fuzz/, clang, libFuzzer + ASan + UBSan)"
cmake -S . -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DBFD_FUZZ=ON
cmake --build build-fuzz -j2

step "fuzzing each target for ${fuzz_seconds}s"
fuzz_failures=()
for target in "${fuzz_targets[@]}"; do
  work="$root/build-fuzz/fuzz-run/$target"
  rm -rf "$work"
  mkdir -p "$work/artifacts"
  # A copy of the seeds: the corpus libFuzzer grows stays out of the repository.
  cp -r "tests/fuzz/corpus/$target" "$work/corpus"
  log="$work/fuzz.log"
  if build-fuzz/bin/"$target" -max_total_time="$fuzz_seconds" -timeout=25 -print_final_stats=1 \
      -artifact_prefix="$work/artifacts/" "$work/corpus" >"$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    echo "$target: ok, ${runs:-?} runs, ${rate:-?} exec/s"
  else
    echo "$target: FAILED (log: $log)" >&2
    tail -n 40 "$log" >&2
    shopt -s nullglob
    crashers=("$work"/artifacts/*)
    shopt -u nullglob
    for crasher in "${crashers[@]}"; do
      echo "$target: crasher file: $crasher" >&2
      echo "  reproduce: build-fuzz/bin/$target $crasher   (or build/bin/$target $crasher)" >&2
      echo "  once fixed, add it to tests/fuzz/corpus/$target/ as a regression input" >&2
    done
    fuzz_failures+=("$target")
  fi
done
if [ ${#fuzz_failures[@]} -ne 0 ]; then
  echo "test-all: fuzzers failed: ${fuzz_failures[*]} (crashers listed above); running ctest anyway" >&2
fi

step "ctest (build/)"
ctest_status=0
ctest --test-dir build --output-on-failure -j2 || ctest_status=$?
if [ ${#fuzz_failures[@]} -ne 0 ]; then
  exit 1
fi
exit "$ctest_status"
