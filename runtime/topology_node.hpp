// Turns a topology file and a node name into what that node runs: the network's genesis (an
// "auto" genesis time is fixed by the genesis node and fetched, hash-checked, by the others), the
// chains and delegates it hosts ([[chains]]), where it listens, whom it dials and its HTTP endpoint.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/fwd.hpp>

#include "actors/http/http_bridge.hpp"
#include "runtime/chain_unit.hpp"
#include "runtime/dev_network.hpp"
#include "runtime/node.hpp"
#include "runtime/remote.hpp"

namespace spdlog {
class logger;
}

namespace bfd::runtime {

/// A bridge the topology places on this node ([[bridges]]).
struct planned_bridge {
  chain_id sidechain = 0;
  key_pair keys;  ///< from the entry's key_file (runtime::bridge_signing_key derives what it signs with)
};

/// Everything one node of a topology needs to start.
struct topology_plan {
  std::string node;
  genesis_config genesis;
  std::vector<delegate_identity> delegates;  ///< this node's mainchain delegates
  /// The chains this node hosts ([[chains]]; the mainchain first when hosted) with the delegates
  /// it runs on each (hash chains of that chain). node_options::chains.
  std::vector<hosted_chain> chains;
  /// Validators of hosted sidechains that no node runs (their node does not host the chain).
  std::vector<std::string> warnings;
  key_pair reporter;                         ///< the node's evidence key (kept in its data dir)
  /// The node's key for sidechain anchor transactions (anchor-key.json in the data directory).
  key_pair anchorer;
  std::string data_dir;
  std::string host;
  std::uint16_t port = 0;
  std::vector<peer_address> dial;            ///< later nodes of the file: this node dials them
  std::optional<http_options> http;
  std::vector<planned_bridge> bridges;       ///< the [[bridges]] this node runs
  link_security security = link_security::plain;
  /// The read cache ([cache]; nothing for backend = "off"), named after this node.
  std::optional<node_cache_options> cache;
};

/// The TLS settings of node `node_name`, or nothing for a plain-TCP network. A network uses TLS
/// on every node or on none: errc::invalid_argument names the nodes that break the rule.
result<std::optional<tls_settings>> topology_tls(const std::string& topology_path, const std::string& node_name);

/// Loads `topology_path` and plans node `node_name`. With an "auto" genesis time, a node other
/// than the genesis node waits (logging) until a peer serves its genesis block, rebuilds the
/// genesis with that time and checks the block hash; the result is kept in the data directory.
/// `dial` reaches a peer (through the node's peer gate); empty: CAF dials the peer's host:port.
result<topology_plan> plan_topology_node(caf::actor_system& system, const std::string& topology_path,
                                         const std::string& node_name, std::uint64_t now_ms,
                                         const std::shared_ptr<spdlog::logger>& log, const peer_dialer& dial = {});

} // namespace bfd::runtime
