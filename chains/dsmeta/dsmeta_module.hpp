// DS metadata as a fund (DAOS) chain's state module (module_id::dsmeta, kinds 34-38): local
// kinds guarded by access control and the peg lock store; the peg metadata operations the
// mainchain coordinates (ds_register, ds_raise, ds_issue, ds_liquidate) vetoed at prepare by
// metadata_veto and adopted into its records at the end of the block their commit notice
// lands in (docs/ds-metadata.md). Pure.
#pragma once

#include <memory>

#include "chains/dsmeta/dsmeta_state.hpp"
#include "chains/state/state_module.hpp"

namespace bfd {

class dsmeta_module final : public state_module {
public:
  explicit dsmeta_module(ds::dsmeta_state state) : state_(std::move(state)) {}
  /// The empty module of fund chain `chain`.
  static std::unique_ptr<dsmeta_module> make(chain_id chain);
  /// A module rebuilt from its stored records alone (the storage check).
  static result<std::unique_ptr<dsmeta_module>> from_records(std::span<const std::pair<bytes, bytes>> records);

  const ds::dsmeta_state& state() const noexcept { return state_; }

  module_id id() const noexcept override { return module_id::dsmeta; }
  std::unique_ptr<state_module> clone() const override { return std::make_unique<dsmeta_module>(*this); }
  status check(const transaction& tx, const block_context& ctx, const ledger& l) const override;
  status apply(const transaction& tx, const block_context& ctx, ledger& l) override;
  /// Adopts the DS operation whose commit notice this block applied (the peg's "ds/status"
  /// object names an operation not adopted yet).
  status end_block(const block_context& ctx, ledger& l) override;
  /// Refuses a metadata operation that locks a "ds/" key unless it is a valid DS operation its
  /// sender may run now.
  std::optional<std::string> metadata_veto(const peg::peg_message& m, const block_context& ctx) const override;
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
  ds::env env_of(const block_context& ctx) const;
  ds::dsmeta_state state_;
};

/// The DS metadata of a chain state, or nullptr when the chain has no such module.
const ds::dsmeta_state* find_dsmeta(const chain_state& state) noexcept;

} // namespace bfd
