// Consistent hashing for the read cache: a ring of shard names with virtual nodes, so every node
// of a network maps a key to the same shard, and a shard joining or leaving moves only the keys
// it gains or loses (docs/cache.md, "The ring"). Pure: no clock, no I/O.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace bfd::cache {

/// A 64-bit hash of `text` (FNV-1a, then a splitmix64 finalizer to spread nearby inputs): the
/// same on every platform, not cryptographic (keys and shard names are not secrets).
std::uint64_t ring_hash(std::string_view text) noexcept;

/// Shard names placed on a hash ring, each at `vnodes` points ("NAME#i" hashed).
class hash_ring {
public:
  /// Points per shard: more smooth the key split (the default keeps each shard's share within
  /// about a fifth of the mean for a handful of shards, see tests/chains/cache_ring_test.cpp).
  static constexpr std::uint32_t default_vnodes = 128;
  /// Most shards a ring holds (a topology names far fewer).
  static constexpr std::size_t max_members = 1024;

  explicit hash_ring(std::uint32_t vnodes = default_vnodes);

  /// Adds a shard; false if it is there already, the name is empty or the ring is full.
  bool add(const std::string& name);
  /// Removes a shard; false if it was not there.
  bool remove(const std::string& name);
  /// Replaces the members with `names` (duplicates and empty names ignored, at most max_members).
  void assign(const std::vector<std::string>& names);

  /// The shard owning `key`: the first point clockwise from ring_hash(key); null when empty.
  const std::string* owner(std::string_view key) const;

  const std::set<std::string>& members() const noexcept { return members_; }
  std::size_t size() const noexcept { return members_.size(); }
  bool empty() const noexcept { return members_.empty(); }

private:
  void rebuild();
  std::uint32_t vnodes_;
  std::set<std::string> members_;
  std::map<std::uint64_t, const std::string*> points_;  // point -> member (its name in members_)
};

} // namespace bfd::cache
