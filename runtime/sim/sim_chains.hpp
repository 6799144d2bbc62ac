// bfd-sim's sidechains: the [[sidechain]] entries of a scenario run as chain units on every
// simulated node, beside the mainchain the runner drives (runtime/sim/sim_runner.cpp). This part
// builds their specs and delegates, links their chain actors between nodes under the same network
// model, ticks their producers, submits their load, applies the faults aimed at them (`chain = N`)
// and records per-chain figures. Internal to the runner.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>
#include <caf/scoped_actor.hpp>

#include "config/sim_scenario.hpp"
#include "runtime/node.hpp"
#include "runtime/sim/sim_link.hpp"
#include "runtime/sim/sim_report.hpp"

namespace bfd::sim {

/// What the sidechains borrow from the runner (all owned by it and outliving this).
struct chains_context {
  caf::actor_system* sys = nullptr;
  caf::scoped_actor* self = nullptr;
  std::function<void()> settle;
  const config::sim_scenario* sc = nullptr;
  std::shared_ptr<manual_clock> clock;
  const std::vector<config::sim_vm>* vms = nullptr;
  const std::vector<runtime::delegate_identity>* ids = nullptr;  ///< mainchain identities (their keys sign everywhere)
  const std::vector<std::size_t>* node_of = nullptr;
  std::vector<std::unique_ptr<runtime::node>>* nodes = nullptr;
  const std::vector<bool>* node_up = nullptr;
  const genesis_config* mainchain = nullptr;
  std::uint64_t genesis_time_ms = 0;
  std::uint64_t hash_chain_length = 0;
  std::function<key_pair(std::uint64_t domain, std::uint64_t index)> key;  ///< the runner's seeded keys
  std::uint64_t* lost = nullptr;     ///< the run's link counters
  std::uint64_t* delayed = nullptr;
};

/// A producer tick the runner schedules for a sidechain.
struct chain_tick {
  std::uint64_t at_ms = 0;
  delegate_actor delegate;
  std::size_t chain = 0;  ///< index into the scenario's sidechains
};

class sim_chains {
public:
  explicit sim_chains(chains_context ctx) : ctx_(std::move(ctx)) {}

  bool empty() const noexcept { return chains_.empty(); }

  /// Derives each sidechain's genesis (validators drawn from the mainchain's genesis VMs),
  /// its delegates' identities and its load accounts. Errors: a sidechain without validators.
  status prepare();

  /// The node options with every chain: the mainchain (with the options' delegates) first.
  void add_chains(runtime::node_options& o) const;

  /// After node `n` started (first time or again): spawns its live sidechain delegates.
  void node_started(std::size_t n);
  /// After every node started: one link per chain and ordered node pair.
  void connect(std::size_t node_count, const config::sim_network& network);
  /// Node `n` stopped (its units with it): links to it lose their target.
  void node_stopped(std::size_t n);
  /// Node `n` runs again: links point at its new chain actors and it learns its peers.
  void node_restarted(std::size_t n);

  /// The producer ticks of global slot `g` starting at `start`, as each up node sees it.
  void ticks(std::uint64_t g, std::uint64_t start, std::vector<chain_tick>& out);
  /// A tick of chain `c` made `made` blocks.
  void made(std::size_t c, std::uint32_t made) { slot_made_[c] += made; }
  /// End of a slot of mainchain round `round` (not recorded when `tail`).
  void slot_end(std::uint64_t round, bool tail);

  void submit_load_until(std::uint64_t now);
  /// Reads node 0's newly final sidechain blocks.
  void collect_final(std::uint64_t round);

  /// Deferred ends of timed chain faults due at `round`; returns their log lines.
  std::vector<std::string> round_start(std::uint64_t round);
  /// Applies an event with `chain` set to a sidechain (partitions excepted); returns its log line.
  std::string apply_event(const config::sim_event& e, std::uint64_t round,
                          const std::function<std::vector<std::size_t>(const std::vector<config::sim_selector>&,
                                                                       const std::vector<public_key>&)>& targets);
  /// Cuts (or restores) chain `c`'s links where `cut(a, b)` says so; c = nullopt: every sidechain.
  void set_cut(std::optional<std::size_t> c, const std::function<bool(std::size_t, std::size_t)>& cut);

  /// The per-chain records.
  std::vector<chain_record> records() const;
  std::uint64_t txs_submitted() const noexcept { return txs_submitted_; }

  /// Stops the links (the nodes stop their units).
  void stop();

private:
  struct chain {
    const config::sim_sidechain* entry = nullptr;
    chain_spec spec;
    std::vector<std::size_t> validators;  ///< mainchain VM indices
    std::map<std::size_t, runtime::delegate_identity> ids;
    std::map<std::size_t, std::shared_ptr<delegate_switches>> switches;
    std::map<std::size_t, delegate_actor> actors;  ///< live delegates by VM
    std::map<std::size_t, bool> crashed;
    std::map<std::size_t, std::uint32_t> delay_ms;
    std::vector<key_pair> accounts;
    std::vector<std::uint64_t> nonce;
    std::uint64_t load_sent = 0;
    std::vector<std::vector<std::shared_ptr<link_slot>>> links;  // [from][to]
    std::vector<std::vector<caf::actor>> link_actors;
    std::map<std::uint64_t, chain_round_record> rounds;
    std::uint64_t final_seen = 0;
    std::vector<std::uint64_t> finality_ms;
    bool scheduled_now = false;  ///< the observer's schedule has a producer in the current slot
  };
  struct deferred {
    std::size_t chain;
    std::string what;  ///< "recover" or "unslow"
    std::vector<std::size_t> vms;
  };

  chain_actor chain_on(std::size_t c, std::size_t n) const;
  std::size_t observer() const;
  void spawn_delegate(std::size_t c, std::size_t v);
  void crash(std::size_t c, const std::vector<std::size_t>& vs);
  void restart(std::size_t c, const std::vector<std::size_t>& vs);
  std::string names_of(const std::vector<std::size_t>& vs) const;

  chains_context ctx_;
  std::vector<chain> chains_;
  std::vector<std::uint32_t> slot_made_;
  std::map<std::uint64_t, std::vector<deferred>> later_;
  std::uint64_t signed_ = 0;
  std::uint64_t txs_submitted_ = 0;
  std::size_t node_count_ = 0;
};

} // namespace bfd::sim
