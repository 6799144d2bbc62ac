// The service registry at the edges: its kinds' JSON reads back as the same signed transaction,
// bad fields are refused with the field named, the command-line commission form parses (and is
// bounded), the read views show what the state holds, and genesis.json's services section
// round-trips.
#include <doctest/doctest.h>

#include "tests/chains/network_fixture.hpp"

#include "chains/access/access_module.hpp"
#include "protocols/json.hpp"
#include "protocols/services_json.hpp"
#include "runtime/genesis_file.hpp"
#include "tests/chains/sample.hpp"

using namespace bfd;
using namespace bfd::services;

namespace {

transaction signed_tx(tx_payload payload) {
  return test::signed_payload(std::move(payload), 1, 3, 0x21);
}

address filled(byte b) {
  address a;
  a.data.fill(b);
  return a;
}

service_register_tx registration() {
  service_register_tx p;
  p.uuid.data.fill(0xab);
  p.symbol = "EXCH";
  p.dapp = filled(9);
  p.home = 2;
  p.deployments = {2, 3};
  p.instances = {{2, filled(2)}, {3, filled(3)}};
  p.template_id = 7;
  p.commission = commission{commission_kind::percent, 250, {}, 0, {}};
  return p;
}

} // namespace

TEST_CASE("service registry transactions round-trip through their JSON view; bad fields are refused") {
  auto up = service_upgrade_tx{};
  up.service = 1;
  up.instances = {{2, filled(4)}, {3, filled(5)}};
  up.commission = commission{commission_kind::wasm, 0, "fee", 7, filled(6)};
  up.canary = 2;
  up.delay = 2;
  up.window = 10;
  up.min_calls = 5;
  up.max_failed_permille = 100;
  up.max_missed_blocks = 3;
  up.max_latency_ms = 5'000;
  up.promote_delay = 1;
  auto fixed_fee = registration();
  fixed_fee.commission = commission{commission_kind::fixed, 1'000, {}, 0, {}};
  auto expr = registration();
  expr.commission = commission{commission_kind::expression, 0, "max(bp(amount, 25), 10)", 0, {}};
  for (const auto& p : std::vector<tx_payload>{registration(), fixed_fee, expr, up,
                                               service_health_tx{1, 2, 2, 10, 20, 15, 12, 0, 80},
                                               service_rollback_tx{1, "bad fees"},
                                               service_set_status_tx{1, service_status::suspended}}) {
    const auto tx = signed_tx(p);
    const auto view = transaction_json(tx);
    auto back = parse_transaction_submission(view.dump());
    INFO(view.dump());
    REQUIRE(back);
    CHECK(*back == tx);
  }
  const auto view = transaction_json(signed_tx(registration())).dump();
  CHECK(view.find("\"kind\":\"service_register\"") != std::string::npos);
  CHECK(view.find("\"commission\":{\"kind\":\"percent\",\"basis_points\":250}") != std::string::npos);
  auto j = nlohmann::json::parse(view);
  j["commission"]["basis_points"] = 10'001;
  auto bad = parse_transaction_submission(j.dump());
  REQUIRE_FALSE(bad);
  CHECK(bad.error().detail.find("basis_points") != std::string::npos);
  j = nlohmann::json::parse(view);
  j["instances"][0]["contract"] = "bfd00";
  bad = parse_transaction_submission(j.dump());
  REQUIRE_FALSE(bad);
  CHECK(bad.error().detail.find("contract") != std::string::npos);
  j = nlohmann::json::parse(transaction_json(signed_tx(service_set_status_tx{1, service_status::active})).dump());
  j["status"] = "paused";
  bad = parse_transaction_submission(j.dump());
  REQUIRE_FALSE(bad);
  CHECK(bad.error().detail.find("status") != std::string::npos);
}

TEST_CASE("the command-line commission form parses every kind and refuses what is out of bounds") {
  using services_json::parse_commission;
  CHECK(*parse_commission("percent:250") == commission{commission_kind::percent, 250, {}, 0, {}});
  CHECK(*parse_commission("fixed:1000") == commission{commission_kind::fixed, 1'000, {}, 0, {}});
  CHECK(*parse_commission("expr:min(amount, 5)") == commission{commission_kind::expression, 0, "min(amount, 5)", 0, {}});
  const auto a = format_address(filled(6));
  CHECK(*parse_commission("wasm:7:" + a + ":fee") == commission{commission_kind::wasm, 0, "fee", 7, filled(6)});
  for (const std::string& bad : std::vector<std::string>{"percent:10001", "percent:", "percent:-1", "fixed:x", "expr:", "expr:" + std::string(257, 'a'),
                          "wasm:7:" + a, "wasm:x:" + a + ":fee", "wasm:7:bfd00:fee", "wasm:7:" + a + ":" + std::string(33, 'e'),
                          "share:5"}) {
    INFO(bad);
    CHECK(parse_commission(bad).error().code == errc::invalid_argument);
  }
}

TEST_CASE("the views show a service, a page of services and what a chain runs at a height") {
  const auto admin = test::keys_of(0x31);
  const auto who = address_of(admin.pub);
  const std::vector<address> admins{who};
  const std::vector<std::pair<address, acl::permission_mask>> grants{
    {who, acl::bit(acl::permission::register_service) | acl::bit(acl::permission::upgrade_service)}};
  auto access = acl::access_state::genesis(admins, grants);
  REQUIRE(access);
  services_state s;
  REQUIRE(s.apply(who, registration(), env{5, &*access}));
  auto up = service_upgrade_tx{};
  up.service = 1;
  up.instances = {{3, filled(5)}, {2, filled(4)}};  // any order: stored in deployment order
  up.commission = commission{commission_kind::fixed, 1'000, {}, 0, {}};
  up.canary = 2;
  up.delay = 2;
  up.window = 10;
  REQUIRE(s.apply(who, up, env{6, &*access}));

  const auto svc = *s.find(1);
  const auto v = services_json::service_view(s, svc, 8);
  CHECK(v["id"] == 1);
  CHECK(v["uuid"] == "abababababababababababababababab");
  CHECK(v["status"] == "active");
  CHECK(v["latest_version"] == 2);
  CHECK(v["versions"].size() == 2);
  CHECK(v["versions"][1]["instances"][0]["chain"] == 2);
  CHECK(v["versions"][1]["instances"][0]["contract"] == format_address(filled(4)));
  CHECK(v["live"][0] == nlohmann::ordered_json{{"chain", 2}, {"version", 2}});
  CHECK(v["live"][1] == nlohmann::ordered_json{{"chain", 3}, {"version", 1}});
  CHECK(v["rollout"]["phase"] == "canary");
  CHECK(v["rollout"]["canary_height"] == 8);
  CHECK(v["schedule"].size() == 3);

  const auto at7 = services_json::resolve_view(s, svc, 2, 7);
  REQUIRE(at7);
  CHECK((*at7)["version"] == 1);
  CHECK((*at7)["address"] == format_address(filled(2)));
  CHECK((*at7)["commission"]["kind"] == "percent");
  const auto at8 = services_json::resolve_view(s, svc, 2, 8);
  REQUIRE(at8);
  CHECK((*at8)["version"] == 2);
  CHECK((*at8)["address"] == format_address(filled(4)));
  CHECK(services_json::resolve_view(s, svc, 2, 4).error().code == errc::not_found);
  CHECK(services_json::resolve_view(s, svc, 9, 8).error().code == errc::not_deployed);

  const auto page = services_json::list_view(s, 1);
  CHECK(page["services"].size() == 1);
  CHECK(page["count"] == 1);
  CHECK(page["next"].is_null());
  CHECK(services_json::list_view(s, 2)["services"].empty());
}

TEST_CASE("genesis.json's services section round-trips and needs access control") {
  test::network net;  // a genesis the consensus rules accept
  genesis_config g = net.config;
  auto acl = std::make_shared<access_genesis>();
  acl->admins = {address_of(test::keys_of(1).pub)};
  g.access = acl;
  g.modules = g.modules.with(module_id::access).with(module_id::services);
  const auto text = runtime::genesis_json(g);
  CHECK(text.find("\"services\": {}") != std::string::npos);
  auto back = runtime::parse_genesis_json(text);
  REQUIRE(back);
  CHECK(back->modules.has(module_id::services));
  auto j = nlohmann::json::parse(text);
  j.erase("access");
  auto refused = runtime::parse_genesis_json(j.dump());
  REQUIRE_FALSE(refused);
  CHECK(refused.error().detail.find("access") != std::string::npos);
}
