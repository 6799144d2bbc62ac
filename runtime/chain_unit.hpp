// A chain unit: one chain's actors on a node (engine, chain actor, mempool, the delegates this
// node hosts for it), built from a chain spec over the node's shared store, verifiers and clock.
// A node is a set of chain units (runtime/node.hpp); each chain keeps its own store space.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <optional>
#include <vector>

#include <caf/fwd.hpp>

#include "actors/clock.hpp"
#include "actors/delegate/delegate_actor.hpp"
#include "actors/peer_conduct.hpp"
#include "actors/verified_cache.hpp"
#include "actors/verifier/verifier_actor.hpp"
#include "chains/consensus/chain_engine.hpp"
#include "chains/sidechain/chain_spec.hpp"
#include "chains/storage/kv_store.hpp"
#include "protocols/directory.hpp"
#include "runtime/dev_network.hpp"
#include "runtime/supervisor.hpp"

namespace spdlog {
class logger;
}

namespace bfd::runtime {

/// Faults to inject into hosted delegates (by index into the hosted delegates).
struct injected_fault {
  std::size_t delegate = 0;
  bool equivocate_once = false;
};

/// A chain and the delegates a node hosts for it (their hash chains are this chain's:
/// delegate_hash_chain(keys, length, spec.id)).
struct hosted_chain {
  chain_spec spec;
  std::vector<delegate_identity> delegates;
};

/// What a chain unit is built from; everything but `chain` is shared by the node's units.
struct chain_unit_options {
  hosted_chain chain;
  /// The engine, if already opened (the node opens every chain before checking signing records);
  /// nullptr: the unit opens it from `store`.
  std::shared_ptr<chain_engine> engine;
  std::shared_ptr<kv_store> store;  ///< nullptr: memory only
  std::shared_ptr<const clock> time;
  std::shared_ptr<spdlog::logger> log;
  std::optional<key_pair> reporter;
  bool self_ticking = true;
  std::vector<injected_fault> faults;
  std::vector<std::shared_ptr<delegate_switches>> switches;
  std::shared_ptr<verified_cache> verified;
  std::vector<verifier_actor> verifiers;
  std::size_t mempool_max_per_sender = 1'000;  ///< the mempool's bound per sender
  /// Peer nodes' offences on this chain's actors (actors/peer_conduct.hpp); nullptr: not counted.
  std::shared_ptr<peer_conduct> conduct;
  /// The read cache's invalidation (chain_actor_config::invalidate); empty: none.
  std::function<void(const std::vector<std::string>&)> invalidate;
  std::function<void(char, std::uint64_t)> advanced;  ///< chain_actor_config::advanced
  /// Set: the unit's actors run under it, each behind a front (docs/supervision.md); nullptr:
  /// plain actors that nothing restarts (bfd-sim, whose runs must repeat exactly).
  const supervisor* sup = nullptr;
};

/// One chain's running actors.
class chain_unit {
public:
  /// Opens (or creates) the chain in the store (unless given its engine) and spawns its actors.
  static result<std::unique_ptr<chain_unit>> start(caf::actor_system& system, chain_unit_options options);
  ~chain_unit();
  chain_unit(const chain_unit&) = delete;
  chain_unit& operator=(const chain_unit&) = delete;

  chain_id id() const noexcept { return options_.chain.spec.id; }
  const chain_spec& spec() const noexcept { return options_.chain.spec; }
  /// The handles the unit's actors are reached by (their fronts when supervised).
  const chain_actor& chain() const noexcept { return chain_; }
  const mempool_actor& mempool() const noexcept { return mempool_; }
  const std::vector<delegate_actor>& delegates() const noexcept { return delegates_; }
  /// What the node directory holds for this chain.
  chain_handles handles() const;

  /// Starts one more delegate for this chain (a VM that joins later).
  delegate_actor add_delegate(const delegate_identity& identity, std::shared_ptr<delegate_switches> switches = nullptr);

  /// Stops the unit's delegates, keeping its chain actor and mempool queryable (a ceased
  /// sidechain: nothing new is produced here). Idempotent.
  void stop_delegates();
  /// Whether stop_delegates() (or stop()) ran.
  bool producing() const noexcept { return !delegates_stopped_; }

  /// Stops every actor of the unit (idempotent).
  void stop();

private:
  chain_unit(caf::actor_system& system, chain_unit_options options) : system_(system), options_(std::move(options)) {}
  delegate_actor spawn_one(const delegate_identity& identity, std::shared_ptr<delegate_switches> switches,
                           bool equivocate_once);
  /// Spawns an actor of the unit, under the supervisor when there is one: its front then.
  caf::actor place(std::string name, std::function<caf::actor(caf::actor_system&)> start,
                   decltype(supervised_child::probe) probe, sticky_rule rule = {});
  /// Stops an actor placed by place().
  void unplace(const std::string& name, const caf::actor& handle);
  caf::actor_system& system_;
  chain_unit_options options_;
  std::vector<std::string> delegate_names_;
  chain_actor chain_;
  mempool_actor mempool_;
  std::vector<delegate_actor> delegates_;
  bool stopped_ = false;
  bool delegates_stopped_ = false;
};

} // namespace bfd::runtime
