#!/usr/bin/env bash
# Runs the real `bfd-bench codec` on a small count: it must finish, print its table and one JSON
# line. Correctness only: no timing is asserted.
# Usage: bench_codec_test.sh PATH/TO/bfd-bench
set -u

bench=$(realpath "${1:?usage: bench_codec_test.sh PATH/TO/bfd-bench}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

"$bench" codec --count 200 >"$work/out" 2>"$work/err"
rc=$?
[ "$rc" -eq 0 ] || fail "bfd-bench codec --count 200: exit code $rc, stderr: $(cat "$work/err")"
for row in 'encode' 'decode' 'hash' 'verify' 'apply' 'pipeline, end to end' 'raw Schnorr verify' \
  'pipeline / raw verify'; do
  grep -q "^$row" "$work/out" || fail "no '$row' row in the table: $(cat "$work/out")"
done
json_lines=$(grep -c '^{' "$work/out")
[ "$json_lines" -eq 1 ] || fail "expected one JSON line, got $json_lines"
rate='[1-9][0-9]*'
pattern="^\\{\"bench\":\"codec\",\"count\":200,\"accounts\":[0-9]+,\"rounds\":[0-9]+,\"threads\":1,"
pattern+="\"encode_per_s\":$rate,\"decode_per_s\":$rate,\"hash_per_s\":$rate,\"verify_per_s\":$rate,"
pattern+="\"apply_per_s\":$rate,\"stages_per_s\":$rate,\"pipeline_per_s\":$rate,"
pattern+="\"raw_verify_per_s\":$rate,\"pipeline_over_raw_verify\":[0-9]+(\\.[0-9]+)?\\}$"
grep -qE "$pattern" "$work/out" || fail "the JSON line does not have the expected fields: $(grep '^{' "$work/out")"

"$bench" codec --help >"$work/out" 2>&1 || fail "bfd-bench codec --help failed"
grep -q -- '--count' "$work/out" || fail "bfd-bench codec --help does not mention --count"
if "$bench" codec --count 0 >"$work/out" 2>"$work/err"; then
  fail "bfd-bench codec --count 0 succeeded"
fi
[ "$(wc -l <"$work/err")" -eq 1 ] || fail "--count 0: expected one line on stderr: $(cat "$work/err")"
if "$bench" >"$work/out" 2>"$work/err"; then
  fail "bfd-bench without a subcommand succeeded"
fi

if [ "$failures" -ne 0 ]; then
  echo "bench_codec_test: $failures failure(s)" >&2
  exit 1
fi
echo "bench_codec_test: all checks passed"
