// GET /v1/chains/{chain}/health?contract=ADDR&from=H[&to=H]: what this node measured of a chain
// over a bounded range of final heights (calls to a contract and their failures, missed slots,
// the final-seen latency p99): what the service triage reads (docs/service-triage.md).
#include "actors/http/bridge_core.hpp"

namespace bfd::http {

namespace {

void get_health(bridge_core& core, const chain_view& c, const http::request& req, const std::vector<std::string>&,
                http::response& res) {
  std::optional<address> contract;
  std::optional<std::uint64_t> from;
  std::uint64_t to = UINT64_MAX;
  const auto bad = [&](const std::string& detail) {
    reply(res, 400, error_json(make_error(errc::invalid_argument, detail)));
  };
  for (const auto& [name, value] : req.params) {
    if (name == "contract") {
      auto a = parse_address(value);
      if (!a)
        return reply(res, 400, error_json(a.error()));
      contract = *a;
    } else if (name == "from" || name == "to") {
      auto h = parse_height(value);
      if (!h)
        return bad("'" + name + "' is a decimal height");
      if (name == "from")
        from = *h;
      else
        to = *h;
    } else {
      return bad("unknown query parameter '" + clipped(name, 32) + "': contract, from and to are read");
    }
  }
  if (!contract || !from)
    return bad("contract=ADDRESS and from=HEIGHT are required (to: the final height when left out)");
  if (*from > to)
    return bad("from is above to");
  if (to != UINT64_MAX && to - *from >= max_health_range)
    return bad("at most " + std::to_string(max_health_range) + " heights per request");
  caf::scoped_actor self{core.system};
  auto h = core.ask<health_reply>(self, &res, c.handles.chain, health_atom::value, *contract, *from, to);
  if (!h)
    return;
  if (h->code != 0) {
    const auto code = static_cast<errc>(h->code);
    return reply(res, code == errc::not_found ? 404 : 400, error_json(make_error(code, h->detail)));
  }
  json_object j;
  j["chain"] = h->chain;
  j["contract"] = format_address(*contract);
  j["from"] = h->from;
  j["to"] = h->to;
  j["final_height"] = h->final_height;
  j["blocks"] = h->blocks;
  j["calls"] = h->calls;
  j["failed_calls"] = h->failed_calls;
  j["unknown_calls"] = h->unknown_calls;
  j["missed_slots"] = h->missed_slots;
  j["latency_samples"] = h->latency_samples;
  j["latency_p99_ms"] = h->latency_p99_ms;
  j["latency_max_ms"] = h->latency_max_ms;
  reply(res, 200, j);
}

} // namespace

void register_health_routes(bridge_core& core) {
  core.chain_get("/health", get_health);
}

} // namespace bfd::http
