// BIP340 Schnorr keys over secp256k1 (libsecp256k1 schnorrsig) and address derivation.
#pragma once

#include <string>
#include <string_view>

#include "chains/core/bytes.hpp"
#include "chains/core/error.hpp"

namespace bfd {

/// A secret key with its x-only public key.
struct key_pair {
  secret_key secret;
  public_key pub;
};

/// Derives the key pair of a 32-byte secret; errc::bad_secret_key if it is zero or >= the curve order.
result<key_pair> key_pair_from_secret(const secret_key& secret);

/// BIP340 signature of a 32-byte message. `aux` is the auxiliary randomness (BIP340 "aux_rand");
/// the caller supplies it because chains/ has no randomness of its own.
signature sign(const key_pair& keys, const hash256& message, const hash256& aux);

/// BIP340 verification of a message of any length. False for an invalid public key or signature.
bool verify(const public_key& pub, byte_view message, const signature& sig);

/// Whether 32 bytes are a valid x-only public key (a point on the curve).
bool is_valid_public_key(const public_key& pub);

/// Mixes 32 bytes of OS randomness into this thread's signing context (side-channel hardening).
void randomize_signing_context(const hash256& seed);

/// 20 bytes of the tagged hash of the public key.
address address_of(const public_key& pub);

/// "bfd" + 40 lower-case hex characters.
std::string format_address(const address& addr);

/// Parses "bfd" + 40 hex characters; errc::bad_address otherwise.
result<address> parse_address(std::string_view text);

} // namespace bfd
