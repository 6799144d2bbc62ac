// SHA-256 and tagged hashes: known answers and domain separation.
#include <doctest/doctest.h>

#include <string>

#include "chains/core/hex.hpp"
#include "chains/crypto/hash.hpp"

using namespace bfd;

namespace {
byte_view text(std::string_view s) {
  return {reinterpret_cast<const byte*>(s.data()), s.size()};
}
} // namespace

TEST_CASE("sha256 matches the FIPS 180-2 known answers") {
  CHECK(to_hex(sha256(text("abc"))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(to_hex(sha256({})) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("a tagged hash is SHA256(SHA256(tag) || SHA256(tag) || data)") {
  std::string data = "some payload";
  for (auto tag : {hash_tag::tx, hash_tag::block, hash_tag::merkle_node, hash_tag::address}) {
    auto tag_digest = sha256(text(tag_name(tag)));
    bytes pre(tag_digest.begin(), tag_digest.end());
    pre.insert(pre.end(), tag_digest.begin(), tag_digest.end());
    pre.insert(pre.end(), data.begin(), data.end());
    CHECK(tagged_hash(tag, text(data)) == sha256(pre));
  }
}

TEST_CASE("different tags give different hashes of the same bytes") {
  auto d = text("same bytes");
  CHECK(tagged_hash(hash_tag::tx, d) != tagged_hash(hash_tag::block, d));
  CHECK(tagged_hash(hash_tag::merkle_leaf, d) != tagged_hash(hash_tag::merkle_node, d));
}

TEST_CASE("incremental and two-part hashing equal one-shot hashing") {
  auto a = text("first part|");
  auto b = text("second part");
  std::string whole = "first part|second part";
  tagged_hasher h(hash_tag::peg);
  h.update(a);
  h.update(b);
  CHECK(h.finish() == tagged_hash(hash_tag::peg, text(whole)));
  CHECK(tagged_hash(hash_tag::peg, a, b) == tagged_hash(hash_tag::peg, text(whole)));
}
