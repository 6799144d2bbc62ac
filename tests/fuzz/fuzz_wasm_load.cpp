// Fuzz target: WebAssembly module loading (bound, parse, validate, policy, instrumentation) on
// arbitrary bytes, then a call of every exported function with a small fuel budget, twice, checking
// that each outcome is a clear error or a result, that fuel stays within the budget, and that the
// two runs agree exactly. The module is bound into its own slot (with a separate state), so a
// module that imports slot_call runs the nested path too.
#include <cstddef>
#include <cstdint>

#include "chains/contracts/wasm_engine.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace {

using namespace bfd::contracts;

constexpr std::uint64_t budget = 20'000;

void check_call(const wasm_module& m, const std::string& name, const std::vector<wasm_value>& args,
                const call_context& ctx) {
  auto a = m.call(name, args, ctx, budget);
  auto b = m.call(name, args, ctx, budget);
  bfd::fuzz::require(a.has_value() == b.has_value(), "a call succeeds or fails the same way twice");
  if (a.has_value()) {
    bfd::fuzz::require(a->fuel_used <= budget, "a successful call stays within its fuel");
    bfd::fuzz::require(*a == *b, "a call gives the same outcome twice");
    return;
  }
  const auto& e = a.error();
  bfd::fuzz::require(e.code == b.error().code && e.detail == b.error().detail && e.fuel_used == b.error().fuel_used,
                     "a call fails the same way twice");
  bfd::fuzz::require(!e.message().empty(), "a failed call says why");
  bfd::fuzz::require(e.fuel_used <= budget, "a failed call reports fuel within its budget");
  if (e.code == wasm_errc::out_of_fuel) bfd::fuzz::require(e.fuel_used == budget, "out of fuel means all of it");
}

} // namespace

/// libFuzzer entry point: one input, aborting on a violated property.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto loaded = wasm_module::load(bfd::byte_view{data, size});
  if (!loaded) {
    bfd::fuzz::require(!loaded.error().detail.empty(), "a refused module says why");
    return 0;
  }
  bfd::contracts::contract_state state{{bfd::bytes{'c', 'o', 'u', 'n', 't'}, bfd::bytes(8, 1)}};
  call_context ctx;
  ctx.caller.data.fill(0xaa);
  ctx.height = 9;
  ctx.balance = 1000;
  ctx.input = bfd::bytes(20, 0xbb);
  ctx.state = &state;
  bfd::contracts::contract_state client_state{{bfd::bytes{'c'}, bfd::bytes(4, 2)}};
  slot_binding self_slot;
  self_slot.module = &*loaded;
  self_slot.self.data.fill(0xcc);
  self_slot.balance = 10;
  self_slot.state = &client_state;
  ctx.slot = &self_slot;
  auto names = loaded->exported_functions();
  if (names.size() > 8) names.resize(8);
  for (const auto& name : names) {
    check_call(*loaded, name, {}, ctx);
    check_call(*loaded, name, {wasm_value::i32(7)}, ctx);
    check_call(*loaded, name, {wasm_value::i64(300)}, ctx);
  }
  return 0;
}
