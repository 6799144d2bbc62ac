// GET /v1/chains/{chain}/authority/groups/{group}[?after=PSEUDONYM]: a credential group as the
// chain's final state holds it, with a page of at most 1,000 revoked pseudonyms (after the one
// named), what a verifier consults before a handshake (docs/membership-proofs.md).
#include "actors/http/json_view.hpp"

namespace bfd::http {

namespace {

void get_group(bridge_core& core, const chain_view& c, const http::request& req, const std::vector<std::string>& args,
               http::response& res) {
  std::string after;
  for (const auto& [name, value] : req.params) {
    if (name != "after")
      return reply(res, 400, error_json(make_error(errc::invalid_argument, "unknown query parameter '"
                                                                             + clipped(name, 32) + "': after is read")));
    after = value;
  }
  if (args.at(0).size() != 64 || after.size() > 64)
    return reply(res, 400, error_json(make_error(errc::invalid_argument, "a group id and a pseudonym are 64 hex characters")));
  caf::scoped_actor self{core.system};
  auto v = core.ask<json_view_reply>(self, &res, c.handles.chain, authority_atom::value, args.at(0), after);
  if (v)
    reply_view(res, *v);
}

} // namespace

void register_authority_routes(bridge_core& core) {
  core.chain_get(R"(/authority/groups/([^/]+))", get_group);
}

} // namespace bfd::http
