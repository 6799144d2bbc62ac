// The storage check on a real RocksDB holding a mainchain with the access module after grants,
// a role and a level: the module restores from its records alone and the state reproduces the
// head's state root; a damaged access record is reported, not trusted. Likewise the service
// registry (which asks the access module who may register), after the database is reopened.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <unistd.h>

#include "chains/access/access_module.hpp"
#include "chains/services/services_module.hpp"
#include "chains/storage/chain_store.hpp"
#include "chains/storage/rocksdb/rocksdb_store.hpp"
#include "chains/storage/storage_check.hpp"
#include "tests/chains/network_fixture.hpp"

using namespace bfd;
namespace fs = std::filesystem;

namespace {

struct temp_dir {
  fs::path path;
  temp_dir() {
    std::string tmpl = (fs::temp_directory_path() / "bfd-access-store-XXXXXX").string();
    path = ::mkdtemp(tmpl.data());
  }
  ~temp_dir() { fs::remove_all(path); }
};

bool mentions(const std::vector<std::string>& lines, const std::string& what) {
  return std::any_of(lines.begin(), lines.end(), [&](const std::string& l) { return l.find(what) != std::string::npos; });
}

transaction signed_tx(const key_pair& sender, std::uint64_t nonce, tx_payload payload) {
  transaction tx;
  tx.nonce = nonce;
  tx.expiry = 1'000;
  tx.payload = std::move(payload);
  sign_transaction(tx, sender, hash256{});
  return tx;
}

/// Commits `blocks` to the mainchain's space of `db` with the state after them whole: accounts,
/// consensus and every record of the modules `ids`.
void commit_all(kv_store& db, chain_state& st, const std::vector<block>& blocks, std::initializer_list<module_id> ids) {
  auto cs = chain_store::open(db, mainchain_id);
  REQUIRE(cs);
  st.accounts().mark_all_dirty();
  st.consensus_for_storage().mark_all_dirty();
  std::vector<std::vector<module_record>> kept;  // module_write holds a span of them
  kept.reserve(ids.size());
  std::vector<module_write> writes;
  for (auto id : ids) {
    auto* mod = st.module_for_storage(id);
    mod->mark_all_dirty();
    kept.push_back(mod->dirty_records());
    writes.push_back(module_write{id, kept.back()});
  }
  const auto scalars = st.consensus().encode_scalars();
  const auto items = st.consensus().dirty_records();
  REQUIRE(cs->commit_blocks(std::span<const block>(blocks), st.accounts(), st.accounts().dirty(),
                            consensus_write{scalars, items}, std::nullopt, writes));
}

} // namespace

TEST_CASE("a store with the access module passes the storage check, and a damaged access record is reported") {
  test::network net;
  const auto& admin = net.users[3];
  auto g = std::make_shared<access_genesis>();
  g->admins = {address_of(admin.pub)};
  net.config.access = g;
  net.config.modules = module_set{module_id::token, module_id::consensus, module_id::access};
  auto [st, genesis] = net.genesis();
  const acl::scope fund{acl::scope_kind::fund_group, 7};
  const auto inv = address_of(net.users[0].pub);
  std::vector<block> blocks{genesis};
  blocks.push_back(test::produce(net, st, 0, 0,
                                 {signed_tx(admin, 0, acl_role_define_tx{fund, "investor", acl::bit(acl::permission::trade)}),
                                  signed_tx(admin, 1, acl_grant_tx{fund, inv, 0, "investor"}),
                                  signed_tx(admin, 2, acl_set_level_tx{7, inv, 2})}));
  REQUIRE(blocks.back().txs.size() == 3);
  REQUIRE(st.apply_block(blocks.back(), signature_check::verify));

  temp_dir dir;
  const auto where = (dir.path / "db").string();
  {
    auto db = open_rocksdb_store(where);
    REQUIRE(db);
    commit_all(**db, st, blocks, {module_id::access});
    auto cs = chain_store::open(**db, mainchain_id);
    REQUIRE(cs);
    const auto* mod = st.module(module_id::access);
    auto r = check_storage(**db, std::nullopt, "marker", where);
    CHECK(r.sound());
    CHECK(mentions(r.notes, "chain 1: accounts and consensus state reproduce the head's state root"));
    auto back = cs->module_records(module_id::access);
    REQUIRE(back);
    auto restored = access_module::from_records(*back);
    REQUIRE(restored);
    CHECK((*restored)->state().allowed(inv, fund, acl::permission::trade, 2));
    CHECK((*restored)->root() == mod->root());
  }
  {
    // The level record: 2 becomes 3 (well formed, but not what the root commits to).
    auto db = open_rocksdb_store(where);
    REQUIRE(db);
    auto cs = chain_store::open(**db, mainchain_id);
    REQUIRE(cs);
    bytes key{'m', static_cast<byte>(module_id::access)};
    const auto lk = acl::level_record_key(7, inv);
    key.insert(key.end(), lk.begin(), lk.end());
    write_batch wb;
    wb.put(cs->space(), key, bytes{0x91, 0x03});
    REQUIRE((*db)->write(wb));
    auto r = check_storage(**db, std::nullopt, "marker", where);
    CHECK(!r.sound());
    CHECK(mentions(r.problems, "chain 1: state at the head"));
  }
}

TEST_CASE("a store with the service registry reopens with the same registry and passes the storage check") {
  test::network net;
  const auto& admin = net.users[3];
  auto g = std::make_shared<access_genesis>();
  g->admins = {address_of(admin.pub)};
  g->grants = {{address_of(admin.pub), acl::bit(acl::permission::register_service)
                                         | acl::bit(acl::permission::upgrade_service)}};
  net.config.access = g;
  net.config.modules = module_set{module_id::token, module_id::consensus, module_id::access, module_id::services};
  auto [st, genesis] = net.genesis();
  service_register_tx reg;
  reg.uuid.data.fill(0x11);
  reg.symbol = "SVC1";
  reg.home = 2;
  reg.deployments = {2, 3};
  reg.instances = {{2, address{}}, {3, address{}}};
  reg.instances[0].contract.data.fill(2);
  reg.instances[1].contract.data.fill(3);
  service_upgrade_tx up;
  up.service = 1;
  up.instances = reg.instances;
  up.canary = 3;
  up.delay = 1;
  up.window = 1;
  std::vector<block> blocks{genesis};
  blocks.push_back(test::produce(net, st, 0, 0, {signed_tx(admin, 0, reg), signed_tx(admin, 1, up)}));
  REQUIRE(blocks.back().txs.size() == 2);
  REQUIRE(st.apply_block(blocks.back(), signature_check::verify));
  const auto* registry = find_services(st);
  REQUIRE(registry);
  REQUIRE(registry->rollout_of(1));

  temp_dir dir;
  const auto where = (dir.path / "db").string();
  {
    auto db = open_rocksdb_store(where);
    REQUIRE(db);
    commit_all(**db, st, blocks, {module_id::access, module_id::services});
  }
  // Reopened: the records give back the same registry, and the whole state its root.
  auto db = open_rocksdb_store(where);
  REQUIRE(db);
  auto cs = chain_store::open(**db, mainchain_id);
  REQUIRE(cs);
  auto back = cs->module_records(module_id::services);
  REQUIRE(back);
  auto restored = services_module::from_records(*back);
  REQUIRE(restored);
  CHECK((*restored)->state() == *registry);
  CHECK((*restored)->root() == registry->root());
  CHECK((*restored)->state().rollout_of(1)->canary == 3);
  CHECK((*restored)->state().live_version(1, 3, blocks.back().header.height + 1) == 2u);
  auto r = check_storage(**db, std::nullopt, "marker", where);
  CHECK(r.sound());
  CHECK(mentions(r.notes, "chain 1: accounts and consensus state reproduce the head's state root"));
}
