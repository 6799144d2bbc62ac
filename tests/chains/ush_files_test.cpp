// The group file and the credential file of the membership proofs: round trips, and refusals of
// anything but their exact layout, with their reason codes.
#include <doctest/doctest.h>

#include "chains/ush/files.hpp"

using namespace bfd;

namespace {

ush::seeded_random rng_of(byte b) {
  hash256 s;
  s.data.fill(b);
  return ush::seeded_random(s);
}

} // namespace

TEST_CASE("a group file round-trips and refuses other layouts") {
  auto rng = rng_of(1);
  ush::group_file g{"over 21", ush::new_group(rng)};
  const auto text = ush::encode_group_file(g);
  auto back = ush::decode_group_file(text);
  REQUIRE(back);
  CHECK(back->name == "over 21");
  CHECK(back->keys.pub == g.keys.pub);
  CHECK(ush::decode_group_file(text.substr(0, text.size() - 1)).error().code == errc::malformed);
  CHECK(ush::decode_group_file(text + "x\n").error().code == errc::too_large);
  CHECK(ush::decode_group_file(std::string(ush::max_group_file + 1, 'a')).error().code == errc::too_large);
  CHECK(ush::decode_group_file("bfd-ush-group 1\nname \nsecret 00\n").error().code == errc::invalid_argument);
  CHECK(ush::decode_group_file("bfd-ush-group 1\nname x\nsecret " + std::string(64, '0') + "\n").error().code
        == errc::bad_secret_key);
}

TEST_CASE("a credential file round-trips, refuses a tampered credential or one of another group") {
  auto rng = rng_of(2);
  const auto g = ush::new_group(rng);
  const auto batch = *ush::issue_batch(g, 3, rng);
  const auto text = ush::encode_credential_file(batch);
  auto back = ush::decode_credential_file(text);
  REQUIRE(back);
  CHECK(*back == batch);
  // All used: the header alone is an empty file.
  CHECK(ush::decode_credential_file(ush::encode_credential_file({}))->empty());
  // A flipped digit of t (offset 66) is no signature under the group key.
  auto tampered = text;
  const auto line = tampered.find("credential ") + 11;
  tampered[line + 2 * 70] = tampered[line + 2 * 70] == '0' ? '1' : '0';
  CHECK(ush::decode_credential_file(tampered).error().code == errc::ush_bad_credential);
  // A credential of another group under this group's header.
  const auto other = *ush::issue_batch(ush::new_group(rng), 1, rng);
  const auto other_line = ush::encode_credential_file(other).substr(ush::encode_credential_file(other).find("credential "));
  CHECK(ush::decode_credential_file(text + other_line).error().code == errc::ush_bad_credential);
  CHECK(ush::decode_credential_file("bfd-ush-credentials 2\n").error().code == errc::malformed);
  CHECK(ush::decode_credential_file(text.substr(0, text.size() - 1)).error().code == errc::malformed);
  CHECK(ush::decode_credential_file(std::string(ush::max_credential_file + 1, '\n')).error().code == errc::too_large);
}
