// Reading and writing the fields of JSON objects the same way in every module's JSON mapping:
// amounts as exact BFDT text plus base units, bytes as hex, addresses as "bfd…". Internal to
// protocols/ (json.cpp and the per-module *_json.cpp files).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "chains/core/amount.hpp"
#include "chains/core/hex.hpp"
#include "chains/crypto/keys.hpp"

namespace bfd::json_fields {

/// Parsed input (a submission).
using input = nlohmann::json;
/// Output with fields in the order written.
using output = nlohmann::ordered_json;

/// "field '<key>': <what>" with the given reason.
error field_error(errc code, std::string_view key, std::string_view what);
/// The field, or null.
const input* find(const input& j, std::string_view key);
result<std::uint64_t> read_uint(const input& j, std::string_view key, std::uint64_t max = UINT64_MAX);
result<std::string> read_string(const input& j, std::string_view key);
result<bytes> read_hex(const input& j, std::string_view key);
result<address> read_address(const input& j, std::string_view key);
/// An amount given as "<name>" (BFDT text) or "<name>_units" (an integer); both must agree.
result<amount> read_amount(const input& j, const std::string& name);

template <std::size_t N>
result<fixed_bytes<N>> read_fixed_hex(const input& j, std::string_view key) {
  auto text = read_string(j, key);
  if (!text)
    return text.error();
  auto raw = fixed_from_hex<N>(*text);
  if (!raw)
    return field_error(errc::bad_hex, key, raw.error().detail);
  return *raw;
}

/// Writes "<name>" as BFDT text and "<name>_units" as base units.
void add_amount(output& j, const std::string& name, amount value);

} // namespace bfd::json_fields
