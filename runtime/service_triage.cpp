#include "runtime/service_triage.hpp"

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>
#include <spdlog/logger.h>

#include "chains/crypto/keys.hpp"
#include "chains/services/services_state.hpp"
#include "runtime/node.hpp"
#include "runtime/node_tx_submitter.hpp"

namespace bfd::runtime {

namespace {
constexpr auto query_timeout = std::chrono::seconds(10);

std::string rollout_name(const service_rollout_view& r) {
  return "service " + std::to_string(r.service) + " version " + std::to_string(r.version);
}

/// Asks `dest` and waits at most query_timeout; an io error when it does not answer.
template <class T, class Handle, class... Ts>
result<T> ask(caf::actor_system& system, const Handle& dest, const Ts&... xs) {
  caf::scoped_actor self{system};
  result<T> out = make_error(errc::io, "no answer");
  self->request(dest, query_timeout, xs...)
    .receive([&](const T& v) { out = v; },
             [&](const caf::error& e) { out = make_error(errc::io, system.render(e)); });
  return out;
}
} // namespace

std::optional<std::pair<std::uint64_t, std::uint64_t>> measure_range(const canary_watch& w, std::uint64_t final_height) {
  if (final_height < w.live_from || (w.reported_to >= w.live_from && final_height <= w.reported_to))
    return std::nullopt;
  auto from = w.live_from;
  if (final_height - from >= max_health_range)
    from = final_height - (max_health_range - 1);
  return std::pair{from, final_height};
}

service_health_tx report_of(const service_rollout_view& r, const health_reply& h) {
  service_health_tx out;
  out.service = r.service;
  out.version = r.version;
  out.chain = r.canary;
  out.from_height = h.from;
  out.to_height = h.to;
  // A call whose receipt is no longer kept (unknown_calls) counts as a call, not as a failure:
  // the report cannot say it failed.
  out.calls = h.calls;
  out.failed_calls = h.failed_calls;
  out.missed_blocks = h.missed_slots;
  out.latency_p99_ms = h.latency_p99_ms;
  return out;
}

triage_options node_triage_options(caf::actor_system& system, node& n, key_pair keys) {
  triage_options o;
  o.rollouts = [&system, &n]() -> result<service_rollouts_reply> {
    const auto* main = n.unit(mainchain_id);
    if (!main)
      return make_error(errc::unknown_chain, "this node does not host the mainchain");
    auto r = ask<service_rollouts_reply>(system, main->chain(), rollouts_atom::value);
    if (r && r->code != 0)
      return make_error(static_cast<errc>(r->code), "the mainchain has no services module");
    return r;
  };
  o.final_height = [&system, &n](chain_id id) -> std::optional<std::uint64_t> {
    const auto* unit = n.unit(id);
    if (!unit)
      return std::nullopt;
    auto info = ask<chain_info>(system, unit->chain(), info_atom::value);
    return info ? std::optional<std::uint64_t>(info->final_height) : std::nullopt;
  };
  o.measure = [&system, &n](chain_id id, const address& contract, std::uint64_t from,
                            std::uint64_t to) -> result<health_reply> {
    const auto* unit = n.unit(id);
    if (!unit)
      return make_error(errc::unknown_chain, "chain " + std::to_string(id) + " is not hosted here");
    return ask<health_reply>(system, unit->chain(), health_atom::value, contract, from, to);
  };
  auto submitter = std::make_shared<node_tx_submitter>(system, std::move(keys));
  o.submit = [&n, submitter](const service_health_tx& report) -> status {
    const auto* main = n.unit(mainchain_id);
    if (!main)
      return make_error(errc::unknown_chain, "this node does not host the mainchain");
    return submitter->submit(mainchain_id, main->chain(), main->mempool(), report);
  };
  o.counts = n.triage_reports();
  return o;
}

service_triage::service_triage(triage_options options) : options_(std::move(options)) {
  if (options_.counts)
    for (const char* outcome : {"submitted", "refused", "unmeasured"})
      options_.counts->declare(outcome);
}

service_triage::~service_triage() {
  stop();
}

void service_triage::count(const std::string& outcome) {
  if (options_.counts)
    options_.counts->add(outcome);
}

triage_pass service_triage::poll_once() {
  triage_pass out;
  const auto note = [&](const std::string& problem) {
    out.problems.push_back(problem);
    if (options_.log && reported_.insert(problem).second)
      options_.log->warn("triage: {}", problem);
  };
  auto snap = options_.rollouts();
  if (!snap) {
    note(snap.error().detail);
    return out;
  }
  for (const auto& r : snap->rollouts) {
    const auto key = std::pair{r.service, r.version};
    const auto name = rollout_name(r);
    const auto phase = static_cast<services::rollout_phase>(r.phase);
    if (phase != services::rollout_phase::canary) {
      // The chain decided: logged once (the reports that led to it were logged as they went).
      if (decided_.insert(key).second) {
        const auto what = name + (phase == services::rollout_phase::rolled_back ? " rolled back" : " promoted")
                          + " at " + std::to_string(r.decided_at) + (r.reason.empty() ? "" : ": " + r.reason);
        out.decisions.push_back(what);
        if (options_.log && watches_.count(key))
          options_.log->info("triage: {}", what);
      }
      watches_.erase(key);
      continue;
    }
    if (snap->final_height < r.canary_height)
      continue;  // not live yet
    const auto final_height = options_.final_height(r.canary);
    if (!final_height)
      continue;  // not hosted here: the nodes that host the canary chain measure it
    auto watch = watches_.find(key);
    if (watch == watches_.end()) {
      // Live from now on, as far as this node can tell (in memory: a restart starts again).
      watch = watches_.emplace(key, canary_watch{*final_height + 1, 0}).first;
      if (options_.log)
        options_.log->info("triage: {} is live on chain {} (canary): measuring its contract {} from height {}", name,
                           r.canary, format_address(r.instance), *final_height + 1);
      continue;
    }
    const auto range = measure_range(watch->second, *final_height);
    if (!range)
      continue;
    auto h = options_.measure(r.canary, r.instance, range->first, range->second);
    if (!h || h->code != 0) {
      count("unmeasured");
      note(name + " on chain " + std::to_string(r.canary) + ": cannot measure: " + (h ? h->detail : h.error().detail));
      continue;
    }
    const auto report = report_of(r, *h);
    if (auto st = options_.submit(report); !st) {
      count("refused");
      note(name + ": health report refused: " + st.error().message());
      continue;
    }
    count("submitted");
    watch->second.reported_to = range->second;
    out.submitted.push_back(report);
    if (options_.log)
      options_.log->info("triage: {} on chain {} heights {}-{}: {} calls, {} failed, {} missed slots, p99 {} ms "
                         "({} samples): reported",
                         name, r.canary, report.from_height, report.to_height, report.calls, report.failed_calls,
                         report.missed_blocks, report.latency_p99_ms, h->latency_samples);
  }
  return out;
}

void service_triage::run(std::chrono::milliseconds interval) {
  loop_.start(interval, [this] { poll_once(); });
}

void service_triage::stop() {
  loop_.stop();
}

} // namespace bfd::runtime
