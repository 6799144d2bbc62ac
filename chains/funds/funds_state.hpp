// The funds module's state and rules (docs/funds.md): a fund chain's subscriptions into the BFDT
// escrow, trades of the fund token with the fund-trading commission, the platform's pending
// commission and its sweep, redemption at liquidation, and the totals a reconciliation reads. The
// state is its records (a key-ordered map: undo, dirt, root and restore are one mechanism); it
// holds no records until the first operation, so a chain that never used it keeps its state root.
// Pure: the DS metadata terms, members and voucher balances come in through `env`.
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "chains/access/access_state.hpp"
#include "chains/dsmeta/dsmeta_state.hpp"
#include "chains/state/funds_tx.hpp"
#include "chains/state/record_map.hpp"
#include "chains/state/state_module.hpp"

namespace bfd {
class ledger;
}

namespace bfd::funds {

/// The denom of BFDT pegged in from the mainchain, as the peg names it on a fund chain.
inline constexpr std::string_view bfdt_denom = "peg/1/BFDT";
/// Fund base units per whole fund token (as BFDT's).
inline constexpr amount units_per_token = units_per_bfdt;
/// Most holder records (accounts that ever subscribed, traded, redeemed or earned commission).
inline constexpr std::uint64_t max_holders = 1'000'000;
/// Most holders one read returns.
inline constexpr std::uint32_t max_page = 100;

/// The module's parameters: the same on every fund chain (code, not genesis: not hashed).
struct params {
  std::uint32_t commission_bps = 30;      ///< fund-trading commission, basis points of a trade (rounded up)
  std::uint32_t org_share_bps = 5000;     ///< the organisation's part of a commission (rounded down); the platform gets the rest
  std::uint64_t exchange_service = 1;     ///< sweeps need `write` on `service <this>` (the fund exchange)
  std::uint8_t min_level = 1;             ///< the DS member level an investor needs
};

/// The account holding the fund's BFDT vouchers: 20 bytes of the tagged hash (bfd/funds) of
/// "escrow". No key derives it, so only this module moves what it holds.
const address& escrow_address();

/// The account holding the platform's pending commission in the fund token (modes fixed and
/// floating) until a sweep burns it: 20 bytes of the tagged hash (bfd/funds) of "platform".
const address& platform_pending_address();

/// What the rules read of the rest of the chain.
struct env {
  std::uint64_t height = 0;
  const ds::dsmeta_state* ds = nullptr;        ///< the fund's DS metadata (null: none, every kind refused)
  const acl::access_state* access = nullptr;   ///< access control (null: no sweeper is authorised)
  std::function<amount(const address&)> vouchers;  ///< BFDT voucher balance of an account (null: 0)
};

/// The totals (the 'S' record). Token amounts are fund base units, bfdt ones BFDT base units.
struct summary {
  ds::rate_mode mode = ds::rate_mode::floating;  ///< fixed at the first operation
  amount fixed_rate = 0;           ///< mode fixed: the rate fixed at the first operation
  amount subscribed_bfdt = 0;      ///< BFDT paid into the escrow by subscriptions
  amount minted = 0;               ///< fund tokens minted by subscriptions
  std::uint64_t subscriptions = 0;
  amount traded = 0;               ///< fund tokens sold in trades (gross, before commission)
  std::uint64_t trades = 0;
  amount commission_org = 0;       ///< paid at once to the organisation
  amount commission_platform = 0;  ///< accrued to the platform (fund tokens held pending; BFDT in mode bfdt)
  amount platform_swept = 0;       ///< of commission_platform, converted and sent (the tokens burned)
  amount platform_paid_bfdt = 0;   ///< BFDT sent over the peg to the platform
  std::uint64_t sweeps = 0;
  amount redeemed = 0;             ///< fund tokens burned by redemptions
  amount redeemed_bfdt = 0;        ///< BFDT paid to redeemers
  std::uint64_t redemptions = 0;
  std::uint64_t holders = 0;       ///< holder records
  friend bool operator==(const summary&, const summary&) = default;
};

/// One account's history with the fund (the 'H' records).
struct holder {
  amount subscribed_bfdt = 0;
  amount minted = 0;
  amount bought = 0;          ///< fund tokens received in trades (net of commission)
  amount sold = 0;            ///< fund tokens sold (gross)
  amount commission = 0;      ///< organisation commission received
  amount redeemed = 0;
  amount redeemed_bfdt = 0;
  friend bool operator==(const holder&, const holder&) = default;
};

/// The platform's pending commission (fund tokens; BFDT in mode bfdt).
inline amount pending_platform(const summary& s) {
  return s.commission_platform - s.platform_swept;
}
/// Fund tokens minted here and neither redeemed nor swept: what redemptions and sweeps may burn in
/// total (modes fixed and floating); the escrow backs them.
amount redeemable(const summary& s);
/// The BFDT the escrow holds by this module's accounting (its voucher balance may be larger:
/// a refunded sweep or a direct deposit, see docs/funds.md).
amount escrow_accounted(const summary& s);
/// floor(tokens * rate / 10^8) and floor(bfdt * 10^8 / rate), in 128 bits (nothing if it overflows).
std::optional<amount> tokens_to_bfdt(amount tokens, amount rate);
std::optional<amount> bfdt_to_tokens(amount bfdt, amount rate);
/// A trade's commission: ceil(tokens * bps / 10^4), split org = floor(c * share / 10^4), platform = the rest.
struct commission {
  amount org = 0;
  amount platform = 0;
  amount total() const { return org + platform; }
};
commission commission_of(amount tokens, const params& p);

class funds_state {
public:
  explicit funds_state(params p = {}) : params_(p) {}
  /// A state from its stored records (every record); refuses what does not decode, is not
  /// canonical or disagrees with the summary (storage_corrupt).
  static result<funds_state> restore(std::span<const std::pair<bytes, bytes>> records, params p = {});

  const params& parameters() const noexcept { return params_; }
  /// The totals; all zero before the first operation.
  summary totals() const;
  std::optional<holder> find_holder(const address& a) const;
  /// Holders after `after` (from the start when it is the zero address), at most `limit` (≤ max_page).
  std::vector<std::pair<address, holder>> holders(const address& after, std::uint32_t limit) const;
  bool empty() const noexcept { return records_.empty(); }

  // --- kinds: the checks in docs/funds.md order, then the effects --------------------------------
  // Fund tokens move in `l` (modes fixed and floating); vouchers move by the effects appended to
  // `out` (the caller hands them to the peg module). Nothing changes on error.
  status check(const address& sender, amount fee, const fund_subscribe_tx& p, const env& e, const ledger& l) const;
  status check(const address& sender, amount fee, const fund_trade_tx& p, const env& e, const ledger& l) const;
  status check(const address& sender, amount fee, const fund_sweep_tx& p, const env& e, const ledger& l) const;
  status check(const address& sender, amount fee, const fund_redeem_tx& p, const env& e, const ledger& l) const;
  status apply(const address& sender, const fund_subscribe_tx& p, const env& e, ledger& l, std::vector<peg_effect>& out);
  status apply(const address& sender, const fund_trade_tx& p, const env& e, ledger& l, std::vector<peg_effect>& out);
  status apply(const address& sender, const fund_sweep_tx& p, const env& e, ledger& l, std::vector<peg_effect>& out);
  status apply(const address& sender, const fund_redeem_tx& p, const env& e, ledger& l, std::vector<peg_effect>& out);

  /// A plain transfer on this chain: refused (funds_transfer_refused) once the fund has terms in
  /// mode fixed or floating, where the chain's token is the fund token.
  status check_transfer(const address& from, const address& to, const env& e) const;

  // --- undo, records, root ------------------------------------------------------------------
  std::size_t checkpoint() const noexcept { return records_.checkpoint(); }
  void rollback(std::size_t mark) { records_.rollback(mark); }
  void forget_journal(std::size_t count) { records_.forget_journal(count); }
  void release_undo() { records_.release_undo(); }
  std::vector<std::pair<bytes, std::optional<bytes>>> dirty_records() const { return records_.dirty_records(); }
  void mark_all_dirty() { records_.mark_all_dirty(); }
  void clear_dirty() { records_.clear_dirty(); }
  const std::map<bytes, bytes>& records() const noexcept { return records_.records(); }
  /// The tagged hash (bfd/funds) of every record; nothing while there are none.
  std::optional<hash256> root() const;

  friend bool operator==(const funds_state& a, const funds_state& b) { return a.records_ == b.records_; }

private:
  // The fund's mode and rate as this module uses them: terms exist, the mode and a fixed rate
  // agree with what the first operation fixed; the rate is the current one (DS metadata's).
  struct terms_view {
    ds::rate_mode mode;
    amount rate;
    ds::raise_terms terms;
    ds::fund_summary status;
  };
  result<terms_view> fund_terms(const env& e) const;
  status eligible(const address& a, const char* role, const env& e) const;
  void put_summary(const summary& s);
  void put_holder(const address& a, const holder& h, summary& s);
  holder holder_or_new(const address& a) const;

  params params_;
  record_map records_{hash_tag::funds};
};

} // namespace bfd::funds
