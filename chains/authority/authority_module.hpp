// The credential authority as a chain's state module (module_id::authority, kinds 50-54): groups,
// issuance after the access-control `join` check, revocation, payments bound to a handshake by
// their payment tag, and the member records of consortium chains (docs/membership-proofs.md). Pure.
#pragma once

#include <memory>

#include "chains/authority/authority_state.hpp"
#include "chains/state/state_module.hpp"

namespace bfd {

class authority_module final : public state_module {
public:
  explicit authority_module(authority::authority_state state) : state_(std::move(state)) {}
  /// The empty module.
  static std::unique_ptr<authority_module> make() { return std::make_unique<authority_module>(authority::authority_state{}); }
  /// A module rebuilt from its stored records alone (the storage check).
  static result<std::unique_ptr<authority_module>> from_records(std::span<const std::pair<bytes, bytes>> records);

  const authority::authority_state& state() const noexcept { return state_; }

  module_id id() const noexcept override { return module_id::authority; }
  std::unique_ptr<state_module> clone() const override { return std::make_unique<authority_module>(*this); }
  status check(const transaction& tx, const block_context& ctx, const ledger& l) const override;
  /// Records the kind; a tagged transfer's value (locked by the ledger as its spend) goes to its
  /// recipient.
  status apply(const transaction& tx, const block_context& ctx, ledger& l) override;
  /// Forgets the payment tags whose window ended before this block.
  void begin_block(const block_context& ctx) override { state_.prune_tags(ctx.height); }
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
  authority::env env_of(const block_context& ctx) const;
  authority::authority_state state_;
};

/// The authority state of a chain state, or nullptr when the chain has no such module.
const authority::authority_state* find_authority(const chain_state& state) noexcept;

} // namespace bfd
