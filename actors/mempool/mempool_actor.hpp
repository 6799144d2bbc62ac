// The mempool actor: admits signed transactions (verifying each signature once per node),
// hands producers batches in nonce order, and forgets what blocks included.
#pragma once

#include <cstddef>
#include <memory>

#include <caf/fwd.hpp>

#include "actors/verified_cache.hpp"
#include "actors/verifier/verifier_actor.hpp"
#include "protocols/interfaces.hpp"

namespace bfd {

/// Bounds and rules of a mempool.
struct mempool_config {
  chain_id chain = mainchain_id;
  std::size_t max_transactions = 100'000;  ///< beyond this, submissions get errc::mempool_full
  std::size_t max_per_sender = 1'000;
  std::shared_ptr<verified_cache> verified;
  /// Where signatures are checked, in parallel, off this actor; empty: the mempool verifies.
  std::vector<verifier_actor> verifiers;
};

mempool_actor spawn_mempool(caf::actor_system& system, mempool_config config);

} // namespace bfd
