// docs/membership-proofs.md's worked example: fixed seeds give the bytes the document shows, and
// the formulas the document states, computed here step by step, give what the state machines do.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "chains/core/hex.hpp"
#include "chains/ush/payment_tag.hpp"
#include "tests/chains/ush_fixture.hpp"
#include "tests/docs/formats_doc.hpp"

using namespace bfd;
using namespace bfd::ush;
using bfd::test::seed_of;

namespace {

const std::string& doc() {
  static const std::string text = test::read_doc("membership-proofs.md");
  return text;
}

/// Checks the document shows `| name | `hex` |`, and prints the row when it does not.
void check_row(const std::string& name, const std::string& hex) {
  const auto row = "| " + name + " | `" + hex + "` |";
  if (doc().find(row) == std::string::npos)
    std::printf("missing row: %s\n", row.c_str());
  CHECK_MESSAGE(doc().find(row) != std::string::npos, row);
}

template <std::size_t N>
bytes cat(std::initializer_list<const fixed_bytes<N>*> parts) {
  bytes out;
  for (const auto* p : parts)
    out.insert(out.end(), p->begin(), p->end());
  return out;
}

/// The last 32 bytes of a message: its confirmation code.
hash256 last32(const bytes& m) {
  hash256 h;
  std::copy(m.end() - 32, m.end(), h.begin());
  return h;
}

} // namespace

TEST_CASE("the worked example of membership-proofs.md computes as the document says") {
  // The authority's stream (seed 32 x 0x01) makes the group, then a batch of two credentials:
  // the first is the payer's, the second the payee's.
  seeded_random authority(seed_of(0x01));
  const auto group = new_group(authority);
  const auto creds = *issue_batch(group, 2, authority);
  const auto& payer = creds[0];
  const auto& payee = creds[1];
  check_row("x", to_hex(group.secret));
  check_row("Y", to_hex(group.pub.key));
  check_row("group id", to_hex(group.pub.id()));
  check_row("payer credential", to_hex(encode_credential(payer)));
  check_row("payee credential", to_hex(encode_credential(payee)));

  // The payer's stream is seed 32 x 0x02, the payee's 32 x 0x03.
  seeded_random payer_rng(seed_of(0x02));
  seeded_random payee_rng(seed_of(0x03));
  initiator i(payer, nullptr, payer_rng);
  responder r(payee, nullptr, payee_rng);
  const auto m1 = *i.hello();
  const auto m2 = *r.on_hello(m1);
  const auto m3 = *i.on_reply(m2);
  REQUIRE(r.on_finish(m3));
  REQUIRE(i.session());
  REQUIRE(r.session());
  check_row("message 1", to_hex(m1));
  check_row("message 2", to_hex(m2));
  check_row("message 3", to_hex(m3));

  // The same by the document's formulas: ephemerals are each stream's first scalar draw.
  seeded_random a_stream(seed_of(0x02));
  seeded_random b_stream(seed_of(0x03));
  const auto a = random_scalar(a_stream);
  const auto b = random_scalar(b_stream);
  const auto pk_payer = *credential_public_key(payer.pseudonym, payer.w, group.pub.key);
  const auto pk_payee = *credential_public_key(payee.pseudonym, payee.w, group.pub.key);
  CHECK(pk_payer == *mul_base(payer.t));
  CHECK(pk_payee == *mul_base(payee.t));
  const auto z_e = *mul(*mul_base(b), a);
  const auto z_i = *mul(pk_payer, b);
  const auto z_r = *mul(pk_payee, a);
  CHECK(z_i == *mul(*mul_base(b), payer.t));
  CHECK(z_r == *mul(*mul_base(a), payee.t));
  const auto transcript =
    tagged_hash(hash_tag::ush_transcript, m1, byte_view(m2).first(reply_size - 32));
  bytes key_input(transcript.begin(), transcript.end());
  const auto zs = cat<33>({&z_e, &z_i, &z_r});
  key_input.insert(key_input.end(), zs.begin(), zs.end());
  const auto master = tagged_hash(hash_tag::ush_key, key_input);
  const byte initiator_role[] = {1};
  const byte responder_role[] = {2};
  CHECK(last32(m2) == tagged_hash(hash_tag::ush_confirm, master.view(), responder_role));
  CHECK(last32(m3) == tagged_hash(hash_tag::ush_confirm, master.view(), initiator_role));
  const auto key = tagged_hash(hash_tag::ush_session, master.view());
  CHECK(i.session()->key == key);
  CHECK(r.session()->key == key);
  CHECK(i.session()->transcript == transcript);
  const auto tag = payment_tag(*i.session());
  CHECK(tag == tagged_hash(hash_tag::ush_tag, key.view(), transcript.view()));
  check_row("z_e", to_hex(z_e));
  check_row("z_i", to_hex(z_i));
  check_row("z_r", to_hex(z_r));
  check_row("transcript hash", to_hex(transcript));
  check_row("master secret", to_hex(master));
  check_row("session key", to_hex(key));
  check_row("payment tag", to_hex(tag));
}

TEST_CASE("the document states the sizes and bounds the code enforces") {
  CHECK(hello_size == 131);
  CHECK(reply_size == 163);
  CHECK(finish_size == 33);
  CHECK(credential_size == 131);
  CHECK(max_batch == 256);
  CHECK(doc().find("131 bytes") != std::string::npos);
  CHECK(doc().find("163 bytes") != std::string::npos);
  CHECK(doc().find("33 bytes") != std::string::npos);
  CHECK(doc().find("at most 256") != std::string::npos);
}
