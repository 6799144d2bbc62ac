#include "chains/access/access_module.hpp"

#include "chains/consensus/chain_state.hpp"
#include "chains/crypto/keys.hpp"

namespace bfd {

result<std::unique_ptr<access_module>> access_module::make(const access_genesis& genesis) {
  auto s = acl::access_state::genesis(genesis.admins, genesis.grants);
  if (!s)
    return s.error();
  return std::make_unique<access_module>(std::move(*s));
}

result<std::unique_ptr<access_module>> access_module::from_records(
  std::span<const std::pair<bytes, bytes>> records) {
  auto s = acl::access_state::restore(records);
  if (!s)
    return s.error();
  return std::make_unique<access_module>(std::move(*s));
}

status access_module::check(const transaction& tx, const block_context& ctx, const ledger& l) const {
  (void)ctx;
  (void)l;
  const auto sender = address_of(tx.sender);
  return std::visit(
    [&](const auto& p) -> status {
      using T = std::decay_t<decltype(p)>;
      if constexpr (std::is_same_v<T, acl_grant_tx>)
        return state_.check_grant(sender, p);
      else if constexpr (std::is_same_v<T, acl_revoke_tx>)
        return state_.check_revoke(sender, p);
      else if constexpr (std::is_same_v<T, acl_role_define_tx>)
        return state_.check_role_define(sender, p);
      else if constexpr (std::is_same_v<T, acl_set_level_tx>)
        return state_.check_set_level(sender, p);
      else
        return make_error(errc::kind_not_enabled, "not an access transaction");
    },
    tx.payload);
}

status access_module::apply(const transaction& tx, const block_context& ctx, ledger& l) {
  (void)ctx;
  (void)l;
  const auto sender = address_of(tx.sender);
  return std::visit(
    [&](const auto& p) -> status {
      using T = std::decay_t<decltype(p)>;
      if constexpr (std::is_same_v<T, acl_grant_tx>)
        return state_.apply_grant(sender, p);
      else if constexpr (std::is_same_v<T, acl_revoke_tx>)
        return state_.apply_revoke(sender, p);
      else if constexpr (std::is_same_v<T, acl_role_define_tx>)
        return state_.apply_role_define(sender, p);
      else if constexpr (std::is_same_v<T, acl_set_level_tx>)
        return state_.apply_set_level(sender, p);
      else
        return make_error(errc::kind_not_enabled, "not an access transaction");
    },
    tx.payload);
}

status access_module::restore(std::span<const std::pair<bytes, bytes>> records) {
  auto s = acl::access_state::restore(records);
  if (!s)
    return s.error();
  state_ = std::move(*s);
  return {};
}

const acl::access_state* find_access(const chain_state& state) noexcept {
  const auto* m = state.module(module_id::access);
  return m ? &static_cast<const access_module*>(m)->state() : nullptr;
}

} // namespace bfd
