#include "runtime/service_triage.hpp"

#include <algorithm>

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>
#include <spdlog/logger.h>

#include "chains/crypto/keys.hpp"

namespace bfd::runtime {

namespace {
constexpr auto query_timeout = std::chrono::seconds(10);

std::string rollout_name(std::uint64_t service, std::uint32_t version) {
  return "service " + std::to_string(service) + " version " + std::to_string(version);
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

health_report report_of(const rollout_view& r, const health_reply& h) {
  health_report out;
  out.service = r.service;
  out.version = r.version;
  out.chain = r.canary_chain;
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

service_triage::service_triage(caf::actor_system& system, node& n, triage_options options)
  : system_(system), node_(n), options_(std::move(options)) {
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

result<services_snapshot> service_triage::read_services() {
  if (!options_.source)
    return make_error(errc::not_found, "no services state to read");
  return options_.source();
}

result<health_reply> service_triage::measure(chain_id id, const address& contract, std::uint64_t from,
                                             std::uint64_t to) {
  if (options_.measure)
    return options_.measure(id, contract, from, to);
  const auto* unit = node_.unit(id);
  if (!unit)
    return make_error(errc::unknown_chain, "chain " + std::to_string(id) + " is not hosted here");
  caf::scoped_actor self{system_};
  result<health_reply> out = make_error(errc::io, "no answer");
  self->request(unit->chain(), query_timeout, health_atom::value, contract, from, to)
    .receive([&](const health_reply& h) { out = h; },
             [&](const caf::error& e) { out = make_error(errc::io, "health query: " + system_.render(e)); });
  return out;
}

std::optional<std::uint64_t> service_triage::final_height_of(chain_id id) {
  const auto* unit = node_.unit(id);
  if (!unit)
    return std::nullopt;
  caf::scoped_actor self{system_};
  std::optional<std::uint64_t> out;
  self->request(unit->chain(), query_timeout, info_atom::value)
    .receive([&](const chain_info& info) { out = info.final_height; }, [&](const caf::error&) {});
  return out;
}

triage_pass service_triage::poll_once() {
  triage_pass out;
  const auto note = [&](const std::string& problem) {
    out.problems.push_back(problem);
    if (options_.log && reported_.insert(problem).second)
      options_.log->warn("triage: {}", problem);
  };
  auto snap = read_services();
  if (!snap) {
    note(snap.error().detail);
    return out;
  }
  for (const auto& r : snap->rollouts) {
    const auto key = std::pair{r.service, r.version};
    const auto name = rollout_name(r.service, r.version);
    if (r.phase != rollout_phase::canary) {
      // The chain decided: log it once (the reports that led to it were logged as they went).
      if (decided_.insert(key).second) {
        const auto what = name + (r.phase == rollout_phase::rolled_back ? " rolled back" : " promoted") + " at "
                          + std::to_string(r.decided_at) + (r.reason.empty() ? "" : ": " + r.reason);
        out.decisions.push_back(what);
        if (options_.log && watches_.count(key))
          options_.log->info("triage: {}", what);
      }
      watches_.erase(key);
      continue;
    }
    if (snap->mainchain_final < r.canary_height || !node_.unit(r.canary_chain))
      continue;  // not live yet, or measured by the nodes that host the canary chain
    auto watch = watches_.find(key);
    if (watch == watches_.end()) {
      // The canary went live: measure from the canary chain's final height now on (in memory
      // only: after a restart the measurement starts again from that restart).
      auto live = final_height_of(r.canary_chain);
      if (!live) {
        note("chain " + std::to_string(r.canary_chain) + " does not answer");
        continue;
      }
      watch = watches_.emplace(key, canary_watch{*live + 1, 0}).first;
      if (options_.log)
        options_.log->info("triage: {} is live on chain {} (canary): measuring its contract {} from height {}", name,
                           r.canary_chain, format_address(r.instance), *live + 1);
    }
    const auto final_height = final_height_of(r.canary_chain);
    if (!final_height)
      continue;
    const auto range = measure_range(watch->second, *final_height);
    if (!range)
      continue;
    auto h = measure(r.canary_chain, r.instance, range->first, range->second);
    if (!h || h->code != 0) {
      count("unmeasured");
      note(name + " on chain " + std::to_string(r.canary_chain) + ": cannot measure: "
           + (h ? h->detail : h.error().detail));
      continue;
    }
    const auto report = report_of(r, *h);
    if (!options_.submit) {
      note("no submission path for health reports");
      continue;
    }
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
                         name, r.canary_chain, report.from_height, report.to_height, report.calls,
                         report.failed_calls, report.missed_blocks, report.latency_p99_ms, h->latency_samples);
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
