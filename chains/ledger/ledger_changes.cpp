// Change sets: a block's effect on the ledger, copied to another ledger in the same state.
#include "chains/ledger/ledger.hpp"

namespace bfd {

void ledger::apply_changes(const changes& c) {
  for (const auto& [addr, acct] : c.accounts) {
    if (acct)
      set(addr, *acct);
    // Nothing: created and rolled back where the change set was taken (a candidate a build
    // skipped), so absent here too.
  }
  if (supply_ != c.supply)
    set_scalar(supply_, c.supply);
  if (locked_ != c.locked)
    set_scalar(locked_, c.locked);
}

} // namespace bfd
