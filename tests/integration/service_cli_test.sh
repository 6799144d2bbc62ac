#!/usr/bin/env bash
# Runs the real bfd-cli against a real `bfd-node --dev` over HTTP for the service registry (module
# 6 on the mainchain): the dev admin (keys/registry.json) registers a service on chains 2 and 3,
# shows and resolves it, upgrades it with chain 2 as the canary, and a manual health report that
# fails the gate rolls the canary back by itself: show says rolled_back and resolve on chain 2
# gives version 1 again. A key without register_service is refused with access_denied (900); an
# unknown service is 404 and a bad id 400. Bounded waits.
# Usage: service_cli_test.sh PATH/TO/bfd-node PATH/TO/bfd-cli
set -u

node_bin=$(realpath "${1:?usage: service_cli_test.sh BFD_NODE BFD_CLI}")
cli=$(realpath "${2:?usage: service_cli_test.sh BFD_NODE BFD_CLI}")
work=$(mktemp -d /tmp/bfd-service-cli-XXXXXX)
# fail/ok/run/field/json_of/wait_for, cleanup on exit, a free $port as BFD_NODE, start_node.
source "$(dirname "$(realpath "$0")")/dev_node_lib.sh"
json() {
  python3 -c "import json,sys; j = json.load(open('out')); print($1)" 2>/dev/null
}

start_node --sidechains 2  # chains 2 and 3
keys="$work/data/keys"
admin="$keys/registry.json"
wait_for 30 at_least main_final 1 || fatal "the mainchain did not finalize within 30 s"
wait_for 10 test -f "$admin" || fatal "no $admin"
ok "bfd-node --dev is up (final height $(main_final))"

run service list
[ "$rc" -eq 0 ] && [ "$(json 'j["count"]')" = 0 ] || fail "service list before any: rc $rc, $(cat out) $(cat err)"

c2a=bfd$(printf '2%.0s' $(seq 40))
c3a=bfd$(printf '3%.0s' $(seq 40))
c2b=bfd$(printf 'b%.0s' $(seq 40))
c3b=bfd$(printf 'c%.0s' $(seq 40))
uuid=0123456789abcdef0123456789abcdef

# A key without register_service: refused by the node with its reason code.
run service register --key "$keys/account-01.json" --uuid "$uuid" --symbol EXCH --home 2 --deploy 2,3 \
  --instance "2:$c2a" --instance "3:$c3a"
[ "$rc" -ne 0 ] && grep -q '^bfd-cli: access_denied: .*lacks register_service' err \
  || fail "register without register_service: rc $rc, $(cat err)"
ok "a register by a key without register_service is refused with access_denied (900)"

run service register --key "$admin" --uuid "$uuid" --symbol EXCH --home 2 --deploy 2,3 \
  --instance "2:$c2a" --instance "3:$c3a" --commission percent:250
[ "$rc" -eq 0 ] && [ "$(field status)" = final ] || fail "service register: rc $rc, $(cat out) $(cat err)"
registered=$(field height)
ok "service registered (final at height $registered)"

shown() { "$cli" service show "$@" >out 2>err; }
wait_for 20 shown 1 || fail "service show 1: $(cat err)"
[ "$(json 'j["symbol"]')" = EXCH ] && [ "$(json 'j["status"]')" = active ] \
  && [ "$(json 'j["latest_version"]')" = 1 ] || fail "service show 1: $(cat out)"
run service show "$uuid"
[ "$rc" -eq 0 ] && [ "$(json 'j["id"]')" = 1 ] || fail "service show by uuid: rc $rc, $(cat out) $(cat err)"
run service resolve 1 2
[ "$rc" -eq 0 ] && [ "$(json 'j["version"]')" = 1 ] && [ "$(json 'j["address"]')" = "$c2a" ] \
  && [ "$(json 'j["commission"]["basis_points"]')" = 250 ] || fail "service resolve 1 2: $(cat out) $(cat err)"
ok "show (by id and uuid) and resolve give version 1"

run service show 9
[ "$rc" -ne 0 ] && grep -q 'unknown_service' err || fail "service show 9: rc $rc, $(cat err)"
code=$(curl -s -o /dev/null -w '%{http_code}' "$BFD_NODE/v1/services/9")
[ "$code" = 404 ] || fail "GET /v1/services/9: HTTP $code"
code=$(curl -s -o /dev/null -w '%{http_code}' "$BFD_NODE/v1/services/x9")
[ "$code" = 400 ] || fail "GET /v1/services/x9: HTTP $code"
code=$(curl -s -o /dev/null -w '%{http_code}' "$BFD_NODE/v1/services/1/resolve/2?height=zz")
[ "$code" = 400 ] || fail "GET /v1/services/1/resolve/2?height=zz: HTTP $code"
ok "an unknown service is 404, a bad id or height 400"

run service upgrade 1 --key "$admin" --instance "2:$c2b" --instance "3:$c3b" --canary 2 --delay 2 --window 10 \
  --min-calls 5 --max-failed-permille 100
[ "$rc" -eq 0 ] && [ "$(field status)" = final ] || fail "service upgrade: rc $rc, $(cat out) $(cat err)"
upgraded=$(field height)
canary_height=$((upgraded + 2))
wait_for 20 sh -c "'$cli' service show 1 >out 2>err && grep -q '\"phase\": \"canary\"' out" \
  || fail "no canary rollout shown: $(cat out)"
[ "$(json 'j["rollout"]["canary_height"]')" = "$canary_height" ] || fail "canary height: $(cat out)"
ok "upgraded: version 2 canary on chain 2 from height $canary_height"

# Once the canary is live (the mainchain's final height past canary_height), resolve shows v2.
wait_for 30 at_least main_final "$canary_height" || fail "the mainchain did not reach $canary_height"
run service resolve 1 2
[ "$(json 'j["version"]')" = 2 ] && [ "$(json 'j["address"]')" = "$c2b" ] || fail "resolve 1 2 on the canary: $(cat out)"
run service resolve 1 3
[ "$(json 'j["version"]')" = 1 ] || fail "resolve 1 3 during the canary: $(cat out)"
ok "the canary chain 2 runs version 2, chain 3 still version 1"

run service health 1 --key "$admin" --version 2 --chain 2 --from 1 --to 20 --calls 15 --failed 12 --missed 0 \
  --latency-ms 40
[ "$rc" -eq 0 ] && [ "$(field status)" = final ] || fail "service health: rc $rc, $(cat out) $(cat err)"
reported=$(field height)
wait_for 20 sh -c "'$cli' service show 1 >out 2>err && grep -q '\"phase\": \"rolled_back\"' out" \
  || fail "not rolled back after a failing report: $(cat out)"
[ "$(json 'j["rollout"]["reason"]')" = "health gate failed: 12/15 calls failed (800 permille > 100)" ] \
  || fail "rollback reason: $(cat out)"
[ "$(json 'j["rollout"]["decided_at"]')" = "$reported" ] || fail "decided_at: $(cat out)"
[ "$(json 'len(j["health"])')" = 1 ] || fail "health ring: $(cat out)"
wait_for 30 at_least main_final $((reported + 1)) || fail "the mainchain did not reach $((reported + 1))"
run service resolve 1 2
[ "$(json 'j["version"]')" = 1 ] && [ "$(json 'j["address"]')" = "$c2a" ] || fail "resolve 1 2 after rollback: $(cat out)"
run service resolve 1 2 --height "$canary_height"
[ "$(json 'j["version"]')" = 2 ] || fail "resolve 1 2 at the canary height (history): $(cat out)"
ok "a failing health report rolled the canary back: chain 2 resolves to version 1 again, history keeps version 2"

run service rollback 1 --key "$admin" --reason "again"
[ "$rc" -ne 0 ] && grep -q 'no_rollout' err || fail "a second rollback: rc $rc, $(cat err)"
run service status 1 suspended --key "$admin"
[ "$rc" -eq 0 ] || fail "service status suspended: rc $rc, $(cat err)"
run service upgrade 1 --key "$admin" --instance "2:$c2b" --instance "3:$c3b" --canary 2
[ "$rc" -ne 0 ] && grep -q 'service_not_active' err || fail "upgrade of a suspended service: rc $rc, $(cat err)"
ok "a second rollback, and an upgrade of a suspended service, are refused with their codes"

if [ $failures -ne 0 ]; then
  echo "$failures failure(s)" >&2
  exit 1
fi
echo "service registry CLI test passed"
