// The reference replay behind `bfd-node --replay-check`: executes a chain's stored final blocks
// again from its genesis in a fresh in-memory state and compares, height by height, the state
// root each block's header carries (what the node stored and served) with the root the replay
// computes, then the stored state at the head with the replayed one (docs/storage.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "chains/consensus/chain_state.hpp"
#include "chains/storage/kv_store.hpp"

namespace bfd {

/// One height the replay reached: the stored block's hash and the state root the replay computed
/// after it (equal to the header's, or the replay stops there with a problem).
struct replayed_height {
  std::uint64_t height = 0;
  hash256 block_hash;
  hash256 state_root;
  std::size_t txs = 0;
};

/// What the replay of one chain found.
struct replay_report {
  std::vector<std::string> notes;     ///< what was replayed and compared, one line each
  std::vector<std::string> problems;  ///< each mismatch, naming the height; none: storage equals the replay
  std::vector<replayed_height> heights;  ///< genesis first, then every height the replay reached
  bool sound() const noexcept { return problems.empty(); }
};

/// Replays chain `genesis.chain` of `store` (read-only use) from `genesis`: every stored block
/// from height 1 to the stored head is validated and executed (signatures verified) on a fresh
/// state; the first block the replay refuses, or whose header state root differs from the
/// replayed state, is a problem naming its height, and the replay stops there. At the head, the
/// stored state (accounts, consensus and module records, as a start restores them) must have
/// the replayed state root. A chain with no stored head is reported empty.
replay_report replay_chain(kv_store& store, const genesis_config& genesis);

} // namespace bfd
