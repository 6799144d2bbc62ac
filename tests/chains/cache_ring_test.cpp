// The read cache's pure parts: the consistent-hashing ring (balance, minimal movement, order
// independence) and the bounded LRU with tag generations (bounds, invalidation, stale puts).
#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include "chains/cache/invalidation.hpp"
#include "chains/cache/lru.hpp"
#include "chains/cache/ring.hpp"

using namespace bfd::cache;

namespace {

std::vector<std::string> keys(std::size_t n) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < n; ++i)
    out.push_back("reg|1|show|" + std::to_string(i) + "|");
  return out;
}

std::map<std::string, std::string> owners(const hash_ring& r, const std::vector<std::string>& ks) {
  std::map<std::string, std::string> out;
  for (const auto& k : ks)
    out[k] = *r.owner(k);
  return out;
}

} // namespace

TEST_CASE("an empty ring owns no key") {
  hash_ring r;
  CHECK(r.owner("anything") == nullptr);
  CHECK_FALSE(r.add(""));
  CHECK_FALSE(r.remove("a/0"));
}

TEST_CASE("the ring splits keys evenly over its shards") {
  hash_ring r;
  for (int i = 0; i < 4; ++i)
    REQUIRE(r.add("node" + std::to_string(i) + "/0"));
  const auto ks = keys(20'000);
  std::map<std::string, std::size_t> count;
  for (const auto& [k, o] : owners(r, ks))
    ++count[o];
  REQUIRE(count.size() == 4);
  const double mean = 20'000.0 / 4;
  for (const auto& [shard, n] : count) {
    INFO(shard << " holds " << n << " of 20000 keys");
    CHECK(n > mean * 0.8);
    CHECK(n < mean * 1.2);
  }
}

TEST_CASE("a shard joining takes keys only for itself, about its share") {
  hash_ring r;
  for (int i = 0; i < 4; ++i)
    r.add("node" + std::to_string(i) + "/0");
  const auto ks = keys(20'000);
  const auto before = owners(r, ks);
  REQUIRE(r.add("node4/0"));
  const auto after = owners(r, ks);
  std::size_t moved = 0;
  for (const auto& k : ks)
    if (before.at(k) != after.at(k)) {
      CHECK(after.at(k) == "node4/0");  // a key moves only to the newcomer
      ++moved;
    }
  const double share = static_cast<double>(moved) / ks.size();
  INFO("moved " << moved << " of 20000 keys");
  CHECK(share > 0.12);
  CHECK(share < 0.28);
}

TEST_CASE("a shard leaving gives away only its own keys") {
  hash_ring r;
  for (int i = 0; i < 5; ++i)
    r.add("node" + std::to_string(i) + "/0");
  const auto ks = keys(10'000);
  const auto before = owners(r, ks);
  REQUIRE(r.remove("node2/0"));
  const auto after = owners(r, ks);
  for (const auto& k : ks) {
    if (before.at(k) != "node2/0")
      CHECK(after.at(k) == before.at(k));
    else
      CHECK(after.at(k) != "node2/0");
  }
}

TEST_CASE("every node builds the same ring from the same shards, whatever their order") {
  hash_ring a, b;
  a.assign({"x/0", "y/0", "z/0", "y/1"});
  for (const char* n : {"y/1", "z/0", "x/0", "y/0", "x/0"})
    b.add(n);
  CHECK(a.members() == b.members());
  const auto ks = keys(2'000);
  CHECK(owners(a, ks) == owners(b, ks));
}

TEST_CASE("the LRU keeps at most max_entries, dropping the least recently used") {
  cache_limits l;
  l.max_entries = 3;
  lru_store s(l);
  const std::vector<std::string> tags{"c1:f", "c1:f/services"};
  for (const char* k : {"a", "b", "c"})
    REQUIRE(s.put(k, tags, s.gens_of(tags), std::string("value of ") + k, 0));
  REQUIRE(s.get("a", 0));  // a is now the most recent; b the least
  REQUIRE(s.put("d", tags, s.gens_of(tags), "value of d", 0));
  CHECK(s.size() == 3);
  CHECK(s.get("b", 0) == nullptr);
  CHECK(s.get("a", 0));
  CHECK(s.get("c", 0));
  CHECK(s.get("d", 0));
  CHECK(s.evictions() == 1);
}

TEST_CASE("the LRU keeps its bytes under max_bytes and refuses values over max_value_bytes") {
  cache_limits l;
  l.max_bytes = 4'096;
  l.max_value_bytes = 1'000;
  lru_store s(l);
  const std::vector<std::string> tags{"c1:f"};
  CHECK_FALSE(s.put("big", tags, s.gens_of(tags), std::string(1'001, 'x'), 0));
  for (int i = 0; i < 50; ++i) {
    s.put("k" + std::to_string(i), tags, s.gens_of(tags), std::string(900, 'x'), 0);
    CHECK(s.bytes() <= l.max_bytes);
  }
  CHECK(s.size() >= 3);
  CHECK(s.size() <= 4);
  CHECK(s.get("k49", 0));
  CHECK(s.get("k0", 0) == nullptr);
  CHECK_FALSE(s.put(std::string(max_key_bytes + 1, 'k'), tags, s.gens_of(tags), "v", 0));
}

TEST_CASE("an invalidated tag makes its entries miss, and a put read before the invalidation is refused") {
  lru_store s;
  const std::vector<std::string> contract_a{"c5:h", "c5:h/contracts", "c5:h/contracts/A"};
  const std::vector<std::string> contract_b{"c5:h", "c5:h/contracts", "c5:h/contracts/B"};
  REQUIRE(s.put("a", contract_a, s.gens_of(contract_a), "old a", 0));
  REQUIRE(s.put("b", contract_b, s.gens_of(contract_b), "b", 0));
  const auto before = s.gens_of(contract_a);  // a reader misses here, then reads the chain...
  s.invalidate({"c5:h/contracts/A"});          // ...while a call to A commits
  lookup_result why{};
  CHECK(s.get("a", 0, &why) == nullptr);
  CHECK(why == lookup_result::stale);
  CHECK(s.get("b", 0));  // another contract's entry stays
  CHECK_FALSE(s.put("a", contract_a, before, "old a, read before the call", 0));
  CHECK(s.put("a", contract_a, s.gens_of(contract_a), "new a", 0));
  CHECK(*s.get("a", 0) == "new a");
  s.invalidate({"c5:h"});  // the whole chain (a reorganisation)
  CHECK(s.get("a", 0) == nullptr);
  CHECK(s.get("b", 0) == nullptr);
}

TEST_CASE("entries expire after the TTL") {
  cache_limits l;
  l.ttl_ms = 1'000;
  lru_store s(l);
  const std::vector<std::string> tags{"c1:f"};
  REQUIRE(s.put("k", tags, s.gens_of(tags), "v", 5'000));
  CHECK(s.get("k", 5'999));
  lookup_result why{};
  CHECK(s.get("k", 6'000, &why) == nullptr);
  CHECK(why == lookup_result::expired);
}

TEST_CASE("forgetting generations past max_tags never turns a stale entry back into a hit") {
  cache_limits l;
  l.max_tags = 2;
  lru_store s(l);
  const std::vector<std::string> x{"x"};
  const std::vector<std::string> y{"y"};
  s.invalidate({"x"});
  REQUIRE(s.put("kx", x, s.gens_of(x), "x value", 0));
  REQUIRE(s.put("ky", y, s.gens_of(y), "y value", 0));  // y unknown: reads as the floor
  s.invalidate({"y"});
  s.invalidate({"z"});  // the third tag: every generation is forgotten
  CHECK(s.get("ky", 0) == nullptr);
  // kx's tag was not invalidated after it was read, but is forgotten: a miss is allowed, a
  // stale hit is not; and new entries work again.
  REQUIRE(s.put("kx2", x, s.gens_of(x), "x again", 0));
  CHECK(s.get("kx2", 0));
}

TEST_CASE("a read's tags name its chain and stage; anything else is not a tag") {
  for (const auto& tag : read_tags(7, read_stage::final, bfd::module_id::dsmeta)) {
    auto r = tag_chain(tag);
    REQUIRE(r);
    CHECK(r->first == 7);
    CHECK(r->second == read_stage::final);
  }
  auto head = tag_chain(object_tag(4294967295u, read_stage::head, bfd::module_id::contracts, "bfdabc"));
  REQUIRE(head);
  CHECK(head->first == 4294967295u);
  CHECK(head->second == read_stage::head);
  for (const char* bad : {"", "c", "c7", "c7:", "c:f", "x7:f", "c7:x", "c7:fx", "c-1:f", "c4294967296:f", "c7f"})
    CHECK_MESSAGE(!tag_chain(bad), bad);
}
