#include "actors/directory/directory_actor.hpp"

#include <map>

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/peer_conduct.hpp"

namespace bfd {

namespace {

struct directory_state {
  std::map<std::uint32_t, chain_handles> chains;  // ordered: `chains` answers by id
  std::map<std::string, std::vector<cache_shard>> shards;  // by the node that runs them
  static constexpr const char* name = "directory";
};

directory_actor::behavior_type directory_impl(directory_actor::stateful_pointer<directory_state> self,
                                              std::shared_ptr<peer_conduct> conduct) {
  self->set_default_handler([conduct](caf::scheduled_actor* p, caf::message_view& x) -> caf::result<caf::message> {
    if (remote_offence(conduct.get(), p, peer_offence::unexpected_message,
                       "a message the directory's interface does not have"))
      return caf::sec::unexpected_message;
    return caf::print_and_drop(p, x);
  });
  return {
    [=](lookup_atom, std::uint32_t id) {
      auto it = self->state.chains.find(id);
      if (it != self->state.chains.end())
        return it->second;
      chain_handles none;
      none.id = id;
      return none;
    },
    [=](chains_atom) {
      std::vector<chain_handles> out;
      out.reserve(self->state.chains.size());
      for (const auto& [id, h] : self->state.chains)
        out.push_back(h);
      return out;
    },
    [=](put_atom, const chain_handles& h) { self->state.chains[h.id] = h; },
    [=](erase_atom, std::uint32_t id) { self->state.chains.erase(id); },
    [=](put_atom, const std::string& origin, std::vector<cache_shard> list) {
      // Only the shards `origin` runs itself, within the bound: a peer cannot list others'.
      std::erase_if(list, [&](const cache_shard& s) { return s.node != origin || !s.actor; });
      std::size_t others = 0;
      for (const auto& [o, l] : self->state.shards)
        if (o != origin)
          others += l.size();
      if (others + list.size() > max_cache_shards)
        list.resize(others >= max_cache_shards ? 0 : max_cache_shards - others);
      if (list.empty())
        self->state.shards.erase(origin);
      else
        self->state.shards[origin] = std::move(list);
    },
    [=](caches_atom) {
      std::vector<cache_shard> out;
      for (const auto& [origin, list] : self->state.shards)
        out.insert(out.end(), list.begin(), list.end());
      return out;
    },
    [=](caches_atom, const std::string& origin) {
      auto it = self->state.shards.find(origin);
      return it == self->state.shards.end() ? std::vector<cache_shard>{} : it->second;
    },
  };
}

} // namespace

directory_actor spawn_directory(caf::actor_system& system, std::shared_ptr<peer_conduct> conduct) {
  return system.spawn(directory_impl, std::move(conduct));
}

} // namespace bfd
