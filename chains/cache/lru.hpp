// The read cache's storage: a least-recently-used map bounded in entries and bytes, whose
// entries carry the generations of the tags they depend on, and the tags' generation counters
// that invalidation bumps (docs/cache.md, "Invalidation"). Pure: the time is an argument.
#pragma once

#include <cstdint>
#include <list>
#include <string>
#include <unordered_map>
#include <vector>

namespace bfd::cache {

/// Bounds of one cache shard.
struct cache_limits {
  std::size_t max_entries = 10'000;
  std::size_t max_bytes = 16u << 20;        ///< keys, values and tags of every entry together
  std::size_t max_value_bytes = 256u << 10;  ///< larger values are not cached
  std::uint64_t ttl_ms = 60'000;            ///< a safety net: no entry lives longer (0: no expiry)
  std::size_t max_tags = 65'536;            ///< generation counters kept (then they start again from a floor)
};

/// Longest key and tag the cache takes (longer ones are refused, never truncated).
inline constexpr std::size_t max_key_bytes = 1024;
/// Most tags one entry depends on.
inline constexpr std::size_t max_entry_tags = 8;

/// Generation counters of tags. A tag's generation changes whenever it is invalidated; an entry
/// is valid while every tag it depends on has the generation it had when the value was read.
/// Bounded: when more than max_tags are known, all are forgotten and every tag reads as `floor`,
/// the highest generation handed out so far — an entry read before can then only miss, never hit
/// stale (docs/cache.md).
class generations {
public:
  explicit generations(std::size_t max_tags) : max_tags_(max_tags == 0 ? 1 : max_tags) {}
  std::uint64_t of(const std::string& tag) const;
  std::vector<std::uint64_t> of(const std::vector<std::string>& tags) const;
  /// A new generation for `tag`, above every one handed out before.
  void bump(const std::string& tag);
  std::size_t size() const noexcept { return gens_.size(); }

private:
  std::size_t max_tags_;
  std::uint64_t counter_ = 0;
  std::uint64_t floor_ = 0;
  std::unordered_map<std::string, std::uint64_t> gens_;
};

/// What a get found.
enum class lookup_result { hit, miss, stale, expired };

/// A bounded LRU of cached reads with tag generations.
class lru_store {
public:
  explicit lru_store(cache_limits limits = {});

  /// The value under `key` if it is there, unexpired at `now_ms` and none of its tags was
  /// invalidated since it was read (a stale or expired entry is dropped). Null otherwise; `why`
  /// (when given) says which.
  const std::string* get(const std::string& key, std::uint64_t now_ms, lookup_result* why = nullptr);

  /// Stores `value`, read while `tags` had generations `gens` (what gens_of answered before the
  /// read). Refused (false) when a tag was invalidated since (the value may predate the change),
  /// when key, value or tags are over their bounds, or when tags and gens differ in length.
  /// Evicts the least recently used entries to stay within the bounds.
  bool put(const std::string& key, const std::vector<std::string>& tags, const std::vector<std::uint64_t>& gens,
           std::string value, std::uint64_t now_ms);

  /// The current generations of `tags` (what a reader records before it reads the source).
  std::vector<std::uint64_t> gens_of(const std::vector<std::string>& tags) const { return gens_.of(tags); }

  /// Invalidates every entry depending on any of `tags`.
  void invalidate(const std::vector<std::string>& tags);

  /// Drops every entry (generations stay).
  void clear();

  std::size_t size() const noexcept { return index_.size(); }
  std::size_t bytes() const noexcept { return bytes_; }
  std::uint64_t evictions() const noexcept { return evictions_; }
  const cache_limits& limits() const noexcept { return limits_; }

private:
  struct entry {
    std::string key;
    std::string value;
    std::vector<std::string> tags;
    std::vector<std::uint64_t> gens;
    std::uint64_t expires_ms = 0;  ///< 0: never
    std::size_t bytes = 0;
  };
  void erase(std::list<entry>::iterator it);
  cache_limits limits_;
  generations gens_;
  std::list<entry> order_;  // most recently used first
  std::unordered_map<std::string, std::list<entry>::iterator> index_;
  std::size_t bytes_ = 0;
  std::uint64_t evictions_ = 0;
};

} // namespace bfd::cache
