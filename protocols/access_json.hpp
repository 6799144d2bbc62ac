// JSON mapping of the access module's payloads: a scope as "scope" (its kind's name) and
// "scope_id" (omitted or 0 for global), permissions as an array of names, accounts as "bfd…".
#pragma once

#include <string_view>
#include <type_traits>

#include "chains/state/access_tx.hpp"
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

} // namespace bfd
