// The service registry as the mainchain's state module (module_id::services, kinds 28-32):
// services, their versions staged beside each other, the per-chain schedule that says which
// version is live where, the canary rollout and its health gate (docs/services.md). Permissions
// come from the access module of the same chain. Pure.
#pragma once

#include <memory>

#include "chains/services/services_state.hpp"
#include "chains/state/state_module.hpp"

namespace bfd {

class services_module final : public state_module {
public:
  services_module() = default;
  explicit services_module(services::services_state state) : state_(std::move(state)) {}
  /// A module rebuilt from its stored records alone (the storage check).
  static result<std::unique_ptr<services_module>> from_records(std::span<const std::pair<bytes, bytes>> records);

  const services::services_state& state() const noexcept { return state_; }

  module_id id() const noexcept override { return module_id::services; }
  std::unique_ptr<state_module> clone() const override { return std::make_unique<services_module>(*this); }
  status check(const transaction& tx, const block_context& ctx, const ledger& l) const override;
  status apply(const transaction& tx, const block_context& ctx, ledger& l) override;
  /// Nothing until the first registration, so enabling the module leaves a genesis hash unchanged.
  std::optional<hash256> root() const override { return state_.root(); }
  std::size_t checkpoint() const override { return state_.records().checkpoint(); }
  void rollback(std::size_t mark) override { state_.records().rollback(mark); }
  void forget_undo(std::size_t count) override { state_.records().forget_journal(count); }
  void release_undo() override { state_.records().release_undo(); }
  std::vector<module_record> dirty_records() const override { return state_.records().dirty_records(); }
  void mark_all_dirty() override { state_.records().mark_all_dirty(); }
  void clear_dirty() override { state_.records().clear_dirty(); }
  status restore(std::span<const std::pair<bytes, bytes>> records) override;

private:
  services::services_state state_;
};

/// The service registry of a chain state, or nullptr when the chain has none.
const services::services_state* find_services(const chain_state& state) noexcept;

} // namespace bfd
