// Blocks: a signed header committing to the transactions, the resulting state and the outbox.
#pragma once

#include <cstdint>
#include <vector>

#include "chains/primitives/transaction.hpp"

namespace bfd {

/// A block header. Encoded as a canonical msgpack array (docs/formats.md).
struct block_header {
  /// Encoding version written first; decoders reject other versions.
  static constexpr std::uint64_t format_version = 1;

  chain_id chain = mainchain_id;
  std::uint64_t height = 0;
  std::uint64_t round = 0;
  std::uint64_t slot = 0;          ///< slot index within the round
  public_key producer;             ///< the producing delegate's key
  hash256 parent;                  ///< hash of the previous header (zero at genesis)
  std::uint64_t timestamp_ms = 0;  ///< producer's clock, milliseconds since the Unix epoch
  hash256 tx_root;                 ///< Merkle root of the transactions' entry hashes
  hash256 state_root;              ///< state root after applying the block
  hash256 outbox_root;             ///< Merkle root of the cross-chain messages emitted
  hash256 reveal;                  ///< the producer's hash-chain reveal for this round
  std::uint64_t work_nonce = 0;    ///< varied until the header hash meets the difficulty
  signature sig;                   ///< producer's signature over the header hash

  friend bool operator==(const block_header&, const block_header&) = default;
};

/// The header hash: tagged "bfd/block" over the encoding without the signature.
/// It identifies the block, is what the producer signs and what the work check reads.
hash256 header_hash(const block_header& header);

/// Signs the header hash with the producer key (sets header.producer first).
void sign_header(block_header& header, const key_pair& keys, const hash256& aux);

/// Checks the producer's signature.
bool verify_header_signature(const block_header& header);

/// A block: header plus its transactions in order.
struct block {
  block_header header;
  std::vector<transaction> txs;
  friend bool operator==(const block&, const block&) = default;
};

/// The transaction ids of a block, in order.
std::vector<hash256> transaction_ids(const block& b);

/// The Merkle root of the block's transactions (over their entry hashes, signatures included).
hash256 transactions_root(const block& b);

} // namespace bfd
