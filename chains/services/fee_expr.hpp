// Fee expressions (docs/fee-functions.md): a tiny deterministic unsigned-integer language a
// service's commission may be written in, parsed once and evaluated per request. Pure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "chains/core/error.hpp"

namespace bfd::services {

/// What a fee function sees of a request. Nothing else (no clock, no state) goes in.
struct fee_inputs {
  std::uint64_t amount = 0;  ///< the request's amount in base units
  std::uint64_t height = 0;  ///< the height the fee is computed at
  std::uint64_t calls = 0;   ///< the service's calls so far
  std::uint64_t units = 0;   ///< the request's units
};

/// Bounds of an expression, checked before anything is allocated (consensus parameters).
inline constexpr std::size_t max_fee_expr_bytes = 256;  ///< text length; at least 1
inline constexpr std::size_t max_fee_expr_tokens = 64;  ///< tokens; each makes at most one node
inline constexpr std::size_t max_fee_expr_depth = 16;   ///< nested parentheses and call argument lists

/// What a node of a parsed expression does. Not stored anywhere: the text is what is stored.
enum class fee_op : std::uint8_t {
  literal, amount, height, calls, units,     // leaves
  add, sub, mul, div, mod,                   // arithmetic
  lt, le, gt, ge, eq, ne,                    // comparisons: 0 or 1
  min, max, clamp, bp, if_,                  // functions
};

/// One node: its operation, its literal value, its operands (indices of earlier nodes) and the
/// column (1-based) its token starts at, for error messages.
struct fee_node {
  fee_op op = fee_op::literal;
  std::uint64_t value = 0;
  std::uint8_t args[3] = {0, 0, 0};
  std::uint16_t column = 0;
};

/// A parsed expression: the text it was parsed from (its canonical form) and its nodes, every
/// operand before its operator, the root last. Two programs are equal when their texts are.
class fee_program {
public:
  /// The text as given: the canonical form (other spellings of the same function differ).
  const std::string& text() const noexcept { return text_; }
  /// The nodes, operands before operators, the root last; never empty.
  std::span<const fee_node> nodes() const noexcept { return nodes_; }

  friend bool operator==(const fee_program& a, const fee_program& b) { return a.text_ == b.text_; }

private:
  friend result<fee_program> parse_fee_expression(std::string_view text);
  std::string text_;
  std::vector<fee_node> nodes_;
};

/// Parses `text`; refuses (errc::fee_function_refused, with the column) text outside 1-256
/// printable ASCII bytes, more than 64 tokens, nesting deeper than 16 and any syntax error.
result<fee_program> parse_fee_expression(std::string_view text);

/// Evaluates `program` on `in` with checked unsigned 64-bit arithmetic; overflow, underflow and
/// division or modulo by zero fail (errc::fee_function_failed, with the column). `if` evaluates
/// only the branch its condition chooses.
result<std::uint64_t> evaluate(const fee_program& program, const fee_inputs& in);

} // namespace bfd::services
