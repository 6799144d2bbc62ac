// What a chain is, before it runs: its kind, name, token and validator-set rule, and the genesis
// a chain unit is built from. The mainchain's spec comes from its genesis file or topology; a
// sidechain's is derived from its entry in the mainchain's sidechain registry (deterministic:
// every node derives the same genesis, and the registry commits to its hash). Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chains/consensus/chain_state.hpp"

namespace bfd {

/// The kinds of chain (DESIGN.md section 4; the paper's section IV). Numbers are encoded: never renumber.
enum class chain_kind : std::uint8_t {
  mainchain = 0,
  system_service = 1,  ///< the data and lock store of one built-in DApp
  daos = 2,            ///< one fund or organisation
  ecosystem = 3,       ///< client smart contracts
  consortium = 4,      ///< an external chain's service usage, membership-gated
};

/// "mainchain", "system_service", "daos", "ecosystem", "consortium".
std::string_view to_string(chain_kind kind) noexcept;
/// The kind named `name` (the strings of to_string), or nothing.
std::optional<chain_kind> parse_chain_kind(std::string_view name) noexcept;

/// A sidechain's token. Symbol "BFDT": the chain holds pegged BFDT only (no genesis supply; value
/// arrives through the two-way peg). Any other symbol: the chain's own token, whose whole supply
/// is created at genesis by `allocations` (the fixed-supply rule; no block reward mints more).
struct token_rule {
  std::string symbol = "BFDT";
  std::vector<genesis_allocation> allocations;
  bool pegged_bfdt() const noexcept { return symbol == "BFDT"; }
  friend bool operator==(const token_rule&, const token_rule&) = default;
};

/// Which mainchain VMs validate a sidechain: `per_category[i]` VMs of category i, drawn from the
/// mainchain's active cluster at registration (the default rule: one per category).
struct validator_rule {
  std::vector<std::uint32_t> per_category;
  friend bool operator==(const validator_rule&, const validator_rule&) = default;
};

/// A sidechain's own consensus parameters (categories are the mainchain's).
struct sidechain_params {
  std::uint64_t slot_ms = 1000;
  std::uint64_t rounds_per_epoch = 10;
  std::uint32_t base_block_txs = 1000;
  std::uint32_t work_bits = 0;
  std::uint32_t miss_limit = 10;
  std::uint64_t anchor_interval = 10;  ///< anchor a final header on the mainchain every N blocks
  friend bool operator==(const sidechain_params&, const sidechain_params&) = default;
};

/// A sidechain's life on the mainchain registry.
enum class sidechain_status : std::uint8_t {
  registered = 0,  ///< known, not producing yet
  active = 1,      ///< producing; anchored
  ceased = 2,      ///< nothing new is produced; what was pegged in stays claimable on the mainchain
};
std::string_view to_string(sidechain_status s) noexcept;

/// A sidechain as registered: everything its genesis is derived from.
struct sidechain_entry {
  chain_id id = 0;
  chain_kind kind = chain_kind::daos;
  std::string name;
  token_rule token;
  validator_rule rule;
  sidechain_params params;
  /// The validators (mainchain VM keys, their category there, an equal bid on the sidechain,
  /// and a hash-chain tip committed for this chain).
  std::vector<genesis_vm> validators;
  std::uint64_t genesis_time_ms = 0;
  friend bool operator==(const sidechain_entry&, const sidechain_entry&) = default;
};

/// A chain ready to be built into a chain unit.
struct chain_spec {
  chain_id id = mainchain_id;
  chain_kind kind = chain_kind::mainchain;
  std::string name;
  std::string token_symbol = "BFDT";
  genesis_config genesis;
};

/// The mainchain's spec around its genesis.
chain_spec mainchain_spec(genesis_config genesis, std::string name = "mainchain");

/// A sidechain's spec: its genesis takes the mainchain's categories and min bid, the entry's
/// parameters, validators and token allocations; no block reward. A DAOS sidechain also has the
/// DS metadata module, and access control with its first allocation's holder as global admin
/// (when it has allocations). Deterministic.
chain_spec sidechain_spec(const sidechain_entry& entry, const consensus_params& mainchain);

} // namespace bfd
