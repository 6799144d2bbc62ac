// WebAssembly fee functions (docs/fee-functions.md): an export of a contract module called with a
// request's fee inputs under a fixed fuel budget, read-only. Pure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "chains/contracts/wasm_engine.hpp"
#include "chains/core/error.hpp"
#include "chains/services/fee_expr.hpp"

namespace bfd::services {

/// The fuel one fee function call may use (a consensus parameter).
inline constexpr std::uint64_t wasm_fee_fuel = 100'000;
/// Export names are 1-32 bytes (the registry's bound on a wasm commission's export).
inline constexpr std::size_t max_fee_export_bytes = 32;

/// Calls `export_name(i64 amount, i64 height, i64 calls, i64 units) -> i64` of `module` with at
/// most `fuel` units, no state, no balance and no input. Refuses (errc::fee_function_refused) a
/// bad export name, a missing export or one of another signature; fails (errc::fee_function_failed)
/// on running out of fuel, a trap, a negative result, or any state write, transfer or event.
/// Inputs of 2^63 or more reach the function as negative i64s (it may read them as unsigned).
result<std::uint64_t> evaluate_wasm_fee(const contracts::wasm_module& module, std::string_view export_name,
                                        const fee_inputs& in, std::uint64_t fuel = wasm_fee_fuel);

} // namespace bfd::services
