// JSON mapping of the funds module: its payloads (addresses as "bfd…", amounts as text plus
// "_units") and the read views the HTTP edge serves: the reconciled summary and the holders
// (docs/funds.md).
#pragma once

#include <string_view>
#include <type_traits>

#include "chains/state/funds_tx.hpp"
#include "protocols/json_fields.hpp"

namespace bfd {

class chain_state;

/// "value", "value_units" (BFDT paid).
void payload_to_json(json_fields::output& j, const fund_subscribe_tx& p);
/// "buyer", "tokens", "tokens_units".
void payload_to_json(json_fields::output& j, const fund_trade_tx& p);
/// "platform", "timeout_height".
void payload_to_json(json_fields::output& j, const fund_sweep_tx& p);
/// "tokens", "tokens_units".
void payload_to_json(json_fields::output& j, const fund_redeem_tx& p);

result<fund_subscribe_tx> payload_from_json(const json_fields::input& j, std::type_identity<fund_subscribe_tx>);
result<fund_trade_tx> payload_from_json(const json_fields::input& j, std::type_identity<fund_trade_tx>);
result<fund_sweep_tx> payload_from_json(const json_fields::input& j, std::type_identity<fund_sweep_tx>);
result<fund_redeem_tx> payload_from_json(const json_fields::input& j, std::type_identity<fund_redeem_tx>);

bool payload_field(std::type_identity<fund_subscribe_tx>, std::string_view key);
bool payload_field(std::type_identity<fund_trade_tx>, std::string_view key);
bool payload_field(std::type_identity<fund_sweep_tx>, std::string_view key);
bool payload_field(std::type_identity<fund_redeem_tx>, std::string_view key);

namespace funds_json {

/// GET /v1/chains/{id}/funds: parameters, mode, totals, escrow, pending commission, the
/// reconciliation's figures and problems.
json_fields::output summary(const chain_state& s);
/// GET /v1/chains/{id}/funds/holders: holder records after `after` with their current balance.
json_fields::output holders(const chain_state& s, const address& after, std::uint32_t limit);

} // namespace funds_json

} // namespace bfd
