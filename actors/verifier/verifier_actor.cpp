#include "actors/verifier/verifier_actor.hpp"

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "chains/crypto/keys.hpp"
#include "chains/primitives/transaction.hpp"

namespace bfd {

namespace {

verifier_actor::behavior_type verifier_impl(verifier_actor::pointer self, std::shared_ptr<verified_cache> cache) {
  self->set_default_handler(caf::print_and_drop);
  return {
    [cache](verify_atom, const std::vector<tx_envelope>& batch) -> std::uint32_t {
      std::uint32_t valid = 0;
      for (const auto& env : batch) {
        if (!env)
          continue;
        const auto& tx = *env;
        const auto id = signing_hash(tx);
        const auto entry = entry_hash(id, tx);
        if (cache->contains(entry) || (verify(tx.sender, id.view(), tx.sig) && (cache->add(entry), true)))
          ++valid;
      }
      return valid;
    },
  };
}

} // namespace

verifier_actor spawn_verifier(caf::actor_system& system, std::shared_ptr<verified_cache> cache) {
  return system.spawn(verifier_impl, std::move(cache));
}

} // namespace bfd
