// WebAssembly fee functions: the example (WAT and C builds) against the equivalent expression,
// and every refusal and failure: a missing export or wrong signature, fuel, traps, negative
// results and attempts to write state, transfer or emit events.
#include <doctest/doctest.h>

#include <cstdint>
#include <random>
#include <string>

#include <fmt/format.h>

#include "chains/services/fee_expr.hpp"
#include "chains/services/fee_wasm.hpp"
#include "tests/chains/wasm_support.hpp"

using namespace bfd;
using namespace bfd::services;
using bfd::contracts::wasm_module;

namespace {

wasm_module load_ok(const bytes& code) {
  auto m = wasm_module::load(code);
  REQUIRE_MESSAGE(m.has_value(), m.error().message());
  return std::move(m.value());
}

wasm_module module_of(const std::string& body) { return load_ok(test::wat("(module " + body + ")")); }

/// The failed fee of a call: its code must be `code`; returns the detail.
std::string fee_error(const wasm_module& m, std::string_view name, errc code, const fee_inputs& in = {},
                      std::uint64_t fuel = wasm_fee_fuel) {
  auto r = evaluate_wasm_fee(m, name, in, fuel);
  REQUIRE_FALSE_MESSAGE(r.has_value(), "fee " << *r);
  CHECK_MESSAGE(r.error().code == code, r.error().message());
  return r.error().detail;
}

constexpr auto fee_sig = "(param i64 i64 i64 i64) (result i64)";

} // namespace

TEST_CASE("the example fee function gives the same fees as its expression (WAT and C builds)") {
  const auto from_wat = load_ok(test::example("fee.wasm"));
  const auto from_c = load_ok(test::example("fee_c.wasm"));
  const auto expr = parse_fee_expression(
      "if(calls < 100, (clamp(amount / 400, 10, 50_000) + units * 2) / 2, "
      "clamp(amount / 400, 10, 50_000) + units * 2)");
  REQUIRE(expr.has_value());

  const fee_inputs early{.amount = 100'000, .height = 5, .calls = 3, .units = 10};
  CHECK(*evaluate_wasm_fee(from_wat, "fee", early) == 135);  // (250 + 20) / 2
  const fee_inputs later{.amount = 100'000, .height = 5, .calls = 300, .units = 10};
  CHECK(*evaluate_wasm_fee(from_wat, "fee", later) == 270);
  CHECK(*evaluate_wasm_fee(from_c, "fee", later) == 270);
  CHECK(*evaluate_wasm_fee(from_wat, "fee", {.calls = 100}) == 10);  // the floor
  CHECK(*evaluate_wasm_fee(from_wat, "fee", {.amount = UINT64_MAX, .calls = 100}) == 50'000);  // read as unsigned

  std::mt19937_64 rng(0xfee);
  int compared = 0;
  for (int i = 0; i < 2'000; ++i) {
    fee_inputs in{rng() >> (rng() % 64), rng() % 1'000, rng() % 200, rng() % 1'000'001};
    const auto want = evaluate(*expr, in);
    REQUIRE(want.has_value());
    const auto a = evaluate_wasm_fee(from_wat, "fee", in);
    const auto b = evaluate_wasm_fee(from_c, "fee", in);
    REQUIRE_MESSAGE(a.has_value(), a.error().message());
    REQUIRE_MESSAGE(b.has_value(), b.error().message());
    CHECK(*a == *want);
    CHECK(*b == *want);
    ++compared;
  }
  fmt::print("fee wasm example: {} random inputs, WAT and C builds equal the expression\n", compared);
}

TEST_CASE("a negative result is a failure") {
  const auto m = load_ok(test::example("fee.wasm"));
  CHECK(fee_error(m, "fee", errc::fee_function_failed, {.units = 1'000'001}) ==
        "fee function 'fee' returned -1 (negative)");
  const auto c = load_ok(test::example("fee_c.wasm"));
  CHECK(fee_error(c, "fee", errc::fee_function_failed, {.units = 1'000'001}) ==
        "fee function 'fee' returned -1 (negative)");
}

TEST_CASE("a missing export, a bad export name or another signature is refused") {
  const auto m = load_ok(test::example("fee.wasm"));
  CHECK(fee_error(m, "fees", errc::fee_function_refused).starts_with("fee function 'fees': no_such_export"));
  CHECK(fee_error(m, "", errc::fee_function_refused) == "export name of 0 bytes, expected 1-32");
  CHECK(fee_error(m, std::string(33, 'f'), errc::fee_function_refused) == "export name of 33 bytes, expected 1-32");
  const auto other = module_of(
      "(func (export \"three\") (param i64 i64 i64) (result i64) (i64.const 1))"
      "(func (export \"narrow\") (param i32 i32 i32 i32) (result i32) (i32.const 1))"
      "(func (export \"wide_result\") (param i64 i64 i64 i64) (result i32) (i32.const 1))"
      "(func (export \"nothing\") (param i64 i64 i64 i64))");
  CHECK(fee_error(other, "three", errc::fee_function_refused).starts_with("fee function 'three': bad_arguments"));
  CHECK(fee_error(other, "narrow", errc::fee_function_refused).starts_with("fee function 'narrow': bad_arguments"));
  CHECK(fee_error(other, "wide_result", errc::fee_function_refused) ==
        "fee function 'wide_result' must return one i64, returned 1 values");
  CHECK(fee_error(other, "nothing", errc::fee_function_refused) ==
        "fee function 'nothing' must return one i64, returned 0 values");
}

TEST_CASE("the fee function runs within its fuel: a loop is stopped") {
  const auto m = module_of(fmt::format("(func (export \"spin\") {} (loop $l (br $l)) (i64.const 0))"
                                       "(func (export \"sum\") {} (local $i i64) (local $s i64)"
                                       "  (block $done (loop $l"
                                       "    (br_if $done (i64.ge_u (local.get $i) (local.get 3)))"
                                       "    (local.set $s (i64.add (local.get $s) (local.get $i)))"
                                       "    (local.set $i (i64.add (local.get $i) (i64.const 1)))"
                                       "    (br $l)))"
                                       "  (local.get $s))",
                                       fee_sig, fee_sig));
  const auto spin = fee_error(m, "spin", errc::fee_function_failed);
  CHECK(spin.starts_with("fee function 'spin': out_of_fuel"));
  CHECK(spin.find("100000") != std::string::npos);
  // A bounded loop fits for small inputs and runs out for large ones: the budget is fixed.
  CHECK(*evaluate_wasm_fee(m, "sum", {.units = 100}) == 4'950);
  CHECK(fee_error(m, "sum", errc::fee_function_failed, {.units = 100'000})
            .starts_with("fee function 'sum': out_of_fuel"));
  CHECK(*evaluate_wasm_fee(m, "sum", {.units = 100'000}, 10'000'000) == 4'999'950'000);
}

TEST_CASE("traps are failures with the engine's reason") {
  const auto m = module_of(fmt::format("(func (export \"div\") {} (i64.div_u (local.get 0) (local.get 1)))"
                                       "(func (export \"trap\") {} unreachable)",
                                       fee_sig, fee_sig));
  CHECK(*evaluate_wasm_fee(m, "div", {.amount = 10, .height = 5}) == 2);
  CHECK(fee_error(m, "div", errc::fee_function_failed, {.amount = 10}).starts_with("fee function 'div': trapped"));
  CHECK(fee_error(m, "trap", errc::fee_function_failed).starts_with("fee function 'trap': trapped"));
}

TEST_CASE("a fee function may read the height but not write state, transfer or emit events") {
  const auto m = module_of(fmt::format(
      "(import \"bfd\" \"height\" (func $height (result i64)))"
      "(import \"bfd\" \"state_get\" (func $get (param i32 i32 i32 i32) (result i32)))"
      "(import \"bfd\" \"state_put\" (func $put (param i32 i32 i32 i32)))"
      "(import \"bfd\" \"state_del\" (func $del (param i32 i32)))"
      "(import \"bfd\" \"transfer\" (func $transfer (param i32 i64)))"
      "(import \"bfd\" \"emit_event\" (func $emit (param i32 i32)))"
      "(memory 1)"
      "(func (export \"height\") {} (call $height))"
      "(func (export \"get\") {}"
      "  (i64.extend_i32_s (call $get (i32.const 0) (i32.const 4) (i32.const 8) (i32.const 8))))"
      "(func (export \"put\") {} (call $put (i32.const 0) (i32.const 4) (i32.const 8) (i32.const 8)) (i64.const 1))"
      "(func (export \"del\") {} (call $del (i32.const 0) (i32.const 4)) (i64.const 1))"
      "(func (export \"transfer\") {} (call $transfer (i32.const 0) (i64.const 5)) (i64.const 1))"
      "(func (export \"emit\") {} (call $emit (i32.const 0) (i32.const 4)) (i64.const 1))",
      fee_sig, fee_sig, fee_sig, fee_sig, fee_sig, fee_sig));
  CHECK(*evaluate_wasm_fee(m, "height", {.height = 1'234}) == 1'234);
  CHECK(evaluate_wasm_fee(m, "get", {}).error().detail == "fee function 'get' returned -1 (negative)");  // no state
  CHECK(fee_error(m, "put", errc::fee_function_failed) ==
        "fee function 'put' is read-only: it wrote 1 state keys, made 0 transfers and emitted 0 events");
  CHECK(fee_error(m, "del", errc::fee_function_failed) ==
        "fee function 'del' is read-only: it wrote 1 state keys, made 0 transfers and emitted 0 events");
  CHECK(fee_error(m, "emit", errc::fee_function_failed) ==
        "fee function 'emit' is read-only: it wrote 0 state keys, made 0 transfers and emitted 1 events");
  // A fee function holds no balance: a transfer traps in the engine.
  const auto t = fee_error(m, "transfer", errc::fee_function_failed);
  CHECK(t.starts_with("fee function 'transfer': trapped"));
  CHECK(t.find("balance 0") != std::string::npos);
}
