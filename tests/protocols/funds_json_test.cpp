// The funds module at the edges: its kinds' JSON reads back as the same signed transaction, bad
// fields are refused with the field named, the summary view of a chain without any fund activity
// is all zeros and reconciled, and genesis.json's funds section round-trips (needing dsmeta).
#include <doctest/doctest.h>

#include "chains/consensus/chain_state.hpp"
#include "protocols/funds_json.hpp"
#include "protocols/json.hpp"
#include "runtime/genesis_file.hpp"
#include "tests/chains/network_fixture.hpp"
#include "tests/chains/sample.hpp"

using namespace bfd;

TEST_CASE("funds transactions round-trip through their JSON view; bad fields are refused") {
  const auto buyer = address_of(test::keys_of(0x23).pub);
  for (const auto& p : std::vector<tx_payload>{fund_subscribe_tx{4'000'000'000}, fund_trade_tx{buyer, 10 * units_per_bfdt},
                                               fund_sweep_tx{buyer, 1'234}, fund_redeem_tx{1}}) {
    const auto tx = test::signed_payload(p, 8, 3, 0x21);
    const auto view = transaction_json(tx);
    auto back = parse_transaction_submission(view.dump());
    INFO(view.dump());
    REQUIRE(back);
    CHECK(*back == tx);
  }
  const auto view = transaction_json(test::signed_payload(fund_trade_tx{buyer, 250'000'000}, 8, 3, 0x21)).dump();
  CHECK(view.find("\"kind\":\"fund_trade\"") != std::string::npos);
  CHECK(view.find("\"tokens\":\"2.5\"") != std::string::npos);
  auto j = nlohmann::json::parse(view);
  j["buyer"] = "bfd00";
  auto bad = parse_transaction_submission(j.dump());
  REQUIRE_FALSE(bad);
  CHECK(bad.error().detail.find("buyer") != std::string::npos);
  j = nlohmann::json::parse(transaction_json(test::signed_payload(fund_sweep_tx{buyer, 5}, 8, 3, 0x21)).dump());
  j["extra"] = 1;
  CHECK_FALSE(parse_transaction_submission(j.dump()));
}

TEST_CASE("a genesis with a funds section has the module, needs dsmeta, and writes it back") {
  test::network net;  // a genesis the consensus rules accept
  genesis_config c = net.config;
  c.modules = c.modules.with(module_id::dsmeta).with(module_id::funds);
  const auto text = runtime::genesis_json(c);
  CHECK(text.find("\"funds\": {}") != std::string::npos);
  auto back = runtime::parse_genesis_json(text);
  REQUIRE(back);
  CHECK(back->modules.has(module_id::funds));
  auto j = nlohmann::json::parse(text);
  j.erase("dsmeta");
  CHECK_FALSE(runtime::parse_genesis_json(j.dump()));
}

TEST_CASE("the funds summary of a chain that never used the module is all zeros and reconciled") {
  test::network net;
  net.config.modules = net.config.modules.with(module_id::dsmeta).with(module_id::funds);
  auto [st, genesis] = net.genesis();
  const auto s = funds_json::summary(st);
  CHECK(s["started"] == false);
  CHECK(s["reconciled"] == true);
  CHECK(s["minted_units"] == 0);
  CHECK(s["holders"] == 0);
  const auto h = funds_json::holders(st, address{}, 100);
  CHECK(h["holders"].empty());
  CHECK(h["next"].is_null());
}
