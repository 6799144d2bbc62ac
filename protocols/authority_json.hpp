// JSON mapping of the credential authority module's payloads (ids, keys, tags and pseudonyms as
// hex, accounts as "bfd…", amounts as text plus "_units") and its read view of a group.
#pragma once

#include <string_view>
#include <type_traits>

#include "chains/authority/authority_state.hpp"
#include "chains/state/authority_tx.hpp"
#include "protocols/json_fields.hpp"

namespace bfd {

/// "name", "key".
void payload_to_json(json_fields::output& j, const ush_group_create_tx& p);
/// "group", "member", "count".
void payload_to_json(json_fields::output& j, const ush_issue_tx& p);
/// "group", "pseudonyms".
void payload_to_json(json_fields::output& j, const ush_revoke_tx& p);
/// "to", "amount", "amount_units", "tag", "since".
void payload_to_json(json_fields::output& j, const tagged_transfer_tx& p);
/// "data".
void payload_to_json(json_fields::output& j, const member_record_tx& p);

result<ush_group_create_tx> payload_from_json(const json_fields::input& j, std::type_identity<ush_group_create_tx>);
result<ush_issue_tx> payload_from_json(const json_fields::input& j, std::type_identity<ush_issue_tx>);
result<ush_revoke_tx> payload_from_json(const json_fields::input& j, std::type_identity<ush_revoke_tx>);
result<tagged_transfer_tx> payload_from_json(const json_fields::input& j, std::type_identity<tagged_transfer_tx>);
result<member_record_tx> payload_from_json(const json_fields::input& j, std::type_identity<member_record_tx>);

bool payload_field(std::type_identity<ush_group_create_tx>, std::string_view key);
bool payload_field(std::type_identity<ush_issue_tx>, std::string_view key);
bool payload_field(std::type_identity<ush_revoke_tx>, std::string_view key);
bool payload_field(std::type_identity<tagged_transfer_tx>, std::string_view key);
bool payload_field(std::type_identity<member_record_tx>, std::string_view key);

namespace authority_json {

/// Revoked pseudonyms one group view lists.
inline constexpr std::size_t revoked_page = 1000;

/// A group: id, name, key, authority, scope, created, issued, revoked, and a page of its revoked
/// pseudonyms in byte order (at most `limit`, after `after` when given).
json_fields::output group(const authority::authority_state& s, const authority::group_record& g,
                          const std::optional<hash256>& after, std::size_t limit);

} // namespace authority_json

} // namespace bfd
