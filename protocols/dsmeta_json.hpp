// JSON mapping of DS metadata: the module's payloads (accounts as "bfd…", keys and request ids
// as hex, rates and amounts as text plus "_units"), the bodies of its peg operations, and the
// read views the HTTP edge serves (docs/ds-metadata.md).
#pragma once

#include <string_view>
#include <type_traits>

#include "chains/dsmeta/dsmeta_state.hpp"
#include "chains/state/dsmeta_tx.hpp"
#include "protocols/json_fields.hpp"

namespace bfd {

/// "account", "key", "level".
void payload_to_json(json_fields::output& j, const ds_member_add_tx& p);
void payload_to_json(json_fields::output& j, const ds_member_update_tx& p);
/// "account".
void payload_to_json(json_fields::output& j, const ds_member_remove_tx& p);
/// "rate", "rate_units".
void payload_to_json(json_fields::output& j, const ds_rate_set_tx& p);
/// "service", "request", "value", "value_units".
void payload_to_json(json_fields::output& j, const ds_usage_record_tx& p);

result<ds_member_add_tx> payload_from_json(const json_fields::input& j, std::type_identity<ds_member_add_tx>);
result<ds_member_update_tx> payload_from_json(const json_fields::input& j, std::type_identity<ds_member_update_tx>);
result<ds_member_remove_tx> payload_from_json(const json_fields::input& j, std::type_identity<ds_member_remove_tx>);
result<ds_rate_set_tx> payload_from_json(const json_fields::input& j, std::type_identity<ds_rate_set_tx>);
result<ds_usage_record_tx> payload_from_json(const json_fields::input& j, std::type_identity<ds_usage_record_tx>);

bool payload_field(std::type_identity<ds_member_add_tx>, std::string_view key);
bool payload_field(std::type_identity<ds_member_update_tx>, std::string_view key);
bool payload_field(std::type_identity<ds_member_remove_tx>, std::string_view key);
bool payload_field(std::type_identity<ds_rate_set_tx>, std::string_view key);
bool payload_field(std::type_identity<ds_usage_record_tx>, std::string_view key);

namespace ds_json {

/// A peg operation body from {"operation": "ds_register"|"ds_raise"|"ds_issue"|"ds_liquidate",
/// ...its fields}: what `bfd-cli ds op` encodes for peg_send_metadata.
result<ds::op_body> op_from_json(const json_fields::input& j);
json_fields::output op_to_json(const ds::op_body& b);

/// GET /v1/chains/{id}/ds: organisation, status, terms and token, rate, totals, adopted operation.
json_fields::output summary(const ds::dsmeta_state& s);
/// A page of members (after an address), rates, issuances or usage entries (from an index).
json_fields::output members(const ds::dsmeta_state& s, const address& after, std::uint32_t limit);
json_fields::output rates(const ds::dsmeta_state& s, std::uint64_t from, std::uint32_t limit);
json_fields::output issuances(const ds::dsmeta_state& s, std::uint64_t from, std::uint32_t limit);
json_fields::output usages(const ds::dsmeta_state& s, std::uint64_t from, std::uint32_t limit);

} // namespace ds_json

} // namespace bfd
