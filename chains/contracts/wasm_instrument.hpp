// Internal to chains/contracts: the load-time policy checks and fuel instrumentation on wabt's IR.
#pragma once

#include <optional>

#include <wabt/ir.h>

#include "chains/contracts/wasm_engine.hpp"
#include "chains/contracts/wasm_interp.hpp"

namespace bfd::contracts::detail {

/// Refuses what the rules forbid (floats, foreign imports, memories, start, sizes); fixes an
/// absent memory maximum to the cap. The module must already have passed wabt's validator.
std::optional<wasm_error> check_policy(wabt::Module& module, const wasm_limits& limits);

/// Appends the fuel global and charges every straight-line run of instructions at its start.
/// Returns the fuel global's index.
wabt::Index instrument_fuel(wabt::Module& module);

} // namespace bfd::contracts::detail
