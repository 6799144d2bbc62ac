// Prometheus metrics: the bridge's registry (chain gauges refreshed on each scrape, request counters
// and latencies) and GET /metrics.
#include "actors/http/bridge_core.hpp"

#include "chains/peg/peg_module.hpp"

#include <prometheus/text_serializer.h>

#include "actors/restart_counts.hpp"
#include "chains/core/hex.hpp"

namespace bfd::http {

bridge_metrics::bridge_metrics()
    : head_height(prometheus::BuildGauge()
                    .Name("bfd_head_height")
                    .Help("Height of a chain's head block")
                    .Register(registry)),
      final_height(prometheus::BuildGauge()
                     .Name("bfd_final_height")
                     .Help("Height of a chain's newest final block")
                     .Register(registry)),
      mempool_size(prometheus::BuildGauge()
                     .Name("bfd_mempool_transactions")
                     .Help("Transactions pending in a chain's mempool")
                     .Register(registry)),
      peg_conservation(prometheus::BuildGauge()
                         .Name("bfd_peg_conservation_ok")
                         .Help("1 when the two-way peg's conservation invariant holds between the "
                               "final states of a hosted chain pair (pair=\"1-ID\"), else 0")
                         .Register(registry)),
      delegate_blocks(prometheus::BuildGauge()
                        .Name("bfd_delegate_blocks_produced")
                        .Help("Blocks a delegate (VM) produced on the head's chain")
                        .Register(registry)),
      delegate_missed(prometheus::BuildGauge()
                        .Name("bfd_delegate_slots_missed")
                        .Help("Slots a delegate (VM) missed on the head's chain")
                        .Register(registry)),
      category_blocks(prometheus::BuildGauge()
                        .Name("bfd_category_blocks_produced")
                        .Help("Blocks produced by the delegates of a category")
                        .Register(registry)),
      category_missed(prometheus::BuildGauge()
                        .Name("bfd_category_slots_missed")
                        .Help("Slots missed by the delegates of a category")
                        .Register(registry)),
      requests(prometheus::BuildCounter()
                 .Name("bfd_http_requests_total")
                 .Help("HTTP requests answered, by route, method and status")
                 .Register(registry)),
      actor_restarts(prometheus::BuildCounter()
                       .Name("bfd_actor_restarts_total")
                       .Help("Times a supervisor restarted a failed actor of this node (actor=\"chain-1\", \"bridge-1-2\", ...)")
                       .Register(registry)),
      triage_reports(prometheus::BuildCounter()
                       .Name("bfd_triage_reports_total")
                       .Help("Service health reports of this node's triage, by outcome (submitted, refused, "
                             "unmeasured)")
                       .Register(registry)),
      cache_requests(prometheus::BuildCounter()
                       .Name("bfd_cache_requests_total")
                       .Help("Reads looked up in the read cache, by cache (registry, ds, contract) and result (hit, "
                             "miss)")
                       .Register(registry)),
      cache_invalidations(prometheus::BuildCounter()
                            .Name("bfd_cache_invalidations_total")
                            .Help("Cache tags invalidated by commits on this node's chains")
                            .Register(registry)),
      cache_entries(prometheus::BuildGauge()
                      .Name("bfd_cache_entries")
                      .Help("Entries in the read cache's backend (the ring: every shard's; Redis: its database's "
                            "keys)")
                      .Register(registry)),
      cache_backend_errors(prometheus::BuildCounter()
                             .Name("bfd_cache_backend_errors_total")
                             .Help("Read-cache backend failures (timeouts, refused connections, errors), each a miss")
                             .Register(registry)),
      connections(prometheus::BuildGauge()
                    .Name("bfd_http_connections")
                    .Help("The HTTP server now: open connections (state=\"open\"), complete requests waiting for a handler thread (state=\"queued\"), transaction requests at the bridge's actor (state=\"in_flight\")")
                    .Register(registry)),
      connection_events(prometheus::BuildCounter()
                          .Name("bfd_http_server_events_total")
                          .Help("The HTTP server's own decisions: connections accepted, refused over a bound, closed at a deadline; requests refused busy")
                          .Register(registry)),
      latency(prometheus::BuildHistogram()
                .Name("bfd_http_request_duration_seconds")
                .Help("Time from reading an HTTP request's headers until its response is ready")
                .Register(registry)) {
  const prometheus::Histogram::BucketBoundaries buckets{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                        0.1,    0.25,  0.5,    1,     2.5,  5,     10};
  for (const auto& r : routes())
    if (!latency_by_route.count(r.path))
      latency_by_route[r.path] = &latency.Add({{"route", r.path}}, buckets);
  latency_by_route[unmatched_label] = &latency.Add({{"route", std::string(unmatched_label)}}, buckets);
}

void bridge_metrics::update(std::uint32_t chain, const chain_info& info, const std::vector<delegate_summary>& delegates,
                            const consensus_params& params) {
  const auto id = std::to_string(chain);
  head_height.Add({{"chain", id}}).Set(static_cast<double>(info.head_height));
  final_height.Add({{"chain", id}}).Set(static_cast<double>(info.final_height));
  std::vector<std::uint64_t> blocks(params.categories.size(), 0);
  std::vector<std::uint64_t> missed(params.categories.size(), 0);
  for (const auto& d : delegates) {
    const bool known = d.category < params.categories.size();
    const std::string category = known ? params.categories[d.category].name : std::to_string(d.category);
    const prometheus::Labels labels{{"chain", id}, {"delegate", to_hex(d.key)}, {"category", category}};
    delegate_blocks.Add(labels).Set(static_cast<double>(d.blocks_produced));
    delegate_missed.Add(labels).Set(static_cast<double>(d.slots_missed));
    if (known) {
      blocks[d.category] += d.blocks_produced;
      missed[d.category] += d.slots_missed;
    }
  }
  for (std::size_t c = 0; c < params.categories.size(); ++c) {
    category_blocks.Add({{"chain", id}, {"category", params.categories[c].name}}).Set(static_cast<double>(blocks[c]));
    category_missed.Add({{"chain", id}, {"category", params.categories[c].name}}).Set(static_cast<double>(missed[c]));
  }
}

void bridge_metrics::update_mempool(std::uint32_t chain, std::uint64_t size) {
  mempool_size.Add({{"chain", std::to_string(chain)}}).Set(static_cast<double>(size));
}

namespace {

std::unique_ptr<peg_module> rebuild_peg(chain_id chain, const peg_records_reply& r) {
  std::vector<std::pair<bytes, bytes>> records;
  for (std::size_t i = 0; i < r.keys.size() && i < r.values.size(); ++i)
    records.emplace_back(r.keys[i], r.values[i]);
  auto m = peg_module::from_records(chain, records);
  return m ? std::move(*m) : nullptr;
}

/// bfd_peg_conservation_ok per (mainchain, sidechain) pair hosted here with the peg: the two
/// final peg ledgers rebuilt from their records and checked together. The sidechain is read
/// before and after the mainchain (again if its final height moved), so each state knows every
/// message the other has received or acknowledged (a chain carries only final entries).
void update_peg_conservation(bridge_core& core) {
  caf::scoped_actor self{core.system};
  auto hosted = core.hosted_chains(self, nullptr);
  if (!hosted)
    return;
  const chain_handles* main = nullptr;
  for (const auto& h : *hosted)
    if (h.id == mainchain_id && h.chain)
      main = &h;
  if (!main)
    return;
  for (const auto& h : *hosted) {
    if (h.id == mainchain_id || !h.chain)
      continue;
    for (int attempt = 0; attempt < 3; ++attempt) {
      auto side = core.ask<peg_records_reply>(self, nullptr, h.chain, pegrec_atom::value);
      auto m = core.ask<peg_records_reply>(self, nullptr, main->chain, pegrec_atom::value);
      if (!side || !m || side->code != 0 || m->code != 0)
        break;
      // Read the sidechain again: if it moved, a receipt it now has may postdate the mainchain read.
      auto again = core.ask<peg_records_reply>(self, nullptr, h.chain, pegrec_atom::value);
      if (!again || again->final_height != side->final_height)
        continue;
      auto a = rebuild_peg(mainchain_id, *m);
      auto b = rebuild_peg(h.id, *side);
      const bool ok = a && b && peg::check_conservation(a->peg_ledger(), b->peg_ledger());
      std::lock_guard lock(core.metrics_mutex);
      core.metrics.peg_conservation.Add({{"pair", "1-" + std::to_string(h.id)}}).Set(ok ? 1.0 : 0.0);
      break;
    }
  }
}

/// Refreshes every hosted chain's gauges (keeping a chain's last values if its actors do not
/// answer) and renders the whole registry.
/// Brings each counter of `family` labelled `label`=name up to `counts` (a counter only goes up:
/// it adds what is new). Nothing when `counts` is null.
void copy_counts(const named_counts* counts, prometheus::Family<prometheus::Counter>& family, const std::string& label) {
  if (!counts)
    return;
  for (const auto& [name, n] : counts->snapshot()) {
    auto& c = family.Add({{label, name}});
    if (static_cast<double>(n) > c.Value())
      c.Increment(static_cast<double>(n) - c.Value());
  }
}

/// Raises `c` to `n` (a counter only goes up).
void raise_to(prometheus::Counter& c, std::uint64_t n) {
  if (static_cast<double>(n) > c.Value())
    c.Increment(static_cast<double>(n) - c.Value());
}

/// The read cache's counts (docs/cache.md); every series exists from the first scrape on.
void update_cache(bridge_core& core) {
  if (!core.config.cache)
    return;
  const auto s = core.config.cache->snapshot();
  std::lock_guard lock(core.metrics_mutex);
  auto& m = core.metrics;
  for (std::size_t i = 0; i < cache_kind_count; ++i) {
    const std::string kind(to_string(static_cast<cache_kind>(i)));
    raise_to(m.cache_requests.Add({{"cache", kind}, {"result", "hit"}}), s.hits[i]);
    raise_to(m.cache_requests.Add({{"cache", kind}, {"result", "miss"}}), s.misses[i]);
  }
  raise_to(m.cache_invalidations.Add({}), s.invalidations);
  m.cache_entries.Add({}).Set(static_cast<double>(s.entries));
  raise_to(m.cache_backend_errors.Add({{"backend", s.backend}}), 0);
  for (const auto& [backend, n] : s.backend_errors)
    raise_to(m.cache_backend_errors.Add({{"backend", backend}}), n);
}

void update_server(bridge_core& core) {
  if (!core.srv)
    return;
  const auto& s = core.srv->stats();
  std::lock_guard lock(core.metrics_mutex);
  auto& m = core.metrics;
  m.connections.Add({{"state", "open"}}).Set(static_cast<double>(s.open_connections.load()));
  m.connections.Add({{"state", "queued"}}).Set(static_cast<double>(s.queued.load()));
  m.connections.Add({{"state", "in_flight"}}).Set(static_cast<double>(s.in_flight.load()));
  raise_to(m.connection_events.Add({{"event", "accepted"}}), s.accepted.load());
  raise_to(m.connection_events.Add({{"event", "refused"}}), s.refused_connections.load());
  raise_to(m.connection_events.Add({{"event", "timed_out"}}), s.timed_out.load());
  raise_to(m.connection_events.Add({{"event", "busy"}}), s.busy.load());
}

/// bfd_peer_conduct_total{event}: peer nodes' offences on this node's CAF links, the disconnects
/// and refusals they led to (actors/peer_conduct.hpp), as the served chain's actor reports them
/// (node-wide counts). Registered on first use: the family lives in the bridge's registry.
void update_peer_conduct(bridge_core& core) {
  if (!core.config.chain)
    return;
  caf::scoped_actor self{core.system};
  auto info = core.ask<chain_info>(self, nullptr, core.config.chain, info_atom::value);
  if (!info || info->peer_conduct.empty())
    return;
  std::lock_guard lock(core.metrics_mutex);
  auto& family = prometheus::BuildCounter()
                   .Name("bfd_peer_conduct_total")
                   .Help("Peer nodes' offences on this node's actor links (event=\"bad_signature\", \"undecodable\", "
                         "\"unexpected_message\"), the disconnects they led to, messages refused from a "
                         "disconnected node, and relays without a sender dropped (docs/topology.md)")
                   .Register(core.metrics.registry);
  for (const auto& [event, n] : info->peer_conduct)
    raise_to(family.Add({{"event", event}}), n);
}

void get_metrics(bridge_core& core, http::response& res) {
  {
    caf::scoped_actor self{core.system};
    auto hosted = core.hosted_chains(self, nullptr);
    for (const auto& h : hosted ? *hosted : std::vector<chain_handles>{}) {
      auto info = core.ask<chain_info>(self, nullptr, h.chain, info_atom::value);
      auto delegates = core.ask<std::vector<delegate_summary>>(self, nullptr, h.chain, delegates_atom::value);
      auto size = core.ask<std::uint64_t>(self, nullptr, h.mempool, size_atom::value);
      std::lock_guard lock(core.metrics_mutex);
      if (info && delegates)
        core.metrics.update(h.id, *info, *delegates, core.params_of(h.id));
      if (size)
        core.metrics.update_mempool(h.id, *size);
    }
  }
  update_peer_conduct(core);
  update_peg_conservation(core);
  update_cache(core);
  update_server(core);
  {
    std::lock_guard lock(core.metrics_mutex);
    copy_counts(core.config.restarts.get(), core.metrics.actor_restarts, "actor");
    copy_counts(core.config.triage_reports.get(), core.metrics.triage_reports, "outcome");
  }
  res.status = 200;
  res.set_content(prometheus::TextSerializer().Serialize(core.metrics.registry.Collect()),
                  "text/plain; version=0.0.4; charset=utf-8");
}

} // namespace

void register_metrics_routes(bridge_core& core) {
  core.get("/metrics", [&core](const http::request&, http::response& res) { get_metrics(core, res); });
}

} // namespace bfd::http
