#include "chains/ush/handshake.hpp"

#include <array>
#include <string>

namespace bfd::ush {

namespace {

/// Which side a confirmation code comes from (its input's last byte).
enum class role : byte { initiator = 1, responder = 2 };

/// tagged_hash("bfd/ush/transcript", message 1 || message 2 without its confirmation code).
hash256 transcript_hash(const hello& m1, const reply& m2) {
  tagged_hasher h(hash_tag::ush_transcript);
  h.update(encode(m1));
  auto r = encode(m2);
  h.update(byte_view(r).first(reply_size - 32));
  return h.finish();
}

/// The three Diffie-Hellman values both sides compute, each 33 bytes compressed:
/// z_e = abG, z_i = b*PK_I = t_I*E_R, z_r = a*PK_R = t_R*E_I.
struct shared_points {
  point z_e, z_i, z_r;
};

/// tagged_hash("bfd/ush/key", transcript || z_e || z_i || z_r).
hash256 master_secret(const hash256& transcript, const shared_points& z) {
  tagged_hasher h(hash_tag::ush_key);
  h.update(transcript.view());
  h.update(z.z_e.view());
  h.update(z.z_i.view());
  h.update(z.z_r.view());
  return h.finish();
}

/// tagged_hash("bfd/ush/confirm", master || role byte).
hash256 confirm_code(const hash256& master, role r) {
  const std::array<byte, 1> which{static_cast<byte>(r)};
  return tagged_hash(hash_tag::ush_confirm, master.view(), which);
}

/// tagged_hash("bfd/ush/session", master).
hash256 session_key(const hash256& master) {
  return tagged_hash(hash_tag::ush_session, master.view());
}

/// The shared points as `me` computes them from its credential secret t and ephemeral secret s, and
/// the peer's pseudonym, W and ephemeral point E: z_e = s*E, then t*E (the key encapsulated to my
/// credential) and s*PK_peer (the key I encapsulate to the peer's), PK_peer derived with my group
/// key. nullopt when the peer is revoked or a point is infinity: the handshake cannot succeed.
std::optional<shared_points> shared(role me, const credential& own, const scalar& s, const hash256& peer_pseudonym,
                                    const point& peer_w, const point& peer_ephemeral,
                                    const revocation_list* revoked) {
  if (revoked && revoked->contains(peer_pseudonym))
    return std::nullopt;
  // A peer of another group (or without a credential) makes peer_key a point whose discrete log
  // nobody knows.
  auto peer_key = credential_public_key(peer_pseudonym, peer_w, own.group_key);
  auto z_e = mul(peer_ephemeral, s);
  auto to_me = mul(peer_ephemeral, own.t);
  auto to_peer = peer_key ? mul(*peer_key, s) : std::nullopt;
  if (!z_e || !to_me || !to_peer)
    return std::nullopt;
  // z_i is the key encapsulated to the initiator's credential, z_r the responder's.
  return me == role::initiator ? shared_points{*z_e, *to_me, *to_peer} : shared_points{*z_e, *to_peer, *to_me};
}

/// Fills the fields a hello and a reply share: pseudonym, W, ephemeral point of `ephemeral`, nonce.
template <class Message>
void fill_own_fields(Message& m, const credential& own, const scalar& ephemeral, random_source& rng) {
  m.pseudonym = own.pseudonym;
  m.w = own.w;
  m.ephemeral = *mul_base(ephemeral);
  m.nonce = rng.next();
}

error out_of_order(std::string_view what) {
  return make_error(errc::ush_bad_state, std::string(what) + " out of order");
}

} // namespace

handshake_side::~handshake_side() {
  wipe(own_.t);
}

initiator::~initiator() {
  wipe(ephemeral_);
}

result<bytes> initiator::hello() {
  if (state_ != handshake_state::start)
    return out_of_order("handshake hello");
  ephemeral_ = random_scalar(*rng_);
  fill_own_fields(hello_, own_, ephemeral_, *rng_);
  state_ = handshake_state::waiting;
  return encode(hello_);
}

result<bytes> initiator::on_reply(byte_view message) {
  if (state_ != handshake_state::waiting)
    return out_of_order("handshake reply");
  auto m2 = decode_reply(message);
  state_ = handshake_state::failed;
  if (!m2)
    return m2.error();
  const auto transcript = transcript_hash(hello_, *m2);
  const auto z = shared(role::initiator, own_, ephemeral_, m2->pseudonym, m2->w, m2->ephemeral, revoked_);
  finish m3;
  if (z) {
    auto master = master_secret(transcript, *z);
    if (equal_secret(confirm_code(master, role::responder), m2->confirm)) {
      m3.confirm = confirm_code(master, role::initiator);
      session_ = ush::session{session_key(master), transcript, m2->pseudonym};
      state_ = handshake_state::succeeded;
    }
    wipe(master);
  }
  if (state_ != handshake_state::succeeded)
    m3.confirm = rng_->next();
  wipe(ephemeral_);
  return encode(m3);
}

responder::~responder() {
  wipe(master_);
}

result<bytes> responder::on_hello(byte_view message) {
  if (state_ != handshake_state::start)
    return out_of_order("handshake hello");
  auto m1 = decode_hello(message);
  state_ = handshake_state::failed;
  if (!m1)
    return m1.error();
  scalar ephemeral = random_scalar(*rng_);
  reply m2;
  fill_own_fields(m2, own_, ephemeral, *rng_);
  transcript_ = transcript_hash(*m1, m2);
  peer_ = m1->pseudonym;
  const auto z = shared(role::responder, own_, ephemeral, m1->pseudonym, m1->w, m1->ephemeral, revoked_);
  wipe(ephemeral);
  doomed_ = !z;
  if (doomed_) {
    master_ = rng_->next();
    m2.confirm = rng_->next();
  } else {
    master_ = master_secret(transcript_, *z);
    m2.confirm = confirm_code(master_, role::responder);
  }
  state_ = handshake_state::waiting;
  return encode(m2);
}

status responder::on_finish(byte_view message) {
  if (state_ != handshake_state::waiting)
    return out_of_order("handshake finish");
  state_ = handshake_state::failed;
  auto m3 = decode_finish(message);
  if (!m3) {
    wipe(master_);
    return m3.error();
  }
  if (!doomed_ && equal_secret(confirm_code(master_, role::initiator), m3->confirm)) {
    session_ = ush::session{session_key(master_), transcript_, peer_};
    state_ = handshake_state::succeeded;
  }
  wipe(master_);
  return {};
}

} // namespace bfd::ush
