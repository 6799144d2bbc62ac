#!/usr/bin/env bash
# Runs the real bfd-cli's `acl` commands against a real `bfd-node --dev` over HTTP: the dev
# genesis's admin (keys/registry.json) shown on global; a grant refused for a non-admin (403 ->
# access_denied); the admin's grant waited to finality; a protected show refused unsigned and by
# a stranger, served to the grantee; check allowed and denied; a revocation. Bounded waits.
# Usage: cli_acl_test.sh PATH/TO/bfd-node PATH/TO/bfd-cli
set -u

node_bin=$(realpath "${1:?usage: cli_acl_test.sh BFD_NODE BFD_CLI}")
cli=$(realpath "${2:?usage: cli_acl_test.sh BFD_NODE BFD_CLI}")
work=$(mktemp -d /tmp/bfd-cli-acl-XXXXXX)
# fail/ok/run/field, cleanup on exit, a free $port as BFD_NODE, start_node; cds into $work.
source "$(dirname "$(realpath "$0")")/../integration/dev_node_lib.sh"

start_node --sidechains 7  # all seven dev sidechains

deadline=$((SECONDS + 30))
up=0
while [ $SECONDS -lt $deadline ]; do
  if "$cli" info >out 2>err && [ "$(field final_height)" -ge 1 ] 2>/dev/null; then
    up=1
    break
  fi
  sleep 0.3
done
if [ $up -ne 1 ]; then
  echo "FAIL: the dev node did not finalize within 30 s; last error: $(cat err)" >&2
  tail -n 20 "$work/node.log" >&2
  exit 1
fi

keys="$work/data/keys"
admin_key="$keys/registry.json"
user_key="$keys/account-00.json"
stranger_key="$keys/account-01.json"
address_of() {
  timeout 10 "$cli" key show "$1" | sed -n 's/^address: //p'
}
admin=$(address_of "$admin_key")
user=$(address_of "$user_key")
[ -n "$admin" ] && [ -n "$user" ] || { echo "FAIL: cannot read the dev keys' addresses" >&2; exit 1; }

# --- the dev genesis: the registry authority administers the chain --------------------------
run acl show global
[ "$rc" -eq 0 ] || fail "show global: exit code $rc: $(cat err)"
grep -q "^$admin  *admin,register_service,upgrade_service,sidechain_admin " out || fail "show global: the admin's row is missing: $(cat out)"
run acl check --account "$admin" --scope global --permission sidechain_admin
[ "$rc" -eq 0 ] && [ "$(field allowed)" = true ] || fail "check admin: $rc $(cat out) $(cat err)"
ok "the dev admin holds admin, register_service, upgrade_service and sidechain_admin on global"

# --- a grant by a non-admin is refused at submission -----------------------------------------
run acl grant --scope fund_group:7 --account "$user" --permissions read --key "$user_key"
[ "$rc" -eq 1 ] || fail "grant by a non-admin: exit code $rc, expected 1"
grep -q "^bfd-cli: access_denied: .*HTTP 403" err || fail "grant by a non-admin: $(cat err)"
ok "a non-admin's grant is refused with access_denied (403)"

# --- the admin grants read in fund_group:7 ----------------------------------------------------
run acl grant --scope fund_group:7 --account "$user" --permissions read,trade --key "$admin_key" --timeout 30
[ "$rc" -eq 0 ] || fail "grant: exit code $rc: $(cat err)"
[ "$(field status)" = final ] || fail "grant: not final: $(cat out)"
ok "the admin's grant is final"

# --- protected reads ---------------------------------------------------------------------------
run acl show fund_group:7
[ "$rc" -eq 1 ] && grep -q "^bfd-cli: unauthenticated: .*pass --key FILE" err ||
  fail "unsigned show: $rc $(cat err)"
run acl show fund_group:7 --key "$stranger_key"
[ "$rc" -eq 1 ] && grep -q "^bfd-cli: access_denied: " err || fail "stranger's show: $rc $(cat err)"
run acl show fund_group:7 --key "$user_key"
[ "$rc" -eq 0 ] || fail "grantee's show: exit code $rc: $(cat err)"
grep -q "^$user  *read,trade  *-  *read,trade" out || fail "grantee's show: no row: $(cat out)"
run acl show fund_group:7 --key "$user_key" --json
python3 -c 'import json; j = json.load(open("out")); assert j["scope"] == "fund_group" and j["scope_id"] == 7' \
  2>/dev/null || fail "show --json: $(cat out)"
run acl show --account "$user" --key "$user_key"
[ "$rc" -eq 0 ] && grep -q "^fund_group:7  *read,trade" out || fail "show --account: $rc $(cat out) $(cat err)"
ok "protected show: 401 unsigned, 403 for a stranger, served signed by the grantee"

run acl check --account "$user" --scope fund_group:7 --permission trade --key "$user_key"
[ "$rc" -eq 0 ] && [ "$(field allowed)" = true ] || fail "check trade: $rc $(cat out) $(cat err)"
run acl check --account "$user" --scope fund_group:7 --permission trade --min-level 2 --key "$user_key"
[ "$rc" -eq 1 ] && [ "$(field allowed)" = false ] && grep -q "^bfd-cli: access_denied: " err ||
  fail "check level: $rc $(cat out) $(cat err)"
ok "check: allowed, and denied for want of a service level"

# --- a revocation ------------------------------------------------------------------------------
run acl revoke --scope fund_group:7 --account "$user" --permissions trade --key "$admin_key" --timeout 30
[ "$rc" -eq 0 ] || fail "revoke: exit code $rc: $(cat err)"
run acl check --account "$user" --scope fund_group:7 --permission trade --key "$user_key"
[ "$rc" -eq 1 ] && [ "$(field allowed)" = false ] || fail "check after revoke: $rc $(cat out) $(cat err)"
ok "after the revocation trade is denied"

# --- help and argument errors ------------------------------------------------------------------
for sub in grant revoke role level show check; do
  timeout 10 "$cli" acl "$sub" --help >out 2>&1 || fail "acl $sub --help failed"
done
run acl show fund_group:x
[ "$rc" -eq 1 ] && grep -q "invalid_argument" err || fail "bad scope: $rc $(cat err)"
ok "--help on every subcommand; a bad scope is invalid_argument"

if [ $failures -ne 0 ]; then
  echo "$failures failure(s)" >&2
  tail -n 20 "$work/node.log" >&2
  exit 1
fi
echo "cli_acl_test: all passed"
