// The ring backend of the read cache (actors/cache/read_cache.hpp): a background thread keeps
// the shard list from the node directory; lookups ask the owning shard with a timeout.
#include <condition_variable>
#include <set>
#include <thread>

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <spdlog/spdlog.h>

#include "actors/cache/read_cache.hpp"
#include "chains/cache/invalidation.hpp"
#include "chains/cache/ring.hpp"

namespace bfd {

namespace {

using steady = std::chrono::steady_clock;

class ring_cache final : public read_cache {
public:
  ring_cache(caf::actor_system& system, directory_actor directory, ring_cache_options options,
             std::shared_ptr<spdlog::logger> log)
    : system_(system), directory_(std::move(directory)), options_(options), log_(std::move(log)),
      ring_(options.vnodes) {
    refresh();
    worker_ = std::thread([this] { run(); });
  }

  ~ring_cache() override {
    {
      std::lock_guard guard(stop_mutex_);
      stop_ = true;
    }
    stop_cv_.notify_all();
    worker_.join();
  }

  std::string backend() const override { return "ring"; }

  void put(const std::string& key, const std::vector<std::string>& tags, const cache_ticket& ticket,
           std::string value) override {
    if (!ticket.usable)
      return;
    cache_shard_actor dest;
    {
      std::lock_guard guard(mutex_);
      auto it = shards_.find(ticket.shard);
      if (it == shards_.end())
        return;
      dest = it->second.actor;
    }
    caf::anon_send(dest, cache_put_atom::value, key, tags, ticket.gens, std::move(value));
  }

protected:
  cache_result lookup(const std::string& key, const std::vector<std::string>& tags) override {
    cache_result out;
    std::string name;
    cache_shard_actor dest;
    {
      std::lock_guard guard(mutex_);
      const auto* owner = ring_.owner(key);
      if (!owner)
        return out;
      name = *owner;
      auto it = shards_.find(name);
      if (it == shards_.end())
        return out;
      if (steady::now() < it->second.down_until)
        return out;  // timed out recently: a miss without asking
      dest = it->second.actor;
    }
    caf::scoped_actor self{system_};
    bool failed = false;
    self->request(dest, options_.timeout, cache_get_atom::value, key, tags)
      .receive(
        [&](cache_lookup& l) {
          if (l.hit) {
            out.value = std::move(l.value);
          } else {
            out.ticket.usable = l.gens.size() == tags.size();
            out.ticket.shard = name;
            out.ticket.gens = std::move(l.gens);
          }
        },
        [&](const caf::error&) { failed = true; });
    std::lock_guard guard(mutex_);
    auto it = shards_.find(name);
    if (it == shards_.end())
      return out;
    if (!failed) {
      it->second.failures = 0;
      return out;
    }
    count_error("ring");
    // One slow answer is load, not an outage: only consecutive failures make the shard skipped.
    if (++it->second.failures >= options_.failures_before_backoff) {
      it->second.down_until = steady::now() + options_.backoff;
      it->second.failures = 0;
      if (log_)
        log_->warn("cache shard {} did not answer {} times within {} ms: reads it owns are misses for {} ms", name,
                   options_.failures_before_backoff, options_.timeout.count(), options_.backoff.count());
    }
    return out;
  }

  void drop(const std::vector<std::string>& tags) override {
    std::vector<cache_shard_actor> all;
    {
      std::lock_guard guard(mutex_);
      for (const auto& [name, s] : shards_)
        all.push_back(s.actor);
    }
    for (const auto& a : all)
      caf::anon_send(a, cache_inval_atom::value, tags);
  }

  std::pair<std::uint64_t, std::uint64_t> size() override {
    std::vector<cache_shard_actor> all;
    {
      std::lock_guard guard(mutex_);
      for (const auto& [name, s] : shards_)
        all.push_back(s.actor);
    }
    std::uint64_t entries = 0;
    caf::scoped_actor self{system_};
    for (const auto& a : all)
      self->request(a, options_.timeout, cache_stats_atom::value)
        .receive([&](const cache_shard_stats& s) { entries += s.entries; }, [](const caf::error&) {});
    return {entries, all.size()};
  }

private:
  struct shard_entry {
    cache_shard_actor actor;
    steady::time_point down_until{};
    std::uint32_t failures = 0;  ///< consecutive failed requests
  };

  /// Reads the shard list; a shard new to the ring (or back on it with another handle) first
  /// gets the chain-wide invalidation of every chain hosted here.
  void refresh() {
    caf::scoped_actor self{system_};
    std::optional<std::vector<cache_shard>> listed;
    self->request(directory_, std::chrono::seconds(2), caches_atom::value)
      .receive([&](std::vector<cache_shard>& l) { listed = std::move(l); }, [](const caf::error&) {});
    if (!listed)
      return;
    std::vector<std::string> hosted;
    self->request(directory_, std::chrono::seconds(2), chains_atom::value)
      .receive(
        [&](const std::vector<chain_handles>& chains) {
          for (const auto& h : chains) {
            hosted.push_back(cache::chain_tag(h.id, cache::read_stage::head));
            hosted.push_back(cache::chain_tag(h.id, cache::read_stage::final));
          }
        },
        [](const caf::error&) {});
    std::vector<cache_shard_actor> fresh;
    std::vector<std::string> names;
    {
      std::lock_guard guard(mutex_);
      std::map<std::string, shard_entry> next;
      for (auto& s : *listed) {
        if (!s.actor || next.count(s.name))
          continue;
        auto old = shards_.find(s.name);
        if (old != shards_.end() && old->second.actor == s.actor) {
          next.emplace(s.name, old->second);
        } else {
          next.emplace(s.name, shard_entry{s.actor, {}});
          fresh.push_back(s.actor);
          if (log_)
            log_->info("cache shard {} (node {}) joined the ring", s.name, s.node);
        }
        names.push_back(s.name);
      }
      for (const auto& [name, s] : shards_)
        if (!next.count(name) && log_)
          log_->info("cache shard {} left the ring", name);
      // Invalidate before the shard can be read: it is put on the ring only after this send.
      for (const auto& a : fresh)
        if (!hosted.empty())
          caf::anon_send(a, cache_inval_atom::value, hosted);
      shards_ = std::move(next);
      ring_.assign(names);
    }
  }

  void run() {
    std::unique_lock lock(stop_mutex_);
    while (!stop_cv_.wait_for(lock, options_.refresh, [this] { return stop_; })) {
      lock.unlock();
      refresh();
      lock.lock();
    }
  }

  caf::actor_system& system_;
  directory_actor directory_;
  ring_cache_options options_;
  std::shared_ptr<spdlog::logger> log_;
  std::mutex mutex_;
  cache::hash_ring ring_;
  std::map<std::string, shard_entry> shards_;
  std::mutex stop_mutex_;
  std::condition_variable stop_cv_;
  bool stop_ = false;
  std::thread worker_;
};

} // namespace

std::shared_ptr<read_cache> make_ring_cache(caf::actor_system& system, directory_actor directory,
                                            ring_cache_options options, std::shared_ptr<spdlog::logger> log) {
  return std::make_shared<ring_cache>(system, std::move(directory), options, std::move(log));
}

} // namespace bfd
