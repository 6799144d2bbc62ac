// JSON mapping of the contracts module: its payloads (code, ids and byte values as hex, call
// arguments as "i32:<n>" / "i64:<n>", amounts as BFDT text plus units) and the views the HTTP
// routes serve (templates, contracts, events, receipts) rendered from a chain state.
#pragma once

#include <string>
#include <string_view>
#include <type_traits>

#include "chains/state/contract_tx.hpp"
#include "protocols/json_fields.hpp"

namespace bfd {

class chain_state;

/// "name", "version", "code", "params" [{"name", "type"}], "entry_points", "slot" (when declared).
void payload_to_json(json_fields::output& j, const contract_publish_tx& p);
/// "template", "params" (hex), "value", "readers", "scope"/"scope_id" (when set), "init_args",
/// "init_input", "fuel".
void payload_to_json(json_fields::output& j, const contract_deploy_tx& p);
/// "contract", "entry", "args", "input", "fuel", "value".
void payload_to_json(json_fields::output& j, const contract_call_tx& p);
/// "contract", "client" (an address, or null when the slot is cleared).
void payload_to_json(json_fields::output& j, const contract_set_slot_tx& p);

result<contract_publish_tx> payload_from_json(const json_fields::input& j, std::type_identity<contract_publish_tx>);
result<contract_deploy_tx> payload_from_json(const json_fields::input& j, std::type_identity<contract_deploy_tx>);
result<contract_call_tx> payload_from_json(const json_fields::input& j, std::type_identity<contract_call_tx>);
result<contract_set_slot_tx> payload_from_json(const json_fields::input& j, std::type_identity<contract_set_slot_tx>);

bool payload_field(std::type_identity<contract_publish_tx>, std::string_view key);
bool payload_field(std::type_identity<contract_deploy_tx>, std::string_view key);
bool payload_field(std::type_identity<contract_call_tx>, std::string_view key);
bool payload_field(std::type_identity<contract_set_slot_tx>, std::string_view key);

/// "i64:5" or "i32:-1" (also unsigned up to 2^64-1 / 2^32-1).
result<contract::call_arg> parse_call_arg(std::string_view text);
std::string format_call_arg(const contract::call_arg& a);
/// A typed parameter value "<type>:<value>" (u64:5, i64:-3, amount:1.5 (BFDT), address:bfd…,
/// bytes:<hex>) as the bytes a deploy carries.
result<bytes> parse_param_value(std::string_view text);

/// What the contract routes ask a chain (docs/contracts.md, "HTTP").
struct contract_query {
  enum class what : std::uint8_t {
    templates = 0,
    template_one = 1,
    contract = 2,
    events = 3,
    receipt = 4,
    state = 5,        ///< a page of a contract's state keys: a protected read by `caller`
    state_value = 6,  ///< one value of a contract's state: a protected read by `caller`
  };
  what kind = what::templates;
  /// Template id, contract address or tx id; for state, the contract address followed by the
  /// key after which the page starts (nothing: from the first); for state_value, the contract
  /// address followed by the key.
  bytes key;
  std::uint64_t from = 0; ///< events: first sequence
  std::uint32_t limit = 0;
  /// Who reads a contract's state, authenticated by the asker (the HTTP edge's signed reads).
  address caller{};
};
inline constexpr std::uint32_t max_query_items = 100;

/// The answer as JSON text, or an error (not_found, kind_not_enabled without the module).
result<std::string> answer_contract_query(const chain_state& state, const contract_query& q);

} // namespace bfd
