// DS metadata at the edges: the local kinds' JSON reads back as the same signed transaction, bad
// fields are refused with the field named, operation bodies round-trip through their JSON, the
// read views show what the records hold, and genesis.json's dsmeta section round-trips.
#include <doctest/doctest.h>

#include "tests/chains/network_fixture.hpp"

#include "chains/access/access_module.hpp"
#include "protocols/dsmeta_json.hpp"
#include "protocols/json.hpp"
#include "runtime/genesis_file.hpp"
#include "tests/chains/sample.hpp"

using namespace bfd;

namespace {

transaction signed_tx(tx_payload payload) {
  return test::signed_payload(std::move(payload), 8, 3, 0x21);
}

} // namespace

TEST_CASE("DS metadata transactions round-trip through their JSON view; bad fields are refused") {
  const auto k = test::keys_of(0x22);
  const auto acct = address_of(k.pub);
  for (const auto& p : std::vector<tx_payload>{ds_member_add_tx{acct, k.pub, 2}, ds_member_update_tx{acct, k.pub, 0},
                                               ds_member_remove_tx{acct}, ds_rate_set_tx{250'000'000},
                                               ds_usage_record_tx{42, bytes{0xab, 0xcd}, 7}}) {
    const auto tx = signed_tx(p);
    const auto view = transaction_json(tx);
    auto back = parse_transaction_submission(view.dump());
    INFO(view.dump());
    REQUIRE(back);
    CHECK(*back == tx);
  }
  const auto view = transaction_json(signed_tx(ds_rate_set_tx{250'000'000})).dump();
  CHECK(view.find("\"kind\":\"ds_rate_set\"") != std::string::npos);
  CHECK(view.find("\"rate\":\"2.5\"") != std::string::npos);
  auto j = nlohmann::json::parse(transaction_json(signed_tx(ds_usage_record_tx{42, bytes{1}, 7})).dump());
  j["request"] = std::string(66, 'a');
  auto bad = parse_transaction_submission(j.dump());
  REQUIRE_FALSE(bad);
  CHECK(bad.error().detail.find("request") != std::string::npos);
}

TEST_CASE("DS operation bodies round-trip through JSON; the summary and pages show the records") {
  ds::op_body reg;
  reg.kind = ds::op_kind::register_org;
  reg.name = "Example Capital";
  reg.owner = address_of(test::keys_of(1).pub);
  ds::op_body raise;
  raise.kind = ds::op_kind::raise;
  raise.terms = ds::raise_terms{500, 100, 1'000, 77, "EXF", ds::rate_mode::floating, 2 * units_per_bfdt, 0};
  ds::op_body issue;
  issue.kind = ds::op_kind::issue;
  issue.value = 300;
  for (const auto& b : {reg, raise, issue}) {
    const auto j = ds_json::op_to_json(b);
    auto back = ds_json::op_from_json(nlohmann::json::parse(j.dump()));
    REQUIRE(back);
    CHECK(*back == b);
    const auto body = ds::encode_op(b);
    CHECK(j["body"] == to_hex(byte_view{body.data(), body.size()}));
  }
  CHECK_FALSE(ds_json::op_from_json(nlohmann::json::parse(R"({"operation":"ds_delete"})")));
  CHECK_FALSE(ds_json::op_from_json(nlohmann::json::parse(R"({"operation":"ds_liquidate","phase":"halfway"})")));

  // A state with an organisation, terms, an issuance and a member, viewed.
  const auto admin = test::keys_of(0x31);
  auto access = *acl::access_state::genesis(std::vector<address>{address_of(admin.pub)});
  REQUIRE(access.apply_grant(address_of(admin.pub),
                             acl_grant_tx{acl::scope::global(), address_of(admin.pub),
                                          acl::bit(acl::permission::write) | acl::bit(acl::permission::issue), ""}));
  auto s = ds::dsmeta_state::genesis(8);
  const ds::env e{8, 5, &access, nullptr};
  CHECK(ds_json::summary(s)["status"] == "unregistered");
  REQUIRE(s.apply_op(reg, ds::op_ref{1, 0}, e));
  REQUIRE(s.apply_op(raise, ds::op_ref{1, 1}, e));
  REQUIRE(s.apply_op(issue, ds::op_ref{1, 2}, e));
  REQUIRE(s.apply(admin.pub, ds_member_add_tx{address_of(admin.pub), admin.pub, 1}, e));
  const auto sum = ds_json::summary(s);
  CHECK(sum["status"] == "active");
  CHECK(sum["organisation"]["name"] == "Example Capital");
  CHECK(sum["token"]["symbol"] == "EXF");
  CHECK(sum["token"]["mode"] == "floating");
  CHECK(sum["rate"] == "2");
  CHECK(sum["issued_units"] == 300);
  CHECK(sum["last_operation"] == "1:2");
  const auto iss = ds_json::issuances(s, 0, 100);
  CHECK(iss["issuances"][0]["operation"] == "1:2");
  CHECK(iss["next"].is_null());
  const auto mem = ds_json::members(s, address{}, 100);
  CHECK(mem["members"][0]["level"] == 1);
  CHECK(mem["total"] == 1);
  // A full page says where the next one starts.
  CHECK(ds_json::rates(s, 0, 1)["next"] == 1);
}

TEST_CASE("genesis.json keeps a chain's dsmeta module") {
  test::network net;  // a genesis the consensus rules accept
  genesis_config c = net.config;
  c.modules = c.modules.with(module_id::dsmeta);
  const auto text = runtime::genesis_json(c);
  CHECK(text.find("\"dsmeta\": {}") != std::string::npos);
  auto back = runtime::parse_genesis_json(text);
  REQUIRE(back);
  CHECK(back->modules.has(module_id::dsmeta));
  auto bad = text;
  bad.replace(bad.find("\"dsmeta\": {}"), 12, "\"dsmeta\": {\"x\": 1}");
  CHECK(runtime::parse_genesis_json(bad).error().code == errc::invalid_argument);
}
