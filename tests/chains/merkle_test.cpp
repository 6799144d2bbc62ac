// Merkle roots and inclusion proofs: every index of every tree size, and tampering.
#include <doctest/doctest.h>

#include <vector>

#include "chains/crypto/hash.hpp"
#include "chains/merkle/merkle.hpp"

using namespace bfd;

namespace {
std::vector<hash256> items(std::size_t n) {
  std::vector<hash256> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    byte b[8];
    for (int k = 0; k < 8; ++k)
      b[k] = static_cast<byte>(i >> (8 * k));
    out[i] = sha256(byte_view{b, 8});
  }
  return out;
}
} // namespace

TEST_CASE("every item of trees of 1 to 33 leaves has a proof that verifies") {
  for (std::size_t n = 1; n <= 33; ++n) {
    auto xs = items(n);
    auto root = merkle_root(xs);
    for (std::size_t i = 0; i < n; ++i) {
      auto proof = make_merkle_proof(xs, i);
      REQUIRE(proof);
      INFO("n=" << n << " i=" << i);
      CHECK(verify_merkle_proof(root, xs[i], *proof));
    }
    CHECK_FALSE(make_merkle_proof(xs, n));
  }
}

TEST_CASE("all proofs at once equal the proofs one by one, for trees of 0 to 70 leaves") {
  for (std::size_t n = 0; n <= 70; ++n) {
    auto xs = items(n);
    auto all = make_merkle_proofs(xs);
    REQUIRE(all.size() == n);
    for (std::size_t i = 0; i < n; ++i) {
      auto one = make_merkle_proof(xs, i);
      REQUIRE(one);
      INFO("n=" << n << " i=" << i);
      CHECK(all[i].index == one->index);
      CHECK(all[i].leaf_count == one->leaf_count);
      CHECK(all[i].siblings == one->siblings);
    }
  }
}

TEST_CASE("a proof fails for a tampered item, sibling, index or size") {
  auto xs = items(11);
  auto root = merkle_root(xs);
  auto proof = *make_merkle_proof(xs, 6);
  REQUIRE(verify_merkle_proof(root, xs[6], proof));
  CHECK_FALSE(verify_merkle_proof(root, xs[5], proof));
  for (std::size_t s = 0; s < proof.siblings.size(); ++s) {
    auto bad = proof;
    bad.siblings[s].data[0] ^= 1;
    CHECK_FALSE(verify_merkle_proof(root, xs[6], bad));
  }
  auto moved = proof;
  moved.index = 7;
  CHECK_FALSE(verify_merkle_proof(root, xs[6], moved));
  auto resized = proof;
  resized.leaf_count = 12;
  CHECK_FALSE(verify_merkle_proof(root, xs[6], resized));
  auto extra = proof;
  extra.siblings.push_back(xs[0]);
  CHECK_FALSE(verify_merkle_proof(root, xs[6], extra));
  auto shorter = proof;
  shorter.siblings.pop_back();
  CHECK_FALSE(verify_merkle_proof(root, xs[6], shorter));
  CHECK_FALSE(verify_merkle_proof(root, xs[6], merkle_proof{}));
}

TEST_CASE("the root depends on every item and on their order") {
  auto xs = items(5);
  auto root = merkle_root(xs);
  auto swapped = xs;
  std::swap(swapped[1], swapped[2]);
  CHECK(merkle_root(swapped) != root);
  auto changed = xs;
  changed[4].data[31] ^= 1;
  CHECK(merkle_root(changed) != root);
}

TEST_CASE("duplicating the last item changes the root (no Bitcoin-style duplication)") {
  auto xs = items(3);
  auto dup = xs;
  dup.push_back(xs.back());
  CHECK(merkle_root(xs) != merkle_root(dup));
}

TEST_CASE("the empty tree and a one-item tree have distinct, fixed roots") {
  auto empty = merkle_root({});
  CHECK(empty == tagged_hash(hash_tag::merkle_empty, {}));
  auto one = items(1);
  CHECK(merkle_root(one) != tagged_hash(hash_tag::merkle_leaf, one[0].view()));
  CHECK(merkle_root(one) != one[0]);
  CHECK(merkle_root(one) != empty);
}
