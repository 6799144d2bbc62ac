// What a change of the best chain means for the blocks a node told its mempool were included: the
// reported blocks a reorg dropped, the transactions to give back and the senders whose next nonce
// the mempool must learn again. Pure: the chain actor calls it on every head change.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <vector>

#include "chains/primitives/validated_block.hpp"

namespace bfd {

/// The best-chain blocks above the final height that the mempool was told were included, by height.
using told_best_blocks = std::map<std::uint64_t, validated_ptr>;

/// The outcome of one head change for the mempool's bookkeeping.
struct best_chain_update {
  told_best_blocks told;                ///< the reported best-chain blocks after the change
  std::vector<hash256> included;        ///< ids of the transactions now on the best chain, in block order
  std::vector<validated_ptr> reverted;  ///< blocks that left the best chain, lowest height first
  std::vector<transaction> returned;    ///< their transactions not on the best chain again, in order
  std::set<public_key> senders;         ///< senders of included and reverted transactions
};

/// Applies a head change to `told`. `applied` are the blocks newly on the best chain, in the order
/// the engine applied them (a reorg inside one call may apply two blocks at one height: the later
/// one is on the best chain, the earlier one counts as reverted). A reported block leaves the best
/// chain when another block is now at its height or when it is above `head_height` (a reorg to a
/// shorter branch). Blocks at or below `final_height` are forgotten: no reorg can drop them.
best_chain_update update_told_best(told_best_blocks told, const std::vector<validated_ptr>& applied,
                                   std::uint64_t head_height, std::uint64_t final_height);

} // namespace bfd
