// The bridge of one chain pair as a supervised actor (docs/peg.md "The bridge"): a detached
// blocking actor that owns one peg_bridge for the pair (mainchain, sidechain), runs a pass every
// interval and ends on an exit message. It blocks (its passes make blocking actor requests), so
// it has a thread of its own instead of a scheduler thread.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>

#include <caf/fwd.hpp>

#include "runtime/peg_bridge.hpp"
#include "runtime/supervisor.hpp"

namespace bfd::runtime {

/// "bridge-1-S": the bridge actor's name in logs, the supervisor and /metrics.
std::string bridge_actor_name(chain_id sidechain);

/// DATA_DIR/bridges/1-S.progress: where the bridge of pair (1, S) keeps its progress.
std::filesystem::path bridge_progress_file(const std::filesystem::path& data_dir, chain_id sidechain);

/// The key a bridge of pair (1, S) on node `node` signs with: derived from `base` (the bridge key
/// file's), the pair and the node name, so two bridges (of two pairs, or of one pair on two nodes)
/// never share a nonce sequence on the mainchain. Fee 0: the derived account needs no balance.
key_pair bridge_signing_key(const key_pair& base, chain_id sidechain, std::string_view node);

/// Spawns the bridge actor for `options.sidechain` (which must be set) on `n`; `n` must outlive it.
/// An exit message ends it after the pass under way (with the message's reason).
caf::actor spawn_bridge_actor(caf::actor_system& system, node& n, peg_bridge_options options,
                              std::chrono::milliseconds interval);

/// The supervisor's child for that bridge: every restart builds a new peg_bridge from the same
/// options, which reloads the progress file.
supervised_child bridge_child(node& n, peg_bridge_options options, std::chrono::milliseconds interval);

} // namespace bfd::runtime
