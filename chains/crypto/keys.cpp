#include "chains/crypto/keys.hpp"

#include <cstring>
#include <stdexcept>

#include <secp256k1.h>
#include <unordered_map>

#include <secp256k1_extrakeys.h>
#include <secp256k1_schnorrsig.h>

#include "chains/core/hex.hpp"
#include "chains/crypto/hash.hpp"
#include "chains/crypto/secp_context.hpp"

namespace bfd {

// Signing needs a context of its own per thread (chains/crypto/secp_context.hpp); verification
// uses the shared static context.

result<key_pair> key_pair_from_secret(const secret_key& secret) {
  secp256k1_keypair kp;
  if (!secp256k1_keypair_create(thread_signing_context(), &kp, secret.data.data()))
    return make_error(errc::bad_secret_key, "secret is zero or not below the curve order");
  secp256k1_xonly_pubkey xonly;
  if (!secp256k1_keypair_xonly_pub(secp256k1_context_static, &xonly, nullptr, &kp))
    return make_error(errc::bad_secret_key, "cannot derive public key");
  key_pair out;
  out.secret = secret;
  secp256k1_xonly_pubkey_serialize(secp256k1_context_static, out.pub.data.data(), &xonly);
  return out;
}

namespace {

// Expanding a secret into libsecp256k1's key pair is a point multiplication, as costly as the
// signature itself: each thread keeps the expansions of the keys it signed with recently (a
// delegate signs every confirmation with one key). Bounded; wiped when it is cleared.
class keypair_cache {
public:
  const secp256k1_keypair* get(secp256k1_context* ctx, const secret_key& secret) {
    if (auto it = map_.find(secret); it != map_.end())
      return &it->second;
    if (map_.size() >= capacity)
      clear();
    secp256k1_keypair kp;
    if (!secp256k1_keypair_create(ctx, &kp, secret.data.data()))
      return nullptr;
    return &map_.emplace(secret, kp).first->second;
  }
  ~keypair_cache() { clear(); }

private:
  static constexpr std::size_t capacity = 4096;
  void clear() {
    for (auto& [k, v] : map_)
      std::memset(&v, 0, sizeof v);
    map_.clear();
  }
  std::unordered_map<secret_key, secp256k1_keypair, fixed_bytes_hasher> map_;
};

} // namespace

signature sign(const key_pair& keys, const hash256& message, const hash256& aux) {
  auto* ctx = thread_signing_context();
  thread_local keypair_cache cache;
  signature sig;
  // The key pair was validated when it was made, so these calls cannot fail for it.
  const auto* kp = cache.get(ctx, keys.secret);
  if (!kp || !secp256k1_schnorrsig_sign32(ctx, sig.data.data(), message.data.data(), kp, aux.data.data()))
    throw std::logic_error("signing with an invalid key pair");
  return sig;
}

bool verify(const public_key& pub, byte_view message, const signature& sig) {
  secp256k1_xonly_pubkey xonly;
  if (!secp256k1_xonly_pubkey_parse(secp256k1_context_static, &xonly, pub.data.data()))
    return false;
  return secp256k1_schnorrsig_verify(secp256k1_context_static, sig.data.data(), message.data(),
                                     message.size(), &xonly)
         == 1;
}

bool is_valid_public_key(const public_key& pub) {
  secp256k1_xonly_pubkey xonly;
  return secp256k1_xonly_pubkey_parse(secp256k1_context_static, &xonly, pub.data.data()) == 1;
}

void randomize_signing_context(const hash256& seed) {
  // Randomization only hardens against side channels; failing it leaves signing correct.
  if (!secp256k1_context_randomize(thread_signing_context(), seed.data.data()))
    return;
}

address address_of(const public_key& pub) {
  auto digest = tagged_hash(hash_tag::address, pub.view());
  address out;
  std::memcpy(out.data.data(), digest.data.data(), out.size());
  return out;
}

std::string format_address(const address& addr) {
  return "bfd" + to_hex(addr);
}

result<address> parse_address(std::string_view text) {
  if (!text.starts_with("bfd") || text.size() != 3 + 40)
    return make_error(errc::bad_address, "an address is 'bfd' followed by 40 hex characters");
  auto raw = fixed_from_hex<20>(text.substr(3));
  if (!raw)
    return make_error(errc::bad_address, raw.error().detail);
  return *raw;
}

} // namespace bfd
