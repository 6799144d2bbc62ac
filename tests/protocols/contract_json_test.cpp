// The contracts kinds' JSON for slots: a template declaring a slot and a slot change (set and
// cleared) read back from their views as the same signed transactions; bad fields are refused
// with the field named.
#include <doctest/doctest.h>

#include "protocols/json.hpp"
#include "tests/chains/sample.hpp"

using namespace bfd;

namespace {

transaction signed_tx(tx_payload payload) {
  return test::signed_payload(std::move(payload), mainchain_id, 5, 0x41);
}

} // namespace

TEST_CASE("a slot template and contract_set_slot round-trip through their JSON views") {
  contract_publish_tx pub;
  pub.template_name = "service-commission";
  pub.code = bytes{0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
  pub.param_names = {"bps"};
  pub.param_types = {contract::param_type::u64};
  pub.entry_points = {"run"};
  pub.slot = "adjuster";
  const auto contract = address_of(test::keys_of(0x42).pub);
  const auto client = address_of(test::keys_of(0x43).pub);
  for (const auto& p : std::vector<tx_payload>{pub, contract_set_slot_tx{contract, client},
                                               contract_set_slot_tx{contract, std::nullopt}}) {
    const auto tx = signed_tx(p);
    const auto view = transaction_json(tx);
    auto back = parse_transaction_submission(view.dump());
    REQUIRE_MESSAGE(back, back.error().message());
    CHECK(*back == tx);
  }
  const auto set = transaction_json(signed_tx(contract_set_slot_tx{contract, client}));
  CHECK(set["kind"] == "contract_set_slot");
  CHECK(set["client"] == format_address(client));
  CHECK(transaction_json(signed_tx(contract_set_slot_tx{contract, std::nullopt}))["client"].is_null());
  CHECK(transaction_json(signed_tx(pub))["slot"] == "adjuster");
  pub.slot.clear();
  CHECK_FALSE(transaction_json(signed_tx(pub)).contains("slot"));

  auto with = [](nlohmann::ordered_json view, const char* key, nlohmann::ordered_json value) {
    view.erase("id");
    view.erase("signature_valid");
    view[key] = std::move(value);
    return parse_transaction_submission(view.dump());
  };
  auto bad_client = with(set, "client", "bfd-not-an-address");
  REQUIRE_FALSE(bad_client);
  CHECK(bad_client.error().detail.find("client") != std::string::npos);
  auto empty_slot = with(transaction_json(signed_tx(pub)), "slot", "");
  REQUIRE_FALSE(empty_slot);
  CHECK(empty_slot.error().detail.find("slot") != std::string::npos);
}
