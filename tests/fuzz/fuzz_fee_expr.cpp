// Fuzz target: fee expressions (chains/services/fee_expr) on arbitrary bytes: parse, then
// evaluate on a few inputs, checking that a refusal or failure carries its code and says why, that
// a parsed program keeps its text and bounds, and that evaluation is repeatable.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "chains/services/fee_expr.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace {

using namespace bfd::services;

constexpr std::uint64_t max = ~std::uint64_t{0};
constexpr fee_inputs inputs[] = {
    {0, 0, 0, 0}, {1, 1, 1, 1}, {1'000'000, 500, 12, 3}, {max, max, max, max}, {max / 2 + 1, 7, 0, 10'000}};

} // namespace

/// libFuzzer entry point: one input, aborting on a violated property.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto program = parse_fee_expression(text);
  if (!program) {
    bfd::fuzz::require(program.error().code == bfd::errc::fee_function_refused, "a refusal has its code");
    bfd::fuzz::require(program.error().detail.starts_with("column "), "a refusal names its column");
    return 0;
  }
  bfd::fuzz::require(size >= 1 && size <= max_fee_expr_bytes, "only 1-256 bytes parse");
  bfd::fuzz::require(program->text() == text, "the program keeps its text");
  bfd::fuzz::require(!program->nodes().empty() && program->nodes().size() <= max_fee_expr_tokens,
                     "a program has 1-64 nodes");
  for (const auto& in : inputs) {
    auto a = evaluate(*program, in);
    auto b = evaluate(*program, in);
    bfd::fuzz::require(a.has_value() == b.has_value(), "evaluation succeeds or fails the same way twice");
    if (a.has_value()) {
      bfd::fuzz::require(*a == *b, "evaluation gives the same fee twice");
      continue;
    }
    bfd::fuzz::require(a.error().code == bfd::errc::fee_function_failed, "a failure has its code");
    bfd::fuzz::require(a.error().detail == b.error().detail, "evaluation fails the same way twice");
    bfd::fuzz::require(a.error().detail.starts_with("column "), "a failure names its column");
  }
  return 0;
}
