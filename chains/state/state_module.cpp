#include "chains/state/state_module.hpp"

namespace bfd {

result<std::unique_ptr<state_module>> make_state_module(module_id id, chain_id chain) {
  (void)chain;
  switch (id) {
    case module_id::token:
    case module_id::consensus:
      return std::unique_ptr<state_module>{};  // built into chain_state
  }
  return make_error(errc::invalid_argument, "no state module " + std::to_string(static_cast<int>(id)));
}

} // namespace bfd
