#include "chains/sidechain/registry_module.hpp"

#include <algorithm>

#include "chains/access/access_module.hpp"
#include "chains/crypto/hash.hpp"
#include "chains/crypto/keys.hpp"

namespace bfd {

registry_module::registry_module(std::shared_ptr<const registry_genesis> genesis, consensus_params mainchain,
                                 bool pegged)
  : genesis_(std::move(genesis)), registry_(genesis_->authority, std::move(mainchain), pegged) {}

status registry_module::genesis(const block_context& ctx, ledger& l) {
  (void)l;
  if (!ctx.active)
    return make_error(errc::invalid_argument, "the registry's genesis needs the active cluster");
  const mainchain_position at{0, ctx.timestamp_ms};
  for (const auto& e : genesis_->sidechains) {
    const auto& authority = genesis_->authority;
    if (auto st = registry_.apply_register(authority, sidechain_register_payload{e}, at, *ctx.active); !st)
      return make_error(st.error().code, "sidechain " + std::to_string(e.id) + ": " + st.error().detail);
    if (auto st = registry_.apply_activate(authority, sidechain_activate_payload{e.id}, at); !st)
      return st;
  }
  return {};
}

// With the access module on the chain, sidechain_admin on global replaces the authority key:
// the holder acts as the authority; without it, only the key itself may.
result<public_key> registry_module::acting_sender(const transaction& tx, const block_context& ctx) const {
  const auto* acl = ctx.state ? find_access(*ctx.state) : nullptr;
  if (!acl)
    return tx.sender;
  if (auto st = acl->check(address_of(tx.sender), acl::scope::global(), acl::permission::sidechain_admin); !st)
    return st.error();
  return registry_.authority();
}

status registry_module::run(const transaction& tx, const block_context& ctx, bool apply) {
  const mainchain_position at{ctx.height, ctx.timestamp_ms};
  if (!std::holds_alternative<sidechain_anchor_tx>(tx.payload)) {
    auto sender = acting_sender(tx, ctx);
    if (!sender)
      return sender.error();
    return run_as(*sender, tx, ctx, at, apply);
  }
  return run_as(tx.sender, tx, ctx, at, apply);
}

status registry_module::run_as(const public_key& sender, const transaction& tx, const block_context& ctx,
                               const mainchain_position& at, bool apply) {
  auto& r = registry_;
  return std::visit(
    [&](const auto& p) -> status {
      using T = std::decay_t<decltype(p)>;
      if constexpr (std::is_same_v<T, sidechain_register_tx>) {
        if (!p.body)
          return make_error(errc::malformed, "sidechain_register without a body");
        if (!ctx.active)
          return make_error(errc::invalid_argument, "no active cluster to check the validators against");
        return apply ? r.apply_register(sender, *p.body, at, *ctx.active)
                     : r.check_register(sender, *p.body, at, *ctx.active);
      } else if constexpr (std::is_same_v<T, sidechain_activate_tx>) {
        return apply ? r.apply_activate(sender, {p.id}, at) : r.check_activate(sender, {p.id});
      } else if constexpr (std::is_same_v<T, sidechain_cease_tx>) {
        return apply ? r.apply_cease(sender, {p.id}, at) : r.check_cease(sender, {p.id});
      } else if constexpr (std::is_same_v<T, sidechain_anchor_tx>) {
        if (!p.body)
          return make_error(errc::malformed, "sidechain_anchor without a body");
        return apply ? r.apply_anchor(*p.body, at) : r.check_anchor(*p.body);
      } else {
        return make_error(errc::kind_not_enabled, "not a registry transaction");
      }
    },
    tx.payload);
}

status registry_module::check(const transaction& tx, const block_context& ctx, const ledger& l) const {
  (void)l;
  // check never changes the registry: run(..., false) calls only its const checks.
  return const_cast<registry_module*>(this)->run(tx, ctx, false);
}

status registry_module::apply(const transaction& tx, const block_context& ctx, ledger& l) {
  (void)l;
  return run(tx, ctx, true);
}

std::optional<hash256> registry_module::root() const {
  return tagged_hash(hash_tag::sidechain, registry_.authority().view(), registry_.root().view());
}

namespace {
const bytes authority_key{'A'};
} // namespace

std::vector<module_record> registry_module::dirty_records() const {
  auto out = registry_.dirty_records();
  if (authority_dirty_)
    out.emplace_back(authority_key, bytes(registry_.authority().begin(), registry_.authority().end()));
  return out;
}

status registry_module::restore(std::span<const std::pair<bytes, bytes>> records) {
  std::vector<std::pair<bytes, bytes>> own;
  own.reserve(records.size());
  for (const auto& r : records) {
    if (r.first == authority_key) {
      if (r.second.size() != 32 || !std::equal(r.second.begin(), r.second.end(), registry_.authority().begin()))
        return make_error(errc::storage_corrupt, "the stored registry authority differs from the genesis's");
      continue;
    }
    own.push_back(r);
  }
  auto r = sidechain_registry::restore(registry_.authority(), registry_.mainchain_params(), own, registry_.pegged());
  if (!r)
    return r.error();
  registry_ = std::move(*r);
  return {};
}

result<std::unique_ptr<registry_module>> registry_module::from_records(
  const consensus_params& mainchain, std::span<const std::pair<bytes, bytes>> records) {
  auto g = std::make_shared<registry_genesis>();
  bool found = false;
  for (const auto& r : records)
    if (r.first == authority_key && r.second.size() == 32) {
      std::copy(r.second.begin(), r.second.end(), g->authority.begin());
      found = true;
    }
  if (!found)
    return make_error(errc::storage_corrupt, "the registry's authority record is missing");
  auto m = std::make_unique<registry_module>(std::move(g), mainchain);
  if (auto st = m->restore(records); !st)
    return st.error();
  return m;
}

const sidechain_registry* find_registry(const chain_state& state) noexcept {
  const auto* m = state.module(module_id::registry);
  return m ? &static_cast<const registry_module*>(m)->registry() : nullptr;
}

} // namespace bfd
