// The node directory actor: chain id -> that chain's handles on this node (interface in
// protocols/directory.hpp). The node puts a chain unit's handles when it starts and erases them
// when it stops; peers and edges look chains up here.
#pragma once

#include <caf/fwd.hpp>

#include "protocols/directory.hpp"

namespace bfd {

/// Spawns an empty directory.
directory_actor spawn_directory(caf::actor_system& system);

} // namespace bfd
