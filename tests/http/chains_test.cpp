// The many-chains view of the HTTP bridge over real nodes: /v1/chains, /v1/chains/{id}/… routed
// through a node directory to the right chain's actors (a transfer on one chain is seen on that
// chain only), per-chain parameters, chain-labelled metrics, and the one-chain view without a
// directory.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <string>

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/http/http_bridge.hpp"
#include "chains/core/hex.hpp"
#include "protocols/directory.hpp"
#include "tests/http/support.hpp"

using namespace bfd;
using namespace bfd::test::http;
using test::shared_network;

namespace {

/// A directory over a fixed set of chains (the node directory's interface, without the node).
directory_actor::behavior_type fixed_directory(directory_actor::pointer, std::map<std::uint32_t, chain_handles> chains) {
  auto state = std::make_shared<std::map<std::uint32_t, chain_handles>>(std::move(chains));
  return {
    [state](lookup_atom, std::uint32_t id) {
      auto i = state->find(id);
      if (i != state->end())
        return i->second;
      chain_handles none;
      none.id = id;
      return none;
    },
    [state](chains_atom) {
      std::vector<chain_handles> all;
      for (const auto& [id, h] : *state)
        all.push_back(h);
      return all;
    },
    [state](put_atom, chain_handles h) { (*state)[h.id] = std::move(h); },
    [state](erase_atom, std::uint32_t id) { state->erase(id); },
    // No read-cache shards here.
    [](put_atom, const std::string&, const std::vector<cache_shard>&) {},
    [](caches_atom) { return std::vector<cache_shard>{}; },
    [](caches_atom, const std::string&) { return std::vector<cache_shard>{}; },
  };
}

/// Two real chains in one actor system (the mainchain and DAOS sidechain 7, whose categories are
/// named differently), and a bridge in front of both through a directory.
struct two_chains {
  static constexpr chain_id side = 7;
  config cfg;
  caf::actor_system system{cfg};
  std::shared_ptr<manual_clock> time = std::make_shared<manual_clock>(0);
  std::unique_ptr<runtime::node> main_node;
  std::unique_ptr<runtime::node> side_node;
  genesis_config side_genesis;
  std::unique_ptr<http_bridge> bridge;
  std::unique_ptr<httplib::Client> client;

  std::unique_ptr<runtime::node> start(const genesis_config& g) {
    const auto& net = shared_network();
    runtime::node_options o;
    o.genesis = g;
    o.delegates = net.delegates;
    o.reporter = net.reporter;
    o.time = time;
    o.self_ticking = false;
    auto n = runtime::node::start(system, std::move(o));
    REQUIRE(n);
    return std::move(*n);
  }

  two_chains() {
    const auto& net = shared_network();
    side_genesis = net.genesis;
    side_genesis.chain = side;
    for (auto& c : side_genesis.params.categories)
      c.name = "side-" + c.name;
    main_node = start(net.genesis);
    side_node = start(side_genesis);
    std::map<std::uint32_t, chain_handles> entries;
    entries[mainchain_id] = chain_handles{mainchain_id, 0, "mainchain", "BFDT", main_node->chain(), main_node->mempool()};
    entries[side] = chain_handles{side, 2, "fund-7", "FND", side_node->chain(), side_node->mempool()};
    http_bridge_config b;
    b.options.port = 0;
    b.options.rate_per_second = 0;
    b.chain = main_node->chain();
    b.mempool = main_node->mempool();
    b.params = net.genesis.params;
    b.time = time;
    b.directory = system.spawn(fixed_directory, std::move(entries));
    b.chain_params = [p = side_genesis.params](std::uint32_t id) -> std::optional<consensus_params> {
      if (id == side)
        return p;
      return std::nullopt;
    };
    auto started = http_bridge::start(system, std::move(b));
    REQUIRE(started);
    bridge = std::move(*started);
    client = std::make_unique<httplib::Client>("127.0.0.1", bridge->port());
    client->set_read_timeout(10, 0);
  }

  ~two_chains() {
    bridge->stop();
    main_node->stop();
    side_node->stop();
  }

  answer get(const std::string& path) { return to_answer(client->Get(path.c_str())); }
  answer post(const std::string& path, const std::string& body) {
    return to_answer(client->Post(path.c_str(), body, "application/json"));
  }

  void run_slots(std::uint64_t from, std::uint64_t to) {
    const auto& p = shared_network().genesis.params;
    for (auto g = from; g < to; ++g)
      for (std::uint64_t step = 0; step < 6; ++step) {
        time->set(test::slot_time(p, g, step));
        test::tick_all(system, main_node->delegates());
        test::tick_all(system, side_node->delegates());
      }
  }
};

} // namespace

TEST_CASE("without a directory, /v1/chains lists the node's chain and /v1/chains/{id}/… serves it") {
  harness h;
  h.run_slots(0, 3);
  auto chains = h.get("/v1/chains");
  REQUIRE_MESSAGE(chains.status == 200, chains.text);
  CHECK(chains.body["count"] == 1);
  REQUIRE(chains.body["chains"].size() == 1);
  const auto& c = chains.body["chains"][0];
  CHECK(c["id"] == 1);
  CHECK(c["kind"] == "mainchain");
  CHECK(c["token"] == "BFDT");
  CHECK(c["status"] == "active");
  auto info = h.get("/v1/info");
  CHECK(c["head"] == info.body["head"]);
  CHECK(c["final"] == info.body["final"]);
  CHECK(c["validators"].size() == info.body["order"].size());

  CHECK(h.get("/v1/chains/1").body == c);
  CHECK(h.get("/v1/chains/1/info").body == info.body);
  CHECK(h.get("/v1/chains/1/delegates").body == h.get("/v1/delegates").body);
  CHECK(h.get("/v1/chains/1/blocks/1").body == h.get("/v1/blocks/1").body);

  check_error(h.get("/v1/chains/2/info"), 404, "not_found");
  check_error(h.get("/v1/chains/2"), 404, "not_found");
  check_error(h.get("/v1/chains/main/info"), 400, "invalid_argument");
  check_error(h.get("/v1/chains/4294967296/info"), 400, "invalid_argument");
  check_error(h.post("/v1/chains/2/txs", "{}"), 404, "not_found");
  check_error(h.get("/v1/chains/1/nope"), 404, "not_found");

  // The finality certificate proves the final block: its source is /v1/info's final block.
  auto cert = h.get("/v1/certificate");
  REQUIRE_MESSAGE(cert.status == 200, cert.text);
  CHECK(cert.body["chain"] == 1);
  CHECK(cert.body["proves_final"] == true);
  CHECK(cert.body["source"] == info.body["final"]);
  CHECK(cert.body["signature_count"].get<std::size_t>() == cert.body["signatures"].size());
  REQUIRE(!cert.body["signatures"].empty());
  for (const auto& sig : cert.body["signatures"]) {
    CHECK(std::find(c["validators"].begin(), c["validators"].end(), sig["signer"]) != c["validators"].end());
    CHECK(sig["signature"].get<std::string>().size() == 128);
  }
  CHECK(h.get("/v1/chains/1/certificate").body == cert.body);
}

TEST_CASE("before any block is final, the certificate route answers 404") {
  harness h;
  check_error(h.get("/v1/certificate"), 404, "not_found");
}

TEST_CASE("through a directory, each chain's routes reach that chain's actors and no other") {
  two_chains t;
  auto chains = t.get("/v1/chains");
  REQUIRE_MESSAGE(chains.status == 200, chains.text);
  REQUIRE(chains.body["count"] == 2);
  CHECK(chains.body["chains"][0]["id"] == 1);
  CHECK(chains.body["chains"][0]["kind"] == "mainchain");
  CHECK(chains.body["chains"][1]["id"] == 7);
  CHECK(chains.body["chains"][1]["kind"] == "daos");
  CHECK(chains.body["chains"][1]["name"] == "fund-7");
  CHECK(chains.body["chains"][1]["token"] == "FND");
  check_error(t.get("/v1/chains/8/info"), 404, "not_found");

  // Each chain's parameters: the sidechain's categories carry its own names.
  auto side_info = t.get("/v1/chains/7/info");
  REQUIRE(side_info.status == 200);
  CHECK(side_info.body["chain"] == 7);
  CHECK(side_info.body["categories"][0]["name"] == "side-gold");
  CHECK(t.get("/v1/info").body["categories"][0]["name"] == "gold");

  // A transfer on the sidechain moves value there only.
  const auto to = address_of(shared_network().accounts[1].pub);
  const auto main_before = t.get("/v1/accounts/" + format_address(to)).body["balance_units"].get<std::uint64_t>();
  const auto side_before = t.get("/v1/chains/7/accounts/" + format_address(to)).body["balance_units"].get<std::uint64_t>();
  const auto tx = signed_transfer(0, to, 2 * units_per_bfdt, two_chains::side);
  auto submitted = t.post("/v1/chains/7/txs", hex_body(tx));
  REQUIRE_MESSAGE(submitted.status == 202, submitted.text);
  const auto id = to_hex(signing_hash(tx));
  CHECK(submitted.body["id"] == id);
  // The mainchain refuses it: it names chain 7.
  check_error(t.post("/v1/txs", hex_body(tx)), 400, "wrong_chain");

  t.run_slots(0, 4);
  auto status = t.get("/v1/chains/7/txs/" + id);
  REQUIRE(status.status == 200);
  CHECK(status.body["status"] == "final");
  // The mainchain saw it only as a refusal.
  auto on_main = t.get("/v1/txs/" + id);
  REQUIRE(on_main.status == 200);
  CHECK(on_main.body["status"] == "rejected");
  CHECK(on_main.body["reason"]["code"] == "wrong_chain");
  CHECK(t.get("/v1/chains/7/accounts/" + format_address(to)).body["balance_units"] == side_before + 2 * units_per_bfdt);
  CHECK(t.get("/v1/accounts/" + format_address(to)).body["balance_units"] == main_before);
  auto block = t.get("/v1/chains/7/blocks/" + std::to_string(status.body["height"].get<std::uint64_t>()));
  REQUIRE(block.status == 200);
  CHECK(block.body["header"]["chain"] == 7);
  CHECK(t.get("/v1/chains/7/certificate").body["chain"] == 7);
  auto schedule = t.get("/v1/chains/7/schedule");
  REQUIRE(schedule.status == 200);
  CHECK(schedule.body["chain"] == 7);
  CHECK(schedule.body["slots"][0]["category_name"].get<std::string>().starts_with("side-"));

  // Every hosted chain's series in /metrics, labelled by its id.
  auto m = t.get("/metrics");
  REQUIRE(m.status == 200);
  const auto side_head = t.get("/v1/chains/7/info").body["head"]["height"].get<std::uint64_t>();
  const auto main_head = t.get("/v1/info").body["head"]["height"].get<std::uint64_t>();
  CHECK(m.text.find("bfd_head_height{chain=\"7\"} " + std::to_string(side_head) + "\n") != std::string::npos);
  CHECK(m.text.find("bfd_head_height{chain=\"1\"} " + std::to_string(main_head) + "\n") != std::string::npos);
  CHECK(m.text.find("bfd_mempool_transactions{chain=\"7\"} 0") != std::string::npos);
  CHECK(m.text.find("category=\"side-gold\",chain=\"7\"") != std::string::npos);
  CHECK(m.text.find("category=\"gold\",chain=\"1\"") != std::string::npos);
  CHECK(m.text.find("route=\"/v1/chains/{chain}/txs\"") != std::string::npos);
}
