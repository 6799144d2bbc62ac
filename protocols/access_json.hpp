// JSON mapping of the access module's payloads: a scope as "scope" (its kind's name) and
// "scope_id" (omitted or 0 for global), permissions as an array of names, accounts as "bfd…".
#pragma once

#include <string_view>
#include <type_traits>

#include "chains/state/access_tx.hpp"
#include "protocols/access_views.hpp"
#include "protocols/json_fields.hpp"

namespace bfd {

/// "scope", "scope_id", "account", "permissions", "role".
void payload_to_json(json_fields::output& j, const acl_grant_tx& p);
void payload_to_json(json_fields::output& j, const acl_revoke_tx& p);
/// "scope", "scope_id", "role", "permissions".
void payload_to_json(json_fields::output& j, const acl_role_define_tx& p);
/// "group", "account", "level".
void payload_to_json(json_fields::output& j, const acl_set_level_tx& p);

result<acl_grant_tx> payload_from_json(const json_fields::input& j, std::type_identity<acl_grant_tx>);
result<acl_revoke_tx> payload_from_json(const json_fields::input& j, std::type_identity<acl_revoke_tx>);
result<acl_role_define_tx> payload_from_json(const json_fields::input& j, std::type_identity<acl_role_define_tx>);
result<acl_set_level_tx> payload_from_json(const json_fields::input& j, std::type_identity<acl_set_level_tx>);

bool payload_field(std::type_identity<acl_grant_tx>, std::string_view key);
bool payload_field(std::type_identity<acl_revoke_tx>, std::string_view key);
bool payload_field(std::type_identity<acl_role_define_tx>, std::string_view key);
bool payload_field(std::type_identity<acl_set_level_tx>, std::string_view key);

// Views of the HTTP routes (docs/http.md, "Access control") ---------------------------------------

/// GET …/access/scopes/{scope}: {"scope", "scope_id", "height", "holdings": [{"account",
/// "permissions", "roles", "effective"}], "roles": [{"name", "permissions", "holders"}], "levels"
/// (fund groups only): [{"account", "level"}], "more"}.
nlohmann::ordered_json access_scope_json(const acl::scope& s, const access_answer& a);
/// GET …/access/accounts/{address}: {"account", "height", "holdings": [{"scope", "scope_id",
/// "permissions", "roles", "effective"}], "levels": [{"group", "level"}], "more"}.
nlohmann::ordered_json access_account_json(const address& account, const access_answer& a);
/// GET …/access/check/…: {"account", "scope", "scope_id", "permission", "min_level", "height",
/// "allowed", and when refused "reason": {"code", "reason_code", "detail"}}.
nlohmann::ordered_json access_check_json(const address& account, const acl::scope& s, acl::permission p,
                                         acl::service_level min_level, const access_answer& a);

} // namespace bfd
