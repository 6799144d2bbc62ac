// Byte containers shared by every chain object: variable bytes and fixed-size arrays.
#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace bfd {

using byte = std::uint8_t;
using bytes = std::vector<byte>;
using byte_view = std::span<const byte>;

/// Fixed-size byte string (hash, key, signature, address), ordered bytewise.
template <std::size_t N>
struct fixed_bytes {
  using value_type = byte;  ///< lets generic code (and CAF's type traits) see the element type
  std::array<byte, N> data{};

  static constexpr std::size_t size() noexcept { return N; }
  const byte* begin() const noexcept { return data.data(); }
  const byte* end() const noexcept { return data.data() + N; }
  byte* begin() noexcept { return data.data(); }
  byte* end() noexcept { return data.data() + N; }
  byte_view view() const noexcept { return {data.data(), N}; }
  byte operator[](std::size_t i) const noexcept { return data[i]; }
  byte& operator[](std::size_t i) noexcept { return data[i]; }
  bool is_zero() const noexcept {
    for (auto b : data)
      if (b != 0) return false;
    return true;
  }
  friend auto operator<=>(const fixed_bytes&, const fixed_bytes&) = default;
};

using hash256 = fixed_bytes<32>;     ///< SHA-256 digest
using public_key = fixed_bytes<32>;  ///< BIP340 x-only public key
using secret_key = fixed_bytes<32>;  ///< secp256k1 secret scalar
using signature = fixed_bytes<64>;   ///< BIP340 Schnorr signature
using address = fixed_bytes<20>;     ///< account address: 20 bytes of a tagged key hash

/// Hash functor for unordered containers keyed by fixed_bytes (not used for anything hashed on chain).
struct fixed_bytes_hasher {
  template <std::size_t N>
  std::size_t operator()(const fixed_bytes<N>& x) const noexcept {
    std::size_t h = 0;
    for (std::size_t i = 0; i < sizeof(std::size_t) && i < N; ++i)
      h = (h << 8) | x.data[i];
    return h;
  }
};

} // namespace bfd
