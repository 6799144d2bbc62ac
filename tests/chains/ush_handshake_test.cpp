// The secret handshake: the correctness matrix, tampered and replayed messages, out-of-order
// calls, credential issue and the decoders' bounds.
#include <doctest/doctest.h>

#include <functional>

#include "chains/ush/handshake.hpp"
#include "tests/chains/ush_fixture.hpp"

using namespace bfd;
using namespace bfd::ush;
using bfd::test::both_failed;
using bfd::test::run_handshake;
using bfd::test::seed_of;

namespace {

struct two_groups {
  seeded_random rng{seed_of(0x11)};
  group_keys a = new_group(rng);
  group_keys b = new_group(rng);
  std::vector<credential> a_creds = *issue_batch(a, 8, rng);
  std::vector<credential> b_creds = *issue_batch(b, 8, rng);
};

/// A "credential" made of random W and t: no authority signed it.
credential forged(const group_public& group, random_source& rng) {
  credential c;
  c.pseudonym = rng.next();
  c.w = *mul_base(random_scalar(rng));
  c.t = random_scalar(rng);
  c.group_key = group.key;
  return c;
}

} // namespace

TEST_CASE("issued credentials are Schnorr signatures on fresh pseudonyms under the group key") {
  two_groups g;
  for (const auto& c : g.a_creds) {
    CHECK(verify_credential(c));
    CHECK(c.group_key == g.a.pub.key);
  }
  CHECK(g.a_creds[0].pseudonym != g.a_creds[1].pseudonym);
  CHECK(g.a_creds[0].w != g.a_creds[1].w);
  // Moved to another group's key, the same (W, t) is no credential.
  auto moved = g.a_creds[0];
  moved.group_key = g.b.pub.key;
  CHECK_FALSE(verify_credential(moved));
  CHECK(g.a.pub.id() != g.b.pub.id());
}

TEST_CASE("a batch holds 1 to 256 credentials") {
  two_groups g;
  CHECK(issue_batch(g.a, 0, g.rng).error().code == errc::ush_batch_size);
  CHECK(issue_batch(g.a, 257, g.rng).error().code == errc::ush_batch_size);
  auto full = issue_batch(g.a, 256, g.rng);
  REQUIRE(full);
  CHECK(full->size() == 256);
  CHECK(verify_credential(full->back()));
}

TEST_CASE("a group secret of zero or not below the order is refused") {
  scalar zero{};
  CHECK(group_from_secret(zero).error().code == errc::bad_secret_key);
  scalar big;
  big.data.fill(0xff);
  CHECK(group_from_secret(big).error().code == errc::bad_secret_key);
}

TEST_CASE("members of the same group both succeed with equal keys and transcripts") {
  two_groups g;
  auto run = run_handshake(g.a_creds[0], g.a_creds[1], g.rng);
  REQUIRE(run.payer == handshake_state::succeeded);
  REQUIRE(run.payee == handshake_state::succeeded);
  CHECK(run.payer_session->key == run.payee_session->key);
  CHECK(run.payer_session->transcript == run.payee_session->transcript);
  // Each side learns the other's one-time pseudonym, nothing more.
  CHECK(run.payee_session->peer_pseudonym == g.a_creds[0].pseudonym);
  CHECK(run.payer_session->peer_pseudonym == g.a_creds[1].pseudonym);
  CHECK(run.m1.size() == hello_size);
  CHECK(run.m2.size() == reply_size);
  CHECK(run.m3.size() == finish_size);
  // Two handshakes of the same pair give different keys (fresh ephemerals and nonces).
  auto again = run_handshake(g.a_creds[2], g.a_creds[3], g.rng);
  REQUIRE(again.payer_session);
  CHECK(again.payer_session->key != run.payer_session->key);
}

TEST_CASE("members of different groups both fail") {
  two_groups g;
  auto run = run_handshake(g.a_creds[0], g.b_creds[0], g.rng);
  CHECK(run.payer == handshake_state::failed);
  CHECK(run.payee == handshake_state::failed);
  CHECK(both_failed(run));
  auto other_way = run_handshake(g.b_creds[1], g.a_creds[1], g.rng);
  CHECK(both_failed(other_way));
}

TEST_CASE("a party without a credential fails on either side, even knowing the group key") {
  two_groups g;
  const auto fake = forged(g.a.pub, g.rng);
  CHECK_FALSE(verify_credential(fake));
  CHECK(both_failed(run_handshake(fake, g.a_creds[0], g.rng)));
  CHECK(both_failed(run_handshake(g.a_creds[1], fake, g.rng)));
  CHECK(both_failed(run_handshake(fake, forged(g.a.pub, g.rng), g.rng)));
}

TEST_CASE("a revoked pseudonym fails on whichever side consults the list") {
  two_groups g;
  revocation_list revoked;
  REQUIRE(revoked.add(g.a_creds[0].pseudonym));
  CHECK(revoked.contains(g.a_creds[0].pseudonym));
  // The payee refuses a revoked payer.
  CHECK(both_failed(run_handshake(g.a_creds[0], g.a_creds[1], g.rng, nullptr, &revoked)));
  // The payer refuses a revoked payee.
  CHECK(both_failed(run_handshake(g.a_creds[2], g.a_creds[0], g.rng, &revoked, nullptr)));
  // Unrevoked members still succeed with the list in place.
  auto ok = run_handshake(g.a_creds[3], g.a_creds[4], g.rng, &revoked, &revoked);
  CHECK(ok.payer == handshake_state::succeeded);
  CHECK(ok.payee == handshake_state::succeeded);
}

TEST_CASE("a failure sends the same kind of messages as a success") {
  // The payee cannot tell why it failed: the payer's message 3 has the same size and, for a payer
  // in another group, is random bytes; likewise the payee's message 2.
  two_groups g;
  auto fail = run_handshake(g.a_creds[0], g.b_creds[0], g.rng);
  auto ok = run_handshake(g.a_creds[1], g.a_creds[2], g.rng);
  CHECK(fail.m2.size() == ok.m2.size());
  CHECK(fail.m3.size() == ok.m3.size());
  CHECK(decode_reply(fail.m2));
  CHECK(decode_finish(fail.m3));
}

TEST_CASE("every bit flipped in any message makes the handshake fail") {
  two_groups g;
  for (int which = 1; which <= 3; ++which) {
    const std::size_t size = which == 1 ? hello_size : which == 2 ? reply_size : finish_size;
    int flips = 0;
    for (std::size_t bit = 0; bit < size * 8; ++bit) {
      auto run = test::run_tampered(g.a_creds[0], g.a_creds[1], g.rng, [&](int n, bytes& m) {
        if (n == which)
          m[bit / 8] ^= static_cast<byte>(1u << (bit % 8));
      });
      ++flips;
      // The payer may have succeeded when message 3 is flipped (it cannot know): the payee must not.
      CHECK_MESSAGE(run.payee != handshake_state::succeeded, "message ", which, " bit ", bit);
      if (which != 3)
        CHECK_MESSAGE(run.payer != handshake_state::succeeded, "message ", which, " bit ", bit);
    }
    CHECK(flips == static_cast<int>(size * 8));
  }
}

TEST_CASE("replayed messages make the handshake fail") {
  two_groups g;
  auto recorded = run_handshake(g.a_creds[0], g.a_creds[1], g.rng);
  REQUIRE(recorded.payee == handshake_state::succeeded);

  SUBCASE("a recorded payer replayed to the payee: new nonce and ephemeral, the old finish fails") {
    responder r(g.a_creds[1], nullptr, g.rng);
    REQUIRE(r.on_hello(recorded.m1));
    REQUIRE(r.on_finish(recorded.m3));
    CHECK(r.state() == handshake_state::failed);
    CHECK_FALSE(r.session());
  }
  SUBCASE("a recorded payee replayed to a new payer") {
    initiator i(g.a_creds[0], nullptr, g.rng);
    REQUIRE(i.hello());
    REQUIRE(i.on_reply(recorded.m2));
    CHECK(i.state() == handshake_state::failed);
  }
  SUBCASE("a message delivered twice is out of order") {
    initiator i(g.a_creds[2], nullptr, g.rng);
    responder r(g.a_creds[3], nullptr, g.rng);
    auto m1 = *i.hello();
    CHECK(i.hello().error().code == errc::ush_bad_state);
    auto m2 = *r.on_hello(m1);
    CHECK(r.on_hello(m1).error().code == errc::ush_bad_state);
    auto m3 = *i.on_reply(m2);
    CHECK(i.on_reply(m2).error().code == errc::ush_bad_state);
    REQUIRE(r.on_finish(m3));
    CHECK(r.on_finish(m3).error().code == errc::ush_bad_state);
    // The duplicates changed nothing.
    CHECK(i.state() == handshake_state::succeeded);
    CHECK(r.state() == handshake_state::succeeded);
  }
  SUBCASE("a finish before any hello is out of order") {
    responder r(g.a_creds[3], nullptr, g.rng);
    CHECK(r.on_finish(recorded.m3).error().code == errc::ush_bad_state);
    initiator i(g.a_creds[2], nullptr, g.rng);
    CHECK(i.on_reply(recorded.m2).error().code == errc::ush_bad_state);
  }
}

TEST_CASE("the decoders refuse truncated, long and trailing input and a wrong version") {
  two_groups g;
  auto run = run_handshake(g.a_creds[0], g.a_creds[1], g.rng);
  const bytes cred = encode_credential(g.a_creds[0]);
  struct one {
    const bytes& encoded;
    std::function<error(byte_view)> decode_error;
  };
  auto err = [](auto decode) {
    return [decode](byte_view in) {
      auto v = decode(in);
      return v ? error{} : v.error();
    };
  };
  const one all[] = {{run.m1, err(decode_hello)},
                     {run.m2, err(decode_reply)},
                     {run.m3, err(decode_finish)},
                     {cred, err(decode_credential)}};
  for (const auto& m : all) {
    CHECK(m.decode_error(m.encoded).code == errc::ok);
    CHECK(m.decode_error({}).code == errc::malformed);
    for (std::size_t len = 1; len < m.encoded.size(); ++len)
      CHECK(m.decode_error(byte_view(m.encoded).first(len)).code == errc::malformed);
    bytes longer = m.encoded;
    longer.push_back(0);
    CHECK(m.decode_error(longer).code == errc::trailing_bytes);
    bytes huge = m.encoded;
    huge.resize(1 << 20, 0xaa);
    CHECK(m.decode_error(huge).code == errc::trailing_bytes);
    bytes version = m.encoded;
    version[0] = 2;
    CHECK(m.decode_error(version).code == errc::unsupported_version);
  }
  // A field that is not a point is malformed.
  bytes bad_w = run.m1;
  bad_w[1 + 32] = 0x05;
  CHECK(decode_hello(bad_w).error().code == errc::malformed);
  bytes bad_t = cred;
  std::fill(bad_t.begin() + 66, bad_t.begin() + 98, 0);
  CHECK(decode_credential(bad_t).error().code == errc::malformed);
}

TEST_CASE("messages and credentials re-encode to their exact bytes") {
  two_groups g;
  auto run = run_handshake(g.a_creds[0], g.a_creds[1], g.rng);
  CHECK(encode(*decode_hello(run.m1)) == run.m1);
  CHECK(encode(*decode_reply(run.m2)) == run.m2);
  CHECK(encode(*decode_finish(run.m3)) == run.m3);
  const auto c = *decode_credential(encode_credential(g.a_creds[0]));
  CHECK(c == g.a_creds[0]);
  CHECK(verify_credential(c));
  CHECK(decode_verified_credential(encode_credential(g.a_creds[0])));
  auto moved = g.a_creds[0];
  moved.group_key = g.b.pub.key;
  CHECK(decode_verified_credential(encode_credential(moved)).error().code == errc::ush_bad_credential);
}

TEST_CASE("a malformed message fails the handshake for good") {
  two_groups g;
  responder r(g.a_creds[1], nullptr, g.rng);
  CHECK(r.on_hello(bytes(5, 1)).error().code == errc::malformed);
  CHECK(r.state() == handshake_state::failed);
  initiator i(g.a_creds[0], nullptr, g.rng);
  REQUIRE(i.hello());
  CHECK(i.on_reply(bytes(reply_size + 1, 1)).error().code == errc::trailing_bytes);
  CHECK(i.state() == handshake_state::failed);
}
