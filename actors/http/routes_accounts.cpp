// GET /v1/accounts/{address}: an account's balance and next nonce as the head sees them.
#include "actors/http/bridge_core.hpp"

namespace bfd::http {

namespace {

void get_account(bridge_core& core, const std::string& text, httplib::Response& res) {
  auto addr = parse_address(text);
  if (!addr)
    return reply(res, 400, error_json(addr.error()));
  caf::scoped_actor self{core.system};
  auto account = core.ask<account_summary>(self, &res, core.config.chain, account_atom::value, *addr);
  if (!account)
    return;
  reply(res, 200, account_json(*addr, *account));
}

} // namespace

void register_account_routes(bridge_core& core) {
  core.server.Get(R"(/v1/accounts/([^/]+))", [&core](const httplib::Request& req, httplib::Response& res) {
    get_account(core, req.matches[1].str(), res);
  });
}

} // namespace bfd::http
