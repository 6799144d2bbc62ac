#include "runtime/chain_unit.hpp"

#include <algorithm>

#include <caf/actor_system.hpp>
#include <caf/exit_reason.hpp>
#include <caf/send.hpp>
#include <mutex>

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include "actors/chain/chain_actor.hpp"
#include "actors/mempool/mempool_actor.hpp"
#include "chains/storage/open_chain.hpp"

namespace bfd::runtime {

namespace {

/// Forwards each line to `parent` with a prefix (its sinks and pattern stay the parent's).
class tag_sink final : public spdlog::sinks::base_sink<std::mutex> {
public:
  tag_sink(std::shared_ptr<spdlog::logger> parent, std::string tag) : parent_(std::move(parent)), tag_(std::move(tag)) {}

protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    parent_->log(msg.level, "{}{}", tag_, std::string_view(msg.payload.data(), msg.payload.size()));
  }
  void flush_() override { parent_->flush(); }

private:
  std::shared_ptr<spdlog::logger> parent_;
  std::string tag_;
};

} // namespace

result<std::unique_ptr<chain_unit>> chain_unit::start(caf::actor_system& system, chain_unit_options options) {
  const auto& genesis = options.chain.spec.genesis;
  if (genesis.chain != options.chain.spec.id)
    return make_error(errc::invalid_argument, "chain spec " + std::to_string(options.chain.spec.id)
                                                + " has the genesis of chain " + std::to_string(genesis.chain));
  auto engine = std::move(options.engine);
  if (!engine) {
    auto opened = open_chain(options.store.get(), genesis);
    if (!opened)
      return make_error(opened.error().code, "chain " + std::to_string(options.chain.spec.id) + " ("
                                               + options.chain.spec.name + "): " + opened.error().detail);
    engine = std::move(*opened);
  }
  if (options.log && options.chain.spec.id != mainchain_id) {
    // A sidechain's lines say which chain they are about; the mainchain's keep their form.
    const auto tag = "[chain " + std::to_string(options.chain.spec.id) + "] ";
    auto tagged = std::make_shared<spdlog::logger>(options.log->name() + "/" + tag,
                                                   std::make_shared<tag_sink>(options.log, tag));
    tagged->set_level(options.log->level());
    options.log = std::move(tagged);
  }
  std::unique_ptr<chain_unit> u(new chain_unit(system, std::move(options)));
  const auto& o = u->options_;
  u->mempool_ = spawn_mempool(system, mempool_config{o.chain.spec.id, 100'000, o.mempool_max_per_sender, o.verified, o.verifiers});
  chain_actor_config cc;
  cc.store = o.store;
  cc.mempool = u->mempool_;
  cc.verified = o.verified;
  cc.reporter = o.reporter;
  cc.log = o.log;
  cc.time = o.time;
  cc.invalidate = o.invalidate;
  cc.advanced = o.advanced;
  cc.max_drift_ms = std::max<std::uint64_t>(500, o.chain.spec.genesis.params.slot_ms / 2);
  u->chain_ = spawn_chain(system, std::move(engine), std::move(cc));
  const auto& identities = o.chain.delegates;
  u->delegates_.reserve(identities.size());
  for (std::size_t i = 0; i < identities.size(); ++i) {
    auto sw = i < o.switches.size() ? o.switches[i] : nullptr;
    bool equivocate = false;
    for (const auto& f : o.faults)
      if (f.delegate == i)
        equivocate = f.equivocate_once;
    u->delegates_.push_back(u->spawn_one(identities[i], std::move(sw), equivocate));
  }
  return u;
}

chain_handles chain_unit::handles() const {
  const auto& s = options_.chain.spec;
  return chain_handles{s.id, static_cast<std::uint8_t>(s.kind), s.name, s.token_symbol, chain_, mempool_};
}

delegate_actor chain_unit::spawn_one(const delegate_identity& identity, std::shared_ptr<delegate_switches> switches,
                                     bool equivocate_once) {
  const auto& o = options_;
  const auto& p = o.chain.spec.genesis.params;
  std::uint32_t max_weight = 1;
  for (const auto& c : p.categories)
    max_weight = std::max(max_weight, c.compute_weight);
  delegate_config dc;
  dc.keys = identity.keys;
  dc.reveals = identity.reveals;
  dc.signs_for = o.chain.spec.id;
  dc.chain = chain_;
  dc.mempool = mempool_;
  dc.time = o.time;
  dc.genesis_time_ms = p.genesis_time_ms;
  dc.slot_ms = p.slot_ms;
  dc.self_tick_max_weight = o.self_ticking ? max_weight : 0;
  dc.store = o.store;
  dc.work_bits = p.work_bits;
  dc.log = o.log;
  dc.faults.equivocate_once = equivocate_once;
  dc.switches = std::move(switches);
  return spawn_delegate(system_, std::move(dc));
}

delegate_actor chain_unit::add_delegate(const delegate_identity& identity, std::shared_ptr<delegate_switches> switches) {
  delegates_.push_back(spawn_one(identity, std::move(switches), false));
  return delegates_.back();
}

void chain_unit::stop_delegates() {
  if (delegates_stopped_)
    return;
  delegates_stopped_ = true;
  for (auto& d : delegates_)
    caf::anon_send_exit(d, caf::exit_reason::user_shutdown);
}

void chain_unit::stop() {
  if (stopped_)
    return;
  stopped_ = true;
  stop_delegates();
  caf::anon_send_exit(chain_, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(mempool_, caf::exit_reason::user_shutdown);
}

chain_unit::~chain_unit() {
  stop();
}

} // namespace bfd::runtime
