// The mempool actor: admits signed transactions (verifying each signature once per node),
// hands producers batches in nonce order, and forgets what blocks included.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

#include <caf/fwd.hpp>

#include "actors/peer_conduct.hpp"
#include "actors/verified_cache.hpp"
#include "actors/verifier/verifier_actor.hpp"
#include "protocols/interfaces.hpp"

namespace bfd {

/// Where a mempool that ends leaves its pending transactions for the instance its supervisor
/// starts next, which admits them again before anything else (docs/supervision.md). Process
/// memory only: a process that dies loses them, as it loses any mempool.
struct mempool_handover {
  std::mutex mutex;
  std::vector<tx_envelope> pending;  ///< per sender in nonce order
};

/// Bounds and rules of a mempool.
struct mempool_config {
  chain_id chain = mainchain_id;
  std::size_t max_transactions = 100'000;  ///< beyond this, submissions get errc::mempool_full
  std::size_t max_per_sender = 1'000;
  std::shared_ptr<verified_cache> verified;
  /// Where signatures are checked, in parallel, off this actor; empty: the mempool verifies.
  std::vector<verifier_actor> verifiers;
  /// Set: the pending transactions outlive this instance (mempool_handover).
  std::shared_ptr<mempool_handover> handover;
  /// Set: a transaction relayed by a peer node with a bad signature or undecodable bytes, or a
  /// message this interface does not have, is that node's offence; nullptr: nothing is counted.
  std::shared_ptr<peer_conduct> conduct;
};

mempool_actor spawn_mempool(caf::actor_system& system, mempool_config config);

} // namespace bfd
