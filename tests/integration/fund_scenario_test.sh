#!/usr/bin/env bash
# The end-to-end fund scenario (tools/scenarios/fund-scenario.sh, docs/fund-lifecycle.md) on a
# fresh `bfd-node --dev` with a free port: every step must run (subscriptions, trades with the
# fund-trading commission, the DApps' rating and legal review with a DApp killed mid-request and
# resumed, the repeated rating query's cache hit rate, bfd-exchange's sweep, redemptions,
# liquidation and cease) and every reconciliation row must be ok: exit code 0, nothing else.
# Usage: fund_scenario_test.sh PATH/TO/bfd-node PATH/TO/bfd-cli DIR/OF/DAPPS
set -u

node_bin=$(realpath "${1:?usage: fund_scenario_test.sh BFD_NODE BFD_CLI DAPP_DIR}")
cli=$(realpath "${2:?usage: fund_scenario_test.sh BFD_NODE BFD_CLI DAPP_DIR}")
dapps=$(realpath "${3:?usage: fund_scenario_test.sh BFD_NODE BFD_CLI DAPP_DIR}")
scenario="$(dirname "$(realpath "$0")")/../../tools/scenarios/fund-scenario.sh"
work=$(mktemp -d /tmp/bfd-fund-scenario-test-XXXXXX)
source "$(dirname "$(realpath "$0")")/dev_node_lib.sh"

started=$SECONDS
start_node --sidechains 6
wait_for 30 at_least main_final 2 || fatal "the dev node did not finalize height 2 within 30 s"
timeout 400 "$scenario" --dev-data "$work/data" --cli "$cli" --dapps "$dapps" --node "$BFD_NODE" --name "scenario fund" \
  >scenario.out 2>scenario.err
rc=$?
grep "^== " scenario.out
sed -n "/^CHAIN/,\$p" scenario.out
rows=$(grep -c '  ok$' scenario.out)
if [ "$rc" -eq 0 ]; then
  grep -q '|MISMATCH\|  MISMATCH$' scenario.out && fail "exit code 0 with a MISMATCH row"
  [ "$rows" -ge 25 ] || fail "only $rows reconciliation rows ok, expected at least 25"
  ok "the scenario ran every step and reconciled: $rows rows ok in $((SECONDS - started)) s"
else
  fail "the scenario ended with exit code $rc: $(tail -3 scenario.out) $(grep 'FAILED' scenario.err | head -3)"
  tail -n 30 scenario.err >&2
fi
finish fund_scenario
