#include "chains/core/amount.hpp"

namespace bfd {

namespace {

result<amount> parse_digits(std::string_view digits, std::string_view whole_text) {
  if (digits.empty())
    return make_error(errc::bad_amount, "no digits in '" + std::string(whole_text) + "'");
  amount value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9')
      return make_error(errc::bad_amount, "not a digit in '" + std::string(whole_text) + "'");
    auto times_ten = checked_mul(value, 10);
    auto next = times_ten ? checked_add(*times_ten, static_cast<amount>(c - '0')) : std::nullopt;
    if (!next)
      return make_error(errc::bad_amount, "'" + std::string(whole_text) + "' overflows 64 bits");
    value = *next;
  }
  return value;
}

} // namespace

result<amount> parse_amount(std::string_view text) {
  if (text.ends_with('u'))
    return parse_digits(text.substr(0, text.size() - 1), text);
  auto dot = text.find('.');
  std::string_view whole = text.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
  if (dot != std::string_view::npos && frac.empty())
    return make_error(errc::bad_amount, "no digits after '.' in '" + std::string(text) + "'");
  if (frac.size() > 8)
    return make_error(errc::bad_amount, "more than 8 decimals in '" + std::string(text) + "'");
  auto w = parse_digits(whole, text);
  if (!w)
    return w;
  amount f = 0;
  if (!frac.empty()) {
    auto parsed = parse_digits(frac, text);
    if (!parsed)
      return parsed;
    f = *parsed;
    for (auto i = frac.size(); i < 8; ++i)
      f *= 10;
  }
  auto scaled = checked_mul(*w, units_per_bfdt);
  auto total = scaled ? checked_add(*scaled, f) : std::nullopt;
  if (!total)
    return make_error(errc::bad_amount, "'" + std::string(text) + "' overflows 64 bits");
  return *total;
}

std::string format_amount(amount units) {
  std::string out = std::to_string(units / units_per_bfdt);
  amount frac = units % units_per_bfdt;
  if (frac != 0) {
    std::string digits = std::to_string(frac);
    digits.insert(0, 8 - digits.size(), '0');
    while (!digits.empty() && digits.back() == '0')
      digits.pop_back();
    out += "." + digits;
  }
  return out;
}

} // namespace bfd
