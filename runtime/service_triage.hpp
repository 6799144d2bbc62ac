// The service triage (docs/service-triage.md): on a node holding a triage key, every interval
// it reads the rollouts of the mainchain's final services state, measures each canary this
// node hosts (calls to the new version's contract and their failures, missed slots, final-seen
// latency p99: the chain actor's health_atom) since the canary went live here, and submits a
// signed service_health report to the mainchain. The mainchain's services module decides
// rollback or promotion; the triage only measures and reports.
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
#include "chains/state/services_tx.hpp"
#include "protocols/interfaces.hpp"
#include "runtime/periodic_thread.hpp"

namespace spdlog {
class logger;
}

namespace bfd::runtime {

class node;

/// One rollout's triage memory: the canary chain's height from which it is measured (one above
/// that chain's final height when this node first saw the canary live) and the last height
/// reported.
struct canary_watch {
  std::uint64_t live_from = 0;
  std::uint64_t reported_to = 0;
};

/// Pure: the heights [from, to] of the canary chain to measure now, or nothing when nothing
/// became final since the last report. `final_height` is the canary chain's; the range is cut
/// to its last max_health_range heights.
std::optional<std::pair<std::uint64_t, std::uint64_t>> measure_range(const canary_watch& w, std::uint64_t final_height);

/// Pure: the service_health report (kind 30) of rollout `r` from the canary chain's figures.
service_health_tx report_of(const service_rollout_view& r, const health_reply& h);

/// What the triage reads, measures and submits through; node_triage_options fills them for a
/// running node, tests give their own.
struct triage_options {
  /// The mainchain's final services state: every service's rollout.
  std::function<result<service_rollouts_reply>()> rollouts;
  /// Chain `id`'s final height, or nothing when this node does not host it (or it does not answer).
  std::function<std::optional<std::uint64_t>(chain_id)> final_height;
  /// The health figures of chain `id` for `contract` over final heights [from, to].
  std::function<result<health_reply>(chain_id, const address&, std::uint64_t, std::uint64_t)> measure;
  /// Signs and submits a report to the mainchain.
  std::function<status(const service_health_tx&)> submit;
  /// Counts reports by outcome ("submitted", "refused", "unmeasured"), shown on /metrics.
  std::shared_ptr<named_counts> counts;
  std::shared_ptr<spdlog::logger> log;
};

/// The options of a triage on node `n`: rollouts from its mainchain unit (rollouts_atom),
/// heights and figures from its chain actors, reports signed with `keys` (fee 0) and submitted
/// to its mainchain's mempool (runtime/node_tx_submitter).
triage_options node_triage_options(caf::actor_system& system, node& n, key_pair keys);

/// What one pass did.
struct triage_pass {
  std::vector<service_health_tx> submitted;
  std::vector<std::string> problems;
  std::vector<std::string> decisions;  ///< rollouts seen decided for the first time
};

class service_triage {
public:
  explicit service_triage(triage_options options);
  ~service_triage();
  service_triage(const service_triage&) = delete;
  service_triage& operator=(const service_triage&) = delete;

  /// One pass: reads the rollouts, measures the live canaries hosted here, submits reports.
  triage_pass poll_once();
  /// Runs poll_once every `interval` on a thread of its own until stop().
  void run(std::chrono::milliseconds interval);
  void stop();

private:
  void count(const std::string& outcome);

  triage_options options_;
  std::map<std::pair<std::uint64_t, std::uint32_t>, canary_watch> watches_;  // (service, version)
  std::set<std::pair<std::uint64_t, std::uint32_t>> decided_;                // decisions logged
  std::set<std::string> reported_;                                           // problems logged once
  periodic_thread loop_;  // last: stopped before the other members go
};

} // namespace bfd::runtime
