// Block confirmations signed by delegates, and finality certificates built from them.
#pragma once

#include <cstdint>
#include <vector>

#include "chains/codec/canonical.hpp"
#include "chains/consensus/cluster.hpp"
#include "chains/primitives/transaction.hpp"

namespace bfd {

/// A delegate's signed statement that it validated `block` at `height` of `chain`.
struct confirmation {
  chain_id chain = mainchain_id;
  std::uint64_t height = 0;
  hash256 block;
  public_key signer;
  signature sig;
  friend bool operator==(const confirmation&, const confirmation&) = default;
};

/// The hash a confirmation signs: tagged "bfd/confirm" over [version, chain, height, block].
hash256 confirmation_hash(const confirmation& c);
void sign_confirmation(confirmation& c, const key_pair& keys, const hash256& aux);
bool verify_confirmation(const confirmation& c);

/// One signer of a certificate.
struct certificate_signature {
  public_key signer;
  signature sig;
  friend bool operator==(const certificate_signature&, const certificate_signature&) = default;
};

/// Confirmations of one block carrying more than 2/3 of its cluster's power.
struct finality_certificate {
  chain_id chain = mainchain_id;
  std::uint64_t height = 0;
  hash256 block;
  std::vector<certificate_signature> signatures;
  friend bool operator==(const finality_certificate&, const finality_certificate&) = default;
};

/// Checks every signature, that signers are distinct cluster members, and that their power is
/// more than 2/3 of the cluster's. What light clients run; trusts nothing in the certificate.
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
