// The read cache's vocabulary: a cache shard's typed interface (get, put, invalidate, stats) and
// the directory entry that places a shard on a node, so every node's ring spans the shards of
// the whole topology (actors/cache/, docs/cache.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

namespace bfd {

using cache_get_atom = caf::atom_constant<caf::atom("cacheget")>;
using cache_put_atom = caf::atom_constant<caf::atom("cacheput")>;
using cache_inval_atom = caf::atom_constant<caf::atom("cacheinv")>;
using cache_stats_atom = caf::atom_constant<caf::atom("cachestat")>;
using caches_atom = caf::atom_constant<caf::atom("caches")>;

/// A shard's answer to a get: the value on a hit; on a miss, the generations its tags have now,
/// which the reader hands back with the value it then reads from the chain (a put with older
/// generations is refused: docs/cache.md, "Freshness").
struct cache_lookup {
  bool hit = false;
  std::string value;
  std::vector<std::uint64_t> gens;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cache_lookup& x) {
  return f(caf::meta::type_name("bfd::cache_lookup"), x.hit, x.value, x.gens);
}

/// A shard's size and its own counts since it started.
struct cache_shard_stats {
  std::uint64_t entries = 0;
  std::uint64_t bytes = 0;
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;
  std::uint64_t evictions = 0;
  std::uint64_t invalidations = 0;  ///< tags invalidated
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cache_shard_stats& x) {
  return f(caf::meta::type_name("bfd::cache_shard_stats"), x.entries, x.bytes, x.hits, x.misses, x.evictions,
           x.invalidations);
}

/// One shard of the read cache: a bounded LRU of reads with tag generations.
using cache_shard_actor = caf::typed_actor<
  /// The value under a key, valid for the given tags (hit), or the tags' generations (miss).
  caf::replies_to<cache_get_atom, std::string, std::vector<std::string>>::with<cache_lookup>,
  /// Stores a value read while the tags had the given generations (refused if one moved since).
  caf::reacts_to<cache_put_atom, std::string, std::vector<std::string>, std::vector<std::uint64_t>, std::string>,
  /// Invalidates every entry depending on one of the tags.
  caf::reacts_to<cache_inval_atom, std::vector<std::string>>,
  caf::replies_to<cache_stats_atom>::with<cache_shard_stats>>;

/// A shard as the node directory lists it: the node it runs on, its ring name, its handle.
struct cache_shard {
  std::string node;
  std::string name;  ///< "NODE/INDEX": its place on the ring
  cache_shard_actor actor;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cache_shard& x) {
  return f(caf::meta::type_name("bfd::cache_shard"), x.node, x.name, x.actor);
}

/// Most shards one directory lists (the ring's bound too).
inline constexpr std::size_t max_cache_shards = 1024;

} // namespace bfd
