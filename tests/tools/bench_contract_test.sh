#!/usr/bin/env bash
# A small `bfd-bench contract`: the JSON line carries every figure, each positive.
set -euo pipefail
bench=$1
line=$("$bench" contract --calls 200 --deploys 10 --rounds 1 --json-only)
echo "$line"
python3 - "$line" <<'PY'
import json, sys
j = json.loads(sys.argv[1])
for k in ["counter_calls_per_s", "token_calls_per_s", "native_transfers_per_s", "counter_fuel_per_call",
          "token_fuel_per_call", "counter_deploy_us", "token_deploy_us"]:
    assert j[k] > 0, k
assert j["bench"] == "contract" and j["calls"] == 200
print("bench_contract: ok")
PY
if "$bench" contract --examples /nonexistent 2>/dev/null; then echo "a missing examples directory must fail"; exit 1; fi
