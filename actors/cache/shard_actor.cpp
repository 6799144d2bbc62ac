#include "actors/cache/shard_actor.hpp"

#include <chrono>

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>

namespace bfd {

namespace {

struct shard_state {
  cache::lru_store store;
  cache_shard_stats counts;
  static constexpr const char* name = "cache_shard";
};

std::uint64_t steady_ms() {
  return static_cast<std::uint64_t>(
    std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch()).count());
}

cache_shard_actor::behavior_type shard_impl(cache_shard_actor::stateful_pointer<shard_state> self,
                                            cache::cache_limits limits) {
  self->state.store = cache::lru_store(limits);
  return {
    [=](cache_get_atom, const std::string& key, const std::vector<std::string>& tags) {
      auto& st = self->state;
      cache_lookup out;
      if (tags.size() > cache::max_entry_tags)
        return out;  // no such entry can exist: a miss with no generations (its put is refused)
      if (const auto* v = st.store.get(key, steady_ms())) {
        ++st.counts.hits;
        out.hit = true;
        out.value = *v;
        return out;
      }
      ++st.counts.misses;
      out.gens = st.store.gens_of(tags);
      return out;
    },
    [=](cache_put_atom, const std::string& key, const std::vector<std::string>& tags,
        const std::vector<std::uint64_t>& gens, std::string& value) {
      self->state.store.put(key, tags, gens, std::move(value), steady_ms());
    },
    [=](cache_inval_atom, const std::vector<std::string>& tags) {
      self->state.store.invalidate(tags);
      self->state.counts.invalidations += tags.size();
    },
    [=](cache_stats_atom) {
      auto out = self->state.counts;
      out.entries = self->state.store.size();
      out.bytes = self->state.store.bytes();
      out.evictions = self->state.store.evictions();
      return out;
    },
  };
}

} // namespace

cache_shard_actor spawn_cache_shard(caf::actor_system& system, cache::cache_limits limits) {
  return system.spawn(shard_impl, limits);
}

} // namespace bfd
