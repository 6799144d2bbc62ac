// GET /v1/services[?from=ID], GET /v1/services/{id or uuid}, GET
// /v1/services/{id}/resolve/{chain}[?height=H]: the mainchain's service registry as its final
// state holds it (docs/services.md, docs/http.md). Public reads.
#include "actors/http/json_view.hpp"

#include "chains/cache/invalidation.hpp"

namespace bfd::http {

namespace {

void answer(bridge_core& core, const chain_view& c, const std::string& what, const std::string& a,
            const std::string& b, http::response& res) {
  auto read = [&](http::response& out) {
    caf::scoped_actor self{core.system};
    auto v = core.ask<json_view_reply>(self, &out, c.handles.chain, services_atom::value, what, a, b);
    if (v)
      reply_view(out, *v);
  };
  // Cached per view and arguments (lengths first: no two requests share a key), valid until the
  // chain's final services state changes (docs/cache.md).
  auto chain = core.cache_chain_id(c);
  if (!chain)
    return read(res);
  const auto key = "reg|" + std::to_string(*chain) + "|" + what + "|" + std::to_string(a.size()) + ":" + a + "|" + b;
  core.cached(res, cache_kind::registry, key, cache::read_tags(*chain, cache::read_stage::final, module_id::services),
              read);
}

// A query parameter, or "" when absent.
std::string param(const http::request& req, const char* name) {
  return req.has_param(name) ? req.get_param_value(name) : std::string();
}

void get_list(bridge_core& core, const chain_view& c, const http::request& req, const std::vector<std::string>&,
              http::response& res) {
  answer(core, c, "list", param(req, "from"), {}, res);
}

void get_service(bridge_core& core, const chain_view& c, const std::vector<std::string>& args,
                 http::response& res) {
  answer(core, c, "show", args.at(0), {}, res);
}

void get_resolve(bridge_core& core, const chain_view& c, const http::request& req,
                 const std::vector<std::string>& args, http::response& res) {
  auto at = args.at(1);
  if (req.has_param("height"))
    at += "@" + req.get_param_value("height");
  answer(core, c, "resolve", args.at(0), at, res);
}

} // namespace

void register_services_routes(bridge_core& core) {
  core.chain_get("/services", get_list);
  core.chain_get(R"(/services/([^/]+))", get_service);
  core.chain_get(R"(/services/([^/]+)/resolve/([^/]+))", get_resolve);
}

} // namespace bfd::http
