// The funds module as a fund (DAOS) chain's state module (module_id::funds, kinds 42-45): reads
// DS metadata, access control and the peg's voucher balances through the chain state, moves fund
// tokens in the ledger and hands its voucher movements to the peg module (peg effects); refuses
// plain transfers of the fund token (docs/funds.md). Empty until the first operation. Pure.
#pragma once

#include <memory>

#include "chains/funds/funds_state.hpp"
#include "chains/state/state_module.hpp"

namespace bfd {

class funds_module final : public state_module {
public:
  explicit funds_module(funds::funds_state state) : state_(std::move(state)) {}
  /// A module rebuilt from its stored records alone (the storage check).
  static result<std::unique_ptr<funds_module>> from_records(std::span<const std::pair<bytes, bytes>> records);

  const funds::funds_state& state() const noexcept { return state_; }

  module_id id() const noexcept override { return module_id::funds; }
  std::unique_ptr<state_module> clone() const override { return std::make_unique<funds_module>(*this); }
  status check(const transaction& tx, const block_context& ctx, const ledger& l) const override;
  status apply(const transaction& tx, const block_context& ctx, ledger& l) override;
  std::vector<peg_effect> take_peg_effects() override { return std::exchange(effects_, {}); }
  status check_token_transfer(const address& from, const address& to, const block_context& ctx) const override;
  std::optional<hash256> root() const override { return state_.root(); }
  std::size_t checkpoint() const override { return state_.checkpoint(); }
  void rollback(std::size_t mark) override { state_.rollback(mark); }
  void forget_undo(std::size_t count) override { state_.forget_journal(count); }
  void release_undo() override { state_.release_undo(); }
  std::vector<module_record> dirty_records() const override { return state_.dirty_records(); }
  void mark_all_dirty() override { state_.mark_all_dirty(); }
  void clear_dirty() override { state_.clear_dirty(); }
  status restore(std::span<const std::pair<bytes, bytes>> records) override;

private:
  funds::funds_state state_;
  std::vector<peg_effect> effects_;  // of the last apply, until chain_state takes them
};

/// A fund chain's accounts, as a report reads them (GET /v1/chains/{id}/funds): the module's totals
/// beside what the ledger and the peg hold, and every way they disagree.
struct funds_reconciliation {
  funds::summary totals;
  amount token_supply = 0;       ///< the ledger's supply of the chain's token (the fund token unless mode bfdt)
  amount escrow_vouchers = 0;    ///< BFDT vouchers the escrow account holds
  amount escrow_accounted = 0;   ///< what the module's totals say it holds
  amount pending_platform = 0;
  amount redeemable = 0;
  amount voucher_supply = 0;     ///< BFDT vouchers on this chain (pegged in minus pegged out)
  std::vector<std::string> problems;  ///< empty when everything reconciles
};
/// Reconciles a fund chain's state: the ledger's conservation, escrow vouchers ≥ accounted,
/// in mode fixed the escrow covering every redeemable token and the pending commission at the rate.
funds_reconciliation reconcile_funds(const chain_state& state);

/// What the funds rules read of a chain state (DS metadata, access control, BFDT vouchers) at `height`.
funds::env funds_env(const chain_state& state, std::uint64_t height);
/// The funds state of a chain state, or nullptr when the chain has no such module.
const funds::funds_state* find_funds(const chain_state& state) noexcept;

} // namespace bfd
