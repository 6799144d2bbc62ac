#include "chains/core/hex.hpp"

namespace bfd {

namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

} // namespace

std::string to_hex(byte_view in) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.resize(in.size() * 2);
  for (std::size_t i = 0; i < in.size(); ++i) {
    out[2 * i] = digits[in[i] >> 4];
    out[2 * i + 1] = digits[in[i] & 0x0f];
  }
  return out;
}

result<bytes> from_hex(std::string_view text) {
  if (text.starts_with("0x") || text.starts_with("0X"))
    text.remove_prefix(2);
  if (text.size() % 2 != 0)
    return make_error(errc::bad_hex, "odd number of hex digits");
  bytes out(text.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    int hi = hex_digit(text[2 * i]);
    int lo = hex_digit(text[2 * i + 1]);
    if (hi < 0 || lo < 0)
      return make_error(errc::bad_hex, "not a hex digit at position " + std::to_string(2 * i));
    out[i] = static_cast<byte>((hi << 4) | lo);
  }
  return out;
}

} // namespace bfd
