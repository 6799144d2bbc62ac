// A node: the actors of one chain on this process (chain, mempool, delegates), assembled from a
// genesis, keys, a store and a clock. bfd-node, bfd-sim and the tests all start chains this way.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/fwd.hpp>

#include "actors/clock.hpp"
#include "actors/delegate/delegate_actor.hpp"
#include "actors/verifier/verifier_actor.hpp"
#include "actors/http/http_bridge.hpp"
#include "chains/storage/kv_store.hpp"
#include "protocols/interfaces.hpp"
#include "runtime/dev_network.hpp"

namespace spdlog {
class logger;
}

namespace bfd::runtime {

/// Faults to inject into hosted delegates (by index into `delegates`).
struct injected_fault {
  std::size_t delegate = 0;
  bool equivocate_once = false;
};

/// How to assemble a node.
struct node_options {
  genesis_config genesis;
  std::vector<delegate_identity> delegates;  ///< the delegates this node hosts
  std::optional<key_pair> reporter;
  std::shared_ptr<kv_store> store;           ///< nullptr: a memory store
  std::shared_ptr<const clock> time;
  bool self_ticking = true;                  ///< delegates wake themselves (wall-clock mode)
  std::vector<injected_fault> faults;
  /// Per delegate (by index; may be shorter or hold nullptr): switches to fault it while it runs.
  std::vector<std::shared_ptr<delegate_switches>> switches;
  std::shared_ptr<spdlog::logger> log;
  std::optional<http_options> http;          ///< serve the HTTP API once the actors run
  std::size_t verifiers = 2;                 ///< signature-verifier actors (0: the mempool verifies)
};

/// The running actors of a node.
class node {
public:
  /// Opens (or creates) the chain in the store and spawns its actors.
  static result<std::unique_ptr<node>> start(caf::actor_system& system, node_options options);
  ~node();

  const chain_actor& chain() const noexcept { return chain_; }
  const mempool_actor& mempool() const noexcept { return mempool_; }
  const std::vector<delegate_actor>& delegates() const noexcept { return delegates_; }
  /// The HTTP API, or nullptr when node_options::http was not set.
  const http_bridge* http() const noexcept { return http_.get(); }

  /// Starts one more delegate on this node (a VM that joins later).
  delegate_actor add_delegate(caf::actor_system& system, const delegate_identity& identity,
                              std::shared_ptr<delegate_switches> switches = nullptr);

  /// Stops every actor of the node (the actor system can then shut down).
  void stop();

private:
  node() = default;
  delegate_actor spawn_one(caf::actor_system& system, const delegate_identity& identity,
                           std::shared_ptr<delegate_switches> switches, bool equivocate_once);
  chain_actor chain_;
  mempool_actor mempool_;
  std::vector<delegate_actor> delegates_;
  std::vector<verifier_actor> verifiers_;
  std::unique_ptr<http_bridge> http_;
  node_options options_;  // what add_delegate needs (clock, store, parameters, log)
};

/// The CAF settings every bfd process uses: vocabulary registered, scheduler sized to the box.
void configure_actor_system(caf::actor_system_config& cfg, std::size_t threads = 2);

} // namespace bfd::runtime
