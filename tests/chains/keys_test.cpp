// BIP340 Schnorr signatures against the official test vectors, and address derivation.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "chains/core/hex.hpp"
#include "chains/crypto/keys.hpp"

using namespace bfd;

namespace {

struct vector_row {
  std::string index, secret, pub, aux, message, sig, result, comment;
};

std::vector<vector_row> load_vectors() {
  std::ifstream in(std::string(BFD_TEST_DATA_DIR) + "/bip340-vectors.csv");
  REQUIRE(in.good());
  std::vector<vector_row> rows;
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    if (line.empty())
      continue;
    std::vector<std::string> cols;
    std::stringstream ss(line);
    std::string col;
    for (int i = 0; i < 7 && std::getline(ss, col, ','); ++i)
      cols.push_back(col);
    std::getline(ss, col);
    cols.push_back(col);
    REQUIRE(cols.size() == 8);
    rows.push_back({cols[0], cols[1], cols[2], cols[3], cols[4], cols[5], cols[6], cols[7]});
  }
  return rows;
}

key_pair test_keys(byte fill) {
  secret_key s;
  s.data.fill(fill);
  return *key_pair_from_secret(s);
}

} // namespace

TEST_CASE("every official BIP340 test vector gives the expected result") {
  auto rows = load_vectors();
  REQUIRE(rows.size() == 15);
  int valid = 0, invalid = 0;
  for (const auto& row : rows) {
    INFO("vector " << row.index << " " << row.comment);
    auto pub = fixed_from_hex<32>(row.pub);
    auto msg = from_hex(row.message);
    auto sig = fixed_from_hex<64>(row.sig);
    REQUIRE(pub);
    REQUIRE(msg);
    REQUIRE(sig);
    bool expected = row.result == "TRUE";
    CHECK(verify(*pub, *msg, *sig) == expected);
    expected ? ++valid : ++invalid;
    if (!row.secret.empty()) {
      // Signing with the vector's secret and aux must reproduce the vector's signature.
      auto keys = key_pair_from_secret(*fixed_from_hex<32>(row.secret));
      REQUIRE(keys);
      CHECK(keys->pub == *pub);
      REQUIRE(msg->size() == 32);
      hash256 m, aux = *fixed_from_hex<32>(row.aux);
      std::copy(msg->begin(), msg->end(), m.begin());
      CHECK(sign(*keys, m, aux) == *sig);
    }
  }
  CHECK(valid == 5);
  CHECK(invalid == 10);
}

TEST_CASE("invalid public keys are recognised") {
  auto off_curve = *fixed_from_hex<32>("EEFDEA4CDB677750A420FEE807EACF21EB9898AE79B9768766E4FAA04A2D4A34");
  CHECK_FALSE(is_valid_public_key(off_curve));
  CHECK(is_valid_public_key(test_keys(1).pub));
}

TEST_CASE("a zero secret or one at or above the curve order is rejected") {
  secret_key zero;
  CHECK(key_pair_from_secret(zero).error().code == errc::bad_secret_key);
  auto order = *fixed_from_hex<32>("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141");
  CHECK(key_pair_from_secret(order).error().code == errc::bad_secret_key);
}

TEST_CASE("a signature verifies only for its own message and key") {
  auto keys = test_keys(7);
  hash256 msg, aux;
  msg.data.fill(0x42);
  auto sig = sign(keys, msg, aux);
  CHECK(verify(keys.pub, msg.view(), sig));
  auto other = msg;
  other.data[0] ^= 1;
  CHECK_FALSE(verify(keys.pub, other.view(), sig));
  CHECK_FALSE(verify(test_keys(8).pub, msg.view(), sig));
  auto bad = sig;
  bad.data[63] ^= 1;
  CHECK_FALSE(verify(keys.pub, msg.view(), bad));
}

TEST_CASE("addresses are bfd plus 40 hex characters and parse back") {
  auto addr = address_of(test_keys(1).pub);
  auto text = format_address(addr);
  CHECK(text.size() == 43);
  CHECK(text.starts_with("bfd"));
  CHECK(*parse_address(text) == addr);
  CHECK(address_of(test_keys(2).pub) != addr);
  for (auto bad : {"", "bfd", "xyz0000000000000000000000000000000000000000", "bfd00",
                   "bfd000000000000000000000000000000000000000g"})
    CHECK(parse_address(bad).error().code == errc::bad_address);
}
