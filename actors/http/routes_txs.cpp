// Transactions: POST /v1/txs (one signed transaction), POST /v1/txs/batch, GET /v1/txs/{id}.
#include "actors/http/bridge_core.hpp"

#include "chains/access/access_shape.hpp"
#include "protocols/contract_json.hpp"

#include "chains/core/hex.hpp"

namespace bfd::http {

namespace {

// True after replying: a transaction of kinds 20-23 that is malformed (400 invalid_argument) or
// whose sender is no admin of the scope it changes, nor of global (403 access_denied), as the
// head state says. The state rules (already_held, …) are left to inclusion: a change still
// pending may satisfy them.
bool access_precheck(bridge_core& core, const chain_view& c, caf::scoped_actor& self, http::response& res,
                     const transaction& tx) {
  std::optional<acl::scope> authority;
  status shape;
  std::visit(
    [&](const auto& p) {
      using T = std::decay_t<decltype(p)>;
      if constexpr (T::module == module_id::access) {
        shape = acl::check_shape(p);
        authority = acl::authority_scope(p);
      }
    },
    tx.payload);
  if (!authority)
    return false;
  auto refuse = [&](const error& err) {
    auto j = error_json(err);
    j["error"]["id"] = to_hex(signing_hash(tx));
    reply(res, status_of_refusal(err.code), j);
    return true;
  };
  if (!shape.ok())
    return refuse(shape.error());
  access_query q;
  q.what = static_cast<std::uint8_t>(access_query_kind::check);
  q.scope_kind = static_cast<std::uint8_t>(authority->kind);
  q.scope_id = authority->id;
  q.account = address_of(tx.sender);
  q.permission = static_cast<std::uint8_t>(acl::permission::admin);
  auto answer = core.ask<access_answer>(self, &res, c.handles.chain, acl_atom::value, q);
  if (!answer)
    return true;
  // A chain without the module: the mempool refuses the kind itself (kind_not_enabled).
  if (answer->code != 0 || answer->decision == 0)
    return false;
  return refuse(make_error(static_cast<errc>(answer->decision),
                           "only an admin of " + acl::to_string(*authority) + " or of global may send "
                             + std::string(payload_name(tx.payload)) + "; " + answer->decision_detail));
}

void get_tx(bridge_core& core, const chain_view& c, const std::vector<std::string>& args, http::response& res) {
  const auto& text = args.at(0);
  auto id = fixed_from_hex<32>(text);
  if (!id)
    return reply(res, 400, error_json(make_error(errc::bad_hex, "a transaction id is 64 hex characters")));
  caf::scoped_actor self{core.system};
  auto unknown = [](const tx_status& s) { return static_cast<tx_state>(s.state) == tx_state::unknown; };
  auto status = core.ask<tx_status>(self, &res, c.handles.chain, tx_atom::value, *id);
  if (!status)
    return;
  if (unknown(*status)) {
    status = core.ask<tx_status>(self, &res, c.handles.mempool, tx_atom::value, *id);
    if (!status)
      return;
  }
  if (unknown(*status)) {
    // It may have left the mempool for a block between the two questions.
    status = core.ask<tx_status>(self, &res, c.handles.chain, tx_atom::value, *id);
    if (!status)
      return;
  }
  if (unknown(*status))
    return reply(res, 404, error_json(make_error(errc::not_found, "no transaction " + to_hex(*id)
                                                                    + " is pending, in the chain or recently rejected")));
  auto out = tx_status_json(*id, *status);
  // An included deploy, call or slot change carries its outcome (docs/contracts.md): ask the chain for it.
  const auto state = static_cast<tx_state>(status->state);
  if ((state == tx_state::included || state == tx_state::final) && status->tx
      && (std::holds_alternative<contract_deploy_tx>(status->tx->payload)
          || std::holds_alternative<contract_call_tx>(status->tx->payload)
          || std::holds_alternative<contract_set_slot_tx>(status->tx->payload))) {
    auto a = core.ask<contract_answer>(self, &res, c.handles.chain, contract_atom::value,
                                       static_cast<std::uint8_t>(contract_query::what::receipt),
                                       bytes(id->begin(), id->end()), std::uint64_t{0}, std::uint32_t{0}, address{});
    if (!a)
      return;
    if (a->code == 0)
      out["contract_result"] = json_object::parse(a->json);
  }
  reply(res, 200, out);
}

void post_tx_batch(bridge_core& core, const chain_view& c, http::response& res, const http::content_reader& reader) {
  std::string body;
  if (!core.read_body(res, reader, body))
    return;
  auto items = parse_transaction_batch(body);
  if (!items)
    return reply(res, 400, error_json(items.error()));
  std::vector<tx_envelope> txs;
  for (auto& item : *items)
    if (item)
      txs.push_back(tx_envelope{std::move(*item)});
  std::vector<admission> verdicts;
  if (!txs.empty()) {
    caf::scoped_actor self{core.system};
    auto answer = core.ask<std::vector<admission>>(self, &res, c.handles.mempool, submit_atom::value, txs);
    if (!answer)
      return;
    verdicts = std::move(*answer);
  }
  json_object results = json_object::array();
  std::size_t next = 0;
  std::size_t accepted = 0;
  for (auto& item : *items) {
    if (!item) {
      results.push_back(error_json(item.error()));
      continue;
    }
    if (next >= verdicts.size()) {
      results.push_back(error_json(edge_reason::internal, "the mempool gave fewer verdicts than transactions"));
      continue;
    }
    const auto& v = verdicts[next++];
    const auto code = static_cast<errc>(v.code);
    json_object j;
    if (code != errc::ok) {
      j = error_json(make_error(code, v.detail));
      j["error"]["id"] = to_hex(v.id);
    } else {
      ++accepted;
      j["id"] = to_hex(v.id);
      j["status"] = tx_state_name(tx_state::pending);
      if (!v.detail.empty())
        j["detail"] = v.detail;
    }
    results.push_back(std::move(j));
  }
  json_object out;
  out["accepted"] = accepted;
  out["results"] = std::move(results);
  reply(res, 200, out);
}

void post_tx(bridge_core& core, const chain_view& c, http::response& res, const http::content_reader& reader) {
  std::string body;
  if (!core.read_body(res, reader, body))
    return;
  auto tx = parse_transaction_submission(body);
  if (!tx)
    return reply(res, 400, error_json(tx.error()));
  caf::scoped_actor self{core.system};
  // Access control's kinds: shape here, then the sender's authority at the chain's head, so an
  // unauthorized change is refused now (403) rather than dropped at inclusion.
  if (auto refused = access_precheck(core, c, self, res, *tx); refused)
    return;
  auto verdict = core.ask<admission>(self, &res, c.handles.mempool, submit_atom::value, tx_envelope{std::move(*tx)});
  if (!verdict)
    return;
  const auto id = to_hex(verdict->id);
  const auto code = static_cast<errc>(verdict->code);
  if (code != errc::ok) {
    auto j = error_json(make_error(code, verdict->detail));
    j["error"]["id"] = id;
    if (code == errc::mempool_full)
      res.set_header("Retry-After", "1");
    return reply(res, status_of_refusal(code), j);
  }
  json_object j;
  j["id"] = id;
  j["status"] = tx_state_name(tx_state::pending);
  if (!verdict->detail.empty())
    j["detail"] = verdict->detail;
  res.set_header("Location", c.prefix + "/txs/" + id);
  reply(res, 202, j);
}

} // namespace

void register_tx_routes(bridge_core& core) {
  core.chain_get(R"(/txs/([^/]+))", get_tx);
  core.chain_post("/txs", post_tx);
  core.chain_post("/txs/batch", post_tx_batch);
}

} // namespace bfd::http
