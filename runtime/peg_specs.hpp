// The one place the runtime derives a sidechain's spec from its registry entry: when the
// mainchain's genesis names the peg module, its registry derives every sidechain's genesis hash
// with the module (sidechain_registry::pegged()), so the runtime's spec must carry it too, with a
// light client of the mainchain trusted from the mainchain's genesis (docs/peg.md).
#pragma once

#include <optional>

#include "chains/peg/peg_module.hpp"
#include "chains/sidechain/chain_spec.hpp"

namespace bfd::runtime {

/// The trust point every node derives for a pegged mainchain: its genesis header and the state
/// proof of its genesis state. Nothing when the mainchain's genesis has no peg module (or does
/// not build).
std::optional<peg_trust_point> mainchain_peg_trust(const genesis_config& mainchain);

/// A sidechain's spec: sidechain_spec(entry, params), with the peg module and `trust` when given.
chain_spec sidechain_spec_for(const sidechain_entry& entry, const consensus_params& mainchain,
                              const std::optional<peg_trust_point>& trust);

/// The same from the mainchain's genesis (derives the trust point: use the overload above in loops).
chain_spec sidechain_spec_for(const sidechain_entry& entry, const genesis_config& mainchain);

} // namespace bfd::runtime
