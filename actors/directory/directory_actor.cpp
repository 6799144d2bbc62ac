#include "actors/directory/directory_actor.hpp"

#include <map>

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>

namespace bfd {

namespace {

struct directory_state {
  std::map<std::uint32_t, chain_handles> chains;  // ordered: `chains` answers by id
  static constexpr const char* name = "directory";
};

directory_actor::behavior_type directory_impl(directory_actor::stateful_pointer<directory_state> self) {
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
  };
}

} // namespace

directory_actor spawn_directory(caf::actor_system& system) {
  return system.spawn(directory_impl);
}

} // namespace bfd
