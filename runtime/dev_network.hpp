// The --dev network: a whole single-process chain with generated keys, funded dev accounts and
// a genesis kept in the data directory, so a second start resumes the same chain.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "chains/consensus/chain_state.hpp"
#include "chains/consensus/hash_chain.hpp"

namespace bfd::runtime {

/// Shape of a generated dev network (used only when the data directory is new).
struct dev_options {
  std::string data_dir = "bfd-data";
  std::uint32_t delegates = 21;       ///< spread over gold, silver, bronze
  std::uint32_t accounts = 10;        ///< funded dev accounts
  std::uint64_t slot_ms = 1000;
  std::uint64_t rounds_per_epoch = 10;
  std::uint32_t work_bits = 8;
  std::uint32_t base_block_txs = 2000;  ///< block size limit of a weight-1 block (x weight)
  /// How many of the seven dev sidechains (ids 2..8) the mainchain's registry holds from its
  /// genesis (used when the data directory is created).
  std::uint32_t sidechains = 7;
};

/// A delegate's key and its hash chain.
struct delegate_identity {
  key_pair keys;
  std::shared_ptr<const hash_chain> reveals;
};

/// What a node needs to run the dev network.
struct dev_network {
  genesis_config genesis;
  std::vector<delegate_identity> delegates;
  std::vector<key_pair> accounts;
  key_pair reporter;  ///< the node's key for evidence transactions
  key_pair anchorer;  ///< the node's key for sidechain anchor transactions (keys/anchor.json)
  key_pair bridge;    ///< signs the peg bridge's deliveries (keys/bridge.json)
  /// The registry authority (keys/registry.json): registers, activates and ceases sidechains.
  key_pair registry_authority;
  bool created = false;  ///< true when this call generated the data directory
};

/// Steps in a delegate's hash chain: one reveal per round it produces in. The tip depends on it,
/// so it is part of every published commitment (topology `hash_chain_tip`, `bfd-cli key show
/// --delegate`): changing it changes every delegate's tip, and so the genesis.
inline constexpr std::uint64_t delegate_hash_chain_length = 1u << 16;

/// The hash chain of a delegate key on chain `chain`: seed = tagged_hash(reveal, secret || public
/// key) on the mainchain, tagged_hash(reveal, secret || public key || chain id, 4 bytes big-endian)
/// on any other chain, so a delegate signing on several chains reveals from a distinct chain on
/// each; tip = H^length(seed). Only the key's holder can compute it; the tip is public.
std::shared_ptr<const hash_chain> delegate_hash_chain(const key_pair& keys,
                                                      std::uint64_t length = delegate_hash_chain_length,
                                                      chain_id chain = mainchain_id);

/// Loads the dev network from `options.data_dir`, or generates it there (keys under keys/,
/// genesis.json) with genesis at `now_ms` rounded up to a whole second.
result<dev_network> prepare_dev_network(const dev_options& options, std::uint64_t now_ms);

} // namespace bfd::runtime
