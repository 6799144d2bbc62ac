// A data directory written before a chain gained the contracts module (what system-service
// sidechains were before docs/service-triage.md) reopens with the module enabled: the empty
// module adds nothing to the genesis hash or the state root. A module with genesis state
// (access) changes the genesis, and such a directory is refused: the check can fail.
#include <doctest/doctest.h>

#include "chains/access/access_module.hpp"
#include "chains/sidechain/chain_spec.hpp"
#include "chains/storage/chain_store.hpp"
#include "chains/storage/open_chain.hpp"
#include "chains/storage/rocksdb/rocksdb_store.hpp"
#include "tests/chains/network_fixture.hpp"
#include "tests/chains/sample.hpp"
#include "tests/temp_dir.hpp"

using namespace bfd;

namespace {

/// Writes the genesis and two blocks with transfers of `net`'s chain (no contracts module) into
/// a RocksDB at `where`, as a chain actor commits final blocks; returns the head's state root.
hash256 write_old_chain(const test::network& net, const std::string& where) {
  auto [st, genesis] = net.genesis();
  std::vector<block> blocks{genesis};
  const auto to = address_of(net.users[1].pub);
  for (std::uint64_t h = 1; h <= 2; ++h) {
    blocks.push_back(test::produce(net, st, h - 1, 0, {test::transfer(net.users[0], to, 1000 * h, h - 1, 10, 1000, net.config.chain)}));
    REQUIRE(blocks.back().txs.size() == 1);
    REQUIRE(st.apply_block(blocks.back(), signature_check::verify));
  }
  auto db = open_rocksdb_store(where);
  REQUIRE(db);
  auto cs = chain_store::open(**db, net.config.chain);
  REQUIRE(cs);
  st.accounts().mark_all_dirty();
  st.consensus_for_storage().mark_all_dirty();
  const auto scalars = st.consensus().encode_scalars();
  const auto items = st.consensus().dirty_records();
  REQUIRE(cs->commit_blocks(std::span<const block>(blocks), st.accounts(), st.accounts().dirty(),
                            consensus_write{scalars, items}, std::nullopt, {}));
  return st.head().state_root;
}

} // namespace

TEST_CASE("system-service, ecosystem and DAOS sidechains' specs have the contracts module, a consortium's not") {
  sidechain_entry e;
  e.id = 2;
  e.kind = chain_kind::system_service;
  e.name = "fund exchange";
  e.token.symbol = "FEX";
  consensus_params p;
  CHECK(sidechain_spec(e, p).genesis.modules.has(module_id::contracts));
  e.kind = chain_kind::ecosystem;
  CHECK(sidechain_spec(e, p).genesis.modules.has(module_id::contracts));
  e.kind = chain_kind::daos;
  CHECK(sidechain_spec(e, p).genesis.modules.has(module_id::contracts));
  e.kind = chain_kind::consortium;
  CHECK_FALSE(sidechain_spec(e, p).genesis.modules.has(module_id::contracts));
}

TEST_CASE("a DAOS sidechain's genesis hash is the same with the contracts module as without it") {
  // The registry of every existing mainchain holds the hash of each fund chain's genesis from
  // before DAOS chains ran contracts: adding the (empty) module must not move it.
  test::network net;
  sidechain_entry e;
  e.id = 9;
  e.kind = chain_kind::daos;
  e.name = "a fund";
  e.token.symbol = "AFND";
  e.token.allocations = {{address_of(net.users[0].pub), 1000}, {address_of(net.users[1].pub), 500}};
  e.validators = net.config.vms;
  const auto spec = sidechain_spec(e, net.config.params);
  REQUIRE(spec.genesis.modules.has(module_id::contracts));
  REQUIRE(spec.genesis.modules.has(module_id::dsmeta));
  REQUIRE(spec.genesis.modules.has(module_id::access));
  auto without = spec.genesis;
  without.modules = module_set{};
  for (auto m : {module_id::token, module_id::consensus, module_id::dsmeta, module_id::access})
    if (spec.genesis.modules.has(m))
      without.modules = without.modules.with(m);
  REQUIRE_FALSE(without.modules.has(module_id::contracts));
  auto a = chain_state::genesis(spec.genesis);
  auto b = chain_state::genesis(without);
  REQUIRE(a);
  REQUIRE(b);
  CHECK(header_hash(a->second.header) == header_hash(b->second.header));
}

TEST_CASE("a data directory written without the contracts module reopens with it, at the same head and root") {
  test::network net;
  net.config.chain = 2;
  net.config.modules = module_set{module_id::token, module_id::consensus};
  test::temp_dir dir;
  const auto where = (dir.path / "db").string();
  const auto old_root = write_old_chain(net, where);

  auto with_contracts = net.config;
  with_contracts.modules = with_contracts.modules.with(module_id::contracts);
  // Same genesis hash: the mainchain's registry holds it, so it must not move.
  CHECK(header_hash(chain_state::genesis(with_contracts)->second.header)
        == header_hash(chain_state::genesis(net.config)->second.header));
  {
    auto db = open_rocksdb_store(where);
    REQUIRE(db);
    auto engine = open_chain(db->get(), with_contracts);
    REQUIRE(engine);
    CHECK((*engine)->final_height() == 2);
    CHECK((*engine)->head_state().head().state_root == old_root);
    CHECK((*engine)->head_state().state_root() == old_root);
    CHECK((*engine)->head_state().modules().has(module_id::contracts));
  }
  {
    // The control: a module with genesis state changes the genesis; that directory is refused.
    auto with_access = net.config;
    auto g = std::make_shared<access_genesis>();
    g->admins = {address_of(net.users[0].pub)};
    with_access.access = g;
    with_access.modules = with_access.modules.with(module_id::access);
    auto db = open_rocksdb_store(where);
    REQUIRE(db);
    auto engine = open_chain(db->get(), with_access);
    REQUIRE_FALSE(engine);
    CHECK(engine.error().code == errc::storage_corrupt);
  }
}
