#include "runtime/sidechain_watcher.hpp"

#include <algorithm>

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>
#include <spdlog/logger.h>

#include "chains/sidechain/registry_module.hpp"
#include "protocols/sidechain_views.hpp"
#include "runtime/node_tx_submitter.hpp"
#include "runtime/peg_specs.hpp"

namespace bfd::runtime {

namespace {
// Passes an anchor may stay untaken before the relay starts again from the registry.
constexpr std::uint32_t max_in_flight_passes = 10;
constexpr auto query_timeout = std::chrono::seconds(10);
} // namespace

std::function<status(const sidechain_anchor_payload&)> anchor_submitter(caf::actor_system& system, node& n,
                                                                        key_pair keys) {
  auto submitter = std::make_shared<node_tx_submitter>(system, std::move(keys));
  return [&n, submitter](const sidechain_anchor_payload& p) -> status {
    const auto* main = n.unit(mainchain_id);
    if (!main)
      return make_error(errc::unknown_chain, "this node does not host the mainchain");
    return submitter->submit(mainchain_id, main->chain(), main->mempool(),
                             sidechain_anchor_tx{std::make_shared<const sidechain_anchor_payload>(p)});
  };
}

hosting_plan plan_hosting(const std::vector<sidechain_view>& views, const std::set<chain_id>& running,
                          const std::set<chain_id>& producing, const std::function<bool(chain_id)>& hosts) {
  hosting_plan plan;
  for (const auto& v : views) {
    const auto st = view_status(v);
    if (!st) {
      plan.problems.push_back("sidechain " + std::to_string(v.id) + ": unknown status " + std::to_string(v.status));
      continue;
    }
    if (*st == sidechain_status::ceased) {
      if (producing.count(v.id))
        plan.cease.push_back(v.id);
      // A genesis sidechain (registered at 0) always ran; a later one only if it was activated.
      const bool ran = v.activated_height != 0 || v.registered_height == 0;
      if (ran && !running.count(v.id) && hosts(v.id)) {
        if (auto entry = view_entry(v))
          plan.reopen.push_back(std::move(*entry));
        else
          plan.problems.push_back("sidechain " + std::to_string(v.id) + ": " + entry.error().detail);
      }
      continue;
    }
    if (*st != sidechain_status::active || running.count(v.id) || !hosts(v.id))
      continue;
    auto entry = view_entry(v);
    if (!entry) {
      plan.problems.push_back("sidechain " + std::to_string(v.id) + ": " + entry.error().detail);
      continue;
    }
    plan.start.push_back(std::move(*entry));
  }
  return plan;
}

std::optional<std::uint64_t> anchor_due(std::uint64_t base, std::uint64_t final_height, std::uint64_t anchor_interval) {
  const std::uint64_t step = std::max<std::uint64_t>(1, anchor_interval / 2);
  if (final_height < base + step)
    return std::nullopt;
  // More than the registry's bound above the last anchor is refused (bad_height): that sidechain
  // can then only be anchored with a certified header in between.
  if (final_height - base > registry_bounds::max_anchor_interval)
    return std::nullopt;
  return final_height;
}

sidechain_watcher::sidechain_watcher(caf::actor_system& system, node& n, sidechain_watch_options options)
  : system_(system), node_(n), options_(std::move(options)) {}

sidechain_watcher::~sidechain_watcher() {
  stop();
}

void sidechain_watcher::note(const std::string& problem, watch_report& out) {
  out.problems.push_back(problem);
  // Each problem is logged once: a registry read every second must not flood the log.
  if (options_.log && reported_.insert(problem).second)
    options_.log->warn("sidechains: {}", problem);
}

result<std::vector<sidechain_view>> sidechain_watcher::read_registry() {
  if (options_.source)
    return options_.source();
  const auto* main = node_.unit(mainchain_id);
  if (!main)
    return make_error(errc::not_found, "this node does not host the mainchain: no registry to follow");
  caf::scoped_actor self{system_};
  result<std::vector<sidechain_view>> out = std::vector<sidechain_view>{};
  self->request(main->chain(), query_timeout, sidechains_atom::value)
    .receive([&](std::vector<sidechain_view>& v) { out = std::move(v); },
             [&](const caf::error& e) { out = make_error(errc::io, "registry query: " + system_.render(e)); });
  return out;
}

watch_report sidechain_watcher::poll_once() {
  watch_report out;
  auto views = read_registry();
  if (!views) {
    note(views.error().detail, out);
    return out;
  }
  std::set<chain_id> running;
  std::set<chain_id> producing;
  for (auto id : node_.chain_ids()) {
    running.insert(id);
    if (node_.unit(id)->producing())
      producing.insert(id);
  }
  auto plan = plan_hosting(*views, running, producing, options_.hosts);
  for (const auto& p : plan.problems)
    note(p, out);
  for (const auto& entry : plan.start) {
    std::vector<delegate_identity> delegates;
    for (const auto& v : entry.validators)
      for (const auto& k : options_.delegate_keys)
        if (k.pub == v.key)
          delegates.push_back({k, delegate_hash_chain(k, options_.hash_chain_length, entry.id)});
    auto unit = node_.add_chain(sidechain_spec_for(entry, options_.mainchain, options_.peg_trust), std::move(delegates));
    if (!unit) {
      note("cannot start sidechain " + std::to_string(entry.id) + ": " + unit.error().detail, out);
      continue;
    }
    out.started.push_back(entry.id);
    if (options_.log)
      options_.log->info("sidechain {} ({}) is active: started here with {} of its {} validators", entry.id,
                         entry.name, (*unit)->delegates().size(), entry.validators.size());
    if (options_.on_started)
      options_.on_started(entry.id);
  }
  for (const auto& entry : plan.reopen) {
    auto unit = node_.add_chain(sidechain_spec_for(entry, options_.mainchain, options_.peg_trust), {});
    if (!unit) {
      note("cannot reopen ceased sidechain " + std::to_string(entry.id) + ": " + unit.error().detail, out);
      continue;
    }
    if (options_.log)
      options_.log->info("sidechain {} ({}) is ceased: opened without delegates (its blocks stay queryable)", entry.id,
                         entry.name);
  }
  for (auto id : plan.cease) {
    node_.unit(id)->stop_delegates();
    sent_.erase(id);
    out.ceased.push_back(id);
    if (options_.log)
      options_.log->info("sidechain {} is ceased: its delegates here stopped", id);
  }
  if (options_.submit_anchor)
    for (const auto& v : *views) {
      if (view_status(v) != sidechain_status::active || !node_.unit(v.id) || !node_.unit(v.id)->producing())
        continue;
      auto entry = view_entry(v);
      if (entry)
        relay_anchor(v, *entry, out);
    }
  return out;
}

void sidechain_watcher::relay_anchor(const sidechain_view& view, const sidechain_entry& entry, watch_report& out) {
  auto& flight = sent_[view.id];
  if (flight.height <= view.anchored_height || ++flight.passes > max_in_flight_passes)
    flight = {};
  const auto base = std::max(view.anchored_height, flight.height);
  const auto* unit = node_.unit(view.id);
  caf::scoped_actor self{system_};
  // The finality proof of this node's final block: its source is the block, its target the child.
  std::optional<finality_certificate> cert;
  self->request(unit->chain(), query_timeout, cert_atom::value)
    .receive([&](const certificate_envelope& c) {
      if (c)
        cert = *c;
    }, [&](const caf::error&) {});
  if (!cert || !cert->proves_final())
    return;
  const auto due = anchor_due(base, cert->source_height, entry.params.anchor_interval);
  if (!due)
    return;
  std::optional<block_header> header;
  self->request(unit->chain(), query_timeout, height_atom::value, *due)
    .receive([&](const block_envelope& b) {
      if (b && b->header.height == *due)
        header = b->header;
    }, [&](const caf::error&) {});
  if (!header || header_hash(*header) != cert->source)
    return;  // a reorganisation below the final block cannot happen; a race with a new final block can
  sidechain_anchor_payload p{view.id, *header, *cert, std::nullopt};
  if (auto st = options_.submit_anchor(p); !st) {
    // Another node anchored this height first: refused as stale, harmlessly.
    if (st.error().code != errc::stale)
      note("anchor of sidechain " + std::to_string(view.id) + " at " + std::to_string(*due) + " refused: "
             + st.error().detail, out);
    return;
  }
  flight = {*due, 0};
  out.anchored.emplace_back(view.id, *due);
}

void sidechain_watcher::run(std::chrono::milliseconds interval) {
  loop_.start(interval, [this] { poll_once(); });
}

void sidechain_watcher::stop() {
  loop_.stop();
}

} // namespace bfd::runtime
