// A node: the chain units this process hosts (runtime/chain_unit.hpp), the directory that lists
// them, the signature verifiers they share and, optionally, the HTTP bridge. bfd-node, bfd-sim
// and the tests all start chains this way.
#pragma once

#include <map>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <caf/fwd.hpp>

#include "actors/cache/read_cache.hpp"
#include "actors/clock.hpp"
#include "actors/delegate/delegate_actor.hpp"
#include "actors/verifier/verifier_actor.hpp"
#include "actors/http/http_bridge.hpp"
#include "actors/peer_conduct.hpp"
#include "actors/restart_counts.hpp"
#include "chains/storage/kv_store.hpp"
#include "protocols/directory.hpp"
#include "protocols/interfaces.hpp"
#include "runtime/chain_unit.hpp"
#include "runtime/dev_network.hpp"
#include "runtime/supervisor.hpp"

namespace spdlog {
class logger;
}

namespace bfd::runtime {

/// The read cache in front of the node's service-request reads (docs/cache.md).
struct node_cache_options {
  std::string node = "dev";  ///< this node's name: its shards are "NODE/0", "NODE/1"...
  std::size_t shards = 1;    ///< shard actors this node runs (ring mode; 0: it only reads others')
  cache::cache_limits limits;
  ring_cache_options ring;
  /// Set: the Redis backend (no shard actors); its namespace, when empty, is "bfd:" and the
  /// first 16 hex digits of the first chain's genesis block hash.
  std::optional<redis_cache_options> redis;
};

/// How to assemble a node.
struct node_options {
  /// The chains to host, the node's first chain (normally the mainchain) first. Empty: the
  /// mainchain of `genesis` with `delegates`.
  std::vector<hosted_chain> chains;
  genesis_config genesis;
  std::vector<delegate_identity> delegates;  ///< the delegates this node hosts (with `genesis`)
  std::optional<key_pair> reporter;
  std::shared_ptr<kv_store> store;           ///< nullptr: a memory store
  std::shared_ptr<const clock> time;
  bool self_ticking = true;                  ///< delegates wake themselves (wall-clock mode)
  std::vector<injected_fault> faults;        ///< for the first chain's delegates
  /// Per delegate of the first chain (by index; may be shorter or hold nullptr): switches to
  /// fault it while it runs.
  std::vector<std::shared_ptr<delegate_switches>> switches;
  std::shared_ptr<spdlog::logger> log;
  std::optional<http_options> http;          ///< serve the first chain's HTTP API once the actors run
  std::size_t verifiers = 2;                 ///< signature-verifier actors (0: the mempools verify)
  /// Each chain's mempool bound on one sender's pending transactions (tests lower it).
  std::size_t mempool_max_per_sender = 1'000;
  /// The read cache; nothing: reads go to the chains uncached.
  std::optional<node_cache_options> cache;
  /// Every actor of the node under one supervisor, behind fronts (docs/supervision.md); false:
  /// plain actors that nothing restarts (bfd-sim, whose runs must repeat exactly).
  bool supervised = true;
  /// When a peer node's offences disconnect it (actors/peer_conduct.hpp; the log is set from `log`).
  peer_conduct_options conduct;
  /// Where restarts are counted (restarts()); nullptr: a count of the node's own. bfd-node
  /// passes the one its other supervisors (the peer gate's, the loops') count in too.
  std::shared_ptr<restart_counts> restarts;
};

/// The running actors of a node.
class node {
public:
  /// Opens (or creates) every chain in the store, checks the delegates' signing records against
  /// them, and spawns the units, the directory, the verifiers and the HTTP bridge.
  static result<std::unique_ptr<node>> start(caf::actor_system& system, node_options options);
  ~node();

  /// The first chain's actors (the mainchain on a node that hosts it).
  const chain_actor& chain() const noexcept { return first()->chain(); }
  const mempool_actor& mempool() const noexcept { return first()->mempool(); }
  const std::vector<delegate_actor>& delegates() const noexcept { return first()->delegates(); }
  /// The HTTP API, or nullptr when node_options::http was not set.
  const http_bridge* http() const noexcept { return http_.get(); }

  /// chain id -> the handles of every chain hosted here; what the node publishes.
  const directory_actor& directory() const noexcept { return directory_; }
  /// The unit of chain `id`, or nullptr when this node does not host it.
  chain_unit* unit(chain_id id) const;
  /// The ids of the hosted chains, in order.
  std::vector<chain_id> chain_ids() const;

  /// Starts a unit for one more chain (a sidechain registered while the node runs) and lists it
  /// in the directory. Fails if the chain is hosted already or its store disagrees.
  result<chain_unit*> add_chain(const chain_spec& spec, std::vector<delegate_identity> delegates);
  /// Stops chain `id`'s unit and removes it from the directory (not the first chain).
  status stop_chain(chain_id id);

  /// Starts one more delegate of the first chain on this node (a VM that joins later).
  delegate_actor add_delegate(caf::actor_system& system, const delegate_identity& identity,
                              std::shared_ptr<delegate_switches> switches = nullptr);

  /// The supervisor of the node's actors (nullptr when node_options::supervised was false):
  /// monitor its handle() to learn that it gave up (the node must then stop).
  const supervisor* supervision() const noexcept { return sup_.get(); }

  /// Restarts of the node's supervised actors (runtime/supervisor.hpp), shown on /metrics.
  const std::shared_ptr<restart_counts>& restarts() const noexcept { return restarts_; }
  /// The service triage's health reports by outcome (runtime/service_triage.hpp), on /metrics.
  const std::shared_ptr<named_counts>& triage_reports() const noexcept { return triage_reports_; }
  /// Peer nodes' offences, disconnects and refusals; the runtime sets how links are closed.
  const std::shared_ptr<peer_conduct>& conduct() const noexcept { return conduct_; }

  /// The read cache, or nullptr when node_options::cache was not set.
  const std::shared_ptr<read_cache>& cache() const noexcept { return cache_; }
  /// The cache shard actors this node runs (ring mode).
  const std::vector<cache_shard>& cache_shards() const noexcept { return shards_; }

  /// Stops every actor of the node (the actor system can then shut down).
  void stop();

private:
  explicit node(caf::actor_system& system) : system_(system) {}
  chain_unit* first() const { return units_.at(first_).get(); }
  chain_unit_options unit_options(hosted_chain chain) const;
  /// Spawns a node-wide actor, under the supervisor when there is one: its front then.
  caf::actor place(std::string name, std::function<caf::actor(caf::actor_system&)> start,
                   decltype(supervised_child::probe) probe, sticky_rule rule = {});
  caf::actor_system& system_;
  chain_id first_ = mainchain_id;
  std::unique_ptr<supervisor> sup_;  // before the units: they remove their actors from it
  std::map<chain_id, std::unique_ptr<chain_unit>> units_;
  directory_actor directory_;
  // Each hosted chain's parameters, read by the HTTP bridge's threads (hence the lock).
  struct params_table {
    std::mutex lock;
    std::map<chain_id, consensus_params> params;
  };
  std::shared_ptr<params_table> params_ = std::make_shared<params_table>();
  void note_params(chain_id id, const consensus_params* p);
  std::shared_ptr<verified_cache> verified_;
  std::vector<verifier_actor> verifiers_;
  std::unique_ptr<http_bridge> http_;
  std::shared_ptr<restart_counts> restarts_ = std::make_shared<restart_counts>();
  std::shared_ptr<named_counts> triage_reports_ = std::make_shared<named_counts>();
  std::shared_ptr<read_cache> cache_;
  std::shared_ptr<peer_conduct> conduct_;
  std::vector<cache_shard> shards_;
  node_options options_;  // the shared settings (clock, store, log) every unit is built with
};

/// The CAF settings every bfd process uses: vocabulary registered, scheduler sized to the box.
void configure_actor_system(caf::actor_system_config& cfg, std::size_t threads = 2);

} // namespace bfd::runtime
