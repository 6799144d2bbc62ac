#include "runtime/peg_specs.hpp"

#include "chains/consensus/light_client.hpp"

namespace bfd::runtime {

std::optional<peg_trust_point> mainchain_peg_trust(const genesis_config& mainchain) {
  if (!mainchain.modules.has(module_id::peg))
    return std::nullopt;
  auto g = chain_state::genesis(mainchain);
  if (!g)
    return std::nullopt;
  return peg_trust_point{mainchain.chain, g->second.header, make_state_proof(g->first)};
}

chain_spec sidechain_spec_for(const sidechain_entry& entry, const consensus_params& mainchain,
                              const std::optional<peg_trust_point>& trust) {
  auto spec = sidechain_spec(entry, mainchain);
  return trust ? with_peg(std::move(spec), *trust) : spec;
}

chain_spec sidechain_spec_for(const sidechain_entry& entry, const genesis_config& mainchain) {
  return sidechain_spec_for(entry, mainchain.params, mainchain_peg_trust(mainchain));
}

} // namespace bfd::runtime
