// JSON mapping of the registry module's payloads. Register and anchor carry big bodies: a
// submission gives them as "payload" (hex of the canonical payload, docs/formats.md); the output
// adds a summary of the body beside that hex.
#pragma once

#include <string_view>
#include <type_traits>

#include "chains/state/registry_tx.hpp"
#include "protocols/json_fields.hpp"

namespace bfd {

/// "sidechain", "sidechain_kind", "name", "symbol", "validators", "anchor_interval", "payload".
void payload_to_json(json_fields::output& j, const sidechain_register_tx& p);
/// "sidechain".
void payload_to_json(json_fields::output& j, const sidechain_activate_tx& p);
void payload_to_json(json_fields::output& j, const sidechain_cease_tx& p);
/// "sidechain", "height", "header_hash", "state_proof" (bool), "payload".
void payload_to_json(json_fields::output& j, const sidechain_anchor_tx& p);

result<sidechain_register_tx> payload_from_json(const json_fields::input& j, std::type_identity<sidechain_register_tx>);
result<sidechain_activate_tx> payload_from_json(const json_fields::input& j, std::type_identity<sidechain_activate_tx>);
result<sidechain_cease_tx> payload_from_json(const json_fields::input& j, std::type_identity<sidechain_cease_tx>);
result<sidechain_anchor_tx> payload_from_json(const json_fields::input& j, std::type_identity<sidechain_anchor_tx>);

bool payload_field(std::type_identity<sidechain_register_tx>, std::string_view key);
bool payload_field(std::type_identity<sidechain_activate_tx>, std::string_view key);
bool payload_field(std::type_identity<sidechain_cease_tx>, std::string_view key);
bool payload_field(std::type_identity<sidechain_anchor_tx>, std::string_view key);

} // namespace bfd
