#!/usr/bin/env bash
# The end-to-end fund scenario (issue 15 item 6, docs/fund-lifecycle.md "The scenario") against a
# running `bfd-node --dev` (with at least --sidechains 6): a floating-rate fund is created, raises,
# three investors subscribe, trades pay the fund-trading commission, a rating and a legal review
# are requested through the DApps (the legal DApp killed with SIGKILL mid-request and resumed),
# the fund exchange sweeps the platform's share to the mainchain, the holders redeem, the fund is
# liquidated and ceased, and balances and commissions are reconciled on every chain.
#
# Each step is one function below with the exact commands it runs. It prints a reconciliation
# table (chain, check, expected, actual, verdict) computed from the chains' own answers.
#
# Usage: tools/scenarios/fund-scenario.sh --start-node [--cli PATH] [--dapps DIR] [--name NAME]
#        tools/scenarios/fund-scenario.sh [--dev-data DIR] [--cli PATH] [--dapps DIR] [--node URL] [--name NAME]
#   --start-node  start a fresh `bfd-node --dev --sidechains 6` (bfd-cli's directory; 6 delegates,
#               300 ms slots, no work) on a free port with a temporary data directory, run the
#               scenario against it, stop it (the one command in the README)
#   --dev-data  the running node's data directory (default bfd-data): the dev keys and genesis
#   --cli       bfd-cli (default build/bin/bfd-cli beside this repository)
#   --dapps     where bfd-exchange, bfd-rating and bfd-legal are (default: bfd-cli's directory)
#   --node      the node's HTTP API (default $BFD_NODE or http://127.0.0.1:8645)
#   --name      the fund's name (default "scenario fund <unix time>": a new fund per run)
# Exit codes: 0 every step done and every row ok; 1 a step failed or a row is MISMATCH.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
data=bfd-data
cli="$here/build/bin/bfd-cli"
dapps=""
start_node=0
node="${BFD_NODE:-http://127.0.0.1:8645}"
name="scenario fund $(date +%s)"
while [ $# -gt 0 ]; do
  case "$1" in
    --dev-data) data=$2; shift 2 ;;
    --cli) cli=$2; shift 2 ;;
    --dapps) dapps=$2; shift 2 ;;
    --start-node) start_node=1; shift ;;
    --node) node=$2; shift 2 ;;
    --name) name=$2; shift 2 ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "fund-scenario: unknown argument $1 (see --help)" >&2; exit 1 ;;
  esac
done
work=$(mktemp -d /tmp/bfd-fund-scenario-XXXXXX)
node_pid=""
stop_started_node() {
  [ -n "$node_pid" ] || return 0
  kill "$node_pid" 2>/dev/null
  for _ in $(seq 50); do kill -0 "$node_pid" 2>/dev/null || break; sleep 0.2; done
  kill -9 "$node_pid" 2>/dev/null
  wait "$node_pid" 2>/dev/null
  node_pid=""
}
trap 'stop_started_node; rm -rf "$work"' EXIT
[ -x "$cli" ] || { echo "fund-scenario: no bfd-cli at $cli (build first, or --cli)" >&2; exit 1; }
[ -n "$dapps" ] || dapps=$(dirname "$cli")
for d in exchange rating legal; do
  [ -x "$dapps/bfd-$d" ] || { echo "fund-scenario: no bfd-$d in $dapps (build the DApps, or --dapps)" >&2; exit 1; }
done
if [ "$start_node" = 1 ]; then
  node_bin="$(dirname "$cli")/bfd-node"
  [ -x "$node_bin" ] || { echo "fund-scenario: no bfd-node beside $cli" >&2; exit 1; }
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  data="$work/node-data"
  node="http://127.0.0.1:$port"
  "$node_bin" --dev --data-dir "$data" --http "127.0.0.1:$port" --slot-ms 300 --delegates 6 --work-bits 0 \
    --sidechains 6 >"$work/node.log" 2>&1 &
  node_pid=$!
  echo "fund-scenario: started bfd-node --dev (pid $node_pid, $node, log $work/node.log)"
  up=0
  for _ in $(seq 120); do
    h=$(curl -s --max-time 5 "$node/v1/info" | python3 -c "import json,sys
try: print(json.load(sys.stdin)['final']['height'])
except Exception: print(0)")
    [ "${h:-0}" -ge 2 ] && { up=1; break; }
    kill -0 "$node_pid" 2>/dev/null || break
    sleep 0.5
  done
  [ "$up" = 1 ] || { echo "fund-scenario: the node did not finalize height 2 within 60 s" >&2; tail -20 "$work/node.log" >&2; exit 1; }
fi
export BFD_NODE="$node"
keys="$data/keys"
[ -f "$keys/registry.json" ] || { echo "fund-scenario: $keys/registry.json missing: --dev-data is the bfd-node --dev data directory" >&2; exit 1; }

failed=()   # steps that failed
rows=()     # reconciliation rows: "chain|what|expected|actual|verdict"

say() { printf '\n== [%s s] %s\n' "$SECONDS" "$*"; }
info() { printf '   %s\n' "$*"; }
# cli ARGS...: bfd-cli with stdout in $work/out and stderr in $work/err; rc in $rc.
cli() { timeout 300 "$cli" "$@" >"$work/out" 2>"$work/err"; rc=$?; }
field() { sed -n "s/^$1: //p" "$work/out" | tail -1; }
must() { # must WHAT: records a failed implemented step when the last cli call failed
  if [ "$rc" -ne 0 ]; then
    echo "   FAILED: $1: $(grep '^bfd-cli' "$work/err" | tail -1)" >&2
    failed+=("$1")
    return 1
  fi
  return 0
}
get() { curl -s --max-time 10 "$node$1"; }
jq_py() { python3 -c "import json,sys
try:
  j = json.load(sys.stdin); print($1)
except Exception:
  print('')"; }
addr() { "$cli" key show "$1" | sed -n 's/^address: //p'; }

founder_key="$keys/account-01.json"
treasury_key="$keys/account-02.json"
investor_keys=("$keys/account-03.json" "$keys/account-04.json" "$keys/account-05.json")
founder=$(addr "$founder_key")
treasury=$(addr "$treasury_key")
investors=()
for k in "${investor_keys[@]}"; do investors+=("$(addr "$k")"); done
operator_key="$keys/account-06.json"  # the DApps' operator; the fund exchange's sweeper
platform_key="$keys/account-07.json"  # the platform's mainchain account (receives the swept BFDT)
operator=$(addr "$operator_key")
platform=$(addr "$platform_key")
buy=100   # BFDT each investor pegs onto the fund chain and subscribes
unit=100000000
fund=""

step_template() {
  say "1. the fund contract's template on the ecosystem chain (7)"
  cli contract publish --chain 7 --key "$keys/account-00.json" --name fund-token --code "$here/contracts/examples/token.wasm" \
    --param symbol:bytes --param rate:amount --entry init --entry send --entry balance --entry redeem
  template=$(field template)
  if [ "$rc" -ne 0 ] && ! grep -q template_exists "$work/err"; then must "publish the template"; return 1; fi
  info "template $template"
}

step_create() {
  say "2. create the floating-rate fund: bfd-cli fund create"
  cat >"$work/app.toml" <<EOF
[fund]
name = "$name"
anchor_interval = 4
[organisation]
name = "Scenario Capital"
documents_uri = "https://example.org/scenario"
[token]
symbol = "SCF"
founder_allocation = 1000000
treasury = "$treasury"
treasury_allocation = 500000
[raise]
target = 200
min = 100
max = 1000
deadline_blocks = 5000
rate_mode = "floating"
rate = "1"
[contract]
template = "$template"
params = ["bytes:534346", "amount:1"]
init_args = ["i64:1000000"]
fuel = 20000
[validators]
count = 3
EOF
  cli fund create --application "$work/app.toml" --key "$founder_key" --registry-key "$keys/registry.json" \
    --dev-data "$data" --state "$work/app.state.json"
  must "fund create" || return 1
  fund=$(field chain)
  info "fund chain $fund, contract $(field contract), status $(field status)"
}

step_investors() {
  say "3. raise: three investors become members with trade permission (founder: write, then grants)"
  cli acl grant --chain "$fund" --key "$founder_key" --scope "sidechain:$fund" --account "$founder" --permissions write
  must "grant the founder write" || return 1
  for i in 0 1 2; do
    local key
    key=$("$cli" key show "${investor_keys[$i]}" | sed -n 's/^public_key: //p')
    cli ds member-add --chain "$fund" --key "$founder_key" --account "${investors[$i]}" --member-key "$key" --level 1
    must "member-add investor $((i + 1))" || return 1
    cli acl grant --chain "$fund" --key "$founder_key" --scope "sidechain:$fund" --account "${investors[$i]}" --permissions trade
    must "grant trade to investor $((i + 1))" || return 1
    # Fees on the fund chain are paid in its token, which moves by the funds module's kinds only
    # (a plain transfer of it is refused once the fund has terms): investors send with fee 0.
  done
  info "3 members with trade on sidechain:$fund"
}

start_balances=()
step_buy() {
  say "4. three investors buy: peg BFDT in, then subscribe (bfd-cli fund subscribe)"
  for i in 0 1 2; do
    start_balances[$i]=$(get "/v1/accounts/${investors[$i]}" | jq_py "j['balance_units']")
  done
  for i in 0 1 2; do
    cli peg send --to-chain "$fund" --to "${investors[$i]}" --amount "$buy" --key "${investor_keys[$i]}"
    must "peg $buy BFDT in for investor $((i + 1))" || return 1
    info "investor $((i + 1)): $buy BFDT pegged onto chain $fund ($(field message) delivered)"
  done
  for i in 0 1 2; do
    # `peg send` returned once the message was delivered: its acknowledgement proves the vouchers
    # are in a final block of the fund chain.
    cli fund subscribe --chain "$fund" --key "${investor_keys[$i]}" --value "$buy"
    must "investor $((i + 1)) subscribes $buy BFDT" || return 1
    info "investor $((i + 1)) subscribed $buy BFDT: $(token_balance "${investors[$i]}") SCF units"
  done
  # The raise's issuance record (DS metadata, a peg operation from the mainchain): what the
  # subscriptions bought at the fund's rate (1 BFDT per SCF here).
  cli ds send ds_issue --value $((3 * buy)) --chain "$fund" --key "$founder_key"
  must "ds_issue of the raise" && info "issuance of $((3 * buy)) SCF adopted by chain $fund"
}

# commission UNITS: the fund-trading commission of a trade (funds::params: 30 bps, rounded up).
commission() { echo $(( ($1 * 30 + 9999) / 10000 )); }
org_share() { echo $(( $(commission "$1") * 5000 / 10000 )); }
org_expected=0
platform_expected=0
declare -a expected_tokens
step_trades() {
  say "5. trades pay the fund-trading commission (organisation's half at once, platform's half pending)"
  founder_before_trades=$(token_balance "$founder")
  for i in 0 1 2; do expected_tokens[$i]=$((buy * unit)); done
  local trades=("0 1 20" "2 0 10") t s b n units c
  for t in "${trades[@]}"; do
    read -r s b n <<<"$t"
    units=$((n * unit))
    cli fund trade --chain "$fund" --key "${investor_keys[$s]}" --buyer "${investors[$b]}" --tokens "$n"
    must "investor $((s + 1)) sells $n SCF to investor $((b + 1))" || return 1
    c=$(commission $units)
    org_expected=$((org_expected + $(org_share $units)))
    platform_expected=$((platform_expected + c - $(org_share $units)))
    expected_tokens[$s]=$((expected_tokens[$s] - units))
    expected_tokens[$b]=$((expected_tokens[$b] + units - c))
    info "investor $((s + 1)) sold $n SCF to investor $((b + 1)): commission $c units (organisation $(org_share $units))"
  done
  info "pending for the platform: $(get "/v1/chains/$fund/funds" | jq_py "j['pending_platform_units']") units"
}

# dapp NAME ARGS...: runs bfd-NAME with --json, stdout in $work/out, stderr in $work/err, code in $rc.
dapp() {
  local name=$1
  shift
  timeout 300 "$dapps/bfd-$name" "$@" --json >"$work/out" 2>"$work/err"
  rc=$?
}
dapp_must() { # dapp_must WHAT: like must, for a DApp command
  if [ "$rc" -ne 0 ]; then
    echo "   FAILED: $1: $(tail -1 "$work/err")" >&2
    failed+=("$1")
    return 1
  fi
  return 0
}
js() { jq_py "$1" <"$work/out"; }
usage_count() { # usage_count RID: entries of the fund chain's usage history with that request id
  local hex
  hex=$(printf '%s' "$1" | od -An -tx1 | tr -d ' \n')
  get "/v1/chains/$fund/ds/usage" | jq_py "sum(1 for u in j['usage'] if u.get('request') == '$hex')"
}

service_owner=""
declare -A commission_paid commission_expected
step_services() {
  say "6. the DApps: fund exchange, rating (chain 3) and legal review (chain 4), with their commissions"
  export BFD_DAPP_DIR="$work/dapps"
  service_owner=$(addr "$keys/registry.json")
  # The operator acknowledges requests, records their usage on the fund chain and sweeps the
  # platform's share: the fund's admin grants it read and write on the fund, write on service 1.
  cli acl grant --chain "$fund" --key "$founder_key" --scope "sidechain:$fund" --account "$operator" --permissions read,write
  must "grant the operator read and write on the fund" || return 1
  cli acl grant --chain "$fund" --key "$founder_key" --scope service:1 --account "$operator" --permissions write
  must "grant the operator write on service 1 (the sweep)" || return 1
  local d
  for d in exchange rating legal; do
    dapp "$d" install --key "$keys/registry.json" --publisher "$keys/account-00.json" --operator "$operator" \
      --reader "${investors[0]}"
    dapp_must "bfd-$d install" || return 1
    info "bfd-$d: service $(js "j['service']"), contract $(js "j['contract']") ($(js "j.get('installed', 'new')"))"
  done

  # The rating: requested by investor 1 (a member), commission 2.5% of the 10 FRT price to the owner.
  local before rid_r=scenario-$fund-rating rid_l=scenario-$fund-legal
  before=$(chain_balance "$service_owner" 3)
  dapp rating request --fund "$fund" --request-id "$rid_r" --key "${investor_keys[0]}" --operator-key "$operator_key" \
    --note "annual rating of chain $fund"
  dapp_must "bfd-rating request" || return 1
  commission_paid[3]=$(( $(chain_balance "$service_owner" 3) - before ))
  commission_expected[3]=25000000
  rating_usage=$(usage_count "$rid_r")
  info "rating $rid_r: $(js "j['stage']"), commission $(js "j.get('commission')") units on chain 3"
  dapp rating publish --request-id "$rid_r" --operator-key "$operator_key" --rating AA
  dapp_must "bfd-rating publish" || return 1

  # The legal review, with the DApp killed (SIGKILL) after the contract committed the request and
  # before the usage record: `resume` finishes it; the chains must show it committed exactly once.
  before=$(chain_balance "$service_owner" 4)
  BFD_DAPP_PAUSE_AT=called timeout 300 "$dapps/bfd-legal" review --fund "$fund" --request-id "$rid_l" \
    --key "${investor_keys[0]}" --operator-key "$operator_key" --document "prospectus of chain $fund" --json \
    >"$work/legal.out" 2>"$work/legal.err" &
  local pid=$!
  if ! wait_until 90 grep -q 'paused at called' "$work/legal.err"; then
    kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
    fail_step "bfd-legal review never reached its pause point: $(tail -1 "$work/legal.err")"
    return 1
  fi
  kill -9 "$pid"; wait "$pid" 2>/dev/null
  legal_usage_at_kill=$(usage_count "$rid_l")
  info "bfd-legal killed (SIGKILL) after its contract call committed; usage records then: $legal_usage_at_kill"
  dapp legal resume --operator-key "$operator_key"
  dapp_must "bfd-legal resume" || return 1
  dapp legal review --fund "$fund" --request-id "$rid_l" --key "${investor_keys[0]}" --operator-key "$operator_key" \
    --document "prospectus of chain $fund"
  dapp_must "bfd-legal review again (a retry)" || return 1
  legal_retry=$(js "j.get('already_committed')")
  commission_paid[4]=$(( $(chain_balance "$service_owner" 4) - before ))
  commission_expected[4]=50000000
  legal_usage=$(usage_count "$rid_l")
  dapp legal show --request-id "$rid_l" --key "$operator_key"
  legal_status=$(js "j['status']")
  info "legal $rid_l resumed: status $legal_status, usage records $legal_usage, retry already committed: $legal_retry"
  dapp legal result --request-id "$rid_l" --operator-key "$operator_key" --verdict compliant
  dapp_must "bfd-legal result" || return 1
}

# The repeated rating query (issue 15: a cache hit rate above 90%): `bfd-rating show --fund`
# reads the registry (service, resolve) and the contract's state (a signed read) through the
# node's read cache; the hit rate is the change of /metrics' bfd_cache_requests_total over the runs.
cache_hits=""
cache_total=""
step_rating_query() {
  say "7. the repeated rating query through bfd-rating, hit rate from /metrics"
  local h0 m0 h1 m1 i
  read -r h0 m0 < <(cache_counts)
  for i in $(seq 20); do
    dapp rating show --fund "$fund" --key "$operator_key"
    if [ "$rc" -ne 0 ] || [ "$(js "j['answer']")" != AA ]; then
      fail_step "bfd-rating show --fund $fund (run $i): $(tail -1 "$work/err") $(cat "$work/out")"
      return 1
    fi
  done
  read -r h1 m1 < <(cache_counts)
  cache_hits=$((h1 - h0))
  cache_total=$((h1 - h0 + m1 - m0))
  info "20 runs of bfd-rating show --fund $fund: $cache_hits of $cache_total cache lookups were hits"
}
# cache_counts: "HITS MISSES" summed over the caches in /metrics.
cache_counts() {
  get /metrics | awk '/^bfd_cache_requests_total\{/ { if ($1 ~ /result="hit"/) h += $2; else if ($1 ~ /result="miss"/) m += $2 }
    END { printf "%d %d\n", h, m }'
}

swept_bfdt=""
platform_before=""
step_sweep() {
  say "8. the fund exchange sweeps the platform's share to the platform's mainchain account (bfd-exchange sweep)"
  platform_before=$(get "/v1/accounts/$platform" | jq_py "j['balance_units']")
  # Only the fund exchange may sweep (write on service:1 on the fund chain): an investor's key is refused.
  dapp exchange sweep --fund "$fund" --operator-key "${investor_keys[0]}" --platform "$platform"
  sweep_refusal="$rc $(js "[f.get('reason') for f in j['sweeps'] if f['chain'] == $fund][0]")"
  info "a sweep signed by investor 1: exit $sweep_refusal"
  dapp exchange sweep --fund "$fund" --operator-key "$operator_key" --platform "$platform"
  dapp_must "bfd-exchange sweep" || return 1
  swept_bfdt=$(js "[f['swept_bfdt_units'] for f in j['sweeps'] if f['chain'] == $fund][0]")
  info "swept $(js "[f['swept_units'] for f in j['sweeps'] if f['chain'] == $fund][0]") SCF units as $swept_bfdt BFDT units, message $(js "[f.get('message') for f in j['sweeps'] if f['chain'] == $fund][0]")"
  wait_until 90 balance_at_least "$platform" $((platform_before + ${swept_bfdt:-1})) ||
    fail_step "the swept BFDT did not reach the platform's mainchain account within 90 s"
}

founder_redeemed=""
step_liquidate() {
  say "9. liquidation: holders redeem (bfd-cli fund redeem), BFDT returns over the peg, the chain is ceased"
  cli ds send ds_liquidate --phase start --chain "$fund" --key "$founder_key"
  must "ds_liquidate start" || return 1
  wait_until 60 ds_status_is liquidating || { fail_step "chain $fund did not start liquidating within 60 s"; return 1; }
  local i tokens
  for i in 0 1 2; do
    tokens=$(token_balance "${investors[$i]}")
    cli fund redeem --chain "$fund" --key "${investor_keys[$i]}" --tokens "${tokens}u"
    must "investor $((i + 1)) redeems $tokens SCF units" || return 1
  done
  # What is left redeemable is the organisation's commission (the genesis allocation is not
  # backed): the founder redeems exactly that, which empties the escrow.
  founder_redeemed=$(get "/v1/chains/$fund/funds" | jq_py "j['redeemable_units']")
  if [ "${founder_redeemed:-0}" -gt 0 ]; then
    cli fund redeem --chain "$fund" --key "$founder_key" --tokens "${founder_redeemed}u"
    must "the founder redeems its $founder_redeemed commission units" || return 1
  fi
  info "redeemed: investors all their SCF, the founder $founder_redeemed units (its commission)"
  local who key v
  for i in 0 1 2 3; do
    if [ "$i" -lt 3 ]; then who=${investors[$i]}; key=${investor_keys[$i]}; else who=$founder; key=$founder_key; fi
    v=$(vouchers_of "$who")
    [ "${v:-0}" -gt 0 ] || continue
    cli peg send --chain "$fund" --to-chain 1 --to "$who" --amount "${v}u" --denom peg/1/BFDT --fee 0 --key "$key"
    must "peg $v BFDT units back out for $who" || return 1
  done
  info "every voucher pegged back to the mainchain"
  cli fund liquidate --chain "$fund" --key "$founder_key" --registry-key "$keys/registry.json" --wait-blocks 2
  must "fund liquidate" || return 1
  info "chain $fund $(field sidechain_status) at mainchain height $(field ceased_height), DS $(field ds_status)"
}

# wait_until SECONDS COMMAND...: runs COMMAND every 0.5 s until it succeeds; fails after SECONDS.
wait_until() {
  local deadline=$((SECONDS + $1))
  shift
  while [ $SECONDS -lt $deadline ]; do
    "$@" && return 0
    sleep 0.5
  done
  return 1
}
fail_step() { echo "   FAILED: $1" >&2; failed+=("$1"); }
token_balance() { get "/v1/chains/$fund/accounts/$1" | jq_py "j['balance_units']"; }
chain_balance() { get "/v1/chains/$2/accounts/$1" | jq_py "j['balance_units']"; }
vouchers_of() { get "/v1/chains/$fund/funds/holders" | jq_py "sum(h['bfdt_vouchers_units'] for h in j['holders'] if h['account'] == '$1')"; }
balance_at_least() { local b; b=$(get "/v1/accounts/$1" | jq_py "j['balance_units']"); [[ "$b" =~ ^[0-9]+$ ]] && [ "$b" -ge "$2" ]; }
ds_status_is() { [ "$(get "/v1/chains/$fund/ds" | jq_py "j['status']")" = "$1" ]; }
# in_flight_between A B: messages A sent to B still in flight on A (GET /v1/chains/A/peg).
in_flight_between() { get "/v1/chains/$1/peg" | jq_py "sum(e['count'] for e in j['in_flight_by_destination'] if e['chain'] == $2)"; }
peg_idle() { [ "$(in_flight_between 1 "$fund")" = 0 ] && [ "$(in_flight_between "$fund" 1)" = 0 ]; }

row() { rows+=("$1|$2|$3|$4|$5"); }
check_eq() { [ "$3" = "$4" ] && row "$1" "$2" "$3" "$4" ok || row "$1" "$2" "$3" "$4" MISMATCH; }

step_reconcile() {
  say "10. reconciliation"
  [ -n "$fund" ] || { row "-" "no fund chain" "-" "-" MISMATCH; return; }
  # A peg message whose acknowledgement is still on its way (the last commit notice, the last
  # transfer home) shows as in flight on its source for a few blocks: wait for both sides.
  wait_until 60 peg_idle || info "peg messages still in flight between 1 and $fund after 60 s"
  local main_peg side_peg escrow vouchers
  main_peg=$(get /v1/chains/1/peg)
  side_peg=$(get "/v1/chains/$fund/peg")
  escrow=$(echo "$main_peg" | jq_py "sum(e['value_units'] for e in j['escrows'] if e['counterparty'] == $fund and e['denom'] == 'BFDT')")
  vouchers=$(echo "$side_peg" | jq_py "sum(v['supply_units'] for v in j['vouchers'] if v['denom'] == 'peg/1/BFDT')")
  check_eq "1 <-> $fund" "BFDT escrowed on 1 for $fund = peg/1/BFDT supply on $fund" "$vouchers" "$escrow"
  check_eq "1, $fund" "peg messages in flight (1 to $fund / $fund to 1)" "0 / 0" \
    "$(in_flight_between 1 "$fund") / $(in_flight_between "$fund" 1)"
  check_eq "1" "escrow left for the ceased chain $fund" "0" "$escrow"
  local gauge
  gauge=$(get /metrics | sed -n "s/^bfd_peg_conservation_ok{pair=\"1-$fund\"} //p")
  [ -n "$gauge" ] && check_eq "1 <-> $fund" "bfd_peg_conservation_ok (node's own check)" "1" "$gauge" ||
    row "1 <-> $fund" "bfd_peg_conservation_ok" "1" "(no bridge gauge)" "MISMATCH"

  # The fund-trading commission, computed here from the trades (30 bps rounded up, half each).
  local fsum
  fsum=$(get "/v1/chains/$fund/funds")
  check_eq "$fund" "organisation's commission (SCF units) = sum of half-commissions" "$org_expected" \
    "$(( ${founder_after_trades:-0} - ${founder_before_trades:-0} ))"
  check_eq "$fund" "funds module's organisation commission" "$org_expected" "$(echo "$fsum" | jq_py "j['commission_org_units']")"
  check_eq "$fund" "platform's commission swept (SCF units)" "$platform_expected" "$(echo "$fsum" | jq_py "j['platform_swept_units']")"
  # Floating rate 1 (ds_raise) and an escrow that backs the redeemable supply 1:1: the sweep pays
  # one BFDT unit per pending fund unit.
  check_eq "$fund" "a sweep without write on service:1: exit code, reason" "1 access_denied" "${sweep_refusal:-}"
  check_eq "1" "platform's mainchain BFDT increase = swept SCF at rate 1" "$platform_expected" \
    "$(( $(get "/v1/accounts/$platform" | jq_py "j['balance_units']") - ${platform_before:-0} ))"
  for i in 0 1 2; do
    check_eq "$fund" "investor $((i + 1)) SCF after the trades" "${expected_tokens[$i]:-?}" "${tokens_after_trades[$i]:-}"
  done

  # The service commissions, on the services' chains, to the owner (keys/registry.json).
  check_eq "3" "rating commission to the service owner (2.5% of 10 FRT)" "${commission_expected[3]:-25000000}" "${commission_paid[3]:-}"
  check_eq "4" "legal review commission to the service owner (fixed 0.5 LGL)" "${commission_expected[4]:-50000000}" "${commission_paid[4]:-}"
  check_eq "$fund" "usage records of the rating request" "1" "${rating_usage:-}"
  check_eq "4, $fund" "legal review, DApp killed mid-request: usage records at kill / after" "0 / 1" \
    "${legal_usage_at_kill:-} / ${legal_usage:-}"
  check_eq "4" "legal review after resume: contract status / retry already committed" "acknowledged / True" \
    "${legal_status:-} / ${legal_retry:-}"
  local rate="-"
  [ -n "$cache_total" ] && [ "$cache_total" -gt 0 ] && rate=$(python3 -c "print(f'{$cache_hits / $cache_total:.3f}')")
  if [ "$rate" != "-" ] && python3 -c "import sys; sys.exit(0 if $rate > 0.9 else 1)"; then
    row "1, 3" "cache hit rate of 20 repeated bfd-rating show ($cache_hits/$cache_total)" "> 0.9" "$rate" ok
  else
    row "1, 3" "cache hit rate of 20 repeated bfd-rating show (${cache_hits:-?}/${cache_total:-?})" "> 0.9" "$rate" MISMATCH
  fi

  # Redemption: every investor holds no fund token; nothing is redeemable; the escrow is empty.
  for i in 0 1 2; do
    check_eq "$fund" "investor $((i + 1)) SCF after redemption" "0" "$(token_balance "${investors[$i]}")"
  done
  check_eq "$fund" "redeemable fund tokens / escrow (BFDT units) after redemption" "0 / 0" \
    "$(echo "$fsum" | jq_py "j['redeemable_units']") / $(echo "$fsum" | jq_py "j['escrow_units']")"
  check_eq "$fund" "funds module's own reconciliation" "True []" \
    "$(echo "$fsum" | jq_py "str(j['reconciled']) + ' ' + json.dumps(j['problems'])")"
  # Investors: the 100 BFDT each subscribed came back as its tokens at rate 1; only the peg send's
  # mainchain fee was spent (the fund chain's sends paid fee 0).
  for i in 0 1 2; do
    local bal
    bal=$(get "/v1/accounts/${investors[$i]}" | jq_py "j['balance_units']")
    check_eq "1" "investor $((i + 1)) BFDT = start - peg fee - $buy + SCF after the trades" \
      "$(( ${start_balances[$i]:-0} - 10000 - buy * unit + ${expected_tokens[$i]:-0} ))" "$bal"
  done
  # The fund token: the supply is held by the known holders and the fee recipients.
  local supply held
  supply=$(get "/v1/chains/$fund/info" | jq_py "j['total_supply_units']")
  held=0
  for a in "$founder" "$treasury" "${investors[@]}" "$operator" "$(echo "$fsum" | jq_py "j['platform_pending_account']")"; do
    local b
    b=$(get "/v1/chains/$fund/accounts/$a" | jq_py "j['balance_units'] + j.get('locked_units', 0)")
    held=$((held + ${b:-0}))
  done
  local vms
  vms=$(get "/v1/chains/$fund/delegates" | jq_py "' '.join(d['address'] for d in j['delegates'])")
  # Validators: their balances (the fees they earned) and their bids (locked at genesis beside
  # the allocations, part of the supply).
  for a in $vms; do
    local b
    b=$(get "/v1/chains/$fund/accounts/$a" | jq_py "j['balance_units']")
    held=$((held + ${b:-0}))
  done
  local bids
  bids=$(get "/v1/chains/$fund/delegates" | jq_py "sum(d['bid_units'] + d['votes_units'] for d in j['delegates'])")
  held=$((held + ${bids:-0}))
  check_eq "$fund" "SCF supply = founder + treasury + investors + validators (fees, bids)" "$supply" "$held"
  local issued
  issued=$(get "/v1/chains/$fund/ds" | jq_py "j['issued_units']")
  check_eq "$fund" "DS issued (the raise's issuance record)" "$((3 * buy * 100000000))" "$issued"
}

print_table() {
  printf '\n%-10s  %-72s  %22s  %22s  %s\n' CHAIN CHECK EXPECTED ACTUAL VERDICT
  local r
  for r in "${rows[@]}"; do
    IFS='|' read -r c w e a v <<<"$r"
    printf '%-10s  %-72s  %22s  %22s  %s\n' "$c" "$w" "$e" "$a" "$v"
  done
}

step_template && step_create && step_investors && step_buy && step_trades && {
  for i in 0 1 2; do tokens_after_trades[$i]=$(token_balance "${investors[$i]}"); done
  founder_after_trades=$(token_balance "$founder")
  step_services && step_rating_query
  step_sweep
  step_liquidate
}
step_reconcile
print_table
mismatches=$(printf '%s\n' "${rows[@]}" | grep -c '|MISMATCH$')
echo
if [ ${#failed[@]} -gt 0 ] || [ "$mismatches" -gt 0 ]; then
  echo "fund scenario: FAILED: ${#failed[@]} step(s) failed (${failed[*]:-none}), $mismatches reconciliation mismatch(es)"
  [ -n "$node_pid" ] && { echo "the node's last log lines:" >&2; tail -n 20 "$work/node.log" >&2; }
  exit 1
fi
echo "fund scenario: all steps done, every chain reconciled (${#rows[@]} rows ok)"
