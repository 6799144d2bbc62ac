#include "runtime/chain_unit.hpp"
#include "runtime/supervisor_probe.hpp"

#include <algorithm>

#include <caf/actor_system.hpp>
#include <caf/exit_reason.hpp>
#include <caf/send.hpp>
#include <mutex>

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include "actors/chain/chain_actor.hpp"
#include "actors/kill_point.hpp"
#include "actors/mempool/mempool_actor.hpp"
#include "chains/core/hex.hpp"
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

/// An actor's identity across the nodes (for a key of a front's sticky messages).
std::string actor_key(const caf::actor& a) {
  return std::to_string(a.id()) + "@" + caf::to_string(a.node());
}

/// What a chain actor's front replays to a new instance: its delegates' attach messages (by key)
/// and its peer links.
std::optional<std::pair<std::string, bool>> chain_sticky(const caf::message& m) {
  if (m.match_elements<attach_atom, delegate_actor, public_key, hash256, std::uint64_t>())
    return std::make_pair("attach:" + to_hex(m.get_as<public_key>(2)), true);
  if (m.match_elements<peer_atom, caf::actor>())
    return std::make_pair("peer:" + actor_key(m.get_as<caf::actor>(1)), true);
  return std::nullopt;
}

/// What a mempool's front replays to a new instance: its peer links.
std::optional<std::pair<std::string, bool>> mempool_sticky(const caf::message& m) {
  if (m.match_elements<peer_atom, caf::actor>())
    return std::make_pair("peer:" + actor_key(m.get_as<caf::actor>(1)), true);
  return std::nullopt;
}

} // namespace

caf::actor chain_unit::place(std::string name, std::function<caf::actor(caf::actor_system&)> start,
                             decltype(supervised_child::probe) probe, sticky_rule rule) {
  if (!options_.sup)
    return start(system_);
  auto front = spawn_front(system_, name, std::move(rule));
  options_.sup->add({std::move(name), std::move(start), front, std::move(probe)});
  return front;
}

void chain_unit::unplace(const std::string& name, const caf::actor& handle) {
  if (options_.sup)
    options_.sup->remove(name);
  else
    caf::anon_send_exit(handle, caf::exit_reason::user_shutdown);
}

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
    kill_point(kill_site::chain_restored);
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
  const auto id = std::to_string(o.chain.spec.id);
  mempool_config mc{o.chain.spec.id, 100'000, o.mempool_max_per_sender, o.verified, o.verifiers, nullptr};
  if (o.sup)
    mc.handover = std::make_shared<mempool_handover>();
  mc.conduct = o.conduct;
  u->mempool_ = caf::actor_cast<mempool_actor>(
    u->place("mempool-" + id, [mc](caf::actor_system& sys) { return caf::actor_cast<caf::actor>(spawn_mempool(sys, mc)); },
             make_probe<mempool_actor, std::uint64_t>(size_atom::value), mempool_sticky));
  chain_actor_config cc;
  cc.store = o.store;
  cc.mempool = u->mempool_;
  cc.verified = o.verified;
  cc.reporter = o.reporter;
  cc.log = o.log;
  cc.time = o.time;
  cc.invalidate = o.invalidate;
  cc.advanced = o.advanced;
  cc.conduct = o.conduct;
  cc.max_drift_ms = std::max<std::uint64_t>(500, o.chain.spec.genesis.params.slot_ms / 2);
  // The first instance runs the engine opened at boot; a restarted one opens the chain from the
  // store again, exactly as a boot does (its last committed block, justification and records).
  auto booted = std::make_shared<std::shared_ptr<chain_engine>>(std::move(engine));
  auto start_chain = [booted, cc, store = o.store, spec = o.chain.spec](caf::actor_system& sys) -> caf::actor {
    auto e = std::exchange(*booted, nullptr);
    if (!e) {
      auto opened = open_chain(store.get(), spec.genesis);
      if (!opened) {
        if (cc.log)
          cc.log->error("chain {} ({}) cannot be opened again: {}", spec.id, spec.name, opened.error().message());
        return caf::actor{};
      }
      e = std::move(*opened);
      kill_point(kill_site::chain_restored);
    }
    return caf::actor_cast<caf::actor>(spawn_chain(sys, std::move(e), cc));
  };
  u->chain_ = caf::actor_cast<chain_actor>(u->place("chain-" + id, std::move(start_chain),
                                                    make_probe<chain_actor, chain_info>(info_atom::value), chain_sticky));
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
  // A restarted delegate reads its signing record from the store again (never a fresh one) and
  // attaches itself to its chain; a fault to inject runs in the first instance only.
  auto first = std::make_shared<bool>(true);
  auto start = [dc, first](caf::actor_system& sys) {
    auto c = dc;
    if (!std::exchange(*first, false))
      c.faults = delegate_faults{};
    return caf::actor_cast<caf::actor>(spawn_delegate(sys, std::move(c)));
  };
  auto name = "delegate-" + std::to_string(o.chain.spec.id) + "-" + std::to_string(delegate_names_.size());
  delegate_names_.push_back(name);
  return caf::actor_cast<delegate_actor>(
    place(std::move(name), std::move(start),
          make_probe<delegate_actor, confirmation_envelope>(confirm_atom::value, block_envelope{}, std::uint64_t{0},
                                                             hash256{})));
}

delegate_actor chain_unit::add_delegate(const delegate_identity& identity, std::shared_ptr<delegate_switches> switches) {
  delegates_.push_back(spawn_one(identity, std::move(switches), false));
  return delegates_.back();
}

void chain_unit::stop_delegates() {
  if (delegates_stopped_)
    return;
  delegates_stopped_ = true;
  for (std::size_t i = 0; i < delegates_.size(); ++i)
    unplace(delegate_names_[i], caf::actor_cast<caf::actor>(delegates_[i]));
}

void chain_unit::stop() {
  if (stopped_)
    return;
  stopped_ = true;
  stop_delegates();
  const auto id = std::to_string(options_.chain.spec.id);
  unplace("chain-" + id, caf::actor_cast<caf::actor>(chain_));
  unplace("mempool-" + id, caf::actor_cast<caf::actor>(mempool_));
}

chain_unit::~chain_unit() {
  stop();
}

} // namespace bfd::runtime
