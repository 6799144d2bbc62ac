// GET /v1/contracts/...: templates, a contract (template, balance, state root, calls) and its
// kept events, from the head state's contracts module (docs/contracts.md, "HTTP"). A
// contract's raw state is not served here: reads of it are gated by its ACL at the edge.
#include "actors/http/bridge_core.hpp"

#include "chains/core/hex.hpp"
#include "protocols/contract_json.hpp"

namespace bfd::http {

namespace {

using what = contract_query::what;

void answer(bridge_core& core, const chain_view& c, what w, const bytes& key, std::uint64_t from,
            httplib::Response& res) {
  caf::scoped_actor self{core.system};
  auto a = core.ask<contract_answer>(self, &res, c.handles.chain, contract_atom::value, static_cast<std::uint8_t>(w),
                                     key, from, max_query_items);
  if (!a)
    return;
  if (a->code != 0) {
    const auto code = static_cast<errc>(a->code);
    const int status = code == errc::not_found || code == errc::kind_not_enabled ? 404 : 400;
    return reply(res, status, error_json(make_error(code, a->detail)));
  }
  res.status = 200;
  res.set_content(a->json, "application/json");
}

std::optional<bytes> hex_key(const std::string& text, std::size_t n, const char* what, httplib::Response& res) {
  auto b = from_hex(text);
  if (!b || b->size() != n) {
    reply(res, 400, error_json(make_error(errc::bad_hex, std::string("expected ") + what)));
    return std::nullopt;
  }
  return *b;
}

std::optional<bytes> address_key(const std::string& text, httplib::Response& res) {
  auto a = parse_address(text);
  if (!a) {
    reply(res, 400, error_json(a.error()));
    return std::nullopt;
  }
  return bytes(a->begin(), a->end());
}

void get_templates(bridge_core& core, const chain_view& c, const std::vector<std::string>&, httplib::Response& res) {
  answer(core, c, what::templates, {}, 0, res);
}

void get_templates_after(bridge_core& core, const chain_view& c, const std::vector<std::string>& args,
                         httplib::Response& res) {
  if (auto k = hex_key(args.at(0), 32, "a template id of 64 hex digits", res))
    answer(core, c, what::templates, *k, 0, res);
}

void get_template(bridge_core& core, const chain_view& c, const std::vector<std::string>& args, httplib::Response& res) {
  if (auto k = hex_key(args.at(0), 32, "a template id of 64 hex digits", res))
    answer(core, c, what::template_one, *k, 0, res);
}

void get_contract(bridge_core& core, const chain_view& c, const std::vector<std::string>& args, httplib::Response& res) {
  if (auto k = address_key(args.at(0), res))
    answer(core, c, what::contract, *k, 0, res);
}

void get_events(bridge_core& core, const chain_view& c, const std::vector<std::string>& args, httplib::Response& res) {
  std::uint64_t from = 0;
  if (args.size() > 1) {
    auto f = parse_height(args[1]);
    if (!f)
      return reply(res, 400, error_json(make_error(errc::invalid_argument, "an event sequence is a decimal number")));
    from = *f;
  }
  if (auto k = address_key(args.at(0), res))
    answer(core, c, what::events, *k, from, res);
}

} // namespace

void register_contract_routes(bridge_core& core) {
  // The literal "templates" routes first: cpp-httplib serves the first pattern that matches.
  core.chain_get(R"(/contracts/templates)", get_templates);
  core.chain_get(R"(/contracts/templates/after/([^/]+))", get_templates_after);
  core.chain_get(R"(/contracts/templates/([^/]+))", get_template);
  core.chain_get(R"(/contracts/([^/]+)/events)", get_events);
  core.chain_get(R"(/contracts/([^/]+)/events/([^/]+))", get_events);
  core.chain_get(R"(/contracts/([^/]+))", get_contract);
}

} // namespace bfd::http
