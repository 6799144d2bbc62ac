// The token module's transaction kinds (module_id::token): moving the chain's token.
// The ledger (chains/ledger) is this module's state; its codec is token_codec, its JSON form
// protocols/token_json.
#pragma once

#include "chains/core/amount.hpp"
#include "chains/crypto/keys.hpp"
#include "chains/state/module_ids.hpp"

namespace bfd {

/// Moves `value` base units from the sender to `to`.
struct transfer_payload {
  static constexpr tx_kind kind_number{1};
  static constexpr module_id module = module_id::token;
  static constexpr std::string_view name = "transfer";
  /// The sender pays the amount besides the fee, and it must be at least one base unit.
  static constexpr bool spend_required = true;

  address to;
  amount value = 0;

  amount spend() const noexcept { return value; }
  friend bool operator==(const transfer_payload&, const transfer_payload&) = default;
};

/// The token module's kinds.
using token_payloads = type_list<transfer_payload>;

} // namespace bfd
