// GET /v1/chains/{chain}/ds[/{section}[/{from}]]: a fund chain's DS metadata as its final state
// holds it: the summary, or bounded pages of members, rates, issuances and usage entries
// (docs/ds-metadata.md, docs/http.md).
#include "actors/http/json_view.hpp"

namespace bfd::http {

namespace {

void get_ds(bridge_core& core, const chain_view& c, const std::vector<std::string>& args, httplib::Response& res) {
  const std::string section = args.size() > 0 ? args[0] : std::string();
  const std::string from = args.size() > 1 ? args[1] : std::string();
  caf::scoped_actor self{core.system};
  auto v = core.ask<json_view_reply>(self, &res, c.handles.chain, dsmeta_atom::value, section, from);
  if (v)
    reply_view(res, *v);
}

} // namespace

void register_ds_routes(bridge_core& core) {
  core.chain_get("/ds", get_ds);
  core.chain_get(R"(/ds/([^/]+))", get_ds);
  core.chain_get(R"(/ds/([^/]+)/([^/]+))", get_ds);
}

} // namespace bfd::http
