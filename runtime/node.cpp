#include "runtime/node.hpp"
#include "runtime/supervisor_probe.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/exit_reason.hpp>
#include <caf/send.hpp>
#include <caf/io/middleman.hpp>

#include "actors/cache/shard_actor.hpp"
#include "actors/directory/directory_actor.hpp"
#include "actors/kill_point.hpp"
#include "actors/thread_policy.hpp"
#include "chains/core/error.hpp"
#include "chains/core/hex.hpp"
#include "chains/storage/memory_store.hpp"
#include "chains/storage/open_chain.hpp"
#include "chains/storage/storage_check.hpp"

namespace bfd::runtime {

void configure_actor_system(caf::actor_system_config& cfg, std::size_t threads) {
  register_vocabulary(cfg);
  cfg.load<caf::io::middleman>();
  cfg.set("scheduler.max-threads", threads);
  // Workers wake quickly for request/response traffic (shared/CAF-NOTES.md).
  cfg.set("scheduler.policy", caf::atom("sharing"));
  // Workers woken by the HTTP I/O threads or by each other do not preempt them (actors/thread_policy.hpp).
  cfg.add_thread_hook<batch_scheduling_hook>();
}

namespace {

/// The chain and the delegates' signing records must agree: a delegate that voted from a block
/// storage no longer holds would be stuck, or worse; refuse to start (docs/storage.md).
status check_records(kv_store& store) {
  auto records = check_signing_records(store);
  if (records.sound())
    return {};
  std::string what;
  for (const auto& p : records.problems)
    what += (what.empty() ? "" : "; ") + p;
  return make_error(errc::storage_corrupt, "the delegates' signing records do not agree with the stored chain: " + what);
}

result<std::shared_ptr<chain_engine>> open(kv_store* store, const chain_spec& spec) {
  auto engine = open_chain(store, spec.genesis);
  if (engine)
    kill_point(kill_site::chain_restored);
  if (!engine && spec.id != mainchain_id)
    return make_error(engine.error().code, "chain " + std::to_string(spec.id) + " (" + spec.name + "): "
                                             + engine.error().detail);
  return engine;
}

/// What the directory's front replays to a new instance: the chains and cache shards it lists.
std::optional<std::pair<std::string, bool>> directory_sticky(const caf::message& m) {
  if (m.match_elements<put_atom, chain_handles>())
    return std::make_pair("chain:" + std::to_string(m.get_as<chain_handles>(1).id), true);
  if (m.match_elements<erase_atom, std::uint32_t>())
    return std::make_pair("chain:" + std::to_string(m.get_as<std::uint32_t>(1)), false);
  if (m.match_elements<put_atom, std::string, std::vector<cache_shard>>())
    return std::make_pair("caches:" + m.get_as<std::string>(1), true);
  return std::nullopt;
}

/// Failures a restart cannot cure: the chain's storage failed (docs/storage.md, fail-stop).
bool storage_failure(const caf::error& reason) {
  const auto e = from_caf_error(reason);
  return e.code == errc::storage_io || e.code == errc::storage_corrupt;
}

} // namespace

caf::actor node::place(std::string name, std::function<caf::actor(caf::actor_system&)> start,
                       decltype(supervised_child::probe) probe, sticky_rule rule) {
  if (!sup_)
    return start(system_);
  auto front = spawn_front(system_, name, std::move(rule));
  sup_->add({std::move(name), std::move(start), front, std::move(probe)});
  return front;
}

chain_unit_options node::unit_options(hosted_chain chain) const {
  chain_unit_options u;
  u.chain = std::move(chain);
  u.store = options_.store;
  u.time = options_.time;
  u.log = options_.log;
  u.reporter = options_.reporter;
  u.self_ticking = options_.self_ticking;
  u.verified = verified_;
  u.verifiers = verifiers_;
  u.mempool_max_per_sender = options_.mempool_max_per_sender;
  u.conduct = conduct_;
  u.sup = sup_.get();
  if (cache_) {
    u.invalidate = [c = cache_](const std::vector<std::string>& tags) { c->invalidate(tags); };
    u.advanced = [c = cache_, id = u.chain.spec.id](char stage, std::uint64_t height) { c->advance(id, stage, height); };
  }
  return u;
}

result<std::unique_ptr<node>> node::start(caf::actor_system& system, node_options options) {
  if (!options.store)
    options.store = std::make_shared<memory_store>();
  auto chains = std::move(options.chains);
  if (chains.empty())
    chains.push_back({mainchain_spec(options.genesis), std::move(options.delegates)});
  // Open every chain first (creating new ones), so the signing records are checked against all.
  std::vector<std::shared_ptr<chain_engine>> engines;
  for (std::size_t i = 0; i < chains.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j)
      if (chains[j].spec.id == chains[i].spec.id)
        return make_error(errc::invalid_argument, "chain " + std::to_string(chains[i].spec.id) + " is listed twice");
    auto engine = open(options.store.get(), chains[i].spec);
    if (!engine)
      return engine.error();
    engines.push_back(std::move(*engine));
  }
  if (auto st = check_records(*options.store); !st)
    return st.error();
  std::unique_ptr<node> n(new node(system));
  if (options.restarts)
    n->restarts_ = options.restarts;
  if (options.supervised) {
    supervisor_options so;
    so.counts = n->restarts_;
    so.log = options.log;
    so.fatal = storage_failure;
    n->sup_ = supervisor::start(system, std::move(so), {});
  }
  n->verified_ = std::make_shared<verified_cache>();
  {
    auto co = options.conduct;
    co.log = options.log;
    n->conduct_ = std::make_shared<peer_conduct>(std::move(co));
  }
  for (std::size_t i = 0; i < options.verifiers; ++i)
    n->verifiers_.push_back(caf::actor_cast<verifier_actor>(n->place(
      "verifier-" + std::to_string(i),
      [v = n->verified_](caf::actor_system& sys) { return caf::actor_cast<caf::actor>(spawn_verifier(sys, v)); },
      make_probe<verifier_actor, std::uint32_t>(verify_atom::value, std::vector<tx_envelope>{}))));
  n->directory_ = caf::actor_cast<directory_actor>(
    n->place("directory",
             [c = n->conduct_](caf::actor_system& sys) { return caf::actor_cast<caf::actor>(spawn_directory(sys, c)); },
             make_probe<directory_actor, std::vector<chain_handles>>(chains_atom::value), directory_sticky));
  n->first_ = chains.front().spec.id;
  if (options.cache) {
    auto& co = *options.cache;
    if (co.redis) {
      if (co.redis->ns.empty()) {
        auto g = chain_state::genesis(chains.front().spec.genesis);
        if (!g)
          return g.error();
        co.redis->ns = "bfd:" + to_hex(header_hash(g->second.header)).substr(0, 16) + ":";
      }
      n->cache_ = make_redis_cache(*co.redis, options.log);
    } else {
      for (std::size_t i = 0; i < co.shards && i < max_cache_shards; ++i) {
        auto shard = caf::actor_cast<cache_shard_actor>(n->place(
          "cache-shard-" + std::to_string(i),
          [limits = co.limits](caf::actor_system& sys) { return caf::actor_cast<caf::actor>(spawn_cache_shard(sys, limits)); },
          make_probe<cache_shard_actor, cache_shard_stats>(cache_stats_atom::value)));
        n->shards_.push_back({co.node, co.node + "/" + std::to_string(i), shard});
      }
      caf::anon_send(n->directory_, put_atom::value, co.node, n->shards_);
      n->cache_ = make_ring_cache(system, n->directory_, co.ring, options.log);
    }
  }
  auto faults = std::move(options.faults);
  auto switches = std::move(options.switches);
  n->options_ = std::move(options);
  for (std::size_t i = 0; i < chains.size(); ++i) {
    auto uo = n->unit_options(std::move(chains[i]));
    uo.engine = std::move(engines[i]);
    if (i == 0) {
      uo.faults = faults;
      uo.switches = switches;
    }
    auto unit = chain_unit::start(system, std::move(uo));
    if (!unit)
      return unit.error();
    caf::anon_send(n->directory_, put_atom::value, (*unit)->handles());
    const auto id = (*unit)->id();
    n->note_params(id, &(*unit)->spec().genesis.params);
    n->units_.emplace(id, std::move(*unit));
  }
  const auto& opts = n->options_;
  if (opts.http) {
    const auto* main = n->first();
    http_bridge_config hc{*opts.http, main->chain(), main->mempool(), main->spec().genesis.params, opts.time, opts.log};
    hc.directory = n->directory_;
    hc.restarts = n->restarts_;
    hc.triage_reports = n->triage_reports_;
    hc.cache = n->cache_;
    hc.verified = n->verified_;
    if (n->sup_)
      hc.place = [raw = n.get()](std::string name, std::function<caf::actor(caf::actor_system&)> start) {
        return raw->place(std::move(name), std::move(start), make_probe<caf::actor, std::uint64_t>(edgeping_atom::value),
                          {});
      };
    hc.chain_params = [table = n->params_](std::uint32_t id) -> std::optional<consensus_params> {
      std::lock_guard<std::mutex> guard(table->lock);
      auto it = table->params.find(id);
      if (it == table->params.end())
        return std::nullopt;
      return it->second;
    };
    auto bridge = http_bridge::start(system, std::move(hc));
    if (!bridge)
      return bridge.error();
    n->http_ = std::move(*bridge);
  }
  return n;
}

void node::note_params(chain_id id, const consensus_params* p) {
  std::lock_guard<std::mutex> guard(params_->lock);
  if (p)
    params_->params[id] = *p;
  else
    params_->params.erase(id);
}

chain_unit* node::unit(chain_id id) const {
  auto it = units_.find(id);
  return it == units_.end() ? nullptr : it->second.get();
}

std::vector<chain_id> node::chain_ids() const {
  std::vector<chain_id> out;
  for (const auto& [id, u] : units_)
    out.push_back(id);
  return out;
}

result<chain_unit*> node::add_chain(const chain_spec& spec, std::vector<delegate_identity> delegates) {
  if (units_.count(spec.id))
    return make_error(errc::invalid_argument, "chain " + std::to_string(spec.id) + " is hosted here already");
  auto engine = open(options_.store.get(), spec);
  if (!engine)
    return engine.error();
  if (auto st = check_records(*options_.store); !st)
    return st.error();
  auto uo = unit_options({spec, std::move(delegates)});
  uo.engine = std::move(*engine);
  auto unit = chain_unit::start(system_, std::move(uo));
  if (!unit)
    return unit.error();
  caf::anon_send(directory_, put_atom::value, (*unit)->handles());
  note_params(spec.id, &(*unit)->spec().genesis.params);
  auto* out = unit->get();
  units_.emplace(spec.id, std::move(*unit));
  return out;
}

status node::stop_chain(chain_id id) {
  if (id == first_)
    return make_error(errc::invalid_argument, "chain " + std::to_string(id) + " is the node's first chain: stop the node");
  auto it = units_.find(id);
  if (it == units_.end())
    return make_error(errc::not_found, "chain " + std::to_string(id) + " is not hosted here");
  caf::anon_send(directory_, erase_atom::value, id);
  note_params(id, nullptr);
  it->second->stop();
  units_.erase(it);
  return {};
}

delegate_actor node::add_delegate(caf::actor_system&, const delegate_identity& identity,
                                  std::shared_ptr<delegate_switches> switches) {
  return first()->add_delegate(identity, std::move(switches));
}

void node::stop() {
  if (http_)
    http_->stop();
  for (auto& [id, u] : units_)
    u->stop();
  if (sup_) {
    sup_->stop();  // the children, their fronts, then the supervisor
    return;
  }
  caf::anon_send_exit(directory_, caf::exit_reason::user_shutdown);
  for (auto& s : shards_)
    caf::anon_send_exit(s.actor, caf::exit_reason::user_shutdown);
  for (auto& v : verifiers_)
    caf::anon_send_exit(v, caf::exit_reason::user_shutdown);
}

node::~node() {
  stop();
}

} // namespace bfd::runtime
