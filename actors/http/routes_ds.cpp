// GET /v1/chains/{chain}/ds[/{section}[/{from}]]: a fund chain's DS metadata as its final state
// holds it: the summary, or bounded pages of members (a signed read), rates, issuances and usage
// entries (docs/ds-metadata.md, docs/http.md).
#include "actors/http/json_view.hpp"

#include "chains/cache/invalidation.hpp"

namespace bfd::http {

namespace {

void get_ds(bridge_core& core, const chain_view& c, const http::request& req, const std::vector<std::string>& args,
            http::response& res) {
  const std::string section = args.size() > 0 ? args[0] : std::string();
  const std::string from = args.size() > 1 ? args[1] : std::string();
  // The members and their keys are a protected read (the chain decides who may make it, from the
  // final state it reads them from); the other sections are public.
  address caller{};
  if (section == "members") {
    auto signed_by = core.signed_caller(req, res, c);
    if (!signed_by)
      return;
    caller = *signed_by;
  }
  auto read = [&](http::response& out) {
    caf::scoped_actor self{core.system};
    auto v = core.ask<json_view_reply>(self, &out, c.handles.chain, dsmeta_atom::value, section, from, caller);
    if (v)
      reply_view(out, *v);
  };
  // The public sections are cached until the chain's final DS metadata changes; the members
  // never are (the chain decides each read).
  auto chain = section == "members" ? std::nullopt : core.cache_chain_id(c);
  if (!chain)
    return read(res);
  const auto key = "ds|" + std::to_string(*chain) + "|" + std::to_string(section.size()) + ":" + section + "|" + from;
  core.cached(res, cache_kind::ds, key, cache::read_tags(*chain, cache::read_stage::final, module_id::dsmeta), read);
}

} // namespace

void register_ds_routes(bridge_core& core) {
  core.chain_get("/ds", get_ds);
  core.chain_get(R"(/ds/([^/]+))", get_ds);
  core.chain_get(R"(/ds/([^/]+)/([^/]+))", get_ds);
}

} // namespace bfd::http
