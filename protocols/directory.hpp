// The node directory: which chains this node hosts and the handles of each chain's actors. It is
// what a node publishes to its peers; peers, the HTTP bridge, bridges and services find a chain's
// actors through it instead of holding them directly.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "protocols/cache.hpp"
#include "protocols/interfaces.hpp"

namespace bfd {

using lookup_atom = caf::atom_constant<caf::atom("lookup")>;
using chains_atom = caf::atom_constant<caf::atom("chains")>;
using put_atom = caf::atom_constant<caf::atom("put")>;
using erase_atom = caf::atom_constant<caf::atom("erase")>;

/// One chain's actors on one node.
struct chain_handles {
  std::uint32_t id = 0;      ///< bfd::chain_id
  std::uint8_t kind = 0;     ///< bfd::chain_kind
  std::string name;
  std::string token;         ///< token symbol
  chain_actor chain;         ///< invalid: the node does not host the chain
  mempool_actor mempool;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, chain_handles& x) {
  return f(caf::meta::type_name("bfd::chain_handles"), x.id, x.kind, x.name, x.token, x.chain, x.mempool);
}

/// chain id -> that chain's handles on this node.
using directory_actor = caf::typed_actor<
  /// The chain's handles; `chain` is invalid when this node does not host it.
  caf::replies_to<lookup_atom, std::uint32_t>::with<chain_handles>,
  /// Every hosted chain, by id.
  caf::replies_to<chains_atom>::with<std::vector<chain_handles>>,
  /// A chain unit started (or restarted) here: adds or replaces its entry.
  caf::reacts_to<put_atom, chain_handles>,
  /// A chain unit stopped here.
  caf::reacts_to<erase_atom, std::uint32_t>,
  /// The read-cache shards that node `origin` runs (this node's own under its own name, a
  /// peer's as the peer connector learns them): replaces what `origin` listed before.
  caf::reacts_to<put_atom, std::string, std::vector<cache_shard>>,
  /// Every cache shard listed, by name (this node's and its peers').
  caf::replies_to<caches_atom>::with<std::vector<cache_shard>>,
  /// The shards node `origin` runs (the peer connector sends a peer this node's own).
  caf::replies_to<caches_atom, std::string>::with<std::vector<cache_shard>>>;

/// Registers chain_handles, the cache types, their vectors and directory_actor (called by
/// register_vocabulary).
void register_directory(caf::actor_system_config& cfg);

} // namespace bfd
