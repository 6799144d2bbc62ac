// The bridge of the two-way peg on one node (issue 13, docs/peg.md "The bridge"): for every
// (mainchain, sidechain) pair hosted here with the peg module, it reads each side's final blocks,
// takes the messages and acknowledgements their outboxes wrote for the other side, builds their
// delivery bundles against the source's final header and certificate, and submits them as
// peg_receive / peg_acknowledge to the destination's mempool, signed by a bridge key with fee 0.
// Before carrying to a sidechain it advances the sidechain's light client of the mainchain
// (peg_client_update with the mainchain's final state proof, so cluster changes are followed).
// Messages their destination did not receive by their timeout are refunded on their source with
// a timeout bundle from the destination's final state (peg_timeout). It carries entry by entry,
// keeps at most `max_pending` of its transactions pending in a destination's mempool, follows
// each submitted delivery until it is final (one refused in a block, e.g. as stale, is carried
// again), and resumes after a restart at the first entry not settled (`progress_file`); a
// destination that does not answer is retried with exponential back-off.
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

#include "chains/peg/message.hpp"
#include "chains/peg/outbox.hpp"
#include "chains/primitives/transaction.hpp"
#include "runtime/backoff.hpp"
#include "runtime/peg_bridge_progress.hpp"
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
  /// Where the bridge keeps its progress across restarts; empty: in memory only. A damaged or
  /// foreign file (another mainchain genesis or chain pair) is reported and ignored.
  std::filesystem::path progress_file;
  /// The first wait after a destination failed to answer (0: run()'s interval, or 1 s when
  /// polled by hand); it doubles per failing attempt up to backoff_max.
  std::chrono::milliseconds backoff_base{0};
  std::chrono::milliseconds backoff_max{30'000};
  /// Most of this bridge's transactions pending in one destination's mempool at a time; it must
  /// stay below the mempool's per-sender bound (1,000), or the rest would be refused.
  std::uint32_t max_pending = 500;
};

/// What one pass did.
struct bridge_report {
  /// One line per entry carried (admitted, or already there): "1:0 1->2 message", and per
  /// timeout bundle carried back to a message's source: "1:0 2->1 timeout".
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
  /// An outbox entry of a source block: (height, index in the block's outbox).
  using entry_pos = std::pair<std::uint64_t, std::uint32_t>;
  struct direction {
    std::uint64_t scanned = 0;    // the source's blocks up to here are submitted (or given up)
    std::uint32_t next_entry = 0; // in block scanned + 1: entries below it are submitted
    std::uint64_t last_entries_block = 0;  // the highest block with outbox entries the cursor reached
    std::uint32_t update_waits = 0;  // passes a client update waited for deliveries in the mempool
    // Submitted deliveries whose effect is not final on the destination yet.
    struct delivery {
      hash256 tx;
      peg::message_id id;
      bool message = true;          // else an acknowledgement
      std::uint64_t left_head = 0;  // the destination's head when it left the mempool (0: pending)
    };
    std::map<entry_pos, delivery> outstanding;
    // Entries to carry again (refused at admission or in a block, or dropped), with the reason.
    std::map<entry_pos, std::string> retry;
    std::map<entry_pos, std::uint32_t> attempts;  // failed admissions per entry
    std::uint64_t stalls = 0;     // passes that could not carry (for rate-limited logging)
    backoff wait{std::chrono::seconds(1), std::chrono::seconds(30)};  // while the destination is down
    // Timeouts submitted to the source, by message, with the source's final height then: not
    // sent again until that height has moved on (the refund is pending in a block).
    std::map<peg::message_id, std::uint64_t> refunds_sent;
  };

  const chain_handles* handles(chain_id id) const;
  bool has_peg(chain_id id);
  void carry(chain_id from, chain_id to, bridge_report& out);
  /// Follows the direction's outstanding deliveries; returns how many are pending in `to`'s
  /// mempool, or nothing when `to` did not answer.
  std::optional<std::size_t> follow(direction& dir, chain_id from, chain_id to, bridge_report& out);
  /// Whether the entry already took effect on `to` (final state): nothing left to carry.
  bool settled_on(chain_id to, const peg::message_id& id, bool message);
  /// Logs why a direction did not carry this pass: the first time, then every 20th pass.
  void stall(direction& dir, chain_id from, chain_id to, const std::string& why);
  void refund(chain_id from, chain_id to, bridge_report& out);
  /// Records a submission's outcome on `to` for back-off; false when it failed as "down".
  bool count_answer(direction& dir, chain_id from, chain_id to, const status& st);
  bool ready(direction& dir);
  bool check_progress_owner(bridge_report& out);
  bridge_progress progress() const;
  void save_progress(bridge_report& out);
  status submit(chain_id chain, tx_payload payload);
  /// The client update `side` needs to reach the mainchain's final header now (pegfinal_atom),
  /// or nothing when it is there already; `header` gets that final header.
  result<std::optional<tx_payload>> client_update_for(chain_id side, std::optional<block_header>& header,
                                                       std::optional<finality_certificate>& cert);
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
  std::optional<std::string> startup_problem_;  // reported once, at the first pass
  std::optional<bridge_progress> loaded_;    // read at construction, checked at the first pass
  std::optional<bridge_progress> saved_;     // what the file holds now
  std::optional<hash256> mainchain_genesis_;
  std::chrono::milliseconds interval_{0};
  periodic_thread loop_;  // last: stopped before the other members go
};

} // namespace bfd::runtime
