// Access control as a chain's state module (module_id::access, kinds 20-23): its state is
// access_state, its root is that state's root, its records are the state's records. Other
// modules ask it through find_access(*ctx.state). Pure.
#pragma once

#include <memory>
#include <vector>

#include "chains/access/access_state.hpp"
#include "chains/state/state_module.hpp"

namespace bfd {

/// What a chain's genesis says of access control: the first global admins, and permissions
/// other accounts (or the admins) hold on global from block 0.
struct access_genesis {
  std::vector<address> admins;
  std::vector<std::pair<address, acl::permission_mask>> grants;
};

class access_module final : public state_module {
public:
  explicit access_module(acl::access_state state) : state_(std::move(state)) {}
  /// The genesis state (at least one admin, none twice).
  static result<std::unique_ptr<access_module>> make(const access_genesis& genesis);
  /// A module rebuilt from its stored records alone: what the storage check uses.
  static result<std::unique_ptr<access_module>> from_records(std::span<const std::pair<bytes, bytes>> records);

  const acl::access_state& state() const noexcept { return state_; }

  module_id id() const noexcept override { return module_id::access; }
  std::unique_ptr<state_module> clone() const override { return std::make_unique<access_module>(*this); }
  status check(const transaction& tx, const block_context& ctx, const ledger& l) const override;
  status apply(const transaction& tx, const block_context& ctx, ledger& l) override;
  /// Always present: commits to every holding, role and level (so the genesis hash fixes the
  /// first admins).
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
  acl::access_state state_;
};

/// The access control of a chain state, or nullptr when the chain has no access module.
const acl::access_state* find_access(const chain_state& state) noexcept;

} // namespace bfd
