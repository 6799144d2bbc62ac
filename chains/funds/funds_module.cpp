#include "chains/funds/funds_module.hpp"

#include <fmt/format.h>

#include "chains/access/access_module.hpp"
#include "chains/consensus/chain_state.hpp"
#include "chains/crypto/keys.hpp"
#include "chains/dsmeta/dsmeta_module.hpp"
#include "chains/peg/peg_module.hpp"

namespace bfd {

result<std::unique_ptr<funds_module>> funds_module::from_records(std::span<const std::pair<bytes, bytes>> records) {
  auto s = funds::funds_state::restore(records);
  if (!s)
    return s.error();
  return std::make_unique<funds_module>(std::move(*s));
}

status funds_module::restore(std::span<const std::pair<bytes, bytes>> records) {
  auto s = funds::funds_state::restore(records, state_.parameters());
  if (!s)
    return s.error();
  state_ = std::move(*s);
  effects_.clear();
  return {};
}

funds::env funds_env(const chain_state& state, std::uint64_t height) {
  funds::env e;
  e.height = height;
  e.ds = find_dsmeta(state);
  e.access = find_access(state);
  if (const auto* p = find_peg(state)) {
    const auto* ledger = &p->peg_ledger();
    e.vouchers = [ledger](const address& a) { return ledger->voucher_balance(std::string(funds::bfdt_denom), a); };
  }
  return e;
}

status funds_module::check(const transaction& tx, const block_context& ctx, const ledger& l) const {
  if (!ctx.state)
    return make_error(errc::kind_not_enabled, "funds kinds need the chain state");
  const auto e = funds_env(*ctx.state, ctx.height);
  return std::visit(
    [&](const auto& p) -> status {
      using T = std::decay_t<decltype(p)>;
      if constexpr (T::module == module_id::funds)
        return state_.check(address_of(tx.sender), tx.fee, p, e, l);
      else
        return make_error(errc::kind_not_enabled, "not a funds transaction");
    },
    tx.payload);
}

status funds_module::apply(const transaction& tx, const block_context& ctx, ledger& l) {
  effects_.clear();
  if (!ctx.state)
    return make_error(errc::kind_not_enabled, "funds kinds need the chain state");
  const auto e = funds_env(*ctx.state, ctx.height);
  return std::visit(
    [&](const auto& p) -> status {
      using T = std::decay_t<decltype(p)>;
      if constexpr (T::module == module_id::funds)
        return state_.apply(address_of(tx.sender), p, e, l, effects_);
      else
        return make_error(errc::kind_not_enabled, "not a funds transaction");
    },
    tx.payload);
}

status funds_module::check_token_transfer(const address& from, const address& to, const block_context& ctx) const {
  if (!ctx.state)
    return {};
  return state_.check_transfer(from, to, funds_env(*ctx.state, ctx.height));
}

funds_reconciliation reconcile_funds(const chain_state& state) {
  funds_reconciliation r;
  const auto* f = find_funds(state);
  if (f)
    r.totals = f->totals();
  r.token_supply = state.accounts().total_supply();
  if (const auto* p = find_peg(state)) {
    const std::string denom(funds::bfdt_denom);
    r.escrow_vouchers = p->peg_ledger().voucher_balance(denom, funds::escrow_address());
    r.voucher_supply = p->peg_ledger().voucher_supply(denom);
  }
  if (!f || f->empty())
    return r;
  const auto& s = r.totals;
  r.escrow_accounted = funds::escrow_accounted(s);
  r.pending_platform = funds::pending_platform(s);
  r.redeemable = s.mode == ds::rate_mode::bfdt ? 0 : funds::redeemable(s);
  if (s.mode != ds::rate_mode::bfdt
      && state.accounts().get(funds::platform_pending_address()).balance != r.pending_platform)
    r.problems.push_back(fmt::format("the platform's pending account holds {} fund units, the totals say {}",
                                     state.accounts().get(funds::platform_pending_address()).balance,
                                     r.pending_platform));
  if (auto st = state.accounts().check_conservation(); !st)
    r.problems.push_back("ledger: " + st.error().message());
  if (r.escrow_vouchers < r.escrow_accounted)
    r.problems.push_back(fmt::format("the escrow holds {} BFDT units, the totals account for {}", r.escrow_vouchers,
                                     r.escrow_accounted));
  if (s.mode == ds::rate_mode::fixed) {
    const auto need = funds::tokens_to_bfdt(r.redeemable, s.fixed_rate);
    if (!need || *need > r.escrow_accounted)
      r.problems.push_back(fmt::format("at the fixed rate {} the escrow's {} BFDT units do not cover {} tokens",
                                       s.fixed_rate, r.escrow_accounted, r.redeemable));
  }
  return r;
}

const funds::funds_state* find_funds(const chain_state& state) noexcept {
  const auto* m = state.module(module_id::funds);
  return m ? &static_cast<const funds_module*>(m)->state() : nullptr;
}

} // namespace bfd
