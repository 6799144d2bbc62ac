// Cluster selection across categories, the seeded shuffle, the 2/3 threshold and hash chains.
#include <doctest/doctest.h>

#include <algorithm>
#include <set>

#include "chains/consensus/cluster.hpp"
#include "chains/consensus/hash_chain.hpp"
#include "chains/crypto/hash.hpp"

using namespace bfd;

namespace {

consensus_params three_categories() {
  consensus_params p;
  p.categories = {{"gold", 3, 0, 0}, {"silver", 2, 0, 0}, {"bronze", 1, 0, 0}};
  return p;
}

public_key key(int i) {
  public_key k;
  k.data[0] = static_cast<byte>(i >> 8);
  k.data[1] = static_cast<byte>(i);
  return k;
}

std::map<public_key, vm_info> vms_with(std::vector<std::pair<std::uint32_t, amount>> spec) {
  std::map<public_key, vm_info> out;
  int i = 0;
  for (auto [cat, power] : spec) {
    vm_info vm;
    vm.category = cat;
    vm.bid = power;
    out[key(i++)] = vm;
  }
  return out;
}

std::map<std::uint32_t, int> per_category(const cluster& c) {
  std::map<std::uint32_t, int> n;
  for (const auto& m : c.members)
    ++n[m.category];
  return n;
}

} // namespace

TEST_CASE("the cluster takes whole passes across categories until it holds more than half the power") {
  // 4 VMs per category with equal power 10: total 120; one pass = 30, two = 60 (exactly half),
  // three = 90 > 60.
  std::vector<std::pair<std::uint32_t, amount>> spec;
  for (std::uint32_t c = 0; c < 3; ++c)
    for (int i = 0; i < 4; ++i)
      spec.push_back({c, 10});
  auto c = select_cluster(vms_with(spec), three_categories());
  CHECK(c.members.size() == 9);
  CHECK(c.power == 90);
  CHECK(c.total_power == 120);
  CHECK(c.majority());
  auto n = per_category(c);
  CHECK(n[0] == 3);
  CHECK(n[1] == 3);
  CHECK(n[2] == 3);
}

TEST_CASE("exactly half of the power is not a majority: one more pass is taken") {
  // Two VMs of power 50 in one category: the first alone holds exactly 50%.
  consensus_params p;
  p.categories = {{"only", 1, 0, 0}};
  auto c = select_cluster(vms_with({{0, 50}, {0, 50}}), p);
  CHECK(c.members.size() == 2);
  CHECK(c.majority());
  cluster half;
  half.power = 50;
  half.total_power = 100;
  CHECK_FALSE(half.majority());
  half.power = 51;
  CHECK(half.majority());
}

TEST_CASE("within a category the most powerful VMs are taken first, ties by key") {
  auto vms = vms_with({{0, 5}, {0, 50}, {0, 20}, {0, 50}});
  consensus_params p;
  p.categories = {{"only", 1, 0, 0}};
  auto c = select_cluster(vms, p);
  REQUIRE(c.members.size() >= 2);
  CHECK(c.members[0].key == key(1));  // 50, lower key
  CHECK(c.members[1].key == key(3));  // 50
  CHECK(c.members.size() == 2);       // 100 of 125 > half
}

TEST_CASE("a category with no witnesses is skipped and the others still fill the cluster") {
  auto c = select_cluster(vms_with({{0, 10}, {0, 10}, {2, 10}, {2, 10}}), three_categories());
  auto n = per_category(c);
  CHECK(n.count(1) == 0);
  CHECK(n[0] == n[2]);
  CHECK(c.majority());
}

TEST_CASE("a category cap stops that category early") {
  auto p = three_categories();
  p.categories[0].cluster_cap = 1;
  std::vector<std::pair<std::uint32_t, amount>> spec;
  for (int i = 0; i < 5; ++i)
    spec.push_back({0, 100});  // gold dominates the power
  spec.push_back({1, 1});
  spec.push_back({2, 1});
  auto c = select_cluster(vms_with(spec), p);
  CHECK(per_category(c)[0] == 1);
  CHECK_FALSE(c.majority());  // the cap makes a majority impossible; the caller sees it
}

TEST_CASE("demoted, slashed and powerless VMs are not eligible") {
  auto vms = vms_with({{0, 10}, {0, 10}, {0, 10}, {0, 0}});
  vms[key(0)].status = vm_status::demoted;
  vms[key(1)].status = vm_status::slashed;
  consensus_params p;
  p.categories = {{"only", 1, 0, 0}};
  auto c = select_cluster(vms, p);
  REQUIRE(c.members.size() == 1);
  CHECK(c.members[0].key == key(2));
  CHECK(c.total_power == 10);
  CHECK(select_cluster({}, p).members.empty());
}

TEST_CASE("the shuffle is a permutation fixed by the seed") {
  std::vector<public_key> keys;
  for (int i = 0; i < 21; ++i)
    keys.push_back(key(i));
  auto s1 = tagged_hash(hash_tag::seed, {});
  auto s2 = tagged_hash(hash_tag::seed, s1.view());
  auto a = shuffle_order(keys, s1);
  auto b = shuffle_order(keys, s1);
  auto c = shuffle_order(keys, s2);
  CHECK(a == b);
  CHECK(a != c);
  CHECK(a != keys);
  auto sorted = a;
  std::sort(sorted.begin(), sorted.end());
  CHECK(sorted == keys);
}

TEST_CASE("over many seeds every delegate takes every position about equally often") {
  std::vector<public_key> keys;
  for (int i = 0; i < 5; ++i)
    keys.push_back(key(i));
  int first[5] = {};
  hash256 seed;
  for (int round = 0; round < 5000; ++round) {
    seed = tagged_hash(hash_tag::seed, seed.view());
    auto order = shuffle_order(keys, seed);
    ++first[order[0].data[1]];
  }
  for (int i = 0; i < 5; ++i) {
    INFO("delegate " << i << " first " << first[i] << " times");
    CHECK(first[i] > 850);
    CHECK(first[i] < 1150);
  }
}

TEST_CASE("finality needs strictly more than two thirds") {
  CHECK_FALSE(exceeds_two_thirds(2, 3));
  CHECK(exceeds_two_thirds(3, 4));
  CHECK_FALSE(exceeds_two_thirds(66, 99));
  CHECK(exceeds_two_thirds(67, 99));
  CHECK(exceeds_two_thirds(UINT64_MAX, UINT64_MAX));
  CHECK_FALSE(exceeds_two_thirds(0, 0));
}

TEST_CASE("each reveal hashes to the one before, back to the committed tip") {
  hash256 seed;
  seed.data.fill(9);
  hash_chain hc(seed, 100, 7);
  hash256 previous = hc.tip();
  for (std::uint64_t k = 1; k <= 100; ++k) {
    auto r = hc.reveal(k);
    REQUIRE(r);
    CHECK(hash_chain_step(*r) == previous);
    previous = *r;
  }
  CHECK(previous == seed);
  CHECK_FALSE(hc.reveal(101));
}
