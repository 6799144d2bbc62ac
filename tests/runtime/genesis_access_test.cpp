// genesis.json's `access` section: written only for a chain with the access module, read back
// to the same genesis (same state root), refused when empty, repeated or not an address.
#include <doctest/doctest.h>

#include "chains/access/access_module.hpp"
#include "runtime/genesis_file.hpp"
#include "tests/chains/network_fixture.hpp"

using namespace bfd;

TEST_CASE("a genesis file names the access admins only when the chain has the module") {
  test::network net;
  const auto plain_text = runtime::genesis_json(net.config);
  CHECK(plain_text.find("\"access\"") == std::string::npos);
  auto plain = runtime::parse_genesis_json(plain_text);
  REQUIRE(plain);
  CHECK(!plain->modules.has(module_id::access));

  auto g = std::make_shared<access_genesis>();
  g->admins = {address_of(net.users[0].pub), address_of(net.users[1].pub)};
  net.config.access = g;
  net.config.modules = net.config.modules.with(module_id::access);
  const auto text = runtime::genesis_json(net.config);
  CHECK(text.find("\"access\"") != std::string::npos);
  auto back = runtime::parse_genesis_json(text);
  REQUIRE(back);
  CHECK(back->modules.has(module_id::access));
  REQUIRE(back->access);
  CHECK(back->access->admins == g->admins);
  CHECK(runtime::genesis_json(*back) == text);
  auto a = chain_state::genesis(net.config);
  auto b = chain_state::genesis(*back);
  REQUIRE(a);
  REQUIRE(b);
  CHECK(a->second.header.state_root == b->second.header.state_root);
  CHECK(find_access(b->first)->allowed(address_of(net.users[1].pub), acl::scope::global(), acl::permission::admin));

  auto replace = [&](const std::string& from, const std::string& to) {
    // Inside the access section (the users' addresses appear in the allocations too).
    auto t = text;
    const auto at = t.find(from, t.find("\"access\""));
    REQUIRE(at != std::string::npos);
    t.replace(at, from.size(), to);
    return runtime::parse_genesis_json(t);
  };
  const auto first = format_address(g->admins[0]);
  const auto second = format_address(g->admins[1]);
  auto twice = replace(second, first);
  REQUIRE_FALSE(twice);
  CHECK(twice.error().detail.find("genesis.access.admins[1]: named twice") != std::string::npos);
  auto bad = replace(first, "bfdxyz");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().detail.find("genesis.access.admins[0]") != std::string::npos);
  auto t = text;
  const auto from = t.find("\"admins\": [", t.find("\"access\""));
  REQUIRE(from != std::string::npos);
  const auto to = t.find(']', from);
  t.replace(from, to + 1 - from, "\"admins\": []");
  auto empty = runtime::parse_genesis_json(t);
  REQUIRE_FALSE(empty);
  CHECK(empty.error().detail.find("genesis.access.admins: a non-empty array") != std::string::npos);
}

TEST_CASE("genesis grants give permissions on global from block 0 and are written only when present") {
  test::network net;
  auto g = std::make_shared<access_genesis>();
  const auto admin = address_of(net.users[0].pub);
  const auto operator_ = address_of(net.users[1].pub);
  g->admins = {admin};
  g->grants = {{admin, acl::bit(acl::permission::sidechain_admin)},
               {operator_, acl::bit(acl::permission::read) | acl::bit(acl::permission::deploy)}};
  net.config.access = g;
  net.config.modules = net.config.modules.with(module_id::access);
  const auto text = runtime::genesis_json(net.config);
  CHECK(text.find("\"grants\"") != std::string::npos);
  CHECK(text.find("\"sidechain_admin\"") != std::string::npos);
  auto back = runtime::parse_genesis_json(text);
  REQUIRE(back);
  CHECK(back->access->grants == g->grants);
  CHECK(runtime::genesis_json(*back) == text);
  auto state = chain_state::genesis(*back);
  REQUIRE(state);
  const auto* acl_state = find_access(state->first);
  REQUIRE(acl_state);
  CHECK(acl_state->allowed(admin, acl::scope::global(), acl::permission::admin));
  CHECK(acl_state->allowed(admin, acl::scope::global(), acl::permission::sidechain_admin));
  CHECK(acl_state->allowed(operator_, {acl::scope_kind::service, 3}, acl::permission::deploy));
  CHECK_FALSE(acl_state->allowed(operator_, acl::scope::global(), acl::permission::admin));
  // The grants are part of the root: the same admins without them give another genesis.
  auto without = net.config;
  auto plain = std::make_shared<access_genesis>(*g);
  plain->grants.clear();
  without.access = plain;
  CHECK(runtime::genesis_json(without).find("\"grants\"") == std::string::npos);
  CHECK(chain_state::genesis(without)->second.header.state_root != state->second.header.state_root);

  auto replace = [&](const std::string& from, const std::string& to) {
    auto t = text;
    const auto at = t.find(from, t.find("\"grants\""));
    REQUIRE(at != std::string::npos);
    t.replace(at, from.size(), to);
    return runtime::parse_genesis_json(t);
  };
  auto unknown = replace("\"deploy\"", "\"fly\"");
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().detail.find("genesis.access.grants[1].permissions") != std::string::npos);
  auto twice = replace(format_address(operator_), format_address(admin));
  REQUIRE_FALSE(twice);
  CHECK(twice.error().detail.find("named twice") != std::string::npos);
  auto empty = replace("\"read\",", "");
  REQUIRE(empty);  // one permission left: still a grant
  auto none = replace("\"sidechain_admin\"", "");
  REQUIRE_FALSE(none);
  CHECK(none.error().detail.find("non-empty") != std::string::npos);
}
