// bfd-sim explore: random seeded scenarios (small networks, partitions, crashes, pauses, slow
// VMs, message delay and loss, equivocating delegates under a third of the power), each run with
// the runner's checks: safety (no conflicting final blocks, valid certificates, supply, slashing)
// and liveness (finality resumes after the last fault heals).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace bfd::sim {

/// Rounds within which finality must resume once the last fault has healed (docs/sim-scenarios.md).
inline constexpr std::uint64_t explore_resume_bound = 4;
/// Fault-free rounds at the end of every generated scenario (the bound plus a margin).
inline constexpr std::uint64_t explore_quiet_tail = explore_resume_bound + 6;
/// Fewest rounds an explored scenario may have (faults need room before the quiet tail).
inline constexpr std::uint64_t explore_min_rounds = explore_quiet_tail + 6;
/// Peak memory of the process above which a run counts as a violation (MiB).
inline constexpr double explore_max_rss_mib = 2048;
/// Blocks above the final one on any node above which a run counts as a violation.
inline constexpr std::uint64_t explore_max_unfinal = 4096;

/// What to generate.
struct explore_options {
  std::uint64_t rounds = 30;  ///< rounds of each scenario, at least explore_min_rounds
  bool loss = true;           ///< generate message-loss faults
  bool vote_loss = true;      ///< loss may drop relayed votes (false: only blocks, transactions, sync)
};

/// A generated scenario: its file text and what the checks need to know about it.
struct explore_scenario {
  std::uint64_t seed = 0;
  std::string toml;                          ///< a scenario file (docs/sim-scenarios.md)
  std::uint64_t resume_from = 0;             ///< the round at whose start the last fault has healed
  std::vector<std::string> byzantine;        ///< VMs allowed to equivocate (under 1/3 of the cluster's power)
  std::map<std::string, std::uint64_t> faults;  ///< faults injected, by kind
  std::uint64_t vms = 0;
  std::string nodes;                         ///< the [network] nodes setting, as written
};

/// The scenario seed `seed` generates (the same seed and options, the same text).
explore_scenario generate_explore_scenario(std::uint64_t seed, const explore_options& options);

/// The outcome of one seed.
struct explore_result {
  explore_scenario scenario;
  std::vector<std::string> violations;  ///< empty: every check held
  std::optional<std::uint64_t> resume_rounds;
  std::uint64_t final_blocks = 0;
  std::uint64_t certificates_checked = 0;
  std::uint64_t max_unfinal = 0;
  std::uint64_t messages_lost = 0;
  std::uint64_t nodes = 0;
  std::vector<std::string> slashed;
  double seconds = 0;
};

/// Generates and runs seed `seed` with the checks; `rss_mib` (when set) reads the process's
/// peak memory after the run.
explore_result explore_one(std::uint64_t seed, const explore_options& options,
                           const std::function<double()>& rss_mib = {});

/// The one command that replays seed `seed` with these options.
std::string explore_replay_command(std::uint64_t seed, const explore_options& options);

} // namespace bfd::sim
