#include "protocols/json_fields.hpp"

#include <optional>

namespace bfd::json_fields {

void add_amount(output& j, const std::string& name, amount value) {
  j[name] = format_amount(value);
  j[name + "_units"] = value;
}

error field_error(errc code, std::string_view key, std::string_view what) {
  return make_error(code, "field '" + std::string(key) + "': " + std::string(what));
}

const input* find(const input& j, std::string_view key) {
  auto i = j.find(key);
  return i == j.end() ? nullptr : &*i;
}

result<std::uint64_t> read_uint(const input& j, std::string_view key, std::uint64_t max) {
  const auto* v = find(j, key);
  if (!v)
    return field_error(errc::malformed, key, "missing");
  if (!v->is_number_unsigned())
    return field_error(errc::malformed, key, "expected an unsigned integer");
  auto x = v->get<std::uint64_t>();
  if (x > max)
    return field_error(errc::malformed, key, "at most " + std::to_string(max));
  return x;
}

result<std::string> read_string(const input& j, std::string_view key) {
  const auto* v = find(j, key);
  if (!v)
    return field_error(errc::malformed, key, "missing");
  if (!v->is_string())
    return field_error(errc::malformed, key, "expected a string");
  return v->get<std::string>();
}

result<bytes> read_hex(const input& j, std::string_view key) {
  auto text = read_string(j, key);
  if (!text)
    return text.error();
  auto raw = from_hex(*text);
  if (!raw)
    return field_error(errc::bad_hex, key, raw.error().detail);
  return std::move(*raw);
}

result<address> read_address(const input& j, std::string_view key) {
  auto text = read_string(j, key);
  if (!text)
    return text.error();
  auto a = parse_address(*text);
  if (!a)
    return field_error(errc::bad_address, key, a.error().detail);
  return *a;
}

/// An amount given as "<name>" (BFDT text) or "<name>_units" (an integer); both must agree.
result<amount> read_amount(const input& j, const std::string& name) {
  const auto units_key = name + "_units";
  const auto* units = find(j, units_key);
  const auto* text = find(j, name);
  if (!units && !text)
    return field_error(errc::malformed, name,
                       "missing (give BFDT text as '" + name + "' or base units as '" + units_key + "')");
  std::optional<amount> from_units;
  std::optional<amount> from_text;
  if (units) {
    if (!units->is_number_unsigned())
      return field_error(errc::malformed, units_key, "expected an unsigned integer of base units");
    from_units = units->get<std::uint64_t>();
  }
  if (text) {
    if (!text->is_string())
      return field_error(errc::malformed, name,
                         "expected BFDT as text, e.g. \"1.5\" (or an integer of base units as '" + units_key + "')");
    auto a = parse_amount(text->get_ref<const std::string&>());
    if (!a)
      return field_error(errc::bad_amount, name, a.error().detail);
    from_text = *a;
  }
  if (from_units && from_text && *from_units != *from_text)
    return field_error(errc::invalid_argument, name, "'" + name + "' and '" + units_key + "' differ");
  return from_units ? *from_units : *from_text;
}

} // namespace bfd::json_fields
