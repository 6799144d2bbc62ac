#include "chains/ush/curve.hpp"

#include <stdexcept>

#include <openssl/crypto.h>
#include <secp256k1.h>

#include "chains/core/big_endian.hpp"
#include "chains/crypto/secp_context.hpp"

namespace bfd::ush {

namespace {

std::optional<secp256k1_pubkey> parse(const point& p) {
  secp256k1_pubkey pk;
  if (!secp256k1_ec_pubkey_parse(secp256k1_context_static, &pk, p.data.data(), p.data.size()))
    return std::nullopt;
  return pk;
}

point serialize(const secp256k1_pubkey& pk) {
  point out;
  std::size_t len = out.data.size();
  secp256k1_ec_pubkey_serialize(secp256k1_context_static, out.data.data(), &len, &pk, SECP256K1_EC_COMPRESSED);
  return out;
}

} // namespace

bool is_scalar(const scalar& s) {
  return secp256k1_ec_seckey_verify(secp256k1_context_static, s.data.data()) == 1;
}

bool is_point(const point& p) {
  return parse(p).has_value();
}

std::optional<point> mul_base(const scalar& s) {
  secp256k1_pubkey pk;
  if (!secp256k1_ec_pubkey_create(thread_signing_context(), &pk, s.data.data()))
    return std::nullopt;
  return serialize(pk);
}

std::optional<point> mul(const point& p, const scalar& s) {
  auto pk = parse(p);
  if (!pk || !secp256k1_ec_pubkey_tweak_mul(secp256k1_context_static, &*pk, s.data.data()))
    return std::nullopt;
  return serialize(*pk);
}

std::optional<point> add(const point& p, const point& q) {
  auto a = parse(p);
  auto b = parse(q);
  if (!a || !b)
    return std::nullopt;
  const secp256k1_pubkey* both[2] = {&*a, &*b};
  secp256k1_pubkey sum;
  if (!secp256k1_ec_pubkey_combine(secp256k1_context_static, &sum, both, 2))
    return std::nullopt;
  return serialize(sum);
}

std::optional<scalar> scalar_add(const scalar& a, const scalar& b) {
  if (!is_scalar(a))
    return std::nullopt;
  scalar out = a;
  // The tweak must be below n; a zero sum is refused by libsecp256k1.
  if (!is_scalar(b) || !secp256k1_ec_seckey_tweak_add(secp256k1_context_static, out.data.data(), b.data.data()))
    return std::nullopt;
  return out;
}

std::optional<scalar> scalar_mul(const scalar& a, const scalar& b) {
  if (!is_scalar(a))
    return std::nullopt;
  scalar out = a;
  if (!is_scalar(b) || !secp256k1_ec_seckey_tweak_mul(secp256k1_context_static, out.data.data(), b.data.data()))
    return std::nullopt;
  return out;
}

std::optional<scalar> hash_to_scalar(hash_tag tag, byte_view data) {
  const auto h = tagged_hash(tag, data);
  scalar s;
  s.data = h.data;
  if (!is_scalar(s))
    return std::nullopt;
  return s;
}

bool equal_secret(const hash256& a, const hash256& b) {
  return CRYPTO_memcmp(a.data.data(), b.data.data(), a.data.size()) == 0;
}

void wipe(hash256& secret) {
  OPENSSL_cleanse(secret.data.data(), secret.data.size());
}

hash256 seeded_random::next() {
  bytes counter;
  put_be64(counter, counter_++);
  return tagged_hash(hash_tag::ush_rng, seed_.data, counter);
}

scalar random_scalar(random_source& rng) {
  // A draw is out of range with probability ~2^-128: 64 misses in a row is a broken source.
  for (int i = 0; i < 64; ++i) {
    scalar s;
    s.data = rng.next().data;
    if (is_scalar(s))
      return s;
  }
  throw std::runtime_error("random source returns no scalars");
}

} // namespace bfd::ush
