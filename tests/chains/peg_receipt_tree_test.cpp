// The receipt tree: a sparse Merkle tree checked against a std::map model over thousands of
// random operations with undo, its proofs (membership, non-membership, tampering, bounds) and its
// storage records.
#include <doctest/doctest.h>

#include <map>
#include <random>

#include "chains/peg/receipt_tree.hpp"

using namespace bfd;
using namespace bfd::peg;

namespace {

hash256 value_of(std::uint64_t n) {
  hash256 v;
  for (int i = 0; i < 8; ++i)
    v[i] = static_cast<byte>(n >> (8 * i));
  v[31] = 1;
  return v;
}

// A tree rebuilt from scratch with these leaves (the reference for a root).
receipt_tree fresh(const std::map<hash256, hash256>& model) {
  receipt_tree t;
  for (const auto& [k, v] : model)
    t.set(k, v);
  return t;
}

} // namespace

TEST_CASE("the empty tree's root is the default ladder's top and proves every key absent") {
  receipt_tree t;
  CHECK(t.root() == default_hash(smt_depth));
  CHECK_FALSE(t.root().is_zero());
  CHECK(default_hash(0).is_zero());
  const auto key = receipt_key({1, 0});
  const auto p = t.prove(key);
  CHECK(p.siblings.empty());
  CHECK(verify_non_membership(t.root(), key, p));
  CHECK(verify_membership(t.root(), key, value_of(1), p).error().code == errc::bad_proof);
}

TEST_CASE("random inserts, erases and rollbacks match a map model; proofs agree with it") {
  std::mt19937_64 rng(1234);
  receipt_tree t;
  std::map<hash256, hash256> model;
  std::vector<hash256> keys;
  for (std::uint64_t i = 0; i < 300; ++i)
    keys.push_back(receipt_key({static_cast<chain_id>(1 + i % 3), i}));
  // Two keys sharing a long prefix exercise deep paths.
  hash256 a = keys[0], b = keys[0];
  b[31] ^= 1;
  keys.push_back(b);
  (void)a;
  std::vector<std::pair<std::size_t, std::map<hash256, hash256>>> marks;
  for (int step = 0; step < 3000; ++step) {
    const auto op = rng() % 10;
    const auto& key = keys[rng() % keys.size()];
    if (op < 6) {
      const auto v = value_of(rng());
      t.set(key, v);
      model[key] = v;
    } else if (op < 8) {
      t.set(key, std::nullopt);
      model.erase(key);
    } else if (op == 8) {
      marks.emplace_back(t.checkpoint(), model);
    } else if (!marks.empty()) {
      t.rollback(marks.back().first);
      model = marks.back().second;
      marks.pop_back();
    }
    REQUIRE(t.size() == model.size());
    if (step % 100 == 0) {
      CHECK(t.root() == fresh(model).root());
      CHECK(std::equal(t.leaves().begin(), t.leaves().end(), model.begin(), model.end()));
      for (int probe = 0; probe < 10; ++probe) {
        const auto& k = keys[rng() % keys.size()];
        const auto p = t.prove(k);
        auto it = model.find(k);
        if (it != model.end()) {
          CHECK(verify_membership(t.root(), k, it->second, p));
          CHECK_FALSE(verify_non_membership(t.root(), k, p));
          CHECK_FALSE(verify_membership(t.root(), k, value_of(999), p));
        } else {
          CHECK(verify_non_membership(t.root(), k, p));
        }
      }
    }
  }
  // Undo back to an empty tree restores the empty root.
  t.rollback(0);
  CHECK(t.size() == 0);
  CHECK(t.root() == default_hash(smt_depth));
}

TEST_CASE("a non-membership proof of a present key, a tampered proof and a zero root are refused") {
  receipt_tree t;
  for (std::uint64_t i = 0; i < 50; ++i)
    t.set(receipt_key({1, i}), value_of(i));
  const auto present = receipt_key({1, 7});
  const auto absent = receipt_key({1, 70});
  // The proof of a present key shows it present: it cannot pass as a non-receipt proof.
  CHECK_FALSE(verify_non_membership(t.root(), present, t.prove(present)));
  // The proof of another (absent) key does not prove this one absent.
  CHECK_FALSE(verify_non_membership(t.root(), present, t.prove(absent)));
  auto p = t.prove(absent);
  REQUIRE(verify_non_membership(t.root(), absent, p));
  REQUIRE_FALSE(p.siblings.empty());
  auto tampered = p;
  tampered.siblings[0][0] ^= 1;
  CHECK_FALSE(verify_non_membership(t.root(), absent, tampered));
  auto dropped = p;
  dropped.siblings.pop_back();
  CHECK(verify_non_membership(t.root(), absent, dropped).error().code == errc::bad_proof);
  // The Nomad bug: a zero root must never count as proven.
  CHECK(verify_non_membership(hash256{}, absent, p).error().code == errc::bad_proof);
  CHECK(verify_non_membership(hash256{}, absent, smt_proof{}).error().code == errc::bad_proof);
}

TEST_CASE("receipt proofs round trip and refuse a count that disagrees with the bitmap") {
  receipt_tree t;
  for (std::uint64_t i = 0; i < 20; ++i)
    t.set(receipt_key({2, i}), value_of(i));
  const auto p = t.prove(receipt_key({2, 3}));
  auto again = codec::decode_smt_proof(codec::encode(p));
  REQUIRE(again);
  CHECK(*again == p);
  auto extra = p;
  extra.siblings.push_back(hash256{});
  CHECK(codec::decode_smt_proof(codec::encode(extra)).error().code == errc::malformed);
  // All 256 bits set with 256 siblings is the largest proof; 257 siblings are refused.
  smt_proof full;
  full.bitmap.data.fill(0xff);
  full.siblings.assign(256, hash256{});
  CHECK(codec::decode_smt_proof(codec::encode(full)));
  full.siblings.push_back(hash256{});
  CHECK_FALSE(codec::decode_smt_proof(codec::encode(full)));
  auto bad = codec::encode(p);
  bad[2] = 31;  // bitmap of 31 bytes
  CHECK_FALSE(codec::decode_smt_proof(bad));
}

TEST_CASE("the receipt tree's storage records restore the same tree and root") {
  receipt_tree t;
  for (std::uint64_t i = 0; i < 40; ++i)
    t.set(receipt_key({1, i}), value_of(i));
  for (std::uint64_t i = 0; i < 10; ++i)
    t.set(receipt_key({1, i}), std::nullopt);
  std::map<bytes, bytes> store;
  for (auto& [k, v] : t.dirty_records()) {
    if (v)
      store[k] = *v;
    else
      store.erase(k);
  }
  CHECK(store.size() == 30);
  std::vector<std::pair<bytes, bytes>> records(store.begin(), store.end());
  auto restored = receipt_tree::restore(records);
  REQUIRE(restored);
  CHECK(restored->root() == t.root());
  records[0].second.pop_back();
  CHECK(receipt_tree::restore(records).error().code == errc::storage_corrupt);
}
