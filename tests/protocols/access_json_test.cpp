// The access kinds' JSON: a transaction's view reads back as the same signed transaction, and
// bad fields are refused with the field named.
#include <doctest/doctest.h>

#include "protocols/json.hpp"
#include "tests/chains/sample.hpp"

using namespace bfd;

namespace {

transaction signed_tx(tx_payload payload) {
  return test::signed_payload(std::move(payload), mainchain_id, 3, 0x21);
}

} // namespace

TEST_CASE("access transactions round-trip through their JSON view") {
  const auto acct = address_of(test::keys_of(0x22).pub);
  const acl::scope fund{acl::scope_kind::fund_group, 7};
  for (const auto& p : std::vector<tx_payload>{
         acl_grant_tx{fund, acct, acl::bit(acl::permission::trade) | acl::bit(acl::permission::read), "investor"},
         acl_revoke_tx{acl::scope::global(), acct, acl::bit(acl::permission::sidechain_admin), ""},
         acl_role_define_tx{acl::scope{acl::scope_kind::service, 4}, "ops", acl::bit(acl::permission::upgrade_service)},
         acl_set_level_tx{7, acct, 2}}) {
    const auto tx = signed_tx(p);
    const auto view = transaction_json(tx);
    auto back = parse_transaction_submission(view.dump());
    REQUIRE(back);
    CHECK(*back == tx);
  }
  const auto view = transaction_json(signed_tx(acl_grant_tx{fund, acct, acl::bit(acl::permission::trade), ""}));
  CHECK(view.dump().find("\"permissions\":[\"trade\"]") != std::string::npos);
  CHECK(view.dump().find("\"scope\":\"fund_group\"") != std::string::npos);

  auto with = [&](const char* key, nlohmann::ordered_json value) {
    auto j = view;
    j.erase("id");
    j.erase("signature_valid");
    j[key] = std::move(value);
    return parse_transaction_submission(j.dump());
  };
  auto bad_perm = with("permissions", nlohmann::ordered_json::array({"fly"}));
  REQUIRE_FALSE(bad_perm);
  CHECK(bad_perm.error().detail.find("permissions") != std::string::npos);
  auto bad_scope = with("scope", "galaxy");
  REQUIRE_FALSE(bad_scope);
  CHECK(bad_scope.error().detail.find("scope") != std::string::npos);
  CHECK_FALSE(with("role", std::string(40, 'a')));
  CHECK_FALSE(with("colour", "red"));  // an unknown field
}
