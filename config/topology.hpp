// Topology files: which nodes a network has, where every delegate and HTTP endpoint runs, and the
// genesis they share. Plain structs and a TOML loader whose errors name file:line:column.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "chains/consensus/chain_state.hpp"
#include "chains/core/error.hpp"
#include "chains/sidechain/chain_spec.hpp"

namespace bfd::config {

/// Where something was written in a topology file (line and column count from 1).
struct file_position {
  std::string file;
  std::uint32_t line = 0;
  std::uint32_t column = 0;

  /// "config/local.toml:12:5", the prefix of every loader error.
  std::string to_string() const;
};

/// TLS files of a node's CAF listener (caf::openssl); paths resolved against the topology's directory.
struct tls_files {
  std::string cert;
  std::string key;
  std::string ca;
};

/// A process of the network: its CAF middleman listener and where it keeps its state.
struct node_spec {
  std::string name;
  std::string host;
  std::uint16_t port = 0;
  std::string data_dir;             ///< as written: relative paths are relative to bfd-node's working directory
  std::optional<tls_files> tls;     ///< absent: plain TCP
  file_position where;              ///< the node's [[nodes]] header
};

/// A delegate (genesis VM) and the node that runs it. Its public key and hash-chain tip are public
/// data of the topology; its secret stays in `key_file`, which only the node that runs it reads.
struct delegate_spec {
  std::string node;
  public_key key;                   ///< the VM's x-only public key (`public_key`)
  hash256 hash_chain_tip;           ///< the VM's hash-chain commitment (`hash_chain_tip`)
  std::string key_file;             ///< resolved against the topology's directory; empty when not given
  std::string category;             ///< category name; empty when the genesis comes from a genesis file
  std::uint32_t category_index = 0; ///< the category's number in the genesis parameters
  amount bid = 0;                   ///< locked at genesis; 0 when the genesis comes from a genesis file
  file_position where;              ///< the delegate's [[delegates]] header
  file_position key_file_where;     ///< the `key_file` value (the header when absent)
  file_position public_key_where;   ///< the `public_key` value
  file_position hash_chain_tip_where; ///< the `hash_chain_tip` value
};

/// A genesis allocation: an address, given directly or through a key file, and its balance.
struct account_spec {
  std::optional<bfd::address> address;  ///< set when the file gives `address`
  std::string key_file;                  ///< set when the file gives `key_file` (resolved); the runtime
                                         ///< reads the address from it
  amount value = 0;
  file_position where;                   ///< the account's [[accounts]] header
};

/// An HTTP bridge endpoint and the node that serves it.
struct http_spec {
  std::string node;
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;
  file_position where;
};

/// Genesis parameters written in the topology itself ([network.genesis]).
struct inline_genesis {
  consensus_params params;           ///< params.genesis_time_ms is 0 when auto_genesis_time
  bool auto_genesis_time = false;    ///< genesis_time_ms = "auto": fixed when the network first starts
  /// registry_authority: the mainchain then has the sidechain registry module, its [[chains]]
  /// sidechains registered and active from the genesis, and this key alone registers more.
  std::optional<public_key> registry_authority;
  /// peg = true: the mainchain has the peg module (it needs the registry), so every sidechain's
  /// genesis carries the peg with a light client of the mainchain (docs/peg.md).
  bool peg = false;
};

/// The [network] section.
struct network_spec {
  std::string name;
  chain_id chain = mainchain_id;
  std::string genesis_file;              ///< resolved; set exactly when `genesis` is not
  std::optional<inline_genesis> genesis; ///< set exactly when `genesis_file` is empty
};

/// A validator of a sidechain: a mainchain VM (a [[delegates]] key) with the hash-chain tip it
/// committed for this chain, and the node that runs its delegate on this chain.
struct chain_validator_spec {
  public_key key;
  hash256 hash_chain_tip;           ///< delegate_hash_chain(keys, length, chain id)'s tip
  std::uint32_t category_index = 0; ///< its mainchain category (inline genesis; else filled by the runtime)
  /// The node that runs it on this chain: the `delegates` override, else the node of its
  /// [[delegates]] entry if that node hosts the chain; empty: no node runs it.
  std::string node;
  bool placed_explicitly = false;   ///< `node` comes from the chain's `delegates` table
  file_position where;              ///< the validator's entry in `validators`
  file_position tip_where;          ///< its `hash_chain_tip`
  file_position placed_where;       ///< the override (the entry when not overridden)
};

/// A sidechain of [[chains]]: what its genesis is derived from, and which nodes host a replica.
struct chain_topology_spec {
  chain_id id = 0;
  chain_kind kind = chain_kind::daos;
  std::string name;
  token_rule token;
  validator_rule rule;                       ///< `rule`, or the validators' count per category
  std::vector<chain_validator_spec> validators;
  /// Parameters not written take the mainchain's (slot_ms, rounds_per_epoch, base_block_txs,
  /// work_bits, miss_limit); anchor_interval defaults to sidechain_params{}'s.
  std::optional<std::uint64_t> slot_ms, rounds_per_epoch;
  std::optional<std::uint32_t> base_block_txs, work_bits, miss_limit;
  std::optional<std::uint64_t> anchor_interval;
  std::vector<std::string> nodes;            ///< the nodes that host a replica, as written
  file_position where;                       ///< the [[chains]] header
  file_position nodes_where;                 ///< the `nodes` value

  bool hosted_on(std::string_view node) const;
};

/// A [[bridges]] entry: the bridge of pair (mainchain, `sidechain`), run by each of `nodes`
/// (each hosts both chains) as a supervised actor signing with a key derived from `key_file`.
struct bridge_spec {
  chain_id sidechain = 0;
  std::vector<std::string> nodes;
  std::string key_file;             ///< resolved; only the nodes that run the bridge read it
  file_position where;              ///< the [[bridges]] header
  file_position key_file_where;     ///< the `key_file` value
};

/// A loaded and validated topology file.
/// The read cache in front of every node's service-request reads ([cache], docs/cache.md).
struct cache_spec {
  std::string backend = "ring";  ///< "ring" (shard actors on every node), "redis" or "off"
  std::string redis_host;        ///< backend "redis": the server every node uses
  std::uint16_t redis_port = 0;
  std::uint32_t shards_per_node = 1;
  std::uint64_t max_entries = 10'000;  ///< per shard
  std::uint64_t max_mb = 16;           ///< per shard
  std::uint64_t ttl_seconds = 60;      ///< the safety net on every entry
  std::uint32_t timeout_ms = 200;      ///< per shard request or Redis command; then a miss
  file_position where;                 ///< the [cache] header
};

struct topology {
  std::string source;      ///< the file name used in messages
  std::string base_dir;    ///< directory that relative input paths were resolved against
  network_spec network;
  std::vector<node_spec> nodes;
  std::vector<delegate_spec> delegates;
  std::vector<account_spec> accounts;
  std::vector<http_spec> http;
  /// The nodes that host the mainchain: every node, unless a [[chains]] entry with the network's
  /// chain_id lists them.
  std::vector<std::string> mainchain_nodes;
  std::vector<chain_topology_spec> chains;   ///< the sidechains, in file order
  std::vector<bridge_spec> bridges;          ///< [[bridges]], in file order
  cache_spec cache;                          ///< [cache]; absent: the defaults (the ring)

  /// The node named `name`, or nullptr.
  const node_spec* find_node(std::string_view name) const;

  /// Indexes (into `delegates`) of the delegates that `node` runs, in file order.
  std::vector<std::size_t> delegates_on(std::string_view node) const;

  /// The HTTP endpoint that `node` serves, or nullptr.
  const http_spec* http_on(std::string_view node) const;

  /// Whether `node` hosts the mainchain.
  bool hosts_mainchain(std::string_view node) const;

  /// Indexes (into `chains`) of the sidechains `node` hosts, in file order.
  std::vector<std::size_t> chains_on(std::string_view node) const;

  /// Indexes (into `bridges`) of the bridges `node` runs, in file order.
  std::vector<std::size_t> bridges_on(std::string_view node) const;

  /// The node that fixes an "auto" genesis time: the first one in [[nodes]].
  const node_spec& genesis_node() const { return nodes.front(); }
};

/// Parses and validates a topology from text; `source_name` names it in errors and its directory
/// is where relative key, genesis and TLS paths are resolved. Touches no file. Every problem is
/// reported (one per line, in file order) in one errc::invalid_argument error.
result<topology> parse_topology(std::string_view text, const std::string& source_name);

/// Reads `path` and parses it like parse_topology, then checks that the input files exist:
/// account key files, the genesis file, TLS certificates and CA files, and the TLS private key of
/// node `node` (of every node when `node` is empty); errc::io if `path` cannot be read. Delegate
/// key files are not checked here: only the node that runs a delegate has its key file, and the
/// runtime reads it there.
result<topology> load_topology(const std::string& path, std::string_view node = {});

/// The genesis time an "auto" topology gets when its genesis node first starts at `now_ms`:
/// the next whole second, as `bfd-node --dev` does.
std::uint64_t auto_genesis_time(std::uint64_t now_ms);

/// Builds the genesis of a topology with inline genesis parameters from its delegates' public keys
/// and hash-chain tips, VMs sorted by key and allocations by address (file order does not
/// matter). `account_addresses` follow the topology's order (an account's address is the one the
/// file gives, or its key file's); `genesis_time_ms` is used only when the topology says "auto".
/// Errors (errc::invalid_argument) name the file position of the account at fault.
result<genesis_config> make_genesis_config(const topology& t,
                                           std::span<const bfd::address> account_addresses,
                                           std::uint64_t genesis_time_ms);

/// The registry entry of sidechain `c` (the input of sidechain_spec) under the mainchain genesis
/// `mainchain`: validators take their category there and an equal bid of its min_bid, parameters
/// not written take the mainchain's, and the genesis time is the mainchain's. Errors
/// (errc::invalid_argument) name the validator that is not a VM of `mainchain`.
result<sidechain_entry> make_sidechain_entry(const chain_topology_spec& c, const genesis_config& mainchain);

} // namespace bfd::config
