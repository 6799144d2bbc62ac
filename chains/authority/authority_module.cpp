#include "chains/authority/authority_module.hpp"

#include "chains/access/access_module.hpp"
#include "chains/consensus/chain_state.hpp"
#include "chains/crypto/keys.hpp"
#include "chains/ledger/ledger.hpp"

namespace bfd {

result<std::unique_ptr<authority_module>> authority_module::from_records(
  std::span<const std::pair<bytes, bytes>> records) {
  auto s = authority::authority_state::restore(records);
  if (!s)
    return s.error();
  return std::make_unique<authority_module>(std::move(*s));
}

status authority_module::restore(std::span<const std::pair<bytes, bytes>> records) {
  auto s = authority::authority_state::restore(records);
  if (!s)
    return s.error();
  state_ = std::move(*s);
  return {};
}

authority::env authority_module::env_of(const block_context& ctx) const {
  authority::env e;
  e.chain = ctx.chain;
  e.height = ctx.height;
  if (ctx.state)
    e.access = find_access(*ctx.state);
  return e;
}

status authority_module::check(const transaction& tx, const block_context& ctx, const ledger& l) const {
  const auto e = env_of(ctx);
  const auto sender = address_of(tx.sender);
  return std::visit(
    [&](const auto& p) -> status {
      using T = std::decay_t<decltype(p)>;
      if constexpr (T::module == module_id::authority) {
        if constexpr (std::is_same_v<T, tagged_transfer_tx>) {
          if (p.to != sender && !checked_add(l.get(p.to).balance, p.value))
            return make_error(errc::overflow, "recipient balance would exceed 2^64-1");
        }
        return state_.check(sender, p, e);
      } else {
        return make_error(errc::kind_not_enabled, "not a credential authority transaction");
      }
    },
    tx.payload);
}

status authority_module::apply(const transaction& tx, const block_context& ctx, ledger& l) {
  const auto e = env_of(ctx);
  const auto sender = address_of(tx.sender);
  return std::visit(
    [&](const auto& p) -> status {
      using T = std::decay_t<decltype(p)>;
      if constexpr (T::module == module_id::authority) {
        if (auto st = state_.apply(sender, p, e); !st)
          return st;
        if constexpr (std::is_same_v<T, tagged_transfer_tx>)
          return l.unlock(p.to, p.value);
        return {};
      } else {
        return make_error(errc::kind_not_enabled, "not a credential authority transaction");
      }
    },
    tx.payload);
}

const authority::authority_state* find_authority(const chain_state& state) noexcept {
  const auto* m = state.module(module_id::authority);
  return m ? &static_cast<const authority_module*>(m)->state() : nullptr;
}

} // namespace bfd
