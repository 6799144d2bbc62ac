// The node and its chains: GET /healthz, GET /v1/chains (every hosted chain), GET /v1/chains/{chain}
// GET /v1/sidechains (the mainchain registry) and the chain route GET /v1/info (head and final block, round, categories, mempool size).
#include "actors/http/bridge_core.hpp"

#include "protocols/json_chains.hpp"

namespace bfd::http {

namespace {

void get_info(bridge_core& core, const chain_view& c, const std::vector<std::string>&, http::response& res) {
  caf::scoped_actor self{core.system};
  auto info = core.ask<chain_info>(self, &res, c.handles.chain, info_atom::value);
  if (!info)
    return;
  auto delegates = core.ask<std::vector<delegate_summary>>(self, &res, c.handles.chain, delegates_atom::value);
  if (!delegates)
    return;
  auto size = core.ask<std::uint64_t>(self, &res, c.handles.mempool, size_atom::value);
  if (!size)
    return;
  auto j = chain_info_json(*info, *delegates, c.params);
  j["mempool_size"] = *size;
  // The node's read cache (docs/cache.md): its backend and its hit rate since the node started.
  if (core.config.cache) {
    const auto s = core.config.cache->snapshot();
    std::uint64_t hits = 0, misses = 0;
    for (std::size_t i = 0; i < cache_kind_count; ++i) {
      hits += s.hits[i];
      misses += s.misses[i];
    }
    j["cache"] = {{"backend", s.backend}, {"shards", s.shards}, {"entries", s.entries}, {"hits", hits},
                  {"misses", misses}, {"hit_rate", s.hit_rate()}};
  } else {
    j["cache"] = nullptr;
  }
  reply(res, 200, j);
}

void get_health(bridge_core& core, http::response& res) {
  caf::scoped_actor self{core.system};
  auto info = core.ask<chain_info>(self, &res, core.config.chain, info_atom::value);
  if (!info)
    return;
  json_object j;
  j["status"] = "ok";
  j["chain"] = info->chain;
  j["head_height"] = info->head_height;
  j["final_height"] = info->final_height;
  reply(res, 200, j);
}

/// One chain's summary; a chain whose actors do not answer is listed as "unavailable" rather
/// than failing the whole list.
json_object summary(bridge_core& core, caf::scoped_actor& self, const chain_handles& h,
                    const std::vector<sidechain_view>& registry) {
  auto info = core.ask<chain_info>(self, nullptr, h.chain, info_atom::value);
  auto delegates = info ? core.ask<std::vector<delegate_summary>>(self, nullptr, h.chain, delegates_atom::value)
                        : std::nullopt;
  if (!info || !delegates)
    return chain_summary_json(h, "unavailable");
  return chain_summary_json(h, *info, *delegates, registry_status(registry, h.id));
}

/// The mainchain registry's sidechains (none when the first chain has no registry or does not answer).
std::vector<sidechain_view> registry_of(bridge_core& core, caf::scoped_actor& self) {
  auto views = core.ask<std::vector<sidechain_view>>(self, nullptr, core.config.chain, sidechains_atom::value);
  return views ? std::move(*views) : std::vector<sidechain_view>{};
}

void get_chains(bridge_core& core, http::response& res) {
  caf::scoped_actor self{core.system};
  auto hosted = core.hosted_chains(self, &res);
  if (!hosted)
    return;
  const auto registry = registry_of(core, self);
  auto list = json_object::array();
  for (const auto& h : *hosted)
    list.push_back(summary(core, self, h, registry));
  json_object j;
  j["count"] = list.size();
  j["chains"] = std::move(list);
  reply(res, 200, j);
}

void get_chain(bridge_core& core, const std::string& id, http::response& res) {
  auto view = core.resolve(res, &id);
  if (!view)
    return;
  caf::scoped_actor self{core.system};
  reply(res, 200, summary(core, self, view->handles, registry_of(core, self)));
}

} // namespace

void register_node_routes(bridge_core& core) {
  core.chain_get("/info", get_info);
  core.get("/healthz", [&core](const http::request&, http::response& res) { get_health(core, res); });
  core.get("/v1/chains", [&core](const http::request&, http::response& res) { get_chains(core, res); });
  core.get(R"(/v1/chains/([^/]+))", [&core](const http::request& req, http::response& res) {
    get_chain(core, req.matches[1], res);
  });
  core.get("/v1/sidechains", [&core](const http::request&, http::response& res) {
    caf::scoped_actor self{core.system};
    auto views = core.ask<std::vector<sidechain_view>>(self, &res, core.config.chain, sidechains_atom::value);
    if (!views)
      return;
    auto list = json_object::array();
    for (const auto& v : *views)
      list.push_back(sidechain_json(v));
    json_object j;
    j["count"] = list.size();
    j["sidechains"] = std::move(list);
    reply(res, 200, j);
  });
}

} // namespace bfd::http
