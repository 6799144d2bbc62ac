// GET /v1/peg/messages/{id}: a two-way peg message ("<source chain>:<sequence>") as the final
// states of the chains this node hosts know it: its state on the source, its body while in
// flight there, and which hosted chain holds its receipt; GET /v1/chains/{chain}/peg: what a
// chain's final peg ledger holds (escrows, voucher supplies, messages in flight), for
// reconciliation (docs/peg.md, docs/http.md).
#include "actors/http/bridge_core.hpp"

#include <map>

#include <fmt/format.h>

#include "chains/core/amount.hpp"
#include "chains/core/hex.hpp"
#include "chains/crypto/keys.hpp"
#include "chains/peg/peg_ledger.hpp"
#include "chains/peg/peg_module.hpp"

namespace bfd::http {

namespace {

const char* state_name(std::uint8_t s) {
  switch (static_cast<peg::message_state>(s)) {
    case peg::message_state::in_flight: return "in_flight";
    case peg::message_state::delivered: return "delivered";
    case peg::message_state::failed: return "failed";
    case peg::message_state::timed_out: return "refunded";
  }
  return "unknown";
}

json_object message_json(const peg::peg_message& m) {
  json_object j;
  j["destination"] = m.destination;
  j["sender"] = format_address(m.sender);
  j["receiver"] = format_address(m.receiver);
  j["timeout_height"] = m.timeout_height;
  if (const auto* a = std::get_if<peg::asset_transfer>(&m.payload)) {
    j["kind"] = "asset_transfer";
    j["denom"] = a->denom;
    j["value"] = a->value;
  } else if (const auto* c = std::get_if<peg::metadata_commit>(&m.payload)) {
    j["kind"] = "metadata_commit";
    j["commits"] = fmt::format("{}:{}", c->op.source, c->op.sequence);
  } else {
    j["kind"] = "metadata_op";
    j["operation"] = std::get<peg::metadata_op>(m.payload).operation;
  }
  return j;
}

void get_message(bridge_core& core, const std::string& text, http::response& res) {
  const auto colon = text.find(':');
  const auto source = colon == std::string::npos ? std::nullopt : parse_chain_id(std::string_view(text).substr(0, colon));
  const auto sequence = colon == std::string::npos ? std::nullopt : parse_height(std::string_view(text).substr(colon + 1));
  if (!source || !sequence)
    return reply(res, 400, error_json(make_error(errc::invalid_argument,
                                                 "expected a message id <source chain>:<sequence> (decimal)")));
  caf::scoped_actor self{core.system};
  auto chains = core.hosted_chains(self, &res);
  if (!chains)
    return;
  json_object j;
  j["id"] = text;
  j["source"] = *source;
  j["sequence"] = *sequence;
  bool known = false;
  auto received_on = json_object::array();
  for (const auto& c : *chains) {
    if (!c.chain)
      continue;
    auto v = core.ask<peg_message_view>(self, &res, c.chain, pegmsg_atom::value, *source, *sequence);
    if (!v)
      return;
    if (v->code != 0)
      continue;  // no peg on this chain
    if (c.id == *source && v->sent) {
      known = true;
      j["state"] = state_name(v->state);
      j["source_final_height"] = v->final_height;
      if (!v->message.empty())
        if (auto m = codec::decode_peg_message(v->message))
          j["message"] = message_json(*m);
    }
    if (v->received) {
      known = true;
      json_object r;
      r["chain"] = c.id;
      r["acknowledged"] = v->ack_success ? "success" : "failure";
      received_on.push_back(std::move(r));
    }
  }
  if (!known)
    return reply(res, 404, error_json(make_error(errc::not_found, "no hosted chain knows peg message " + text)));
  j["received_on"] = std::move(received_on);
  reply(res, 200, j);
}

void get_ledger(bridge_core& core, const chain_view& c, const std::vector<std::string>&, http::response& res) {
  auto id = core.chain_id_of(c, res);
  if (!id)
    return;
  caf::scoped_actor self{core.system};
  auto r = core.ask<peg_records_reply>(self, &res, c.handles.chain, pegrec_atom::value);
  if (!r)
    return;
  if (r->code != 0)
    return reply(res, 404, error_json(make_error(errc::kind_not_enabled, fmt::format("chain {} has no peg", *id))));
  std::vector<std::pair<bytes, bytes>> records;
  for (std::size_t i = 0; i < r->keys.size() && i < r->values.size(); ++i)
    records.emplace_back(r->keys[i], r->values[i]);
  auto m = peg_module::from_records(*id, records);
  if (!m)
    return reply(res, 500, error_json(m.error()));
  const auto& ledger = (*m)->peg_ledger();
  json_object j;
  j["chain"] = *id;
  j["final_height"] = r->final_height;
  auto escrows = json_object::array();
  for (const auto& [key, value] : ledger.escrows()) {
    json_object e;
    e["denom"] = key.first;
    e["counterparty"] = key.second;
    e["value"] = format_amount(value);
    e["value_units"] = value;
    escrows.push_back(std::move(e));
  }
  j["escrows"] = std::move(escrows);
  auto vouchers = json_object::array();
  for (const auto& d : ledger.voucher_denoms()) {
    json_object v;
    v["denom"] = d;
    v["supply"] = format_amount(ledger.voucher_supply(d));
    v["supply_units"] = ledger.voucher_supply(d);
    vouchers.push_back(std::move(v));
  }
  j["vouchers"] = std::move(vouchers);
  j["in_flight"] = ledger.messages_in_flight().size();
  // Per destination, so a client waiting for one pair's traffic to settle (fund liquidate before
  // a cease, the fund scenario before it reconciles) ignores the other chains'.
  std::map<chain_id, std::uint64_t> by_destination;
  for (const auto& [mid, m] : ledger.messages_in_flight())
    ++by_destination[m.destination];
  auto in_flight_to = json_object::array();
  for (const auto& [dest, count] : by_destination) {
    json_object e;
    e["chain"] = dest;
    e["count"] = count;
    in_flight_to.push_back(std::move(e));
  }
  j["in_flight_by_destination"] = std::move(in_flight_to);
  j["sent"] = ledger.next_sequence();
  reply(res, 200, j);
}

} // namespace

void register_peg_routes(bridge_core& core) {
  core.chain_get("/peg", get_ledger);
  core.get(R"(/v1/peg/messages/([^/]+))", [&core](const http::request& req, http::response& res) {
    get_message(core, req.matches[1], res);
  });
}

} // namespace bfd::http
