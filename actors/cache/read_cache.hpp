// The read cache in front of the node's service-request reads (the service registry, DS
// metadata, contract state): one interface over two backends — the ring of cache-shard actors
// spread over the topology's nodes, or a Redis server — with the counts /metrics shows
// (docs/cache.md). Thread-safe: the HTTP bridge's threads read through it and the chain actors
// invalidate through it.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <caf/fwd.hpp>

#include "chains/cache/lru.hpp"
#include "protocols/directory.hpp"

namespace spdlog {
class logger;
}

namespace bfd {

/// Which read a cached value comes from (the `cache` label in /metrics).
enum class cache_kind : std::uint8_t { registry = 0, ds = 1, contract = 2 };
inline constexpr std::size_t cache_kind_count = 3;
constexpr std::string_view to_string(cache_kind k) noexcept {
  switch (k) {
    case cache_kind::registry: return "registry";
    case cache_kind::ds: return "ds";
    case cache_kind::contract: return "contract";
  }
  return "unknown";
}

/// What a miss hands the reader: where the value goes and the generations its tags had before
/// the read (a put with them is refused if a tag moved since).
struct cache_ticket {
  bool usable = false;  ///< false: do not put (the backend did not answer)
  std::string shard;    ///< the ring's shard (empty for Redis)
  std::vector<std::uint64_t> gens;
};

/// A lookup: the value on a hit, a ticket on a miss.
struct cache_result {
  std::optional<std::string> value;
  cache_ticket ticket;
};

/// The counts since the node started, and the entries the backend holds now.
struct cache_snapshot {
  std::string backend;  ///< "ring" or "redis"
  std::array<std::uint64_t, cache_kind_count> hits{};
  std::array<std::uint64_t, cache_kind_count> misses{};
  std::uint64_t invalidations = 0;  ///< tags invalidated by commits on this node's chains
  std::uint64_t entries = 0;        ///< entries in the backend (the ring: every shard's; unanswered ones count 0)
  std::uint64_t shards = 0;         ///< shards on the ring (Redis: 1)
  std::map<std::string, std::uint64_t> backend_errors;  ///< by backend: timeouts, refused connections, errors
  /// hits / (hits + misses) over every kind, 0 with no lookups.
  double hit_rate() const;
};

/// The interface the HTTP bridge reads through and the chain actors invalidate through.
class read_cache {
public:
  virtual ~read_cache() = default;

  /// Looks `key` up; `tags` are what the value depends on (chains/cache/invalidation.hpp).
  /// Never fails: a backend that does not answer in time is a miss with an unusable ticket.
  cache_result get(cache_kind kind, const std::string& key, const std::vector<std::string>& tags);

  /// Stores a value read after a miss (nothing when the ticket is unusable).
  virtual void put(const std::string& key, const std::vector<std::string>& tags, const cache_ticket& ticket,
                   std::string value) = 0;

  /// Invalidates every cached read depending on one of `tags`. Called by chain actors as they
  /// commit: it does not wait on other nodes.
  void invalidate(const std::vector<std::string>& tags);

  /// Records that chain `chain`'s head (`stage` 'h') or final state ('f') reached `height`.
  /// Called by chain actors after `invalidate` for the same change, so that an entry still valid
  /// is valid at this height: a hit's answer reports it (docs/cache.md).
  void advance(std::uint32_t chain, char stage, std::uint64_t height);
  /// The height last recorded by `advance` (0: none yet).
  std::uint64_t height_of(std::uint32_t chain, char stage);

  /// The counts, and the backend's entries (asked, with a short timeout).
  cache_snapshot snapshot();

  /// "ring" or "redis".
  virtual std::string backend() const = 0;

protected:
  virtual cache_result lookup(const std::string& key, const std::vector<std::string>& tags) = 0;
  virtual void drop(const std::vector<std::string>& tags) = 0;
  /// Entries and shards now (a best effort).
  virtual std::pair<std::uint64_t, std::uint64_t> size() = 0;
  /// Counts one failure of `backend` (shown as bfd_cache_backend_errors_total).
  void count_error(const std::string& backend);

private:
  std::array<std::atomic<std::uint64_t>, cache_kind_count> hits_{};
  std::array<std::atomic<std::uint64_t>, cache_kind_count> misses_{};
  std::atomic<std::uint64_t> invalidations_{0};
  std::mutex errors_mutex_;
  std::map<std::string, std::uint64_t> errors_;
  std::mutex heights_mutex_;
  std::map<std::pair<std::uint32_t, char>, std::uint64_t> heights_;
};

/// Settings of the ring backend.
struct ring_cache_options {
  std::chrono::milliseconds timeout{200};  ///< per shard request; then a miss
  std::chrono::milliseconds refresh{500};  ///< how often the shard list is read from the directory
  std::chrono::milliseconds backoff{2000}; ///< a shard that failed this often in a row is skipped this long
  std::uint32_t failures_before_backoff = 3;
  std::uint32_t vnodes = 128;
};

/// The ring backend: keys map to the shards the node directory lists (this node's and its
/// peers'), by consistent hashing. Invalidations go to every shard on the ring; a shard seen
/// (again) on the ring first gets the chain-wide invalidation of every chain this node hosts,
/// so one that was cut off cannot serve what changed meanwhile.
std::shared_ptr<read_cache> make_ring_cache(caf::actor_system& system, directory_actor directory,
                                            ring_cache_options options = {},
                                            std::shared_ptr<spdlog::logger> log = nullptr);

/// Settings of the Redis backend.
struct redis_cache_options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 6379;
  std::string ns;                           ///< key prefix: "bfd:" + the network's genesis hash
  std::chrono::milliseconds timeout{200};   ///< connect, read and write timeout
  std::chrono::milliseconds backoff{2000};  ///< after a failure, no reconnect attempt this long
  std::uint64_t ttl_seconds = 60;           ///< every entry expires (the safety net)
  std::size_t max_value_bytes = 256u << 10;
};

/// The Redis backend (hiredis). Errors and outages are misses, logged and counted.
std::shared_ptr<read_cache> make_redis_cache(redis_cache_options options, std::shared_ptr<spdlog::logger> log = nullptr);

/// "HOST:PORT" as a Redis address (port 1..65535); nothing when malformed.
std::optional<std::pair<std::string, std::uint16_t>> parse_host_port(std::string_view text);

} // namespace bfd
