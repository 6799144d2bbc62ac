// A read-cache shard actor: one bounded LRU of cached reads with tag generations (chains/cache/
// lru.hpp) behind the typed interface of protocols/cache.hpp. Each node runs its shards and
// lists them in its directory; the ring of every node spans them all (docs/cache.md).
#pragma once

#include <caf/fwd.hpp>

#include "chains/cache/lru.hpp"
#include "protocols/cache.hpp"

namespace bfd {

/// Spawns a shard with the given bounds (entries expire ttl_ms after they were stored, by the
/// steady clock).
cache_shard_actor spawn_cache_shard(caf::actor_system& system, cache::cache_limits limits = {});

} // namespace bfd
