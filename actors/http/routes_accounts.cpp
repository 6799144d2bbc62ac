// GET /v1/accounts/{address}: an account's balance and next nonce as the head sees them; and
// GET /v1/accounts/{address}/txs[?cursor=&limit=]: its final transactions, newest first.
#include "actors/http/bridge_core.hpp"
#include "actors/http/json_view.hpp"

#include <charconv>

namespace bfd::http {

namespace {

void get_account(bridge_core& core, const chain_view& c, const std::vector<std::string>& args, httplib::Response& res) {
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

/// A page of the account history the chain store keeps (docs/http.md): limit 1-100 (20 unless
/// given), cursor the previous page's `next`.
void get_account_txs(bridge_core& core, const chain_view& c, const httplib::Request& req,
                     const std::vector<std::string>& args, httplib::Response& res) {
  auto addr = parse_address(args.at(0));
  if (!addr)
    return reply(res, 400, error_json(addr.error()));
  std::string cursor;
  std::uint32_t limit = 20;
  for (const auto& [name, value] : req.params) {
    if (name == "cursor" && value.size() <= 41) {
      cursor = value;
    } else if (name == "limit") {
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), limit);
      if (ec != std::errc{} || end != value.data() + value.size() || limit == 0 || limit > 100)
        return reply(res, 400, error_json(make_error(errc::invalid_argument, "limit: a decimal from 1 to 100")));
    } else {
      return reply(res, 400, error_json(make_error(errc::invalid_argument, "unknown or oversized query parameter '"
                                                                             + clipped(name, 32)
                                                                             + "': cursor and limit are read")));
    }
  }
  caf::scoped_actor self{core.system};
  auto v = core.ask<json_view_reply>(self, &res, c.handles.chain, acctxs_atom::value, *addr, cursor, limit);
  if (v)
    reply_view(res, *v);
}

} // namespace

void register_account_routes(bridge_core& core) {
  core.chain_get(R"(/accounts/([^/]+))", get_account);
  core.chain_get(R"(/accounts/([^/]+)/txs)", get_account_txs);
}

} // namespace bfd::http
