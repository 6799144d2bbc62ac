// JSON mapping of the peg module's payloads (kinds 10-15): a send as named fields; a metadata
// send, the bundles and a client update as "payload" hex of their canonical body (docs/http.md).
#pragma once

#include <string_view>
#include <type_traits>

#include "chains/state/peg_tx.hpp"
#include "protocols/json_fields.hpp"

namespace bfd {

void payload_to_json(json_fields::output& j, const peg_send_tx& p);
void payload_to_json(json_fields::output& j, const peg_send_metadata_tx& p);
void payload_to_json(json_fields::output& j, const peg_receive_tx& p);
void payload_to_json(json_fields::output& j, const peg_acknowledge_tx& p);
void payload_to_json(json_fields::output& j, const peg_timeout_tx& p);
void payload_to_json(json_fields::output& j, const peg_client_update_tx& p);
result<peg_send_tx> payload_from_json(const json_fields::input& j, std::type_identity<peg_send_tx>);
result<peg_send_metadata_tx> payload_from_json(const json_fields::input& j, std::type_identity<peg_send_metadata_tx>);
result<peg_receive_tx> payload_from_json(const json_fields::input& j, std::type_identity<peg_receive_tx>);
result<peg_acknowledge_tx> payload_from_json(const json_fields::input& j, std::type_identity<peg_acknowledge_tx>);
result<peg_timeout_tx> payload_from_json(const json_fields::input& j, std::type_identity<peg_timeout_tx>);
result<peg_client_update_tx> payload_from_json(const json_fields::input& j, std::type_identity<peg_client_update_tx>);
bool payload_field(std::type_identity<peg_send_tx>, std::string_view key);
bool payload_field(std::type_identity<peg_send_metadata_tx>, std::string_view key);
bool payload_field(std::type_identity<peg_receive_tx>, std::string_view key);
bool payload_field(std::type_identity<peg_acknowledge_tx>, std::string_view key);
bool payload_field(std::type_identity<peg_timeout_tx>, std::string_view key);
bool payload_field(std::type_identity<peg_client_update_tx>, std::string_view key);

} // namespace bfd
