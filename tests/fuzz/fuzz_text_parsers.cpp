// Fuzz target: the text parsers (bfd::from_hex, bfd::parse_amount, bfd::parse_address,
// bfd::parse_cursor) on the input as text, each compared with a small independent reference of its grammar and round-tripped.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "chains/core/amount.hpp"
#include "chains/core/hex.hpp"
#include "chains/crypto/keys.hpp"
#include "chains/storage/account_history.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace {

using bfd::fuzz::require;

bool is_hex_digit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool all_hex(std::string_view text) {
  return std::all_of(text.begin(), text.end(), is_hex_digit);
}

std::string lower_case(std::string_view text) {
  std::string out(text);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
  return out;
}

/// Reference: a non-empty run of decimal digits whose value fits in 64 bits.
std::optional<std::uint64_t> reference_decimal(std::string_view digits) {
  if (digits.empty())
    return std::nullopt;
  unsigned __int128 value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9')
      return std::nullopt;
    value = value * 10 + static_cast<unsigned>(c - '0');
    if (value > std::numeric_limits<std::uint64_t>::max())
      return std::nullopt;
  }
  return static_cast<std::uint64_t>(value);
}

/// Reference grammar of amounts: DIGITS "u" | DIGITS [ "." 1-8 DIGITS ], in 64 bits of base units.
std::optional<bfd::amount> reference_amount(std::string_view text) {
  if (text.ends_with('u'))
    return reference_decimal(text.substr(0, text.size() - 1));
  const auto dot = text.find('.');
  auto whole = reference_decimal(text.substr(0, dot));
  if (!whole)
    return std::nullopt;
  unsigned __int128 total = static_cast<unsigned __int128>(*whole) * bfd::units_per_bfdt;
  if (dot != std::string_view::npos) {
    const auto frac_text = text.substr(dot + 1);
    auto frac = reference_decimal(frac_text);
    if (!frac || frac_text.size() > 8)
      return std::nullopt;
    std::uint64_t scale = 1;
    for (auto i = frac_text.size(); i < 8; ++i)
      scale *= 10;
    total += static_cast<unsigned __int128>(*frac) * scale;
  }
  if (total > std::numeric_limits<std::uint64_t>::max())
    return std::nullopt;
  return static_cast<bfd::amount>(total);
}

void check_hex(std::string_view text) {
  auto parsed = bfd::from_hex(text);
  std::string_view digits = text;
  if (digits.starts_with("0x") || digits.starts_with("0X"))
    digits.remove_prefix(2);
  const bool valid = digits.size() % 2 == 0 && all_hex(digits);
  require(parsed.has_value() == valid, "from_hex accepts exactly even-length hex after an optional 0x");
  if (!parsed) {
    require(parsed.error().code == bfd::errc::bad_hex, "from_hex fails with bad_hex");
    return;
  }
  require(bfd::to_hex(*parsed) == lower_case(digits), "to_hex gives back the parsed digits in lower case");
}

/// Round trip of a value through its text forms.
void check_amount_text_of(bfd::amount value) {
  const std::string text = bfd::format_amount(value);
  auto back = bfd::parse_amount(text);
  require(back && *back == value, "parse_amount reads back what format_amount wrote");
  require(text.find('.') == std::string::npos || text.back() != '0', "format_amount writes no trailing zeros");
  auto units = bfd::parse_amount(std::to_string(value) + "u");
  require(units && *units == value, "parse_amount reads base units with a 'u' suffix");
}

void check_amount(std::string_view text) {
  auto parsed = bfd::parse_amount(text);
  auto expected = reference_amount(text);
  require(parsed.has_value() == expected.has_value(), "parse_amount accepts exactly the amount grammar");
  if (!parsed) {
    require(parsed.error().code == bfd::errc::bad_amount, "parse_amount fails with bad_amount");
    return;
  }
  require(*parsed == *expected, "parse_amount agrees with the reference value");
  check_amount_text_of(*parsed);
}

void check_address(std::string_view text) {
  auto parsed = bfd::parse_address(text);
  const bool valid = text.size() == 43 && text.starts_with("bfd") && all_hex(text.substr(3));
  require(parsed.has_value() == valid, "parse_address accepts exactly 'bfd' and 40 hex digits");
  if (!parsed) {
    require(parsed.error().code == bfd::errc::bad_address, "parse_address fails with bad_address");
    return;
  }
  require(bfd::format_address(*parsed) == "bfd" + lower_case(text.substr(3)),
          "format_address gives back the parsed address in lower case");
}

} // namespace

/// libFuzzer entry point: one input, aborting on a violated property.
/// Reference grammar of account-history cursors: 1-20 digits "." 1-20 digits, height in 64 bits,
/// index in 32; a parsed cursor formats back to the same position.
void check_cursor(std::string_view text) {
  const auto dot = text.find('.');
  std::optional<bfd::history_position> want;
  if (dot != std::string_view::npos) {
    const auto h = text.substr(0, dot), i = text.substr(dot + 1);
    auto height = h.size() <= 20 ? reference_decimal(h) : std::nullopt;
    auto index = i.size() <= 20 ? reference_decimal(i) : std::nullopt;
    if (height && index && *index <= std::numeric_limits<std::uint32_t>::max())
      want = bfd::history_position{*height, static_cast<std::uint32_t>(*index)};
  }
  auto got = bfd::parse_cursor(text);
  require(got.has_value() == want.has_value(), "parse_cursor disagrees with the reference grammar");
  if (got) {
    require(*got == *want, "parse_cursor read another position");
    require(*bfd::parse_cursor(bfd::format_cursor(*got)) == *got, "a formatted cursor does not parse back");
  }
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check_hex(text);
  check_amount(text);
  check_address(text);
  check_cursor(text);
  if (size >= 8) {
    bfd::amount value = 0;
    for (std::size_t i = 0; i < 8; ++i)
      value = (value << 8) | data[i];
    check_amount_text_of(value);
  }
  return 0;
}
