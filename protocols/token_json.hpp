// JSON mapping of the token module's payloads (their fields inside a transaction object).
#pragma once

#include <string_view>
#include <type_traits>

#include "chains/state/token_payloads.hpp"
#include "protocols/json_fields.hpp"

namespace bfd {

/// "to", "amount", "amount_units".
void payload_to_json(json_fields::output& j, const transfer_payload& p);
result<transfer_payload> payload_from_json(const json_fields::input& j, std::type_identity<transfer_payload>);
/// Whether a submitted transfer may carry the field `key`.
bool payload_field(std::type_identity<transfer_payload>, std::string_view key);

} // namespace bfd
