// A block with the hashes its validation computed, carried so that later steps (fork choice,
// votes, mempool pruning, the transaction index, storage, relay) never hash it again.
#pragma once

#include <memory>
#include <vector>

#include "chains/primitives/block.hpp"

namespace bfd {

/// A block and its digest: the header hash and each transaction's id and entry hash.
struct validated_block {
  std::shared_ptr<const block> blk;  ///< shared with the envelopes that carry it between actors
  hash256 hash;                      ///< header_hash(blk->header)
  std::vector<hash256> ids;          ///< signing_hash of each transaction, in order
  std::vector<hash256> entries;      ///< entry_hash of each transaction, in order

  const block_header& header() const noexcept { return blk->header; }
  const std::vector<transaction>& txs() const noexcept { return blk->txs; }
  /// The Merkle root of the carried entry hashes (what tx_root must equal).
  hash256 tx_root() const;
};

using validated_ptr = std::shared_ptr<const validated_block>;

/// Hashes the header and every transaction once.
validated_ptr digest_block(std::shared_ptr<const block> b);

} // namespace bfd
