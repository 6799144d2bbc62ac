// Binding a payment to a handshake: the payment tag and the registry refusing its reuse.
#include <doctest/doctest.h>

#include "chains/ush/payment_tag.hpp"
#include "tests/chains/ush_fixture.hpp"

using namespace bfd;
using namespace bfd::ush;
using bfd::test::run_handshake;
using bfd::test::seed_of;

TEST_CASE("the payer's tag verifies against the payee's session and no other") {
  seeded_random rng(seed_of(0x21));
  auto group = new_group(rng);
  auto creds = *issue_batch(group, 4, rng);
  auto first = run_handshake(creds[0], creds[1], rng);
  auto second = run_handshake(creds[2], creds[3], rng);
  REQUIRE(first.payer_session);
  REQUIRE(second.payee_session);
  const auto tag = payment_tag(*first.payer_session);
  CHECK(verify_payment_tag(*first.payee_session, tag));
  CHECK(verify_payment_tag(*second.payee_session, tag).error().code == errc::ush_tag_mismatch);
  auto flipped = tag;
  flipped.data[31] ^= 1;
  CHECK(verify_payment_tag(*first.payee_session, flipped).error().code == errc::ush_tag_mismatch);
}

TEST_CASE("a tag is accepted once within its window") {
  tag_registry registry(10, 100);
  const auto tag = seed_of(0x31);
  REQUIRE(registry.record(tag, 5, 7));
  CHECK(registry.record(tag, 5, 8).error().code == errc::ush_tag_reused);
  CHECK(registry.record(tag, 5, 15).error().code == errc::ush_tag_reused);
  // Past its window it is refused as expired, before and after it is dropped.
  CHECK(registry.record(tag, 5, 16).error().code == errc::ush_tag_expired);
  registry.prune(16);
  CHECK_FALSE(registry.contains(tag));
  CHECK(registry.record(tag, 5, 100).error().code == errc::ush_tag_expired);
  CHECK(registry.record(seed_of(0x32), 5, 16).error().code == errc::ush_tag_expired);
}

TEST_CASE("the registry is bounded and frees room as tags expire") {
  tag_registry registry(2, 3);
  REQUIRE(registry.record(seed_of(1), 0, 0));
  REQUIRE(registry.record(seed_of(2), 0, 1));
  REQUIRE(registry.record(seed_of(3), 1, 1));
  CHECK(registry.record(seed_of(4), 1, 2).error().code == errc::ush_tag_registry_full);
  CHECK(registry.size() == 3);
  // At height 3 the tags of height 0 (valid to 2) are dropped.
  REQUIRE(registry.record(seed_of(4), 1, 3));
  CHECK(registry.size() == 2);
  CHECK(registry.contains(seed_of(3)));
  CHECK_FALSE(registry.contains(seed_of(1)));
}

TEST_CASE("a window reaching past the last height does not wrap") {
  tag_registry registry(~std::uint64_t{0}, 4);
  REQUIRE(registry.record(seed_of(9), 7, ~std::uint64_t{0}));
  CHECK(registry.record(seed_of(9), 7, 8).error().code == errc::ush_tag_reused);
}
