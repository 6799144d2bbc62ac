#include "runtime/node.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/exit_reason.hpp>
#include <caf/send.hpp>
#include <caf/io/middleman.hpp>

#include "actors/chain/chain_actor.hpp"
#include "actors/delegate/delegate_actor.hpp"
#include "actors/mempool/mempool_actor.hpp"
#include "chains/storage/memory_store.hpp"
#include "chains/storage/storage_check.hpp"

namespace bfd::runtime {

void configure_actor_system(caf::actor_system_config& cfg, std::size_t threads) {
  register_vocabulary(cfg);
  cfg.load<caf::io::middleman>();
  cfg.set("scheduler.max-threads", threads);
  // Workers wake quickly for request/response traffic (shared/CAF-NOTES.md).
  cfg.set("scheduler.policy", caf::atom("sharing"));
}

result<std::unique_ptr<node>> node::start(caf::actor_system& system, node_options options) {
  if (!options.store)
    options.store = std::make_shared<memory_store>();
  auto engine = open_chain(options.store.get(), options.genesis);
  if (!engine)
    return engine.error();
  // The chain and the delegates' signing records must agree: a delegate that voted from a block
  // storage no longer holds would be stuck, or worse; refuse to start (docs/storage.md).
  if (auto records = check_signing_records(*options.store); !records.sound()) {
    std::string what;
    for (const auto& p : records.problems)
      what += (what.empty() ? "" : "; ") + p;
    return make_error(errc::storage_corrupt, "the delegates' signing records do not agree with the stored chain: " + what);
  }
  std::unique_ptr<node> n(new node);
  auto verified = std::make_shared<verified_cache>();
  for (std::size_t i = 0; i < options.verifiers; ++i)
    n->verifiers_.push_back(spawn_verifier(system, verified));
  n->mempool_ = spawn_mempool(system, mempool_config{options.genesis.chain, 100'000, 1'000, verified, n->verifiers_});
  chain_actor_config cc;
  cc.store = options.store;
  cc.mempool = n->mempool_;
  cc.verified = verified;
  cc.reporter = options.reporter;
  cc.log = options.log;
  cc.time = options.time;
  cc.max_drift_ms = std::max<std::uint64_t>(500, options.genesis.params.slot_ms / 2);
  n->chain_ = spawn_chain(system, *engine, std::move(cc));
  // Keep the shared settings (clock, store, parameters, log) for spawn_one and add_delegate.
  auto identities = std::move(options.delegates);
  auto switches = std::move(options.switches);
  auto faults = std::move(options.faults);
  n->options_ = std::move(options);
  n->delegates_.reserve(identities.size());
  for (std::size_t i = 0; i < identities.size(); ++i) {
    auto sw = i < switches.size() ? switches[i] : nullptr;
    bool equivocate = false;
    for (const auto& f : faults)
      if (f.delegate == i)
        equivocate = f.equivocate_once;
    n->delegates_.push_back(n->spawn_one(system, identities[i], std::move(sw), equivocate));
  }
  const auto& opts = n->options_;
  if (opts.http) {
    auto bridge = http_bridge::start(system, http_bridge_config{*opts.http, n->chain_, n->mempool_,
                                                                opts.genesis.params, opts.time, opts.log});
    if (!bridge)
      return bridge.error();
    n->http_ = std::move(*bridge);
  }
  return n;
}

delegate_actor node::spawn_one(caf::actor_system& system, const delegate_identity& identity,
                               std::shared_ptr<delegate_switches> switches, bool equivocate_once) {
  const auto& o = options_;
  std::uint32_t max_weight = 1;
  for (const auto& c : o.genesis.params.categories)
    max_weight = std::max(max_weight, c.compute_weight);
  delegate_config dc;
  dc.keys = identity.keys;
  dc.reveals = identity.reveals;
  dc.chain = chain_;
  dc.mempool = mempool_;
  dc.time = o.time;
  dc.genesis_time_ms = o.genesis.params.genesis_time_ms;
  dc.slot_ms = o.genesis.params.slot_ms;
  dc.self_tick_max_weight = o.self_ticking ? max_weight : 0;
  dc.store = o.store;
  dc.work_bits = o.genesis.params.work_bits;
  dc.log = o.log;
  dc.faults.equivocate_once = equivocate_once;
  dc.switches = std::move(switches);
  return spawn_delegate(system, std::move(dc));
}

delegate_actor node::add_delegate(caf::actor_system& system, const delegate_identity& identity,
                                  std::shared_ptr<delegate_switches> switches) {
  delegates_.push_back(spawn_one(system, identity, std::move(switches), false));
  return delegates_.back();
}

void node::stop() {
  if (http_)
    http_->stop();
  for (auto& d : delegates_)
    caf::anon_send_exit(d, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(chain_, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(mempool_, caf::exit_reason::user_shutdown);
  for (auto& v : verifiers_)
    caf::anon_send_exit(v, caf::exit_reason::user_shutdown);
}

node::~node() {
  stop();
}

} // namespace bfd::runtime
