#include "chains/services/services_module.hpp"

#include "chains/access/access_module.hpp"
#include "chains/consensus/chain_state.hpp"
#include "chains/crypto/keys.hpp"

namespace bfd {

namespace {

services::env env_of(const block_context& ctx) {
  return services::env{ctx.height, ctx.state ? find_access(*ctx.state) : nullptr};
}

// Runs `f` on the transaction's payload when it is one of this module's kinds.
template <class F>
status on_payload(const transaction& tx, F f) {
  return std::visit(
    [&](const auto& p) -> status {
      using T = std::decay_t<decltype(p)>;
      if constexpr (T::module == module_id::services)
        return f(p);
      else
        return make_error(errc::kind_not_enabled, "not a service registry transaction");
    },
    tx.payload);
}

} // namespace

result<std::unique_ptr<services_module>> services_module::from_records(
  std::span<const std::pair<bytes, bytes>> records) {
  auto s = services::services_state::restore(records);
  if (!s)
    return s.error();
  return std::make_unique<services_module>(std::move(*s));
}

status services_module::restore(std::span<const std::pair<bytes, bytes>> records) {
  auto s = services::services_state::restore(records);
  if (!s)
    return s.error();
  state_ = std::move(*s);
  return {};
}

status services_module::check(const transaction& tx, const block_context& ctx, const ledger& l) const {
  (void)l;
  const auto e = env_of(ctx);
  const auto sender = address_of(tx.sender);
  return on_payload(tx, [&](const auto& p) { return state_.check(sender, p, e); });
}

status services_module::apply(const transaction& tx, const block_context& ctx, ledger& l) {
  (void)l;
  const auto e = env_of(ctx);
  const auto sender = address_of(tx.sender);
  return on_payload(tx, [&](const auto& p) { return state_.apply(sender, p, e); });
}

const services::services_state* find_services(const chain_state& state) noexcept {
  const auto* m = state.module(module_id::services);
  return m ? &static_cast<const services_module*>(m)->state() : nullptr;
}

} // namespace bfd
