#include "chains/state/state_module.hpp"

#include "chains/access/access_module.hpp"
#include "chains/authority/authority_module.hpp"
#include "chains/contracts/contract_module.hpp"
#include "chains/dsmeta/dsmeta_module.hpp"
#include "chains/funds/funds_module.hpp"
#include "chains/peg/peg_module.hpp"
#include "chains/services/services_module.hpp"
#include "chains/sidechain/registry_module.hpp"

namespace bfd {

result<std::unique_ptr<state_module>> make_state_module(module_id id, const genesis_config& genesis) {
  switch (id) {
    case module_id::token:
    case module_id::consensus:
      return std::unique_ptr<state_module>{};  // built into chain_state
    case module_id::registry:
      if (!genesis.registry)
        return make_error(errc::invalid_argument, "the registry module needs a registry genesis (its authority)");
      return std::unique_ptr<state_module>{std::make_unique<registry_module>(genesis.registry, genesis.params,
                                                                                genesis.modules.has(module_id::peg))};
    case module_id::peg:
      return std::unique_ptr<state_module>{std::make_unique<peg_module>(genesis.chain, genesis.peg)};
    case module_id::access: {
      if (!genesis.access)
        return make_error(errc::invalid_argument, "the access module needs an access genesis (its first admins)");
      auto m = access_module::make(*genesis.access);
      if (!m)
        return m.error();
      return std::unique_ptr<state_module>{std::move(*m)};
    }
    case module_id::contracts:
      return std::unique_ptr<state_module>{std::make_unique<contracts_module>()};
    case module_id::services:
      return std::unique_ptr<state_module>{std::make_unique<services_module>()};
    case module_id::dsmeta:
      return std::unique_ptr<state_module>{dsmeta_module::make(genesis.chain)};
    case module_id::funds:
      return std::unique_ptr<state_module>{std::make_unique<funds_module>(funds::funds_state{})};
    case module_id::authority:
      return std::unique_ptr<state_module>{authority_module::make()};
  }
  return make_error(errc::invalid_argument, "no state module " + std::to_string(static_cast<int>(id)));
}

} // namespace bfd
