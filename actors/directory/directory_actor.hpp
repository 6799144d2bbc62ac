// The node directory actor: chain id -> that chain's handles on this node (interface in
// protocols/directory.hpp). The node puts a chain unit's handles when it starts and erases them
// when it stops; peers and edges look chains up here.
#pragma once

#include <memory>

#include <caf/fwd.hpp>

#include "protocols/directory.hpp"

namespace bfd {

class peer_conduct;  // actors/peer_conduct.hpp

/// Spawns an empty directory. With `conduct`, a peer node's message outside the interface is that
/// node's offence (actors/peer_conduct.hpp); without, it is dropped and printed.
directory_actor spawn_directory(caf::actor_system& system, std::shared_ptr<peer_conduct> conduct = nullptr);

} // namespace bfd
