// Follows the mainchain's final sidechain registry on this node: starts a unit for each sidechain
// that becomes active and that the node hosts, stops the delegates of a ceased one (its chain
// stays queryable, nothing new is produced), and relays anchors of the hosted active sidechains'
// final headers to the mainchain (docs/sidechains.md, "Running sidechains").
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <caf/fwd.hpp>

#include "chains/peg/peg_module.hpp"
#include "chains/sidechain/registry_payloads.hpp"
#include "protocols/interfaces.hpp"
#include "runtime/periodic_thread.hpp"
#include "runtime/node.hpp"

namespace spdlog {
class logger;
}

namespace bfd::runtime {

/// What the registry asks of this node, given what it runs.
struct hosting_plan {
  std::vector<sidechain_entry> start;  ///< active, hosted here, not running yet
  std::vector<chain_id> cease;         ///< ceased, still producing here
  /// Ceased after it ran, hosted here, not running (e.g. after a restart): opened without
  /// delegates, so its blocks stay queryable.
  std::vector<sidechain_entry> reopen;
  std::vector<std::string> problems;   ///< views that could not be read (skipped)
};

/// Pure: `producing` are the sidechains whose delegates run here, `running` every hosted chain.
/// A chain the registry does not list (e.g. started from a data directory) is left alone.
hosting_plan plan_hosting(const std::vector<sidechain_view>& views, const std::set<chain_id>& running,
                          const std::set<chain_id>& producing, const std::function<bool(chain_id)>& hosts);

/// Pure: the sidechain height to anchor next, or nothing. `base` is the highest height anchored
/// or in flight, `final_height` the highest sidechain height with a finality proof here.
/// Anchors every half interval (the cadence), and catches up with the final header when it is
/// further ahead, up to the registry's bound (registry_bounds::max_anchor_interval).
std::optional<std::uint64_t> anchor_due(std::uint64_t base, std::uint64_t final_height, std::uint64_t anchor_interval);

struct sidechain_watch_options {
  /// Whether this node hosts a registered sidechain (--dev: all; a topology node: [[chains]]).
  std::function<bool(chain_id)> hosts = [](chain_id) { return true; };
  /// The delegate keys this node holds; a sidechain's validators among them are started here.
  std::vector<key_pair> delegate_keys;
  /// The mainchain's parameters (a sidechain's genesis takes its categories and minimum bid).
  consensus_params mainchain;
  /// The mainchain's peg trust point when its genesis has the peg (runtime/peg_specs.hpp): every
  /// sidechain started then gets the peg module, as the registry derived its genesis.
  std::optional<peg_trust_point> peg_trust;
  /// Where the registry is read; default: sidechains_atom to the node's first chain actor.
  std::function<result<std::vector<sidechain_view>>()> source;
  /// Submits an anchor to the mainchain; empty: no anchoring.
  std::function<status(const sidechain_anchor_payload&)> submit_anchor;
  /// Called on the watcher's thread after a sidechain became active and started here (not for a
  /// ceased one reopened): bfd-node starts that pair's peg bridge with it. Empty: nothing.
  std::function<void(chain_id)> on_started;
  std::uint64_t hash_chain_length = delegate_hash_chain_length;
  std::shared_ptr<spdlog::logger> log;
};

/// What one pass did.
struct watch_report {
  std::vector<chain_id> started;
  std::vector<chain_id> ceased;
  std::vector<std::pair<chain_id, std::uint64_t>> anchored;  ///< (sidechain, height) submitted
  std::vector<std::string> problems;
};

/// Submits anchors to the mainchain's mempool on `n`, signed by `keys` with fee 0 (an anchor is
/// checked in full at admission, so only valid ones enter). Nonces: the head state's next nonce,
/// or one past the last admitted anchor while that one is pending; restarted from the head when
/// the head has not moved for a while (an anchor dropped from the mempool).
std::function<status(const sidechain_anchor_payload&)> anchor_submitter(caf::actor_system& system, node& n,
                                                                        key_pair keys);

class sidechain_watcher {
public:
  sidechain_watcher(caf::actor_system& system, node& n, sidechain_watch_options options);
  ~sidechain_watcher();
  sidechain_watcher(const sidechain_watcher&) = delete;
  sidechain_watcher& operator=(const sidechain_watcher&) = delete;

  /// One pass: reads the registry, starts and ceases units, submits the anchors due.
  watch_report poll_once();
  /// Runs poll_once every `interval` on a thread of its own until stop() (the only thread that
  /// adds chains to the node from then on).
  void run(std::chrono::milliseconds interval);
  void stop();

private:
  result<std::vector<sidechain_view>> read_registry();
  void relay_anchor(const sidechain_view& view, const sidechain_entry& entry, watch_report& out);
  void note(const std::string& problem, watch_report& out);

  caf::actor_system& system_;
  node& node_;
  sidechain_watch_options options_;
  // The highest anchor submitted per sidechain and the passes since; forgotten when the registry
  // has not taken it within a few passes (refused, or lost), so the next one starts from the registry.
  struct in_flight {
    std::uint64_t height = 0;
    std::uint32_t passes = 0;
  };
  std::map<chain_id, in_flight> sent_;
  std::set<std::string> reported_;           // problems logged once
  periodic_thread loop_;  // last: stopped before the other members go
};

} // namespace bfd::runtime
