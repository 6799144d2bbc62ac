// Fixed-width big-endian integers in storage keys and record values: keys sort by the number.
#pragma once

#include <cstdint>

#include "chains/core/bytes.hpp"

namespace bfd {

/// Appends the low `width` bytes of v, most significant first (storage keys sort by the number).
inline void put_be(bytes& out, std::uint64_t v, int width) {
  for (int i = width - 1; i >= 0; --i)
    out.push_back(static_cast<byte>(v >> (8 * i)));
}
inline void put_be64(bytes& out, std::uint64_t v) { put_be(out, v, 8); }

/// Reads `width` bytes at p, most significant first; the caller has checked they are there.
inline std::uint64_t get_be(const byte* p, int width) {
  std::uint64_t v = 0;
  for (int i = 0; i < width; ++i)
    v = (v << 8) | p[i];
  return v;
}
inline std::uint64_t get_be64(const byte* p) { return get_be(p, 8); }

} // namespace bfd
