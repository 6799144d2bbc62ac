// What the membership-proof tests share: seeds, groups, and one whole handshake run in memory.
#pragma once

#include <optional>

#include "chains/ush/handshake.hpp"

namespace bfd::test {

/// A seed of 32 bytes of `fill`.
inline hash256 seed_of(byte fill) {
  hash256 s;
  s.data.fill(fill);
  return s;
}

/// Everything one handshake produced: the three messages and each side's end state.
struct handshake_run {
  bytes m1, m2, m3;
  ush::handshake_state payer = ush::handshake_state::start;
  ush::handshake_state payee = ush::handshake_state::start;
  std::optional<ush::session> payer_session, payee_session;
};

/// Runs a handshake between `payer` and `payee` with the messages passed unchanged, or through
/// `tamper` (called with the message number 1-3 and its bytes) when it is given.
template <class Tamper>
handshake_run run_tampered(const ush::credential& payer, const ush::credential& payee, ush::random_source& rng,
                           Tamper tamper, const ush::revocation_list* payer_revoked = nullptr,
                           const ush::revocation_list* payee_revoked = nullptr) {
  handshake_run run;
  ush::initiator i(payer, payer_revoked, rng);
  ush::responder r(payee, payee_revoked, rng);
  run.m1 = *i.hello();
  tamper(1, run.m1);
  if (auto m2 = r.on_hello(run.m1)) {
    run.m2 = *m2;
    tamper(2, run.m2);
    if (auto m3 = i.on_reply(run.m2)) {
      run.m3 = *m3;
      tamper(3, run.m3);
      (void)r.on_finish(run.m3);
    }
  }
  run.payer = i.state();
  run.payee = r.state();
  run.payer_session = i.session();
  run.payee_session = r.session();
  return run;
}

/// The same with the messages passed unchanged.
inline handshake_run run_handshake(const ush::credential& payer, const ush::credential& payee,
                                   ush::random_source& rng, const ush::revocation_list* payer_revoked = nullptr,
                                   const ush::revocation_list* payee_revoked = nullptr) {
  return run_tampered(payer, payee, rng, [](int, bytes&) {}, payer_revoked, payee_revoked);
}

/// Whether both sides failed and neither holds a session.
inline bool both_failed(const handshake_run& run) {
  return run.payer != ush::handshake_state::succeeded && run.payee != ush::handshake_state::succeeded &&
         !run.payer_session && !run.payee_session;
}

} // namespace bfd::test
