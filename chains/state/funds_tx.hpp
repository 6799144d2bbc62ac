// The funds module's transaction kinds (module_id::funds, kinds 42-45; 46-49 kept for it): a fund
// chain's subscriptions, trades with the fund-trading commission, the sweep of the platform's
// commission to the mainchain and redemption at liquidation (docs/funds.md). Rules
// chains/funds/funds_state; codec chains/state/funds_codec.hpp; JSON protocols/funds_json.
#pragma once

#include <cstdint>
#include <string_view>

#include "chains/core/amount.hpp"
#include "chains/core/bytes.hpp"
#include "chains/state/module_ids.hpp"

namespace bfd {

/// The sender pays `value` BFDT base units of pegged vouchers into the fund's escrow and receives
/// fund tokens at the current rate (rounded down).
struct fund_subscribe_tx {
  static constexpr tx_kind kind_number{42};
  static constexpr module_id module = module_id::funds;
  static constexpr std::string_view name = "fund_subscribe";
  static constexpr bool spend_required = false;

  amount value = 0;

  amount spend() const noexcept { return 0; }
  friend bool operator==(const fund_subscribe_tx&, const fund_subscribe_tx&) = default;
};

/// The sender (seller) moves `tokens` fund base units to `buyer`; the commission comes out of
/// `tokens` (the buyer receives the rest).
struct fund_trade_tx {
  static constexpr tx_kind kind_number{43};
  static constexpr module_id module = module_id::funds;
  static constexpr std::string_view name = "fund_trade";
  static constexpr bool spend_required = false;

  address buyer;
  amount tokens = 0;  ///< fund base units (10^8 per token)

  amount spend() const noexcept { return 0; }
  friend bool operator==(const fund_trade_tx&, const fund_trade_tx&) = default;
};

/// Converts the platform's pending commission at the current rate into BFDT from the escrow and
/// sends it over the peg to `platform` on the mainchain (timeout on the mainchain's height).
struct fund_sweep_tx {
  static constexpr tx_kind kind_number{44};
  static constexpr module_id module = module_id::funds;
  static constexpr std::string_view name = "fund_sweep";
  static constexpr bool spend_required = false;

  address platform;
  std::uint64_t timeout_height = 0;

  amount spend() const noexcept { return 0; }
  friend bool operator==(const fund_sweep_tx&, const fund_sweep_tx&) = default;
};

/// Burns `tokens` fund base units of the sender's and pays its share of the escrow in BFDT
/// vouchers (liquidation).
struct fund_redeem_tx {
  static constexpr tx_kind kind_number{45};
  static constexpr module_id module = module_id::funds;
  static constexpr std::string_view name = "fund_redeem";
  static constexpr bool spend_required = false;

  amount tokens = 0;  ///< fund base units (10^8 per token)

  amount spend() const noexcept { return 0; }
  friend bool operator==(const fund_redeem_tx&, const fund_redeem_tx&) = default;
};

/// The funds module's kinds.
using funds_payloads = type_list<fund_subscribe_tx, fund_trade_tx, fund_sweep_tx, fund_redeem_tx>;

} // namespace bfd
