// The sidechain registry as the mainchain's state module (module_id::registry): transactions of
// kinds 6-9 run sidechain_registry's rules at the block's height, time and active cluster; its
// root is part of the mainchain's state root; its records live beside the chain's other state.
// Pure.
#pragma once

#include <memory>
#include <vector>

#include "chains/sidechain/registry.hpp"
#include "chains/state/state_module.hpp"

namespace bfd {

/// What a chain's genesis says of its registry.
struct registry_genesis {
  /// The only key that may register, activate and cease sidechains, unless the chain has the
  /// access module: then holders of sidechain_admin on global may, and this key only with it.
  public_key authority;
  /// Sidechains registered and active from the genesis (block 0), in this order.
  std::vector<sidechain_entry> sidechains;
};

class registry_module final : public state_module {
public:
  /// `pegged`: the mainchain has the peg module (sidechain geneses then have it too).
  registry_module(std::shared_ptr<const registry_genesis> genesis, consensus_params mainchain, bool pegged = false);

  const sidechain_registry& registry() const noexcept { return registry_; }

  module_id id() const noexcept override { return module_id::registry; }
  std::unique_ptr<state_module> clone() const override { return std::make_unique<registry_module>(*this); }
  status genesis(const block_context& ctx, ledger& l) override;
  status check(const transaction& tx, const block_context& ctx, const ledger& l) const override;
  status apply(const transaction& tx, const block_context& ctx, ledger& l) override;
  /// Always present: commits to the authority and the registry (so the genesis hash fixes both).
  std::optional<hash256> root() const override;
  std::size_t checkpoint() const override { return registry_.checkpoint(); }
  void rollback(std::size_t mark) override { registry_.rollback(mark); }
  void forget_undo(std::size_t count) override { registry_.forget_journal(count); }
  void release_undo() override { registry_.release_undo(); }
  /// The registry's records plus one of the module's own: key 'A', the authority key (so a store
  /// can be checked without the genesis).
  std::vector<module_record> dirty_records() const override;
  void mark_all_dirty() override {
    registry_.mark_all_dirty();
    authority_dirty_ = true;
  }
  void clear_dirty() override {
    registry_.clear_dirty();
    authority_dirty_ = false;
  }
  status restore(std::span<const std::pair<bytes, bytes>> records) override;

  /// A registry module rebuilt from its stored records alone (the authority from its 'A' record;
  /// `mainchain` the chain's consensus parameters): what the storage check uses.
  static result<std::unique_ptr<registry_module>> from_records(const consensus_params& mainchain,
                                                               std::span<const std::pair<bytes, bytes>> records);

private:
  status run(const transaction& tx, const block_context& ctx, bool apply);
  status run_as(const public_key& sender, const transaction& tx, const block_context& ctx,
                const mainchain_position& at, bool apply);
  // Who register, activate and cease run as (access control or the authority key).
  result<public_key> acting_sender(const transaction& tx, const block_context& ctx) const;

  std::shared_ptr<const registry_genesis> genesis_;
  sidechain_registry registry_;
  bool authority_dirty_ = false;
};

/// The registry of a chain state, or nullptr when the chain has none.
const sidechain_registry* find_registry(const chain_state& state) noexcept;

} // namespace bfd
