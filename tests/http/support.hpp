// Shared scaffolding of the HTTP tests: one node with its HTTP API on an ephemeral port (manual
// clock), answers parsed as JSON, the error-body check and signed transfers.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>
#include <doctest/doctest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "chains/core/hex.hpp"
#include "protocols/json.hpp"
#include "runtime/node.hpp"
#include "tests/actors/support.hpp"

namespace bfd::test::http {

using nlohmann::json;
using config = test::node_config;

/// An answer: status, body text and the body as JSON (discarded if it is not JSON).
struct answer {
  int status = 0;
  std::string text;
  json body;
  std::string content_type;
};

inline answer to_answer(const httplib::Result& r) {
  answer a;
  REQUIRE_MESSAGE(r, "no HTTP response: " << httplib::to_string(r.error()));
  a.status = r->status;
  a.text = r->body;
  a.body = json::parse(r->body, nullptr, false);
  a.content_type = r->get_header_value("Content-Type");
  return a;
}

/// The error body every refusal carries.
inline void check_error(const answer& a, int status, std::string_view code) {
  CHECK(a.status == status);
  CHECK(a.content_type == "application/json");
  REQUIRE_MESSAGE(a.body.is_object(), a.text);
  REQUIRE(a.body.contains("error"));
  CHECK(a.body["error"]["code"] == code);
  CHECK(a.body["error"]["reason_code"].is_number_unsigned());
  CHECK(a.body["error"]["detail"].is_string());
  CHECK_FALSE(a.body["error"]["detail"].get<std::string>().empty());
}

/// One node with its HTTP API on an ephemeral port, driven slot by slot.
struct harness {
  config cfg;
  caf::actor_system system{cfg};
  std::shared_ptr<manual_clock> time = std::make_shared<manual_clock>(0);
  std::unique_ptr<runtime::node> n;
  std::unique_ptr<httplib::Client> client;

  /// `tune` adjusts the HTTP options after the harness's own (ephemeral port, no rate bound, the
  /// repository's explorer/ as the explorer directory).
  explicit harness(const std::function<void(http_options&)>& tune = {}) {
    const auto& net = shared_network();
    runtime::node_options o;
    o.genesis = net.genesis;
    o.delegates = net.delegates;
    o.reporter = net.reporter;
    o.time = time;
    o.self_ticking = false;
    http_options h;
    h.port = 0;
    h.rate_per_second = 0;
    h.explorer_dir = BFD_SOURCE_DIR "/explorer";
    if (tune)
      tune(h);
    o.http = h;
    auto started = runtime::node::start(system, std::move(o));
    REQUIRE(started);
    n = std::move(*started);
    REQUIRE(n->http());
    REQUIRE(n->http()->port() != 0);
    client = std::make_unique<httplib::Client>("127.0.0.1", n->http()->port());
    client->set_read_timeout(10, 0);
  }

  ~harness() { n->stop(); }

  const consensus_params& params() const { return shared_network().genesis.params; }

  answer get(const std::string& path) { return to_answer(client->Get(path.c_str())); }
  answer post(const std::string& path, const std::string& body) {
    return to_answer(client->Post(path.c_str(), body, "application/json"));
  }

  /// Runs global slots [from, to): six ticks per slot, each delegate asked in turn.
  void run_slots(std::uint64_t from, std::uint64_t to) {
    for (auto g = from; g < to; ++g)
      for (std::uint64_t step = 0; step < 6; ++step) {
        time->set(test::slot_time(params(), g, step));
        test::tick_all(system, n->delegates());
      }
  }
};

inline transaction signed_transfer(std::uint64_t nonce, const address& to, amount value, chain_id chain = mainchain_id) {
  transaction tx;
  tx.chain = chain;
  tx.nonce = nonce;
  tx.fee = 1000;
  tx.expiry = 10'000;
  tx.payload = transfer_payload{to, value};
  sign_transaction(tx, shared_network().accounts[0], hash256{});
  return tx;
}

inline std::string hex_body(const transaction& tx) {
  return json{{"hex", transaction_hex(tx)}}.dump();
}

} // namespace bfd::test::http
