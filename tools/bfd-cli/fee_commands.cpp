// `bfd-cli fee eval`: runs a fee expression or a WebAssembly fee function on given inputs,
// offline (docs/fee-functions.md, docs/cli.md). Prints the fee in base units, or the error.
#include <memory>
#include <string>

#include <fmt/format.h>

#include "chains/contracts/wasm_engine.hpp"
#include "chains/services/fee_expr.hpp"
#include "chains/services/fee_wasm.hpp"
#include "tools/bfd-cli/commands.hpp"
#include "tools/client/submission.hpp"

namespace bfd::cli {

namespace {

struct eval_options {
  std::string expr;
  std::string wasm_file;
  std::string export_name;
  std::string amount_text;
  std::string height_text = "0";
  std::string calls_text = "0";
  std::string units_text = "0";
  std::string fuel_text = std::to_string(services::wasm_fee_fuel);
  bool expression = false;  ///< --expr was given (possibly empty, which the parser refuses)
};

result<services::fee_inputs> parse_inputs(const eval_options& o) {
  services::fee_inputs in;
  const std::pair<const char*, std::pair<const std::string*, std::uint64_t*>> fields[] = {
      {"--amount", {&o.amount_text, &in.amount}}, {"--height", {&o.height_text, &in.height}},
      {"--calls", {&o.calls_text, &in.calls}}, {"--units", {&o.units_text, &in.units}}};
  for (const auto& [option, where] : fields) {
    auto v = parse_uint(option, *where.first, UINT64_MAX);
    if (!v) return v.error();
    *where.second = *v;
  }
  return in;
}

command_result run_eval(const eval_options& o) {
  auto in = parse_inputs(o);
  if (!in) return to_command_result(in.error());
  result<std::uint64_t> fee = make_error(errc::invalid_argument, "no fee function");
  if (o.expression) {
    auto program = services::parse_fee_expression(o.expr);
    if (!program) return to_command_result(program.error());
    fee = services::evaluate(*program, *in);
  } else {
    // The engine's fuel bound is 2^62; a fee function's fixed budget is far below it.
    auto fuel = parse_uint("--fuel", o.fuel_text, std::uint64_t{1} << 40);
    if (!fuel) return to_command_result(fuel.error());
    const contracts::wasm_limits limits;
    auto code = read_bounded_file(o.wasm_file, limits.max_module_bytes);
    if (!code) return to_command_result(code.error());
    auto module = contracts::wasm_module::load(*code, limits);
    if (!module)
      return command_failure(std::string(to_string(errc::fee_function_refused)),
                             o.wasm_file + ": " + module.error().message());
    fee = services::evaluate_wasm_fee(*module, o.export_name, *in, *fuel);
  }
  if (!fee) return to_command_result(fee.error());
  fmt::print("{}\n", *fee);
  return {};
}

} // namespace

void add_fee_commands(CLI::App& app, std::optional<command_result>& outcome) {
  auto* fee = app.add_subcommand("fee", "Fee functions of the service registry (docs/fee-functions.md)");
  auto o = std::make_shared<eval_options>();
  auto* eval = fee->add_subcommand(
      "eval", "Compute a fee offline with a fee expression or a WebAssembly fee function; prints base units");
  auto* expr = eval->add_option("--expr", o->expr, "Fee expression, e.g. 'clamp(bp(amount, 25), 10, 50_000)'")
                   ->type_name("TEXT");
  auto* wasm = eval->add_option("--wasm", o->wasm_file, "WebAssembly module holding the fee function")
                   ->type_name("FILE");
  auto* exp = eval->add_option("--export", o->export_name, "The fee function's export (with --wasm)")
                  ->type_name("NAME");
  expr->excludes(wasm);
  wasm->needs(exp);
  exp->needs(wasm);
  eval->add_option("--amount", o->amount_text, "The request's amount in base units")->type_name("N")->required();
  eval->add_option("--height", o->height_text, "Height")->type_name("H")->capture_default_str();
  eval->add_option("--calls", o->calls_text, "The service's calls so far")->type_name("C")->capture_default_str();
  eval->add_option("--units", o->units_text, "The request's units")->type_name("U")->capture_default_str();
  eval->add_option("--fuel", o->fuel_text, "Fuel budget of a WebAssembly fee function")
      ->type_name("N")
      ->capture_default_str();
  eval->callback([o, expr, wasm, &outcome] {
    if (expr->count() == 0 && wasm->count() == 0)
      outcome = command_failure("invalid_argument", "give --expr TEXT or --wasm FILE --export NAME");
    else {
      o->expression = expr->count() > 0;
      outcome = run_eval(*o);
    }
  });
}

} // namespace bfd::cli
