// Verifier actors: check transaction signatures off the mempool and chain actors, in parallel
// (one per scheduler thread), recording each verified entry in the node's shared cache.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "actors/verified_cache.hpp"
#include "protocols/vocabulary.hpp"

namespace bfd {

using verify_atom = caf::atom_constant<caf::atom("verify")>;

/// Verifies the signatures of a batch (those not already in the cache) and adds the valid ones
/// to the cache; replies how many of the batch are now known valid. Local to a node.
using verifier_actor = caf::typed_actor<caf::replies_to<verify_atom, std::vector<tx_envelope>>::with<std::uint32_t>>;

verifier_actor spawn_verifier(caf::actor_system& system, std::shared_ptr<verified_cache> cache);

} // namespace bfd
