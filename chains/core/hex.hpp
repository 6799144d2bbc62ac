// Hexadecimal text for bytes: how bytes appear in JSON, key files and the CLI.
#pragma once

#include <string>
#include <string_view>

#include "chains/core/bytes.hpp"
#include "chains/core/error.hpp"

namespace bfd {

/// Lower-case hex of the bytes.
std::string to_hex(byte_view in);

template <std::size_t N>
std::string to_hex(const fixed_bytes<N>& in) {
  return to_hex(in.view());
}

/// Parses hex (either case, optional "0x" prefix); errc::bad_hex on odd length or a non-hex digit.
result<bytes> from_hex(std::string_view text);

/// Parses exactly N bytes of hex.
template <std::size_t N>
result<fixed_bytes<N>> fixed_from_hex(std::string_view text) {
  auto raw = from_hex(text);
  if (!raw)
    return raw.error();
  if (raw->size() != N)
    return make_error(errc::bad_hex, "expected " + std::to_string(N) + " bytes, got "
                                       + std::to_string(raw->size()));
  fixed_bytes<N> out;
  for (std::size_t i = 0; i < N; ++i)
    out.data[i] = (*raw)[i];
  return out;
}

} // namespace bfd
