// A node's record of provable misbehaviour by peer nodes on its CAF links (docs/topology.md,
// "Misbehaving peers"): violations per peer node, the disconnect after a bound, and a refusal for a
// while afterwards. It counts only what an honest peer never sends, so a peer cannot be made to
// look guilty by relaying a transaction that is merely stale.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <caf/fwd.hpp>
#include <caf/node_id.hpp>

namespace spdlog {
class logger;
}

namespace bfd {

/// What a peer node did that an honest one never does.
enum class peer_offence : std::uint8_t {
  bad_signature,       ///< relayed a transaction whose signature does not verify
  undecodable,         ///< relayed a transaction whose bytes are not a canonical transaction
  unexpected_message,  ///< sent an actor a message its interface does not have
};

/// The offence's name in logs and in /metrics (bfd_peer_conduct_total{event=...}).
const char* offence_name(peer_offence o);

/// Bounds of the rule.
struct peer_conduct_options {
  /// Offences within `window` that disconnect a peer; 0 turns the rule off (offences are still
  /// counted; the BFD_TEST_PEER_VIOLATION_LIMIT test hook of bfd-node uses it as a self-check).
  std::uint32_t limit = 10;
  std::chrono::milliseconds window{60'000};
  /// How long messages from a disconnected peer node are dropped unread (and its link closed again).
  std::chrono::milliseconds refuse_for{120'000};
  std::shared_ptr<spdlog::logger> log;  ///< nullptr: no logging
};

/// Thread-safe: the mempools and chain actors of a node share one, the runtime closes links.
class peer_conduct {
public:
  /// Closes the CAF link to a peer node (the runtime's: through the peer gate); may be empty.
  using disconnector = std::function<void(const caf::node_id& who, const std::string& why)>;

  explicit peer_conduct(peer_conduct_options options = {});

  /// Sets (or, with an empty function, clears) how links are closed.
  void set_disconnector(disconnector d);

  /// Whether messages from `who` are refused now (it was disconnected within refuse_for). Counts
  /// the refused message and closes its link again, at most once a second.
  bool refused(const caf::node_id& who);

  /// Records one offence of `who`; true when it was the one that disconnected the peer. An
  /// offence of a node refused already (one under way when it was cut off) counts as refused.
  bool record(const caf::node_id& who, peer_offence what, const std::string& detail);

  /// Counts a relay that came without a sender (it names no peer, so it is dropped unread).
  void count_anonymous();

  /// Counts by event: each offence's name, "disconnect", "refused", "anonymous_relay".
  std::map<std::string, std::uint64_t> counts() const;

  const peer_conduct_options& options() const noexcept { return options_; }

private:
  void log_line(const std::string& line);  // rate-limited: 20 lines per 10 s
  void disconnect(const caf::node_id& who, const std::string& why);

  using steady = std::chrono::steady_clock;
  peer_conduct_options options_;
  mutable std::mutex mutex_;
  disconnector disconnector_;
  std::map<caf::node_id, std::deque<steady::time_point>> offences_;
  struct refusal {
    steady::time_point until;
    steady::time_point last_close;
  };
  std::map<caf::node_id, refusal> refused_;
  std::map<std::string, std::uint64_t> counts_;
  steady::time_point log_window_{};
  std::uint32_t logged_ = 0;
  std::uint64_t suppressed_ = 0;
};

/// For an actor's default handler: whether the message being handled came from a peer node (then
/// it is that node's offence `what`, recorded unless the node is refused already, and the caller
/// drops it quietly); false for local or anonymous senders and when `conduct` is null.
bool remote_offence(peer_conduct* conduct, caf::scheduled_actor* self, peer_offence what, const std::string& detail);

} // namespace bfd
