#include "chains/ush/group.hpp"

#include <algorithm>

namespace bfd::ush {

namespace {

std::optional<scalar> challenge(const hash256& pseudonym, const point& w) {
  std::array<byte, 33 + 32> in{};
  std::copy(w.begin(), w.end(), in.begin());
  std::copy(pseudonym.begin(), pseudonym.end(), in.begin() + 33);
  return hash_to_scalar(hash_tag::ush_credential, in);
}

} // namespace

hash256 group_public::id() const {
  return tagged_hash(hash_tag::ush_group, key.view());
}

result<group_keys> group_from_secret(const scalar& x) {
  auto y = mul_base(x);
  if (!y)
    return make_error(errc::bad_secret_key, "group secret is zero or not below the curve order");
  return group_keys{x, group_public{*y}};
}

group_keys new_group(random_source& rng) {
  return *group_from_secret(random_scalar(rng));
}

std::optional<point> credential_public_key(const hash256& pseudonym, const point& w, const point& group_key) {
  auto e = challenge(pseudonym, w);
  if (!e)
    return std::nullopt;
  auto ey = mul(group_key, *e);
  if (!ey)
    return std::nullopt;
  return add(w, *ey);
}

bool verify_credential(const credential& c) {
  auto pk = credential_public_key(c.pseudonym, c.w, c.group_key);
  auto tg = mul_base(c.t);
  return pk && tg && *pk == *tg;
}

result<std::vector<credential>> issue_batch(const group_keys& group, std::size_t count, random_source& rng) {
  if (count == 0 || count > max_batch)
    return make_error(errc::ush_batch_size,
                      "a batch holds 1 to " + std::to_string(max_batch) + " credentials, not " + std::to_string(count));
  std::vector<credential> out;
  out.reserve(count);
  while (out.size() < count) {
    credential c;
    c.pseudonym = rng.next();
    c.group_key = group.pub.key;
    const scalar r = random_scalar(rng);
    auto w = mul_base(r);
    if (!w)
      continue;
    c.w = *w;
    // A challenge out of range, or t = 0, has probability ~2^-128: draw again.
    auto e = challenge(c.pseudonym, c.w);
    if (!e)
      continue;
    auto xe = scalar_mul(group.secret, *e);
    if (!xe)
      continue;
    auto t = scalar_add(*xe, r);
    if (!t)
      continue;
    c.t = *t;
    out.push_back(c);
  }
  return out;
}

bytes encode_credential(const credential& c) {
  bytes out;
  out.reserve(credential_size);
  out.push_back(encoding_version);
  out.insert(out.end(), c.pseudonym.begin(), c.pseudonym.end());
  out.insert(out.end(), c.w.begin(), c.w.end());
  out.insert(out.end(), c.t.begin(), c.t.end());
  out.insert(out.end(), c.group_key.begin(), c.group_key.end());
  return out;
}

result<credential> decode_credential(byte_view in) {
  if (!has_layout(in, credential_size))
    return layout_error(in, credential_size, "credential");
  credential c;
  auto p = in.begin() + 1;
  std::copy_n(p, 32, c.pseudonym.begin());
  std::copy_n(p + 32, 33, c.w.begin());
  std::copy_n(p + 65, 32, c.t.begin());
  std::copy_n(p + 97, 33, c.group_key.begin());
  if (!is_point(c.w) || !is_point(c.group_key))
    return make_error(errc::malformed, "credential: W or Y is not a point of secp256k1");
  if (!is_scalar(c.t))
    return make_error(errc::malformed, "credential: t is not a scalar in [1, n-1]");
  return c;
}

result<credential> decode_verified_credential(byte_view in) {
  auto c = decode_credential(in);
  if (c && !verify_credential(*c))
    return make_error(errc::ush_bad_credential, "credential: t*G is not W + H(W || id)*Y");
  return c;
}

status revocation_list::add(const hash256& pseudonym) {
  if (ids_.size() >= max_size && !ids_.contains(pseudonym))
    return make_error(errc::too_large, "the revocation list holds " + std::to_string(max_size) + " pseudonyms");
  ids_.insert(pseudonym);
  return {};
}

} // namespace bfd::ush
