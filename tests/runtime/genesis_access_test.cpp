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
  auto empty = replace("\"admins\": [", "\"admins\": [], \"was\": [");
  REQUIRE_FALSE(empty);
  CHECK(empty.error().detail.find("genesis.access.admins: a non-empty array") != std::string::npos);
}
