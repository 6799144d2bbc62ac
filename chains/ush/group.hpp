// Membership groups of the secret handshake: the authority's keys, one-time credentials issued in
// batches (Schnorr signatures on random pseudonyms), and the revocation list verifiers consult.
#pragma once

#include <cstddef>
#include <set>
#include <vector>

#include "chains/core/error.hpp"
#include "chains/ush/curve.hpp"
#include "chains/ush/messages.hpp"

namespace bfd::ush {

/// Most credentials one issue call makes.
inline constexpr std::size_t max_batch = 256;
/// Bytes of an encoded credential: version, pseudonym, W, t, group key Y.
inline constexpr std::size_t credential_size = 1 + 32 + 33 + 32 + 33;

/// A group's public key Y = xG and its id.
struct group_public {
  point key;  ///< Y
  /// tagged_hash("bfd/ush/group", Y): names the group to its authority, never sent in a handshake.
  hash256 id() const;
  friend bool operator==(const group_public&, const group_public&) = default;
};

/// The authority's secret x with the group's public part.
struct group_keys {
  scalar secret;  ///< x
  group_public pub;
};

/// The group of a secret x; errc::bad_secret_key unless x is in [1, n-1].
result<group_keys> group_from_secret(const scalar& x);

/// A new group with a secret drawn from `rng`.
group_keys new_group(random_source& rng);

/// A one-time credential: the authority's Schnorr signature (W, t) on a random pseudonym, with
/// t*G = W + H(W || pseudonym)*Y. Only the holder (and the authority that made it) knows t.
struct credential {
  hash256 pseudonym;  ///< the one-time id; the only thing a payee learns about a payer
  point w;            ///< W = rG
  scalar t;           ///< t = r + x*H(W || pseudonym) mod n: the holder's secret
  point group_key;    ///< Y of the group that issued it
  friend bool operator==(const credential&, const credential&) = default;
};

/// The public key anyone derives from a pseudonym and W under a group key Y:
/// PK = W + H(W || pseudonym)*Y. nullopt if an input is not a point or the sum is infinity.
std::optional<point> credential_public_key(const hash256& pseudonym, const point& w, const point& group_key);

/// Whether t*G equals the credential's public key under its group key.
bool verify_credential(const credential& c);

/// `count` credentials of `group` with fresh random pseudonyms; errc::ush_batch_size unless
/// 1 <= count <= max_batch.
result<std::vector<credential>> issue_batch(const group_keys& group, std::size_t count, random_source& rng);

/// The credential's 131 bytes: version || pseudonym || W || t || Y.
bytes encode_credential(const credential& c);

/// Decodes exactly credential_size bytes (decoding reason codes only, no signature check: see
/// verify_credential).
result<credential> decode_credential(byte_view in);

/// decode_credential, then verify_credential: errc::ush_bad_credential for a credential that
/// decodes but is no signature under its group key (how a holder loads one it was given).
result<credential> decode_verified_credential(byte_view in);

/// Pseudonyms a verifier refuses to complete a handshake with. Bounded.
class revocation_list {
public:
  /// Most pseudonyms one list holds.
  static constexpr std::size_t max_size = 1'000'000;

  /// Adds a pseudonym; errc::too_large at max_size.
  status add(const hash256& pseudonym);
  /// Whether the pseudonym is revoked.
  bool contains(const hash256& pseudonym) const { return ids_.contains(pseudonym); }
  /// How many pseudonyms are revoked.
  std::size_t size() const { return ids_.size(); }

private:
  std::set<hash256> ids_;
};

} // namespace bfd::ush
