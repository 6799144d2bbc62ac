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

bool is_revoked(const revocation_list* revoked, const hash256& pseudonym) {
  return revoked && revoked->contains(pseudonym);
}

error out_of_order(std::string_view what) {
  return make_error(errc::ush_bad_state, std::string(what) + " out of order");
}

} // namespace

initiator::initiator(const credential& own, const revocation_list* revoked, random_source& rng)
    : own_(own), revoked_(revoked), rng_(&rng) {}

initiator::~initiator() {
  wipe(ephemeral_);
  wipe(own_.t);
}

result<bytes> initiator::hello() {
  if (state_ != handshake_state::start)
    return out_of_order("handshake hello");
  ephemeral_ = random_scalar(*rng_);
  hello_.pseudonym = own_.pseudonym;
  hello_.w = own_.w;
  hello_.ephemeral = *mul_base(ephemeral_);
  hello_.nonce = rng_->next();
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
  // Our own group key names the group we expect the payee in; a payee of another group (or
  // without a credential) makes peer_key a point whose discrete log nobody knows.
  auto peer_key = credential_public_key(m2->pseudonym, m2->w, own_.group_key);
  std::optional<point> z_e = mul(m2->ephemeral, ephemeral_);
  std::optional<point> z_i = mul(m2->ephemeral, own_.t);
  std::optional<point> z_r = peer_key ? mul(*peer_key, ephemeral_) : std::nullopt;
  finish m3;
  if (z_e && z_i && z_r && !is_revoked(revoked_, m2->pseudonym)) {
    auto master = master_secret(transcript, shared_points{*z_e, *z_i, *z_r});
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

responder::responder(const credential& own, const revocation_list* revoked, random_source& rng)
    : own_(own), revoked_(revoked), rng_(&rng) {}

responder::~responder() {
  wipe(master_);
  wipe(own_.t);
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
  m2.pseudonym = own_.pseudonym;
  m2.w = own_.w;
  m2.ephemeral = *mul_base(ephemeral);
  m2.nonce = rng_->next();
  transcript_ = transcript_hash(*m1, m2);
  peer_ = m1->pseudonym;
  auto peer_key = credential_public_key(m1->pseudonym, m1->w, own_.group_key);
  std::optional<point> z_e = mul(m1->ephemeral, ephemeral);
  std::optional<point> z_i = peer_key ? mul(*peer_key, ephemeral) : std::nullopt;
  std::optional<point> z_r = mul(m1->ephemeral, own_.t);
  wipe(ephemeral);
  doomed_ = !(z_e && z_i && z_r) || is_revoked(revoked_, m1->pseudonym);
  if (doomed_) {
    master_ = rng_->next();
    m2.confirm = rng_->next();
  } else {
    master_ = master_secret(transcript_, shared_points{*z_e, *z_i, *z_r});
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
