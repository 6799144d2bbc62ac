// JSON mapping of the consensus module's payloads (their fields inside a transaction object).
#pragma once

#include <string_view>
#include <type_traits>

#include "chains/state/consensus_payloads.hpp"
#include "protocols/json_fields.hpp"

namespace bfd {

/// "category", "bid", "bid_units", "hash_chain_tip".
void payload_to_json(json_fields::output& j, const vm_bid_payload& p);
/// "vm", "amount", "amount_units".
void payload_to_json(json_fields::output& j, const vote_payload& p);
void payload_to_json(json_fields::output& j, const unvote_payload& p);
/// "evidence_kind" (double_block, double_vote, surround_vote), "first", "second" (hex).
void payload_to_json(json_fields::output& j, const evidence_payload& p);

result<vm_bid_payload> payload_from_json(const json_fields::input& j, std::type_identity<vm_bid_payload>);
result<vote_payload> payload_from_json(const json_fields::input& j, std::type_identity<vote_payload>);
result<unvote_payload> payload_from_json(const json_fields::input& j, std::type_identity<unvote_payload>);
result<evidence_payload> payload_from_json(const json_fields::input& j, std::type_identity<evidence_payload>);

/// Whether a submitted payload of this kind may carry the field `key`.
bool payload_field(std::type_identity<vm_bid_payload>, std::string_view key);
bool payload_field(std::type_identity<vote_payload>, std::string_view key);
bool payload_field(std::type_identity<unvote_payload>, std::string_view key);
bool payload_field(std::type_identity<evidence_payload>, std::string_view key);

} // namespace bfd
