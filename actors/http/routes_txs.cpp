// Transactions: POST /v1/txs (one signed transaction) and POST /v1/txs/batch, served by the
// bridge's actor (edge_actor.cpp), and GET /v1/txs/{id}.
#include "actors/http/bridge_core.hpp"

#include <caf/send.hpp>

#include "actors/http/edge_actor.hpp"
#include "protocols/contract_json.hpp"

#include "chains/core/hex.hpp"

namespace bfd::http {

namespace {

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

/// POST /v1/txs on the I/O thread: the body parsed (400 at once if it is no transaction and the
/// chain is the configured one), the signature checked and noted, then the bridge's actor takes
/// it on (edge_actor.cpp).
void take_tx(bridge_core& core, const http::request& req, std::optional<std::uint32_t> chain,
             const responder& respond) {
  auto tx = parse_transaction_submission(req.body);
  auto job = std::make_shared<tx_job>(tx_job{respond, chain, false, {}, std::nullopt, req.received});
  if (!tx) {
    if (!chain) {
      http::response res;
      reply(res, 400, error_json(tx.error()));
      return respond(std::move(res));
    }
    job->malformed = tx.error();  // after the chain's 404, if it is not hosted here
  } else {
    core.preverify(*tx);
    job->items.push_back(std::move(tx));
  }
  core.intake->push(std::move(job));
}

/// POST /v1/txs/batch on the I/O thread: the body parsed (400 if it is no batch; a malformed
/// item keeps its place with its error), then the bridge's actor takes it on. Signatures are
/// verified by the mempool's verifiers, in parallel.
void take_tx_batch(bridge_core& core, const http::request& req, std::optional<std::uint32_t> chain,
                   const responder& respond) {
  auto items = parse_transaction_batch(req.body);
  auto job = std::make_shared<tx_job>(tx_job{respond, chain, true, {}, std::nullopt, req.received});
  if (!items) {
    if (!chain) {
      http::response res;
      reply(res, 400, error_json(items.error()));
      return respond(std::move(res));
    }
    job->malformed = items.error();
  } else {
    job->items = std::move(*items);
  }
  core.intake->push(std::move(job));
}

} // namespace

void register_tx_routes(bridge_core& core) {
  core.chain_get(R"(/txs/([^/]+))", get_tx);
  core.chain_post_async("/txs", take_tx);
  core.chain_post_async("/txs/batch", take_tx_batch);
}

} // namespace bfd::http
