// bfd-sim's links between simulated nodes: one actor per ordered pair of nodes that forwards
// every message to the peer node's chain actor, unless a partition cuts it or the peer is down,
// after the [network] model's delay, or never when the loss model drops it.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "actors/clock.hpp"
#include "config/sim_scenario.hpp"

namespace bfd::sim {

/// What the runner controls of a link while it runs (a partition cuts it, a crash empties its
/// target). The model's draws come from the scenario's seed, `stream` and a per-link counter,
/// so a seed always loses and delays the same messages.
struct link_slot {
  caf::actor target;   // the peer node's chain actor; empty while that node is down
  bool cut = false;    // partitioned away
  bool lossy = false;  // the loss model applies now (before [network] loss_until_round)
  std::uint64_t stream = 0;
  std::uint64_t* lost = nullptr;     // counters of the run
  std::uint64_t* delayed = nullptr;
  std::size_t from = 0, to = 0;      // node numbers
  std::FILE* vote_trace = nullptr;   // run_options::vote_trace_file, shared by every link
  std::uint64_t genesis_ms = 0;      // the trace's times count from here
};

/// Spawns the link actor for `slot` under the [network] model `model` (which must outlive it).
caf::actor spawn_link(caf::actor_system& system, std::shared_ptr<link_slot> slot, const config::sim_network* model,
                      std::uint64_t seed, std::shared_ptr<const clock> time);

} // namespace bfd::sim
