// The bridge of the two-way peg on one node (issue 13, docs/peg.md "The bridge"): for every
// (mainchain, sidechain) pair hosted here with the peg module, it reads each side's final blocks,
// takes the messages and acknowledgements their outboxes wrote for the other side, builds their
// delivery bundles against the source's final header and certificate, and submits them as
// peg_receive / peg_acknowledge to the destination's mempool, signed by a bridge key with fee 0.
// Before carrying to a sidechain it advances the sidechain's light client of the mainchain
// (peg_client_update with the mainchain's final state proof, so cluster changes are followed).
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <optional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <caf/fwd.hpp>

#include "chains/primitives/transaction.hpp"
#include "runtime/node_tx_submitter.hpp"
#include "runtime/periodic_thread.hpp"
#include "runtime/node.hpp"

namespace spdlog {
class logger;
}

namespace bfd::runtime {

struct peg_bridge_options {
  key_pair keys;  ///< signs the bridge's transactions (fee 0: it needs no balance)
  std::shared_ptr<spdlog::logger> log;
  /// Passes a carry may keep failing at one block before the bridge gives up on that block.
  std::uint32_t max_attempts = 60;
  /// Only the pair (mainchain, this sidechain) when set: one bridge per chain pair. Unset: every
  /// hosted pair whose chains both have the peg.
  std::optional<chain_id> sidechain;
  /// Where the bridge keeps its progress across restarts; empty: in memory only.
  std::filesystem::path progress_file;
};

/// What one pass did.
struct bridge_report {
  /// One line per entry carried (admitted, or already there): "1:0 1->2 message".
  std::vector<std::string> carried;
  std::uint32_t client_updates = 0;
  std::vector<std::string> problems;
};

class peg_bridge {
public:
  peg_bridge(caf::actor_system& system, node& n, peg_bridge_options options);
  ~peg_bridge();
  peg_bridge(const peg_bridge&) = delete;
  peg_bridge& operator=(const peg_bridge&) = delete;

  /// One pass over every hosted pair, both directions.
  bridge_report poll_once();
  /// Runs poll_once every `interval` on a thread of its own until stop().
  void run(std::chrono::milliseconds interval);
  void stop();

private:
  struct direction {
    std::uint64_t scanned = 0;    // the source's blocks up to here are carried (or given up)
    std::uint32_t attempts = 0;   // failed passes at scanned + 1
  };

  const chain_handles* handles(chain_id id) const;
  bool has_peg(chain_id id);
  void carry(chain_id from, chain_id to, bridge_report& out);
  status submit(chain_id chain, tx_payload payload);
  status update_client(chain_id side, std::uint64_t needed, bridge_report& out);
  void note(const std::string& problem, bridge_report& out);

  caf::actor_system& system_;
  directory_actor directory_;
  std::map<chain_id, chain_handles> handles_;  // refreshed each pass
  peg_bridge_options options_;
  std::map<std::pair<chain_id, chain_id>, direction> directions_;
  node_tx_submitter submitter_;  // signs with options_.keys
  std::map<chain_id, std::uint64_t> client_height_;  // last mainchain height submitted per sidechain
  std::map<chain_id, bool> pegged_;
  std::set<std::string> reported_;
  periodic_thread loop_;  // last: stopped before the other members go
};

} // namespace bfd::runtime
