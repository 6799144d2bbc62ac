// GET /v1/info (the chain, its head and final block, round, categories, mempool size) and
// GET /healthz.
#include "actors/http/bridge_core.hpp"

namespace bfd::http {

namespace {

void get_info(bridge_core& core, httplib::Response& res) {
  caf::scoped_actor self{core.system};
  auto info = core.ask<chain_info>(self, &res, core.config.chain, info_atom::value);
  if (!info)
    return;
  auto delegates = core.ask<std::vector<delegate_summary>>(self, &res, core.config.chain, delegates_atom::value);
  if (!delegates)
    return;
  auto size = core.ask<std::uint64_t>(self, &res, core.config.mempool, size_atom::value);
  if (!size)
    return;
  auto j = chain_info_json(*info, *delegates, core.config.params);
  j["mempool_size"] = *size;
  reply(res, 200, j);
}

void get_health(bridge_core& core, httplib::Response& res) {
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

} // namespace

void register_node_routes(bridge_core& core) {
  core.server.Get("/v1/info", [&core](const httplib::Request&, httplib::Response& res) { get_info(core, res); });
  core.server.Get("/healthz", [&core](const httplib::Request&, httplib::Response& res) { get_health(core, res); });
}

} // namespace bfd::http
