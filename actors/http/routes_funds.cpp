// GET /v1/chains/{chain}/funds and /funds/holders[?from=]: a fund chain's funds module as its
// final state holds it: the reconciled summary, and bounded pages of holders (docs/funds.md,
// docs/http.md). Public reads.
#include "actors/http/json_view.hpp"

namespace bfd::http {

namespace {

void ask_funds(bridge_core& core, const chain_view& c, const std::string& section, const std::string& from,
               http::response& res) {
  caf::scoped_actor self{core.system};
  auto v = core.ask<json_view_reply>(self, &res, c.handles.chain, funds_atom::value, section, from);
  if (v)
    reply_view(res, *v);
}

void get_summary(bridge_core& core, const chain_view& c, const std::vector<std::string>& args,
                 http::response& res) {
  (void)args;
  ask_funds(core, c, "", "", res);
}

void get_holders(bridge_core& core, const chain_view& c, const http::request& req,
                 const std::vector<std::string>& args, http::response& res) {
  (void)args;
  ask_funds(core, c, "holders", req.has_param("from") ? req.get_param_value("from") : std::string(), res);
}

} // namespace

void register_funds_routes(bridge_core& core) {
  core.chain_get("/funds", get_summary);
  core.chain_get("/funds/holders", get_holders);
}

} // namespace bfd::http
