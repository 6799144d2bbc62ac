// The HTTP bridge in front of a real node (manual clock) on 127.0.0.1, driven by cpp-httplib's
// client: every route's happy path, refusals with their status codes and error bodies, bounds.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <string>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "actors/http/http_bridge.hpp"
#include "chains/core/hex.hpp"
#include "protocols/json.hpp"
#include "runtime/node.hpp"
#include "tests/actors/support.hpp"
#include "tests/http/support.hpp"

using namespace bfd;
using nlohmann::json;
using std::chrono::seconds;

using namespace bfd::test::http;
using test::shared_network;

TEST_CASE("the read routes describe a fresh chain") {
  harness h;
  auto info = h.get("/v1/info");
  REQUIRE(info.status == 200);
  CHECK(info.content_type == "application/json");
  CHECK(info.body["chain"] == 1);
  CHECK(info.body["head"]["height"] == 0);
  CHECK(info.body["final"]["height"] == 0);
  CHECK(info.body["mempool_size"] == 0);
  CHECK(info.body["categories"].size() == 3);
  const auto& order = info.body["order"];
  REQUIRE(order.size() > 0);
  for (const auto& s : order) {
    CHECK(s["producer"].get<std::string>().size() == 64);
    CHECK(s["category_name"].is_string());
  }

  auto delegates = h.get("/v1/delegates");
  REQUIRE(delegates.status == 200);
  CHECK(delegates.body["count"] == 7);
  for (const auto& d : delegates.body["delegates"]) {
    CHECK(d["status"] == "active");
    CHECK(d["address"].get<std::string>().starts_with("bfd"));
    CHECK(d["bid_units"].is_number_unsigned());
  }

  auto schedule = h.get("/v1/schedule");
  REQUIRE(schedule.status == 200);
  CHECK(schedule.body["round"] == 0);
  REQUIRE(schedule.body["slots"].size() == order.size());
  for (std::size_t i = 0; i < order.size(); ++i) {
    const auto& s = schedule.body["slots"][i];
    CHECK(s["global_slot"] == i);
    CHECK(s["producer"] == order[i]["producer"]);
    CHECK(s["category_name"] == order[i]["category_name"]);
    CHECK(s["end_ms"].get<std::uint64_t>() - s["start_ms"].get<std::uint64_t>() == h.params().slot_ms);
    CHECK(s["blocks"] == 0);
  }

  auto health = h.get("/healthz");
  CHECK(health.status == 200);
  CHECK(health.body["status"] == "ok");

  auto genesis = h.get("/v1/blocks/0");
  REQUIRE(genesis.status == 200);
  CHECK(genesis.body["height"] == 0);
  CHECK(genesis.body["hash"] == info.body["head"]["hash"]);
  auto by_hash = h.get("/v1/blocks/" + info.body["head"]["hash"].get<std::string>());
  REQUIRE(by_hash.status == 200);
  CHECK(by_hash.body == genesis.body);

  const auto funded = address_of(shared_network().accounts[0].pub);
  auto account = h.get("/v1/accounts/" + format_address(funded));
  REQUIRE(account.status == 200);
  CHECK(account.body["address"] == format_address(funded));
  CHECK(account.body["balance_units"].get<std::uint64_t>() > 0);
  CHECK(account.body["balance"] == format_amount(account.body["balance_units"].get<std::uint64_t>()));
  CHECK(account.body["nonce"] == 0);

  // A clock far ahead of a chain that made no blocks: the schedule shows the head's round.
  h.time->set(h.params().genesis_time_ms + 100 * order.size() * h.params().slot_ms);
  auto stalled = h.get("/v1/schedule");
  REQUIRE(stalled.status == 200);
  CHECK(stalled.body["round"] == 0);
  CHECK(stalled.body["head_round"] == 0);
  CHECK(stalled.body["current_slot"] == 100 * order.size());
  CHECK(stalled.body["slots"].size() == order.size());
}

TEST_CASE("a transfer submitted over HTTP becomes final and moves the balance") {
  harness h;
  const auto to = address_of(shared_network().accounts[1].pub);
  const auto before = h.get("/v1/accounts/" + format_address(to)).body["balance_units"].get<std::uint64_t>();

  // One transfer as canonical hex, one as the JSON fields the API itself writes.
  const auto first = signed_transfer(0, to, 3 * units_per_bfdt);
  const auto second = signed_transfer(1, to, units_per_bfdt / 2);
  auto a = h.post("/v1/txs", hex_body(first));
  REQUIRE_MESSAGE(a.status == 202, a.text);
  CHECK(a.body["id"] == to_hex(signing_hash(first)));
  CHECK(a.body["status"] == "pending");
  auto b = h.post("/v1/txs", transaction_json(second).dump());
  REQUIRE_MESSAGE(b.status == 202, b.text);
  CHECK(b.body["id"] == to_hex(signing_hash(second)));
  auto again = h.post("/v1/txs", hex_body(first));
  CHECK(again.status == 202);

  auto pending = h.get("/v1/txs/" + to_hex(signing_hash(first)));
  REQUIRE(pending.status == 200);
  CHECK(pending.body["status"] == "pending");
  CHECK(pending.body["transaction"]["amount_units"] == 3 * units_per_bfdt);
  CHECK(h.get("/v1/info").body["mempool_size"] == 2);

  h.run_slots(0, 4);
  for (const auto& tx : {first, second}) {
    auto status = h.get("/v1/txs/" + to_hex(signing_hash(tx)));
    REQUIRE(status.status == 200);
    CHECK(status.body["status"] == "final");
    CHECK(status.body["height"].get<std::uint64_t>() >= 1);
    auto block = h.get("/v1/blocks/" + std::to_string(status.body["height"].get<std::uint64_t>()));
    REQUIRE(block.status == 200);
    CHECK(block.body["hash"] == status.body["block"]);
    bool listed = false;
    for (const auto& t : block.body["transactions"])
      listed = listed || t["id"] == to_hex(signing_hash(tx));
    CHECK(listed);
  }
  auto account = h.get("/v1/accounts/" + format_address(to));
  CHECK(account.body["balance_units"] == before + 3 * units_per_bfdt + units_per_bfdt / 2);
  CHECK(h.get("/v1/accounts/" + format_address(address_of(shared_network().accounts[0].pub))).body["nonce"] == 2);

  // The same nonce again conflicts with what the chain already holds.
  check_error(h.post("/v1/txs", hex_body(first)), 409, "nonce_reused");

  auto info = h.get("/v1/info").body;
  // The head is justified; its parent is final.
  CHECK(info["final"]["height"].get<std::uint64_t>() + 1 == info["head"]["height"].get<std::uint64_t>());
  auto schedule = h.get("/v1/schedule").body;
  if (schedule["round"] == schedule["head_round"]) {
    std::uint64_t blocks = 0;
    for (const auto& s : schedule["slots"])
      blocks += s["blocks"].get<std::uint64_t>();
    CHECK(blocks > 0);
  }
  auto delegates = h.get("/v1/delegates").body["delegates"];
  std::uint64_t produced = 0;
  for (const auto& d : delegates)
    produced += d["blocks_produced"].get<std::uint64_t>();
  CHECK(produced == info["head"]["height"]);
}

TEST_CASE("a batch submission admits each good transaction and reports each bad one in its place") {
  harness h;
  const auto to = address_of(shared_network().accounts[1].pub);
  const auto a = signed_transfer(0, to, units_per_bfdt);
  const auto b = signed_transfer(1, to, units_per_bfdt);
  auto forged = signed_transfer(2, to, units_per_bfdt);
  forged.sig.data[10] ^= 1;
  const auto hex = [](const transaction& tx) { return "\"" + to_hex(codec::encode(tx)) + "\""; };
  auto r = h.post("/v1/txs/batch", "{\"txs\": [" + hex(a) + ", \"zz\", " + hex(b) + ", " + hex(forged) + "]}");
  REQUIRE_MESSAGE(r.status == 200, r.text);
  CHECK(r.body["accepted"] == 2);
  const auto& results = r.body["results"];
  REQUIRE(results.size() == 4);
  CHECK(results[0]["id"] == to_hex(signing_hash(a)));
  CHECK(results[0]["status"] == "pending");
  CHECK(results[1]["error"]["code"] == "bad_hex");
  CHECK(results[2]["id"] == to_hex(signing_hash(b)));
  CHECK(results[3]["error"]["code"] == "bad_signature");
  CHECK(h.get("/v1/info").body["mempool_size"] == 2);
  h.run_slots(0, 4);
  CHECK(h.get("/v1/txs/" + to_hex(signing_hash(b))).body["status"] == "final");

  check_error(h.post("/v1/txs/batch", R"({"txs": []})"), 400, "malformed");
  check_error(h.post("/v1/txs/batch", R"({"hex": "00"})"), 400, "malformed");
  check_error(h.post("/v1/txs/batch", "not json"), 400, "malformed");
  std::string many = "{\"txs\": [";
  for (std::size_t i = 0; i <= max_batch_transactions; ++i)
    many += (i ? ",\"00\"" : "\"00\"");
  check_error(h.post("/v1/txs/batch", many + "]}"), 400, "too_large");
}

TEST_CASE("malformed submissions are refused with 400 and a reason") {
  harness h;
  const auto to = address_of(shared_network().accounts[1].pub);
  const auto tx = signed_transfer(0, to, units_per_bfdt);
  auto fields = json::parse(transaction_json(tx).dump());

  check_error(h.post("/v1/txs", "{\"hex\": "), 400, "malformed");
  check_error(h.post("/v1/txs", ""), 400, "malformed");
  check_error(h.post("/v1/txs", "[1, 2, 3]"), 400, "malformed");
  check_error(h.post("/v1/txs", R"({"hex": 5})"), 400, "malformed");
  check_error(h.post("/v1/txs", R"({"hex": "zz"})"), 400, "bad_hex");
  check_error(h.post("/v1/txs", R"({"hex": "9901"})"), 400, "malformed");
  check_error(h.post("/v1/txs", std::string(100, '[') + std::string(100, ']')), 400, "too_deep");
  check_error(h.post("/v1/txs", json{{"hex", transaction_hex(tx)}, {"nonce", 1}}.dump()), 400, "malformed");

  auto wrong_type = fields;
  wrong_type["nonce"] = "0";
  check_error(h.post("/v1/txs", wrong_type.dump()), 400, "malformed");
  auto negative = fields;
  negative["expiry"] = -1;
  check_error(h.post("/v1/txs", negative.dump()), 400, "malformed");
  auto float_fee = fields;
  float_fee.erase("fee");
  float_fee["fee_units"] = 1.5;
  check_error(h.post("/v1/txs", float_fee.dump()), 400, "malformed");
  auto missing = fields;
  missing.erase("signature");
  check_error(h.post("/v1/txs", missing.dump()), 400, "malformed");
  auto unknown = fields;
  unknown["memo"] = "hello";
  check_error(h.post("/v1/txs", unknown.dump()), 400, "malformed");
  auto bad_address = fields;
  bad_address["to"] = "bfd1234";
  check_error(h.post("/v1/txs", bad_address.dump()), 400, "bad_address");
  auto bad_amount = fields;
  bad_amount["amount"] = "1.123456789";
  bad_amount.erase("amount_units");
  check_error(h.post("/v1/txs", bad_amount.dump()), 400, "bad_amount");
  auto contradiction = fields;
  contradiction["amount_units"] = 7;
  check_error(h.post("/v1/txs", contradiction.dump()), 400, "invalid_argument");
  auto kind = fields;
  kind["kind"] = "mint";
  check_error(h.post("/v1/txs", kind.dump()), 400, "unknown_kind");
  auto big_chain = fields;
  big_chain["chain"] = 1ull << 40;
  check_error(h.post("/v1/txs", big_chain.dump()), 400, "malformed");
  auto wrong_id = fields;
  wrong_id["id"] = std::string(64, '0');
  check_error(h.post("/v1/txs", wrong_id.dump()), 400, "invalid_argument");

  // A forged transaction: the fields changed after signing.
  auto forged = tx;
  forged.nonce = 99;
  auto refused = h.post("/v1/txs", hex_body(forged));
  check_error(refused, 400, "bad_signature");
  CHECK(refused.body["error"]["reason_code"] == 200);
  CHECK(refused.body["error"]["id"] == to_hex(signing_hash(forged)));
  auto forged_fields = fields;
  forged_fields["nonce"] = 99;
  forged_fields.erase("id");
  check_error(h.post("/v1/txs", forged_fields.dump()), 400, "bad_signature");
  auto status = h.get("/v1/txs/" + to_hex(signing_hash(forged)));
  REQUIRE(status.status == 200);
  CHECK(status.body["status"] == "rejected");
  CHECK(status.body["reason"]["code"] == "bad_signature");

  // Nothing of this reached the chain or the mempool.
  CHECK(h.get("/v1/info").body["mempool_size"] == 0);
  CHECK(h.get("/healthz").status == 200);
}

TEST_CASE("bodies over the bound are refused with 413") {
  harness h;
  const std::string big = "{\"hex\": \"" + std::string(300 * 1024, 'a') + "\"}";
  check_error(h.post("/v1/txs", big), 413, "too_large");
  // Without a Content-Length (chunked), the same bound applies while reading.
  auto chunked = h.client->Post(
    "/v1/txs",
    [&](std::size_t offset, httplib::DataSink& sink) {
      if (offset >= big.size()) {
        sink.done();
        return true;
      }
      const auto n = std::min<std::size_t>(16 * 1024, big.size() - offset);
      return sink.write(big.data() + offset, n);
    },
    "application/json");
  if (chunked)  // the server may close before the client has sent everything
    check_error(to_answer(chunked), 413, "too_large");
  // A canonical transaction is at most 64 KiB: a smaller body with a larger one is 400.
  const std::string large_tx = "{\"hex\": \"" + std::string(2 * 70'000, 'a') + "\"}";
  check_error(h.post("/v1/txs", large_tx), 400, "too_large");
  CHECK(h.get("/healthz").status == 200);
}

TEST_CASE("unknown routes, bad path parameters and missing objects get 4xx with a reason") {
  harness h;
  check_error(h.get("/nope"), 404, "not_found");
  check_error(h.get("/v1/blocks"), 404, "not_found");
  check_error(h.get("/v1/blocks/1/extra"), 404, "not_found");
  check_error(h.get("/v1/blocks/99999"), 404, "not_found");
  check_error(h.get("/v1/blocks/" + std::string(64, 'f')), 404, "not_found");
  check_error(h.get("/v1/blocks/xyz"), 400, "invalid_argument");
  check_error(h.get("/v1/blocks/-1"), 400, "invalid_argument");
  check_error(h.get("/v1/blocks/99999999999999999999999"), 400, "invalid_argument");
  check_error(h.get("/v1/blocks/" + std::string(64, 'z')), 400, "bad_hex");
  check_error(h.get("/v1/accounts/bfd123"), 400, "bad_address");
  check_error(h.get("/v1/accounts/" + std::string("bfd") + std::string(40, 'g')), 400, "bad_address");
  check_error(h.get("/v1/txs/abc"), 400, "bad_hex");
  check_error(h.get("/v1/txs/" + std::string(64, '0')), 404, "not_found");
  check_error(h.get("/v1/" + std::string(2000, 'x')), 414, "too_large");
  auto del = to_answer(h.client->Delete("/v1/info"));
  check_error(del, 405, "method_not_allowed");
  auto post_info = h.post("/v1/info", "{}");
  check_error(post_info, 405, "method_not_allowed");
  CHECK(post_info.body["error"]["reason_code"] == 1003);
  auto put = to_answer(h.client->Put("/v1/txs", "{}", "application/json"));
  check_error(put, 405, "method_not_allowed");
  CHECK(h.get("/healthz").status == 200);
}

TEST_CASE("/metrics exposes chain, delegate and HTTP metrics in Prometheus text, every chain series labelled by chain") {
  harness h;
  h.run_slots(0, 3);
  h.get("/v1/info");
  h.get("/nope");
  auto m = h.get("/metrics");
  REQUIRE(m.status == 200);
  CHECK(m.content_type.starts_with("text/plain"));
  for (const char* name : {"bfd_head_height{chain=\"1\"} ", "bfd_final_height{chain=\"1\"} ",
                           "bfd_mempool_transactions{chain=\"1\"} ",
                           "bfd_delegate_blocks_produced{", "bfd_delegate_slots_missed{",
                           "bfd_category_blocks_produced{", "bfd_category_slots_missed{", "bfd_http_requests_total{",
                           "bfd_http_request_duration_seconds_bucket{", "# TYPE bfd_http_request_duration_seconds histogram",
                           "bfd_http_connections{state=\"open\"} ", "bfd_http_connections{state=\"in_flight\"} ", "bfd_http_server_events_total{event=\"accepted\"} ",
                           "bfd_peer_conduct_total{event=\"bad_signature\"} 0", "bfd_peer_conduct_total{event=\"disconnect\"} 0"})
    CHECK_MESSAGE(m.text.find(name) != std::string::npos, name);
  CHECK(m.text.find("category=\"gold\"") != std::string::npos);
  CHECK(m.text.find("route=\"/v1/info\"") != std::string::npos);
  CHECK(m.text.find("route=\"unmatched\"") != std::string::npos);
  CHECK(m.text.find("status=\"404\"") != std::string::npos);
  const auto head = h.get("/v1/info").body["head"]["height"].get<std::uint64_t>();
  CHECK(head > 0);
  CHECK(m.text.find("bfd_head_height{chain=\"1\"} " + std::to_string(head)) != std::string::npos);
  // Every per-chain series names its chain.
  std::size_t chain_series = 0;
  for (std::size_t at = 0; at < m.text.size();) {
    const auto end = std::min(m.text.find('\n', at), m.text.size());
    const auto line = std::string_view(m.text).substr(at, end - at);
    at = end + 1;
    // Node-wide series: the HTTP edge's, and restarts per supervised actor (docs/supervision.md),
    // which name the actor ("chain-1", "verifier-0") rather than a chain label, and the peer
    // conduct counts (docs/topology.md, "Misbehaving peers").
    if (line.starts_with("#") || line.starts_with("bfd_http_") || line.starts_with("bfd_actor_restarts_total{")
        || line.starts_with("bfd_peer_conduct_total{"))
      continue;
    ++chain_series;
    CHECK_MESSAGE(line.find("chain=\"1\"") != std::string_view::npos, line);
  }
  CHECK(chain_series > 10);
}

TEST_CASE("a client over its request rate gets 429 until its bucket refills") {
  harness h;
  http_options o;
  o.port = 0;
  o.rate_per_second = 1;
  o.burst = 3;
  auto bridge = http_bridge::start(h.system, http_bridge_config{o, h.n->chain(), h.n->mempool(), h.params(), h.time, nullptr});
  REQUIRE(bridge);
  httplib::Client c("127.0.0.1", (*bridge)->port());
  int ok = 0;
  int limited = 0;
  for (int i = 0; i < 8; ++i) {
    auto a = to_answer(c.Get("/healthz"));
    if (a.status == 200) {
      ++ok;
    } else {
      check_error(a, 429, "rate_limited");
      ++limited;
    }
  }
  CHECK(ok >= 3);
  CHECK(ok <= 5);
  CHECK(limited >= 3);
  // The node's own bridge has no bound in this harness.
  CHECK(h.get("/healthz").status == 200);
}

TEST_CASE("the HTTP server refuses a taken port and stops with the node") {
  harness h;
  http_options o;
  o.port = h.n->http()->port();
  auto clash = http_bridge::start(h.system, http_bridge_config{o, h.n->chain(), h.n->mempool(), h.params(), h.time, nullptr});
  REQUIRE_FALSE(clash);
  CHECK(clash.error().code == errc::io);
  CHECK(h.n->http()->url() == "http://127.0.0.1:" + std::to_string(h.n->http()->port()));
  CHECK(h.get("/healthz").status == 200);
  h.n->stop();
  CHECK_FALSE(h.client->Get("/healthz"));
}

namespace {

/// A mempool that loses its first batch (never answers it, as an instance that died holding it
/// would) and admits everything after that.
mempool_actor::behavior_type losing_mempool(mempool_actor::pointer self, std::shared_ptr<std::atomic<int>> batches) {
  return {
    [](submit_atom, const tx_envelope& tx) { return admission{0, {}, tx ? signing_hash(*tx) : hash256{}}; },
    [self, batches](submit_atom, const std::vector<tx_envelope>& txs) -> caf::result<std::vector<admission>> {
      if ((*batches)++ == 0)
        return self->make_response_promise<std::vector<admission>>();  // dropped: never answered
      std::vector<admission> out;
      for (const auto& tx : txs)
        out.push_back(admission{0, {}, tx ? signing_hash(*tx) : hash256{}});
      return out;
    },
    [](take_atom, std::uint32_t) { return std::vector<tx_envelope>{}; },
    [](included_atom, const inclusion_notice&) {},
    [](size_atom) { return std::uint64_t{0}; },
    [](tx_atom, const hash256&) { return tx_status{}; },
    [](relay_atom, const tx_envelope&) {},
    [](peer_atom, const caf::actor&) {},
  };
}

} // namespace

TEST_CASE("a batch the mempool never answers costs its requests a 504, and the next requests go through") {
  harness h;
  auto batches = std::make_shared<std::atomic<int>>(0);
  http_bridge_config b;
  b.options.port = 0;
  b.options.rate_per_second = 0;
  b.options.timeout = std::chrono::milliseconds(400);
  b.chain = h.n->chain();
  b.mempool = h.system.spawn(losing_mempool, batches);
  b.params = h.params();
  b.time = h.time;
  auto started = http_bridge::start(h.system, std::move(b));
  REQUIRE(started);
  auto bridge = std::move(*started);
  httplib::Client client("127.0.0.1", bridge->port());
  client.set_read_timeout(10, 0);
  const auto to = address_of(shared_network().accounts[1].pub);

  const auto lost = signed_transfer(0, to, 1);
  const auto t0 = std::chrono::steady_clock::now();
  auto first = to_answer(client.Post("/v1/txs", hex_body(lost), "application/json"));
  const auto waited = std::chrono::steady_clock::now() - t0;
  check_error(first, 504, "timeout");
  CHECK(waited >= std::chrono::milliseconds(400));
  CHECK(waited < std::chrono::seconds(3));
  // Without the sweep giving up on the lost batch, these would wait in the intake for good.
  for (std::uint64_t nonce = 1; nonce <= 3; ++nonce) {
    const auto tx = signed_transfer(nonce, to, 1);
    auto a = to_answer(client.Post("/v1/txs", hex_body(tx), "application/json"));
    REQUIRE_MESSAGE(a.status == 202, a.text);
    CHECK(a.text == "{\"id\":\"" + to_hex(signing_hash(tx)) + "\",\"status\":\"pending\"}");
  }
  CHECK(batches->load() == 4);
  bridge->stop();
}
