// The node's handshake mailbox (docs/membership-proofs.md, "The HTTP mailbox"): sessions of
// opaque messages between a payer and a payee who talk through the node, bounded in count, size,
// lifetime and per client. The node stores bytes and never reads them: it learns that a
// handshake to an address happened, nothing of the groups or the payer. Plain code with a mutex
// and the time passed in, so it is tested without a server.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "chains/core/bytes.hpp"
#include "chains/core/error.hpp"

namespace bfd::http {

/// The message slots of a session after the first (message 1 opens it).
enum class mailbox_slot : std::uint8_t { reply = 0, finish = 1, payment = 2 };
inline constexpr std::size_t mailbox_slots = 3;

/// "reply", "finish", "payment".
std::string_view to_string(mailbox_slot s) noexcept;

/// Bounds of the mailbox.
struct mailbox_limits {
  std::size_t max_sessions = 1024;        ///< live sessions on the node
  std::size_t max_per_client = 16;        ///< live sessions one client address opened
  std::size_t max_message_bytes = 512;    ///< each message
  std::chrono::milliseconds ttl{120'000}; ///< a session's life from its opening
  std::size_t max_listed = 64;            ///< sessions one listing returns
};

/// One session as a reader sees it.
struct mailbox_session {
  std::string id;  ///< 32 hex characters, random
  address to;      ///< the payee the payer named
  bytes hello;     ///< message 1
  std::array<std::optional<bytes>, mailbox_slots> slots;  ///< reply, finish, payment, once posted
  std::chrono::milliseconds expires_in{0};
};

class handshake_mailbox {
public:
  using time_point = std::chrono::steady_clock::time_point;

  explicit handshake_mailbox(mailbox_limits limits = {}) : limits_(limits) {}
  const mailbox_limits& limits() const noexcept { return limits_; }

  /// Opens a session to `to` with message 1 from `client`, under the random id `id` (32 hex
  /// characters from the caller's CSPRNG). too_large for an empty or oversized message,
  /// ush_mailbox_full at max_sessions or the client's max_per_client live sessions.
  result<mailbox_session> open(const std::string& client, const address& to, bytes hello, std::string id,
                               time_point now);
  /// Posts a message into a slot once: ush_session_gone for an unknown or expired id, ush_bad_state
  /// for a slot already filled or posted out of order (finish before reply, payment before finish),
  /// too_large for an empty or oversized message.
  status post(const std::string& id, mailbox_slot slot, bytes message, time_point now);
  /// A live session; ush_session_gone otherwise.
  result<mailbox_session> get(const std::string& id, time_point now);
  /// Live sessions to `to` that have no reply yet, oldest first, at most max_listed.
  std::vector<mailbox_session> waiting(const address& to, time_point now);
  /// Live sessions.
  std::size_t size(time_point now);

private:
  struct entry {
    mailbox_session s;
    std::string client;
    time_point opened;
    time_point expires;
    std::uint64_t order = 0;
  };
  void expire(time_point now);
  mailbox_session view(const entry& e, time_point now) const;

  mailbox_limits limits_;
  std::mutex mutex_;
  std::map<std::string, entry> sessions_;
  std::map<std::string, std::size_t> per_client_;
  std::uint64_t next_order_ = 0;
};

} // namespace bfd::http
