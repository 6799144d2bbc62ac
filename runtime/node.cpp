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
  std::unique_ptr<node> n(new node);
  auto verified = std::make_shared<verified_cache>();
  n->mempool_ = spawn_mempool(system, mempool_config{options.genesis.chain, 100'000, 1'000, verified});
  chain_actor_config cc;
  cc.store = options.store;
  cc.mempool = n->mempool_;
  cc.verified = verified;
  cc.reporter = options.reporter;
  cc.log = options.log;
  cc.time = options.time;
  cc.max_drift_ms = std::max<std::uint64_t>(500, options.genesis.params.slot_ms / 2);
  n->chain_ = spawn_chain(system, *engine, std::move(cc));
  std::uint32_t max_weight = 1;
  for (const auto& c : options.genesis.params.categories)
    max_weight = std::max(max_weight, c.compute_weight);
  for (std::size_t i = 0; i < options.delegates.size(); ++i) {
    delegate_config dc;
    dc.keys = options.delegates[i].keys;
    dc.reveals = options.delegates[i].reveals;
    dc.chain = n->chain_;
    dc.mempool = n->mempool_;
    dc.time = options.time;
    dc.genesis_time_ms = options.genesis.params.genesis_time_ms;
    dc.slot_ms = options.genesis.params.slot_ms;
    dc.self_tick_max_weight = options.self_ticking ? max_weight : 0;
    dc.store = options.store;
    dc.work_bits = options.genesis.params.work_bits;
    dc.log = options.log;
    for (const auto& f : options.faults)
      if (f.delegate == i)
        dc.faults.equivocate_once = f.equivocate_once;
    n->delegates_.push_back(spawn_delegate(system, std::move(dc)));
  }
  if (options.http) {
    auto bridge = http_bridge::start(system, http_bridge_config{*options.http, n->chain_, n->mempool_,
                                                                options.genesis.params, options.time, options.log});
    if (!bridge)
      return bridge.error();
    n->http_ = std::move(*bridge);
  }
  return n;
}

void node::stop() {
  if (http_)
    http_->stop();
  for (auto& d : delegates_)
    caf::anon_send_exit(d, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(chain_, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(mempool_, caf::exit_reason::user_shutdown);
}

node::~node() {
  stop();
}

} // namespace bfd::runtime
