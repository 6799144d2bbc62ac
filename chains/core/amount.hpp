// BFDT amounts: unsigned base units (1 BFDT = 10^8 units), checked arithmetic, exact text form.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "chains/core/error.hpp"

namespace bfd {

using amount = std::uint64_t;

/// Base units per BFDT.
inline constexpr amount units_per_bfdt = 100'000'000;

/// a + b, or nothing on overflow.
constexpr std::optional<amount> checked_add(amount a, amount b) noexcept {
  amount r = 0;
  if (__builtin_add_overflow(a, b, &r)) return std::nullopt;
  return r;
}

/// a - b, or nothing when b > a.
constexpr std::optional<amount> checked_sub(amount a, amount b) noexcept {
  if (b > a) return std::nullopt;
  return a - b;
}

/// a * b, or nothing on overflow.
constexpr std::optional<amount> checked_mul(amount a, amount b) noexcept {
  amount r = 0;
  if (__builtin_mul_overflow(a, b, &r)) return std::nullopt;
  return r;
}

/// Parses "12", "12.5", "0.00000001" BFDT into base units, exactly (no floating point).
/// A trailing "u" means base units: "1500u". errc::bad_amount on anything else or overflow.
result<amount> parse_amount(std::string_view text);

/// "12.5" style text of base units, without trailing zeros.
std::string format_amount(amount units);

} // namespace bfd
