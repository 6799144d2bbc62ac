// secp256k1 scalars and points for the membership proofs, on libsecp256k1's key tweak functions.
#pragma once

#include <optional>

#include "chains/core/bytes.hpp"
#include "chains/crypto/hash.hpp"

namespace bfd::ush {

/// A scalar in [1, n-1], 32 bytes big-endian (a libsecp256k1 secret key).
using scalar = fixed_bytes<32>;
/// A point other than infinity, 33 bytes SEC1 compressed (0x02/0x03 || x).
using point = fixed_bytes<33>;

/// Whether 32 bytes are a scalar in [1, n-1].
bool is_scalar(const scalar& s);
/// Whether 33 bytes are the compressed encoding of a point on the curve.
bool is_point(const point& p);

/// s*G; nullopt if s is not a scalar.
std::optional<point> mul_base(const scalar& s);
/// s*P; nullopt if s is not a scalar or P not a point.
std::optional<point> mul(const point& p, const scalar& s);
/// P+Q; nullopt if either is not a point or the sum is infinity.
std::optional<point> add(const point& p, const point& q);
/// a+b mod n; nullopt if either is not a scalar or the sum is 0.
std::optional<scalar> scalar_add(const scalar& a, const scalar& b);
/// a*b mod n; nullopt if either is not a scalar.
std::optional<scalar> scalar_mul(const scalar& a, const scalar& b);
/// A tagged hash read as a scalar; nullopt in the (probability ~2^-128) case it is 0 or >= n.
std::optional<scalar> hash_to_scalar(hash_tag tag, byte_view data);

/// Equality of two secrets in time independent of where they differ.
bool equal_secret(const hash256& a, const hash256& b);
/// Overwrites a secret so it does not outlive its use in memory.
void wipe(hash256& secret);

/// A source of 32-byte random strings: the runtime backs it with OS entropy, tests with a seed.
class random_source {
public:
  virtual ~random_source() = default;
  /// The next 32 random bytes.
  virtual hash256 next() = 0;
};

/// A deterministic stream: block i = tagged_hash("bfd/ush/rng", seed || i as 8 bytes big-endian).
class seeded_random final : public random_source {
public:
  explicit seeded_random(const hash256& seed) : seed_(seed) {}
  hash256 next() override;

private:
  hash256 seed_;
  std::uint64_t counter_ = 0;
};

/// A uniformly random scalar: the first draw of `rng` that is in [1, n-1].
scalar random_scalar(random_source& rng);

} // namespace bfd::ush
