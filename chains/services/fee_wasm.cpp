// WebAssembly fee functions: the call, and the engine's outcomes turned into fee errors.
#include "chains/services/fee_wasm.hpp"

#include <vector>

#include <fmt/format.h>

namespace bfd::services {

result<std::uint64_t> evaluate_wasm_fee(const contracts::wasm_module& module, std::string_view export_name,
                                        const fee_inputs& in, std::uint64_t fuel) {
  using contracts::wasm_errc;
  using contracts::wasm_value;
  if (export_name.empty() || export_name.size() > max_fee_export_bytes)
    return make_error(errc::fee_function_refused, fmt::format("export name of {} bytes, expected 1-{}",
                                                              export_name.size(), max_fee_export_bytes));
  const std::vector<wasm_value> args{
      wasm_value::i64(static_cast<std::int64_t>(in.amount)), wasm_value::i64(static_cast<std::int64_t>(in.height)),
      wasm_value::i64(static_cast<std::int64_t>(in.calls)), wasm_value::i64(static_cast<std::int64_t>(in.units))};
  contracts::call_context ctx;  // zero caller and balance, no input, no state
  ctx.height = in.height;
  auto out = module.call(export_name, args, ctx, fuel);
  if (!out) {
    const auto& e = out.error();
    const bool refused = e.code == wasm_errc::no_such_export || e.code == wasm_errc::bad_arguments;
    return make_error(refused ? errc::fee_function_refused : errc::fee_function_failed,
                      fmt::format("fee function '{}': {}", export_name, e.message()));
  }
  if (out->results.size() != 1 || out->results[0].kind != wasm_value::type::i64)
    return make_error(errc::fee_function_refused,
                      fmt::format("fee function '{}' must return one i64, returned {} values", export_name,
                                  out->results.size()));
  if (!out->writes.empty() || !out->transfers.empty() || !out->events.empty())
    return make_error(errc::fee_function_failed,
                      fmt::format("fee function '{}' is read-only: it wrote {} state keys, made {} transfers and "
                                  "emitted {} events",
                                  export_name, out->writes.size(), out->transfers.size(), out->events.size()));
  const auto fee = out->results[0].as_i64();
  if (fee < 0)
    return make_error(errc::fee_function_failed,
                      fmt::format("fee function '{}' returned {} (negative)", export_name, fee));
  return static_cast<std::uint64_t>(fee);
}

} // namespace bfd::services
