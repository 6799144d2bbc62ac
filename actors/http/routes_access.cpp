// Access control (docs/access-control.md, docs/http.md "Access control"): a scope's holdings,
// an account's holdings, one decision. Global's are public; the rest are protected reads, signed
// by the caller and checked against the head state.
#include "actors/http/bridge_core.hpp"

#include "protocols/access_json.hpp"

namespace bfd::http {

namespace {

std::optional<acl::scope> scope_arg(http::response& res, const std::string& text) {
  auto s = acl::parse_scope_text(text);
  if (!s)
    reply(res, 400, error_json(make_error(errc::invalid_argument, "a scope is global, fund_group:ID, service:ID or "
                                                                  "sidechain:ID, not '" + clipped(text, 48) + "'")));
  return s;
}

// A read about `account` in scope `s` (a global account read when `s` is null): the account
// itself may always make it, anyone else needs read (or admin) on the scope. Nothing after
// replying.
std::optional<address> authorize_self_or_read(bridge_core& core, const http::request& req, http::response& res,
                                              const chain_view& c, const address& account, const acl::scope& s) {
  auto caller = core.signed_caller(req, res, c);
  if (!caller)
    return std::nullopt;
  const auto who = *caller;
  access_query q;
  q.what = static_cast<std::uint8_t>(access_query_kind::read);
  q.scope_kind = static_cast<std::uint8_t>(s.kind);
  q.scope_id = s.id;
  q.account = who;
  auto answer = core.ask_access(res, c, q);  // also: 404 when the chain has no access module
  if (!answer)
    return std::nullopt;
  if (who != account && answer->decision != 0) {
    reply(res, 403, error_json(make_error(static_cast<errc>(answer->decision),
                                          answer->decision_detail + " (or sign as " + format_address(account) + ")")));
    return std::nullopt;
  }
  return who;
}

void get_scope(bridge_core& core, const chain_view& c, const http::request& req,
               const std::vector<std::string>& args, http::response& res) {
  auto s = scope_arg(res, args.at(0));
  if (!s)
    return;
  // Who administers the chain is public; every other scope's holders are read by its readers.
  if (!s->is_global() && !core.authorize_read(req, res, c, *s))
    return;
  access_query q;
  q.what = static_cast<std::uint8_t>(access_query_kind::scope);
  q.scope_kind = static_cast<std::uint8_t>(s->kind);
  q.scope_id = s->id;
  auto answer = core.ask_access(res, c, q);
  if (!answer)
    return;
  reply(res, 200, access_scope_json(*s, *answer));
}

void get_account(bridge_core& core, const chain_view& c, const http::request& req,
                 const std::vector<std::string>& args, http::response& res) {
  auto account = parse_address(args.at(0));
  if (!account)
    return reply(res, 400, error_json(account.error()));
  // Every scope the account holds something in: the account itself, or a reader of global.
  if (!authorize_self_or_read(core, req, res, c, *account, acl::scope::global()))
    return;
  access_query q;
  q.what = static_cast<std::uint8_t>(access_query_kind::account);
  q.account = *account;
  auto answer = core.ask_access(res, c, q);
  if (!answer)
    return;
  reply(res, 200, access_account_json(*account, *answer));
}

void get_check(bridge_core& core, const chain_view& c, const http::request& req,
               const std::vector<std::string>& args, http::response& res) {
  auto account = parse_address(args.at(0));
  if (!account)
    return reply(res, 400, error_json(account.error()));
  auto s = scope_arg(res, args.at(1));
  if (!s)
    return;
  auto p = acl::parse_permission(args.at(2));
  if (!p)
    return reply(res, 400, error_json(make_error(errc::invalid_argument, "not a permission: '" + clipped(args.at(2), 32)
                                                                           + "' (docs/access-control.md lists them)")));
  acl::service_level min_level = 0;
  for (const auto& [name, value] : req.params) {
    if (name != "min_level" || value.size() != 1 || value[0] < '0' || value[0] > '3')
      return reply(res, 400, error_json(make_error(errc::invalid_argument, "the only query parameter is "
                                                                           "min_level, from 0 to 3")));
    min_level = static_cast<acl::service_level>(value[0] - '0');
  }
  if (!s->is_global() && !authorize_self_or_read(core, req, res, c, *account, *s))
    return;
  access_query q;
  q.what = static_cast<std::uint8_t>(access_query_kind::check);
  q.scope_kind = static_cast<std::uint8_t>(s->kind);
  q.scope_id = s->id;
  q.account = *account;
  q.permission = static_cast<std::uint8_t>(*p);
  q.min_level = min_level;
  auto answer = core.ask_access(res, c, q);
  if (!answer)
    return;
  reply(res, 200, access_check_json(*account, *s, *p, min_level, *answer));
}

} // namespace

void register_access_routes(bridge_core& core) {
  core.chain_get(R"(/access/scopes/([^/]+))", get_scope);
  core.chain_get(R"(/access/accounts/([^/]+))", get_account);
  core.chain_get(R"(/access/check/([^/]+)/([^/]+)/([^/]+))", get_check);
}

} // namespace bfd::http
