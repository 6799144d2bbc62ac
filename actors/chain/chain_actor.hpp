// The chain actor: one chain's replica on a node. Validates and applies blocks through the pure
// chain engine, gathers confirmations, persists what becomes final, answers queries.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/fwd.hpp>

#include "actors/clock.hpp"
#include "actors/verified_cache.hpp"
#include "chains/consensus/chain_engine.hpp"
#include "chains/storage/kv_store.hpp"
#include "chains/storage/open_chain.hpp"  // open_chain, used with spawn_chain
#include "protocols/interfaces.hpp"

namespace spdlog {
class logger;
}

namespace bfd {

class peer_conduct;  // actors/peer_conduct.hpp

/// What a chain actor needs besides its engine.
struct chain_actor_config {
  std::shared_ptr<kv_store> store;            ///< nullptr: keep nothing (simulations)
  mempool_actor mempool;
  std::shared_ptr<verified_cache> verified;
  std::optional<key_pair> reporter;           ///< signs evidence transactions (fee 0)
  std::shared_ptr<spdlog::logger> log;        ///< nullptr: no logging
  std::uint32_t confirm_timeout_ms = 5000;
  /// Blocks stamped later than now + max_drift_ms are refused (nullptr: no clock check).
  std::shared_ptr<const clock> time;
  std::uint64_t max_drift_ms = 1000;
  /// The read cache's invalidation (docs/cache.md): called, inside the handler that changed the
  /// state and so before any later query sees it, with the tags of the reads each new head and
  /// each newly final state changed (chains/cache/invalidation.hpp). Empty: no read cache.
  std::function<void(const std::vector<std::string>&)> invalidate;
  /// With `invalidate`: called after it with the stage ('h' head, 'f' final) and the height the
  /// change reached, also when it invalidated nothing, so that a cached answer reports the
  /// current height (read_cache::advance). Empty: not told.
  std::function<void(char, std::uint64_t)> advanced;
  /// Set: a peer node's message this interface does not have is that node's offence
  /// (actors/peer_conduct.hpp); nullptr: dropped and printed, as before.
  std::shared_ptr<peer_conduct> conduct;
};

/// Spawns the actor around `engine` (from genesis or restored from storage).
chain_actor spawn_chain(caf::actor_system& system, std::shared_ptr<chain_engine> engine, chain_actor_config config);

} // namespace bfd
