// Finality votes signed by delegates (Casper-FFG style, as BEP-126 adds to a DPoS chain), the
// certificates built from them, and the two slashable offences between two votes.
#pragma once

#include <cstdint>
#include <vector>

#include "chains/codec/canonical.hpp"
#include "chains/consensus/cluster.hpp"
#include "chains/primitives/transaction.hpp"

namespace bfd {

/// A delegate's signed finality vote: a link from `source` (a justified ancestor, at
/// `source_height`) to the target `block` at `height` of `chain`. The type keeps its historical
/// name; docs call it a vote.
struct confirmation {
  chain_id chain = mainchain_id;
  std::uint64_t source_height = 0;
  hash256 source;
  std::uint64_t height = 0;  ///< target height
  hash256 block;             ///< target block
  public_key signer;
  signature sig;
  friend bool operator==(const confirmation&, const confirmation&) = default;
};

/// The hash a vote signs: tagged "bfd/confirm" over [version, chain, source height, source,
/// target height, target].
hash256 confirmation_hash(const confirmation& c);
void sign_confirmation(confirmation& c, const key_pair& keys, const hash256& aux);
bool verify_confirmation(const confirmation& c);

/// The two offences: two different votes for one target height, or one vote's span strictly
/// inside the other's. Both votes must be by the same signer on the same chain.
enum class vote_offence { none, double_vote, surround_vote };
vote_offence vote_conflict(const confirmation& a, const confirmation& b) noexcept;

/// One signer of a certificate.
struct certificate_signature {
  public_key signer;
  signature sig;
  friend bool operator==(const certificate_signature&, const certificate_signature&) = default;
};

/// A justification link carrying more than 2/3 of the target cluster's power: votes from
/// `source` (height `source_height`) to `block` (height `height`). When `height` is
/// `source_height + 1` it proves `source` final. `cluster` names the cluster whose power it
/// counts (cluster_hash of the target's cluster).
struct finality_certificate {
  chain_id chain = mainchain_id;
  std::uint64_t source_height = 0;
  hash256 source;
  std::uint64_t height = 0;  ///< target height
  hash256 block;             ///< target block
  hash256 cluster;           ///< cluster_hash of the cluster that signed
  std::vector<certificate_signature> signatures;
  /// The block this certificate proves final, if it is a finality proof (direct child link).
  bool proves_final() const noexcept { return height == source_height + 1; }
  friend bool operator==(const finality_certificate&, const finality_certificate&) = default;
};

/// Commits to a cluster's members (key, category, power) in order and its power.
hash256 cluster_hash(const cluster& c);

/// Checks every signature, that signers are distinct members of `signers_cluster`, that the
/// certificate names that cluster, and that their power is more than 2/3 of the cluster's.
/// What light clients run; trusts nothing in the certificate.
status verify_certificate(const finality_certificate& cert, const cluster& signers_cluster);

namespace codec {
void encode(const confirmation& c, bytes& out);
bytes encode(const confirmation& c);
result<confirmation> decode_confirmation(byte_view in);
void encode(const finality_certificate& c, bytes& out);
bytes encode(const finality_certificate& c);
result<finality_certificate> decode_certificate(byte_view in);
} // namespace codec

} // namespace bfd
