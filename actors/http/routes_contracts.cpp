// GET /v1/contracts/...: templates, a contract (template, balance, state root, calls), its kept
// events and, as signed reads by its readers, its raw state, from the head state's contracts
// module (docs/contracts.md, "HTTP").
#include "actors/http/bridge_core.hpp"

#include "chains/cache/invalidation.hpp"
#include "chains/contracts/wasm_engine.hpp"
#include "chains/core/hex.hpp"
#include "protocols/contract_json.hpp"

namespace bfd::http {

namespace {

using what = contract_query::what;

/// The longest state key a contract can write: longer ones cannot exist, so they are refused here.
const std::size_t max_state_key_bytes = contracts::wasm_limits{}.max_key_bytes;

void answer(bridge_core& core, const chain_view& c, what w, const bytes& key, std::uint64_t from,
            http::response& res, const address& caller = {}) {
  caf::scoped_actor self{core.system};
  auto a = core.ask<contract_answer>(self, &res, c.handles.chain, contract_atom::value, static_cast<std::uint8_t>(w),
                                     key, from, max_query_items, caller);
  if (!a)
    return;
  if (a->code != 0) {
    const auto code = static_cast<errc>(a->code);
    const int status = code == errc::not_found || code == errc::kind_not_enabled ? 404
                       : code == errc::access_denied                              ? 403
                                                                                  : 400;
    return reply(res, status, error_json(make_error(code, a->detail)));
  }
  res.status = 200;
  res.set_content(a->json, "application/json");
}

std::optional<bytes> hex_key(const std::string& text, std::size_t n, const char* what, http::response& res) {
  auto b = from_hex(text);
  if (!b || b->size() != n) {
    reply(res, 400, error_json(make_error(errc::bad_hex, std::string("expected ") + what)));
    return std::nullopt;
  }
  return *b;
}

std::optional<bytes> address_key(const std::string& text, http::response& res) {
  auto a = parse_address(text);
  if (!a) {
    reply(res, 400, error_json(a.error()));
    return std::nullopt;
  }
  return bytes(a->begin(), a->end());
}

void get_templates(bridge_core& core, const chain_view& c, const std::vector<std::string>&, http::response& res) {
  answer(core, c, what::templates, {}, 0, res);
}

void get_templates_after(bridge_core& core, const chain_view& c, const std::vector<std::string>& args,
                         http::response& res) {
  if (auto k = hex_key(args.at(0), 32, "a template id of 64 hex digits", res))
    answer(core, c, what::templates, *k, 0, res);
}

void get_template(bridge_core& core, const chain_view& c, const std::vector<std::string>& args, http::response& res) {
  if (auto k = hex_key(args.at(0), 32, "a template id of 64 hex digits", res))
    answer(core, c, what::template_one, *k, 0, res);
}

void get_contract(bridge_core& core, const chain_view& c, const std::vector<std::string>& args, http::response& res) {
  if (auto k = address_key(args.at(0), res))
    answer(core, c, what::contract, *k, 0, res);
}

void get_events(bridge_core& core, const chain_view& c, const std::vector<std::string>& args, http::response& res) {
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

// A contract's state (docs/contracts.md, "Reads of a contract's state"): a signed read; the chain
// decides, from the same head state it reads, whether the caller is one of the contract's readers.
//
// With the read cache (docs/cache.md): the signature is checked on every request as without it;
// the contract's readers (data named at deploy) are cached with its state, and the decision is
// made from them on every request: a named reader's read is served from the cache; anyone else's
// (a reader through the contract's ACL scope, or no reader at all) goes to the chain, which decides.
void read_state(bridge_core& core, const chain_view& c, const http::request& req, what w, bytes key,
                http::response& res) {
  auto caller = core.signed_caller(req, res, c);
  if (!caller)
    return;
  auto direct = [&](http::response& out) { answer(core, c, w, key, 0, out, *caller); };
  auto chain = core.config.cache ? core.cache_chain_id(c) : std::nullopt;
  if (!chain || key.size() < 20)
    return direct(res);
  address a;
  std::copy(key.begin(), key.begin() + 20, a.begin());
  const auto name = format_address(a);
  const auto tags = cache::read_tags(*chain, cache::read_stage::head, module_id::contracts, name);
  const auto info_key = "ci|" + std::to_string(*chain) + "|" + name;
  auto info = core.config.cache->get(cache_kind::contract, info_key, tags);
  std::string view;
  if (info.value) {
    view = std::move(*info.value);
  } else {
    http::response fetched;
    answer(core, c, what::contract, bytes(a.begin(), a.end()), 0, fetched);
    if (fetched.status != 200)
      return direct(res);
    view = fetched.body;
    core.config.cache->put(info_key, tags, info.ticket, view);
  }
  const auto parsed = json_object::parse(view, nullptr, false);
  bool named = false;
  if (parsed.is_object() && parsed.contains("readers") && parsed["readers"].is_array())
    for (const auto& r : parsed["readers"])
      named = named || (r.is_string() && r.get<std::string>() == format_address(*caller));
  if (!named)
    return direct(res);
  const auto value_key = "cs|" + std::to_string(*chain) + "|" + std::to_string(static_cast<int>(w)) + "|" + to_hex(key);
  core.cached(res, cache_kind::contract, value_key, tags, direct);
}

std::optional<bytes> state_key(const std::string& text, const char* what, http::response& res) {
  auto b = from_hex(text);
  if (!b || b->empty() || b->size() > max_state_key_bytes) {
    reply(res, 400, error_json(make_error(errc::bad_hex, std::string(what) + ": a state key is 1 to "
                                                           + std::to_string(max_state_key_bytes) + " bytes in hex")));
    return std::nullopt;
  }
  return *b;
}

void get_state(bridge_core& core, const chain_view& c, const http::request& req,
               const std::vector<std::string>& args, http::response& res) {
  auto key = address_key(args.at(0), res);
  if (!key)
    return;
  for (const auto& [name, value] : req.params) {
    if (name != "after")
      return reply(res, 400, error_json(make_error(errc::invalid_argument, "the only query parameter is after (a state "
                                                                           "key in hex)")));
    if (req.params.count("after") != 1)
      return reply(res, 400, error_json(make_error(errc::invalid_argument, "after appears once")));
    auto after = state_key(value, "after", res);
    if (!after)
      return;
    key->insert(key->end(), after->begin(), after->end());
  }
  read_state(core, c, req, what::state, std::move(*key), res);
}

void get_state_value(bridge_core& core, const chain_view& c, const http::request& req,
                     const std::vector<std::string>& args, http::response& res) {
  auto key = address_key(args.at(0), res);
  if (!key)
    return;
  auto k = state_key(args.at(1), "the key", res);
  if (!k)
    return;
  key->insert(key->end(), k->begin(), k->end());
  read_state(core, c, req, what::state_value, std::move(*key), res);
}

} // namespace

void register_contract_routes(bridge_core& core) {
  // The literal "templates" routes first: the router serves the first pattern that matches.
  core.chain_get(R"(/contracts/templates)", get_templates);
  core.chain_get(R"(/contracts/templates/after/([^/]+))", get_templates_after);
  core.chain_get(R"(/contracts/templates/([^/]+))", get_template);
  core.chain_get(R"(/contracts/([^/]+)/events)", get_events);
  core.chain_get(R"(/contracts/([^/]+)/events/([^/]+))", get_events);
  core.chain_get(R"(/contracts/([^/]+)/state)", get_state);
  core.chain_get(R"(/contracts/([^/]+)/state/([^/]+))", get_state_value);
  core.chain_get(R"(/contracts/([^/]+))", get_contract);
}

} // namespace bfd::http
