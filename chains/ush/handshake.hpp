// The secret handshake between a payer (initiator) and a payee (responder), one state machine
// per role: it succeeds for both iff both hold valid, unrevoked credentials of the same group,
// and a failure looks the same to each side whatever its cause (docs/membership-proofs.md).
#pragma once

#include <optional>

#include "chains/core/error.hpp"
#include "chains/ush/group.hpp"
#include "chains/ush/messages.hpp"

namespace bfd::ush {

/// What a successful handshake leaves each side with.
struct session {
  hash256 key;             ///< the session key, equal on both sides
  hash256 transcript;      ///< the transcript hash, equal on both sides
  hash256 peer_pseudonym;  ///< the other side's one-time pseudonym: all it learns of it
  friend bool operator==(const session&, const session&) = default;
};

/// Where a handshake is. `failed` carries no reason, on purpose.
enum class handshake_state { start, waiting, succeeded, failed };

/// What both roles hold: their credential, the revocation list they consult, their random
/// source, where they are and, once succeeded, the session.
class handshake_side {
public:
  handshake_side(const handshake_side&) = delete;
  handshake_side& operator=(const handshake_side&) = delete;

  handshake_state state() const { return state_; }
  /// The session once succeeded, nullopt otherwise.
  const std::optional<ush::session>& session() const { return session_; }

protected:
  /// `revoked` may be null (no revocation list); it and `rng` must outlive the handshake.
  handshake_side(const credential& own, const revocation_list* revoked, random_source& rng)
      : own_(own), revoked_(revoked), rng_(&rng) {}
  ~handshake_side();

  credential own_;
  const revocation_list* revoked_;
  random_source* rng_;
  handshake_state state_ = handshake_state::start;
  std::optional<ush::session> session_;
};

/// The payer's side: hello() -> message 1; on_reply(message 2) -> message 3.
class initiator : public handshake_side {
public:
  initiator(const credential& own, const revocation_list* revoked, random_source& rng)
      : handshake_side(own, revoked, rng) {}
  ~initiator();

  /// Message 1; errc::ush_bad_state unless the handshake is at its start.
  result<bytes> hello();
  /// Takes message 2 and returns message 3, which is sent whatever the outcome so the payee cannot
  /// tell a failure's cause. errc::ush_bad_state out of order; a decoding reason if the bytes are
  /// not a message 2 (the handshake has failed then).
  result<bytes> on_reply(byte_view message);

private:
  scalar ephemeral_{};
  ush::hello hello_{};
};

/// The payee's side: on_hello(message 1) -> message 2; on_finish(message 3).
class responder : public handshake_side {
public:
  responder(const credential& own, const revocation_list* revoked, random_source& rng)
      : handshake_side(own, revoked, rng) {}
  ~responder();

  /// Takes message 1 and returns message 2 (its confirmation code is random if the payee already
  /// knows the handshake fails). errc::ush_bad_state out of order; a decoding reason if the bytes
  /// are not a message 1 (the handshake has failed then).
  result<bytes> on_hello(byte_view message);
  /// Takes message 3 and settles the outcome (see state()). errc::ush_bad_state out of order; a
  /// decoding reason if the bytes are not a message 3. A wrong code is no error: state() is failed.
  status on_finish(byte_view message);

private:
  hash256 master_{};
  hash256 transcript_{};
  hash256 peer_{};
  bool doomed_ = false;  ///< the handshake cannot succeed; the payee keeps going so it looks the same
};

} // namespace bfd::ush
