// Change sets: a block's effect on the consensus state, copied to another state in the same state.
#include "chains/consensus/consensus_state.hpp"

namespace bfd {

consensus_state::changes consensus_state::changed() const {
  changes c;
  c.s = s_;
  c.vms.reserve(dirty_vms_.size());
  for (const auto& key : dirty_vms_) {
    auto i = vms_.find(key);
    c.vms.emplace_back(key, i == vms_.end() ? std::nullopt : std::optional<vm_info>(i->second));
  }
  c.stakes.reserve(dirty_stakes_.size());
  for (const auto& key : dirty_stakes_) {
    auto i = stakes_.find(key);
    c.stakes.emplace_back(key, i == stakes_.end() ? std::nullopt : std::optional<amount>(i->second));
  }
  return c;
}

void consensus_state::apply_changes(const changes& c) {
  for (const auto& [key, vm] : c.vms)
    if (vm)
      set_vm(key, *vm);  // a VM is never removed but by a rollback: nothing means absent here too
  for (const auto& [key, value] : c.stakes)
    set_stake(key, value.value_or(0));  // zero removes the stake
  s_ = c.s;  // a checkpoint snapshots the scalars: rollback restores them
}

} // namespace bfd
