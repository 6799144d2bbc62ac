// Signs transactions with one node key (fee 0) and submits them to a chain's mempool: what the
// sidechain watcher's anchors and the peg bridge's deliveries are sent with. Nonces per chain:
// the head state's next nonce, or one past the last admitted transaction while that one is
// pending; back to the head's when the head grew 10 blocks while the account's nonce stood still
// (what was sent ahead was dropped; counted in blocks, not calls: a burst within one block must not
// reuse a pending nonce), or at once when our transaction at the head's nonce is no longer pending
// (refused in a block: everything sent after it waits behind a gap that nothing else fills).
#pragma once

#include <cstdint>
#include <map>

#include <caf/fwd.hpp>

#include "chains/primitives/transaction.hpp"
#include "protocols/interfaces.hpp"

namespace bfd::runtime {

class node_tx_submitter {
public:
  node_tx_submitter(caf::actor_system& system, key_pair keys) : system_(system), keys_(std::move(keys)) {}

  const key_pair& keys() const noexcept { return keys_; }

  /// Signs `payload` for chain `id` (expiry: head + 100) and submits it to `mempool`; the
  /// mempool's refusal comes back as its error.
  status submit(chain_id id, const chain_actor& chain, const mempool_actor& mempool, tx_payload payload);

private:
  struct nonces {
    std::uint64_t next = 0;       // one past the last admitted transaction
    std::uint64_t seen_head = 0;  // the head's nonce at the last call
    std::uint64_t since = 0;      // head height when that nonce was first seen while we were ahead
    std::map<std::uint64_t, hash256> sent;  // nonce -> id of what we sent at and above the head's
  };
  caf::actor_system& system_;
  key_pair keys_;
  std::map<chain_id, nonces> nonces_;
};

} // namespace bfd::runtime
