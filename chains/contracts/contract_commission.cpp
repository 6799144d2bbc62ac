// Parsing and evaluating a service instance's commission model (contract_commission.hpp).
#include "chains/contracts/contract_commission.hpp"

#include <charconv>

#include <fmt/format.h>

#include "chains/crypto/keys.hpp"
#include "chains/services/fee_expr.hpp"

namespace bfd::contract {

namespace {

result<std::uint64_t> number(std::string_view text, std::string_view what) {
  std::uint64_t v = 0;
  const auto* end = text.data() + text.size();
  const auto [p, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc{} || p != end)
    return make_error(errc::invalid_argument, fmt::format("commission: {} '{}' is not a number", what, text));
  return v;
}

} // namespace

result<commission_model> parse_commission(std::string_view text) {
  const auto colon = text.find(':');
  if (colon == std::string_view::npos)
    return make_error(errc::invalid_argument,
                      "commission: expected percent:BP, fixed:UNITS, expr:TEXT or wasm:CHAIN:ADDR:EXPORT");
  const auto kind = text.substr(0, colon);
  const auto rest = text.substr(colon + 1);
  commission_model m;
  if (kind == "percent") {
    auto bps = number(rest, "basis points");
    if (!bps)
      return bps.error();
    if (*bps > 10'000)
      return make_error(errc::invalid_argument, fmt::format("commission: {} basis points, at most 10000", *bps));
    m.model = commission_model::percent{*bps};
  } else if (kind == "fixed") {
    auto units = number(rest, "amount");
    if (!units)
      return units.error();
    m.model = commission_model::fixed{*units};
  } else if (kind == "expr") {
    auto program = services::parse_fee_expression(rest);
    if (!program)
      return program.error();
    m.model = commission_model::expression{std::string(rest)};
  } else if (kind == "wasm") {
    const auto c2 = rest.find(':');
    const auto c3 = c2 == std::string_view::npos ? c2 : rest.find(':', c2 + 1);
    if (c3 == std::string_view::npos)
      return make_error(errc::invalid_argument, "commission: expected wasm:CHAIN:ADDR:EXPORT");
    auto chain = number(rest.substr(0, c2), "chain");
    if (!chain)
      return chain.error();
    auto a = parse_address(rest.substr(c2 + 1, c3 - c2 - 1));
    if (!a)
      return make_error(errc::invalid_argument, "commission: " + a.error().detail);
    const auto name = rest.substr(c3 + 1);
    if (name.empty() || name.size() > 32)
      return make_error(errc::invalid_argument, fmt::format("commission: export name of {} bytes, expected 1-32", name.size()));
    m.model = commission_model::wasm{static_cast<chain_id>(*chain), *a, std::string(name)};
  } else {
    return make_error(errc::invalid_argument, fmt::format("commission: unknown model '{}'", kind));
  }
  return m;
}

result<amount> evaluate_commission(const commission_model& m, amount value, std::uint64_t height, std::uint64_t calls) {
  if (const auto* p = std::get_if<commission_model::percent>(&m.model))
    return static_cast<amount>(static_cast<unsigned __int128>(value) * p->bps / 10'000);
  if (const auto* f = std::get_if<commission_model::fixed>(&m.model))
    return f->units;
  if (const auto* e = std::get_if<commission_model::expression>(&m.model)) {
    auto program = services::parse_fee_expression(e->text);
    if (!program)
      return program.error();
    return services::evaluate(*program, services::fee_inputs{value, height, calls, 1});
  }
  return make_error(errc::invalid_argument, "commission: a wasm model is evaluated with its module");
}

} // namespace bfd::contract
