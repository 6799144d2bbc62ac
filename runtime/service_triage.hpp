// The service triage (docs/service-triage.md): on a node holding a triage key, every interval
// it reads the rollouts of the mainchain's final services state, measures each canary this
// node hosts (calls to the new version's contract and their failures, missed slots, final-seen
// latency p99: the chain actor's health_atom) since the canary went live, and submits a signed
// service_health report to the mainchain. The mainchain's services module decides rollback or
// promotion; the triage only measures and reports.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <caf/fwd.hpp>

#include "actors/restart_counts.hpp"
#include "protocols/interfaces.hpp"
#include "runtime/periodic_thread.hpp"
#include "runtime/node.hpp"

namespace spdlog {
class logger;
}

namespace bfd::runtime {

/// Where a service rollout stands (the services module's phase).
enum class rollout_phase : std::uint8_t { canary = 0, promoted = 1, rolled_back = 2 };

/// A service's rollout as the mainchain's final services state holds it, with the contract
/// address of the new version on the canary chain.
struct rollout_view {
  std::uint64_t service = 0;
  std::uint32_t version = 0;
  std::uint32_t previous = 0;
  chain_id canary_chain = 0;
  std::uint64_t canary_height = 0;  ///< mainchain height at which the canary switches
  rollout_phase phase = rollout_phase::canary;
  std::uint64_t decided_at = 0;
  std::string reason;
  address instance;                 ///< the new version's contract on the canary chain
};

/// What the mainchain's services state says, read at one final height.
struct services_snapshot {
  std::uint64_t mainchain_final = 0;
  std::vector<rollout_view> rollouts;
};

/// A service_health report's fields (the kind-30 payload, docs/services.md).
struct health_report {
  std::uint64_t service = 0;
  std::uint32_t version = 0;
  chain_id chain = 0;
  std::uint64_t from_height = 0;
  std::uint64_t to_height = 0;
  std::uint64_t calls = 0;
  std::uint64_t failed_calls = 0;
  std::uint64_t missed_blocks = 0;
  std::uint64_t latency_p99_ms = 0;
};

/// One rollout's triage memory: the canary chain's final height when this node first saw the
/// canary live (the start of every measurement) and the last height reported.
struct canary_watch {
  std::uint64_t live_from = 0;
  std::uint64_t reported_to = 0;
};

/// Pure: the heights [from, to] of the canary chain to measure now, or nothing when there is
/// nothing new since the last report. `final_height` is the canary chain's; the range is cut
/// to its last max_health_range heights.
std::optional<std::pair<std::uint64_t, std::uint64_t>> measure_range(const canary_watch& w, std::uint64_t final_height);

/// The report of rollout `r` from what the canary chain's health query answered.
health_report report_of(const rollout_view& r, const health_reply& h);

struct triage_options {
  /// Reads the mainchain's final services state; default: asks the node's mainchain unit.
  std::function<result<services_snapshot>()> source;
  /// Measures chain `id` for `contract` over [from, to]; default: health_atom to its chain actor.
  std::function<result<health_reply>(chain_id, const address&, std::uint64_t, std::uint64_t)> measure;
  /// Signs and submits a report to the mainchain; default: the node's submission path
  /// (node_tx_submitter) with `keys`.
  std::function<status(const health_report&)> submit;
  std::optional<key_pair> keys;
  /// Counts by outcome ("submitted", "refused", "unmeasured"), shown on /metrics.
  std::shared_ptr<named_counts> counts;
  std::shared_ptr<spdlog::logger> log;
};

/// What one pass did.
struct triage_pass {
  std::vector<health_report> submitted;
  std::vector<std::string> problems;
  std::vector<std::string> decisions;  ///< rollouts seen decided for the first time
};

class service_triage {
public:
  service_triage(caf::actor_system& system, node& n, triage_options options);
  ~service_triage();
  service_triage(const service_triage&) = delete;
  service_triage& operator=(const service_triage&) = delete;

  /// One pass: reads the rollouts, measures the live canaries hosted here, submits reports.
  triage_pass poll_once();
  /// Runs poll_once every `interval` on a thread of its own until stop().
  void run(std::chrono::milliseconds interval);
  void stop();

private:
  result<services_snapshot> read_services();
  result<health_reply> measure(chain_id id, const address& contract, std::uint64_t from, std::uint64_t to);
  std::optional<std::uint64_t> final_height_of(chain_id id);
  void count(const std::string& outcome);

  caf::actor_system& system_;
  node& node_;
  triage_options options_;
  std::map<std::pair<std::uint64_t, std::uint32_t>, canary_watch> watches_;  // (service, version)
  std::set<std::pair<std::uint64_t, std::uint32_t>> decided_;                // decisions logged
  std::set<std::string> reported_;                                           // problems logged once
  periodic_thread loop_;  // last: stopped before the other members go
};

} // namespace bfd::runtime
