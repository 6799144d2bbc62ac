// GET /v1/accounts/{address}: an account's balance and next nonce as the head sees them.
#include "actors/http/bridge_core.hpp"

namespace bfd::http {

namespace {

void get_account(bridge_core& core, const chain_view& c, const std::vector<std::string>& args, http::response& res) {
  const auto& text = args.at(0);
  auto addr = parse_address(text);
  if (!addr)
    return reply(res, 400, error_json(addr.error()));
  caf::scoped_actor self{core.system};
  auto account = core.ask<account_summary>(self, &res, c.handles.chain, account_atom::value, *addr);
  if (!account)
    return;
  reply(res, 200, account_json(*addr, *account));
}

} // namespace

void register_account_routes(bridge_core& core) {
  core.chain_get(R"(/accounts/([^/]+))", get_account);
}

} // namespace bfd::http
