// The system-service commission a service instance charges on its billable calls (issue 15 item
// 4; docs/dapps.md, "Commissions"): the model text a contract holds in its `p.commission`
// parameter, parsed and evaluated here. Pure: the contracts module calls it at admission and when
// it applies a call.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "chains/core/amount.hpp"
#include "chains/core/bytes.hpp"
#include "chains/core/error.hpp"
#include "chains/primitives/transaction.hpp"

namespace bfd::contract {

/// The parameter names that make a contract a service instance. A template declaring
/// `commission` (bytes) and `commission_to` (address) has every call of its `billable` entry
/// point (bytes: one entry point name) charged; `price` (amount) is the least value such a call
/// must carry (0 when the template has no such parameter).
inline constexpr std::string_view commission_param = "commission";
inline constexpr std::string_view commission_to_param = "commission_to";
inline constexpr std::string_view billable_param = "billable";
inline constexpr std::string_view price_param = "price";

/// A commission model, as the registry's (docs/services.md): percent of the call's value in basis
/// points, a fixed amount, a fee expression, or an export of a contract on the same chain.
struct commission_percent { std::uint64_t bps = 0; };
struct commission_fixed { amount units = 0; };
struct commission_expression { std::string text; };
struct commission_wasm { chain_id chain = 0; address contract{}; std::string export_name; };
struct commission_model {
  using percent = commission_percent;
  using fixed = commission_fixed;
  using expression = commission_expression;
  using wasm = commission_wasm;
  std::variant<percent, fixed, expression, wasm> model;
};

/// Parses "percent:BP" (0-10000), "fixed:UNITS", "expr:TEXT" (a fee expression that parses) or
/// "wasm:CHAIN:bfd…:EXPORT"; invalid_argument naming the problem otherwise.
result<commission_model> parse_commission(std::string_view text);

/// The commission of a fixed, percent or expression model on a call of `value` at `height` after
/// `calls` calls (units 1); a wasm model is evaluated by the caller (it needs the module).
/// fee_function_failed when an expression fails; invalid_argument for a wasm model.
result<amount> evaluate_commission(const commission_model& m, amount value, std::uint64_t height, std::uint64_t calls);

} // namespace bfd::contract
