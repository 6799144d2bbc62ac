// bfd-sim's engine: runs one scenario on the node's real chain, mempool and delegate actors,
// under CAF's deterministic test scheduler and a virtual clock, and records what happened.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "config/sim_scenario.hpp"
#include "runtime/sim/sim_report.hpp"

namespace bfd::sim {

/// Progress of a run: rounds done of the total.
using progress_fn = std::function<void(std::uint64_t rounds_done, std::uint64_t rounds_total)>;

struct run_options {
  progress_fn progress;      ///< called after every round; may be empty
  std::string log_file;      ///< when set, the node's log (blocks, finality, faults) goes there
  /// When set: one CSV line per relayed vote that meets a link between nodes (sent, lost, cut by a
  /// partition, or its node down), with the virtual times, nodes, signer, source and target.
  std::string vote_trace_file;
  /// Run the safety and liveness checks of run_checks (bfd-sim explore): a little slower.
  bool check = false;
  /// With `check`: the round from which finality must resume (the last fault has healed by its start).
  std::uint64_t resume_from_round = 0;
};

/// What the checks found (run_options::check). Violations are sentences; empty = all held.
struct run_checks {
  std::vector<std::string> violations;
  /// Rounds from resume_from_round until a block above node 0's head at that round's start was
  /// final on node 0; empty if it never was.
  std::optional<std::uint64_t> resume_rounds;
  std::uint64_t nodes_compared = 0;        ///< nodes whose final chains were compared with each other
  std::uint64_t heights_compared = 0;      ///< (node pair, height) comparisons of final blocks
  std::uint64_t certificates_checked = 0;  ///< node 0's finality certificates verified
  std::uint64_t max_unfinal = 0;           ///< most blocks above the final one on any node (sampled per round)
  std::uint64_t crashes = 0;               ///< delegates killed and respawned from their store
  std::uint64_t node_restarts = 0;         ///< whole nodes stopped and started again from their store
  std::uint64_t messages_lost = 0;         ///< dropped by the links' loss model
  std::uint64_t messages_delayed = 0;      ///< delivered late by the links' delay model
  /// By VM (as sim_result::vms): the round of the latest block whose finality certificate on
  /// node 0 carries its vote; empty if none does. Shows that a restarted delegate votes again.
  std::vector<std::optional<std::uint64_t>> last_certified_round;
};

/// What the consensus state itself counted for a VM (its vm_info at the end of the replayed final
/// chain): an independent check of the records, which the runner derives from the blocks.
struct chain_counters {
  std::uint64_t blocks = 0;
  std::uint64_t txs = 0;
  amount rewards = 0;
  std::uint64_t missed = 0;  ///< slots of closed rounds without a block on the final chain
  bool slashed = false;
};

/// Figures about the run itself (not part of the deterministic outputs).
struct run_stats {
  double setup_seconds = 0;     ///< keys, hash chains, genesis, actors
  double run_seconds = 0;       ///< the simulated rounds
  double replay_seconds = 0;    ///< re-applying the final chain to derive the records
  std::uint64_t nodes = 0;      ///< simulated nodes (more than one when partitions are scripted)
  std::uint64_t blocks_made = 0;
  std::uint64_t final_blocks = 0;
  std::uint64_t txs_submitted = 0;
  std::vector<chain_counters> counters;  ///< by VM, as sim_result::vms
  run_checks checks;                     ///< filled when run_options::check is set
};

/// Runs `scenario` to the end and returns its records. The same scenario gives the same result,
/// field for field. Errors: a scenario the chain cannot start from (e.g. no cluster).
result<sim_result> run_scenario(const config::sim_scenario& scenario, const run_options& options,
                                run_stats* stats = nullptr);

} // namespace bfd::sim
