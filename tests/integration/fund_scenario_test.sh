#!/usr/bin/env bash
# The end-to-end fund scenario (tools/scenarios/fund-scenario.sh, docs/fund-lifecycle.md) run the
# way the README says, `fund-scenario.sh --start-node`: it starts its own fresh `bfd-node --dev` on
# a free port. Every step must run (subscriptions, trades with the fund-trading commission, the
# DApps' rating and legal review with a DApp killed mid-request and resumed, the repeated rating
# query's cache hit rate, bfd-exchange's sweep, redemptions, liquidation and cease) and every
# reconciliation row must be ok: exit code 0 and no MISMATCH, nothing else passes.
# Usage: fund_scenario_test.sh PATH/TO/bfd-node PATH/TO/bfd-cli DIR/OF/DAPPS
set -u

node_bin=$(realpath "${1:?usage: fund_scenario_test.sh BFD_NODE BFD_CLI DAPP_DIR}")
cli=$(realpath "${2:?usage: fund_scenario_test.sh BFD_NODE BFD_CLI DAPP_DIR}")
dapps=$(realpath "${3:?usage: fund_scenario_test.sh BFD_NODE BFD_CLI DAPP_DIR}")
scenario="$(dirname "$(realpath "$0")")/../../tools/scenarios/fund-scenario.sh"
work=$(mktemp -d /tmp/bfd-fund-scenario-test-XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
[ "$(dirname "$node_bin")" = "$(dirname "$cli")" ] || { echo "FAIL: bfd-node and bfd-cli must be in one directory" >&2; exit 1; }

started=$SECONDS
timeout 400 "$scenario" --start-node --cli "$cli" --dapps "$dapps" --name "scenario fund" >scenario.out 2>scenario.err
rc=$?
grep "^== " scenario.out
sed -n "/^CHAIN/,\$p" scenario.out
rows=$(grep -c '  ok$' scenario.out)
failures=0
if [ "$rc" -ne 0 ]; then
  echo "FAIL: the scenario ended with exit code $rc: $(tail -3 scenario.out)" >&2
  tail -n 30 scenario.err >&2
  failures=1
elif grep -q '  MISMATCH$' scenario.out; then
  echo "FAIL: exit code 0 with a MISMATCH row" >&2
  failures=1
elif [ "$rows" -lt 28 ]; then
  echo "FAIL: only $rows reconciliation rows ok, expected 28" >&2
  failures=1
fi
[ "$failures" -eq 0 ] || exit 1
echo "ok: the scenario ran every step and reconciled: $rows rows ok in $((SECONDS - started)) s"
echo "fund_scenario: all checks passed"
