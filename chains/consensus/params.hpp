// VM-DPoSW chain parameters: categories of compute power, slot timing, epochs, bids, work, rewards.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "chains/core/amount.hpp"

namespace bfd {

/// A compute-power category of VMs (e.g. gold, silver, bronze).
struct category_params {
  std::string name;
  std::uint32_t compute_weight = 1;     ///< blocks per slot, and block size multiplier
  std::uint32_t max_new_per_epoch = 0;  ///< per-period cap on new VMs; 0 = no cap
  std::uint32_t cluster_cap = 0;        ///< most members in a cluster; 0 = no cap
  friend bool operator==(const category_params&, const category_params&) = default;
};

/// Consensus parameters, fixed in the genesis state.
struct consensus_params {
  std::vector<category_params> categories;
  std::uint64_t genesis_time_ms = 0;    ///< start of global slot 0
  std::uint64_t slot_ms = 1000;         ///< length of one slot
  std::uint64_t rounds_per_epoch = 10;  ///< cluster re-selection period, in rounds
  amount min_bid = units_per_bfdt;      ///< smallest bid that buys a VM
  std::uint32_t work_bits = 0;          ///< leading zero bits the header hash needs; 0 = no work
  amount block_reward = 0;              ///< newly minted per block, to the producing VM
  std::uint32_t base_block_txs = 1000;  ///< block size limit = base_block_txs * compute_weight
  std::uint32_t miss_limit = 5;         ///< consecutive missed slots before demotion
  friend bool operator==(const consensus_params&, const consensus_params&) = default;
};

} // namespace bfd
