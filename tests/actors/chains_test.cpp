// A node hosting several chains (chain units and the node directory) on a real actor system over
// RocksDB: every chain finalizes, a transfer on one sidechain touches that chain only, a restart
// reopens every chain, a chain added at run time produces final blocks, and two nodes connect
// exactly the chains they both host.
#include <doctest/doctest.h>

#include <chrono>
#include <set>

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>

#include "chains/consensus/node_records.hpp"
#include "chains/crypto/hash.hpp"
#include "chains/storage/rocksdb/rocksdb_store.hpp"
#include "chains/storage/storage_check.hpp"
#include "runtime/dev_sidechains.hpp"
#include "runtime/peg_specs.hpp"
#include "runtime/node.hpp"
#include "tests/actors/support.hpp"

using namespace bfd;
using std::chrono::seconds;

namespace {

using test::shared_network;
using test::temp_dir;

/// The mainchain and the first `n` dev sidechains (ids 2..n+1), each with its dev delegates.
std::vector<runtime::hosted_chain> dev_chains(std::size_t n) {
  const auto& net = shared_network();
  std::vector<chain_spec> specs;
  for (const auto& e : runtime::dev_sidechain_entries(net))
    if (specs.size() < n)
      specs.push_back(runtime::sidechain_spec_for(e, net.genesis));
  return runtime::dev_hosted_chains(net, specs);
}

/// One node hosting `chains`, driven slot by slot by a manual clock.
struct multi_node {
  test::node_config cfg;
  caf::actor_system system{cfg};
  std::shared_ptr<manual_clock> time;
  std::unique_ptr<runtime::node> n;

  multi_node(std::vector<runtime::hosted_chain> chains, std::shared_ptr<kv_store> store,
             std::shared_ptr<manual_clock> clock = std::make_shared<manual_clock>(0))
    : time(std::move(clock)) {
    runtime::node_options o;
    o.chains = std::move(chains);
    o.reporter = shared_network().reporter;
    o.store = std::move(store);
    o.time = time;
    o.self_ticking = false;
    auto started = runtime::node::start(system, std::move(o));
    REQUIRE(started);
    n = std::move(*started);
  }
  ~multi_node() { n->stop(); }

  /// Runs global slots [from, to) on every hosted chain (they share genesis time and slot length).
  void run_slots(std::uint64_t from, std::uint64_t to) {
    test::run_slots(system, *time, shared_network().genesis.params, test::hosted_delegates(*n), from, to);
  }

  chain_info info(chain_id id) {
    caf::scoped_actor self{system};
    chain_info out;
    REQUIRE(n->unit(id));
    self->request(n->unit(id)->chain(), seconds(10), info_atom::value)
      .receive([&](const chain_info& i) { out = i; }, [&](const caf::error& e) { FAIL(system.render(e)); });
    return out;
  }

  account_summary account(chain_id id, const address& a) {
    caf::scoped_actor self{system};
    account_summary out;
    self->request(n->unit(id)->chain(), seconds(10), account_atom::value, a)
      .receive([&](const account_summary& s) { out = s; }, [&](const caf::error& e) { FAIL(system.render(e)); });
    return out;
  }

  admission submit(chain_id id, const transaction& tx) {
    caf::scoped_actor self{system};
    admission out;
    self->request(n->unit(id)->mempool(), seconds(10), submit_atom::value, tx_envelope{tx})
      .receive([&](const admission& a) { out = a; }, [&](const caf::error& e) { FAIL(system.render(e)); });
    return out;
  }

  std::vector<chain_handles> directory() {
    caf::scoped_actor self{system};
    std::vector<chain_handles> out;
    self->request(n->directory(), seconds(10), chains_atom::value)
      .receive([&](std::vector<chain_handles>& v) { out = std::move(v); },
               [&](const caf::error& e) { FAIL(system.render(e)); });
    return out;
  }
};

std::shared_ptr<kv_store> open_store(const temp_dir& dir) {
  auto db = open_rocksdb_store(dir.path.string());
  REQUIRE(db);
  return std::shared_ptr<kv_store>(std::move(*db));
}

transaction transfer(chain_id chain, const key_pair& from, const address& to, amount value, std::uint64_t nonce) {
  transaction tx;
  tx.chain = chain;
  tx.nonce = nonce;
  tx.fee = 1000;
  tx.expiry = 10'000;
  tx.payload = transfer_payload{to, value};
  sign_transaction(tx, from, hash256{});
  return tx;
}

} // namespace

TEST_CASE("dev sidechain validators are one per category, with a hash chain of their own per chain") {
  const auto& net = shared_network();
  const auto entries = runtime::dev_sidechain_entries(net);
  REQUIRE(entries.size() == 7);
  std::set<chain_id> ids;
  for (const auto& e : entries) {
    ids.insert(e.id);
    REQUIRE(e.validators.size() == net.genesis.params.categories.size());
    for (std::uint32_t c = 0; c < e.validators.size(); ++c)
      CHECK(e.validators[c].category == c);
  }
  CHECK(ids == std::set<chain_id>{2, 3, 4, 5, 6, 7, 8});
  // The same key commits to a different tip on each chain, and keeps its mainchain tip.
  const auto& key = entries[0].validators[0].key;
  CHECK(entries[0].validators[0].hash_chain_tip != entries[1].validators[0].hash_chain_tip);
  for (const auto& v : net.genesis.vms)
    if (v.key == key)
      CHECK(v.hash_chain_tip != entries[0].validators[0].hash_chain_tip);
  CHECK(runtime::choose_validators(net.genesis, entries[0].rule) == runtime::choose_validators(net.genesis, entries[0].rule));
}

TEST_CASE("a node hosting three chains finalizes each; a sidechain transfer changes that chain only") {
  temp_dir dir;
  const auto& net = shared_network();
  multi_node m(dev_chains(2), open_store(dir));
  const auto listed = m.directory();
  REQUIRE(listed.size() == 3);
  CHECK(listed[0].id == mainchain_id);
  CHECK(listed[1].token == "FEX");
  CHECK(listed[2].token == "FRT");
  m.run_slots(0, 20);
  for (chain_id id : {1u, 2u, 3u}) {
    CAPTURE(id);
    CHECK(m.info(id).chain == id);
    CHECK(m.info(id).final_height > 3);
  }
  const auto& from = net.accounts[0];
  const auto to = address_of(net.accounts[1].pub);
  std::map<chain_id, account_summary> sender, receiver;
  std::map<chain_id, std::uint64_t> supply;
  for (chain_id id : {1u, 2u, 3u}) {
    sender[id] = m.account(id, address_of(from.pub));
    receiver[id] = m.account(id, to);
    supply[id] = m.info(id).total_supply;
  }
  CHECK(sender[2].balance == 1'000'000 * units_per_bfdt);
  const auto tx = transfer(2, from, to, 5 * units_per_bfdt, 0);
  // Another chain's mempool refuses it: its chain id is not theirs.
  CHECK(m.submit(3, tx).code != 0);
  CHECK(m.submit(mainchain_id, tx).code != 0);
  REQUIRE(m.submit(2, tx).code == 0);
  m.run_slots(20, 30);
  CHECK(m.account(2, to).balance == receiver[2].balance + 5 * units_per_bfdt);
  CHECK(m.account(2, address_of(from.pub)).balance == sender[2].balance - 5 * units_per_bfdt - 1000);
  CHECK(m.account(2, address_of(from.pub)).nonce == 1);
  CHECK(m.info(2).total_supply == supply[2]);
  for (chain_id id : {1u, 3u}) {
    CAPTURE(id);
    CHECK(m.account(id, to).balance == receiver[id].balance);
    CHECK(m.account(id, address_of(from.pub)).balance == sender[id].balance);
    CHECK(m.account(id, address_of(from.pub)).nonce == 0);
  }
  CHECK(m.info(3).total_supply == supply[3]);
}

TEST_CASE("a restarted node reopens every chain it hosted") {
  temp_dir dir;
  std::map<chain_id, chain_info> before;
  auto clock = std::make_shared<manual_clock>(0);
  {
    multi_node m(dev_chains(2), open_store(dir), clock);
    m.run_slots(0, 15);
    for (chain_id id : {1u, 2u, 3u})
      before[id] = m.info(id);
  }
  // Signing records are kept per chain: the store's check sees the sidechains' records too.
  {
    auto store = open_store(dir);
    auto report = check_signing_records(*store);
    CHECK(report.sound());
    std::size_t on_sidechains = 0;
    for (const auto& note : report.notes)
      if (note.find(" on chain ") != std::string::npos)
        ++on_sidechains;
    CHECK(on_sidechains == 2 * shared_network().genesis.params.categories.size());
  }
  multi_node m(dev_chains(2), open_store(dir), clock);
  for (chain_id id : {1u, 2u, 3u}) {
    CAPTURE(id);
    REQUIRE(before[id].final_height > 2);
    CHECK(m.info(id).final_height == before[id].final_height);
    CHECK(m.info(id).final_hash == before[id].final_hash);
  }
  m.run_slots(15, 25);
  for (chain_id id : {1u, 2u, 3u})
    CHECK(m.info(id).final_height > before[id].final_height);
}

TEST_CASE("a chain added at run time produces final blocks; a stopped chain leaves the directory") {
  temp_dir dir;
  auto chains = dev_chains(2);
  const auto third = chains.back();
  chains.pop_back();
  multi_node m(chains, open_store(dir));
  m.run_slots(0, 5);
  CHECK(m.directory().size() == 2);
  CHECK_FALSE(m.n->unit(3));
  auto added = m.n->add_chain(third.spec, third.delegates);
  REQUIRE(added);
  CHECK((*added)->id() == 3);
  CHECK_FALSE(m.n->add_chain(third.spec, third.delegates));  // hosted already
  CHECK(m.directory().size() == 3);
  m.run_slots(5, 20);
  CHECK(m.info(3).final_height > 3);
  REQUIRE(m.n->stop_chain(3));
  CHECK_FALSE(m.n->unit(3));
  CHECK(m.directory().size() == 2);
  CHECK_FALSE(m.n->stop_chain(3));
  CHECK_FALSE(m.n->stop_chain(mainchain_id));  // the first chain stops with the node
}

TEST_CASE("two nodes connect the chains both host, and only those") {
  auto clock = std::make_shared<manual_clock>(0);
  auto all = dev_chains(3);  // chains 1..4
  // a: chains 1, 2, 3 with every delegate; b: chains 1, 2 and 4, without delegates.
  std::vector<runtime::hosted_chain> on_a{all[0], all[1], all[2]};
  std::vector<runtime::hosted_chain> on_b{all[0], all[1], all[3]};
  for (auto& h : on_b)
    h.delegates.clear();
  multi_node a(on_a, nullptr, clock);
  multi_node b(on_b, nullptr, clock);
  auto bound = runtime::publish_directory(a.system, a.n->directory(), "127.0.0.1", 0);
  REQUIRE(bound);
  runtime::peer_connector conn(b.system, b.n->directory(), {{"a", "127.0.0.1", *bound}}, nullptr, 50);
  REQUIRE(test::eventually(b.system, [&] { return a.info(2).peers == 1 && b.info(2).peers == 1; }));
  CHECK(a.info(1).peers == 1);
  CHECK(b.info(1).peers == 1);
  a.run_slots(0, 20);
  const auto ia = a.info(2);
  REQUIRE(ia.final_height > 3);
  CHECK(test::eventually(b.system, [&] { return b.info(2).final_height == ia.final_height; }));
  CHECK(b.info(2).final_hash == ia.final_hash);
  CHECK(conn.introduced() == 2);
  // Hosted on one node only: connected to nothing.
  CHECK(a.info(3).peers == 0);
  CHECK(b.info(4).peers == 0);
  CHECK(b.info(4).head_height == 0);
  // A chain b starts later is connected at the next retry.
  auto added = b.n->add_chain(all[2].spec, {});
  REQUIRE(added);
  CHECK(test::eventually(b.system, [&] { return b.info(3).final_height == a.info(3).final_height; }));
  CHECK(a.info(3).peers == 1);
  CHECK(conn.introduced() == 3);
}

TEST_CASE("signing records are checked against their own chain") {
  const auto key = shared_network().delegates[0].keys.pub;
  CHECK(signing_record_key(mainchain_id, key).size() == 32);
  CHECK(signing_record_key(2, key).size() == 36);
  CHECK(parse_signing_record_key(signing_record_key(2, key)) == std::pair<chain_id, public_key>{2, key});
  CHECK(parse_signing_record_key(signing_record_key(mainchain_id, key)) == std::pair<chain_id, public_key>{1, key});
  temp_dir dir;
  {
    multi_node m(dev_chains(1), open_store(dir));
    m.run_slots(0, 15);
    REQUIRE(m.info(mainchain_id).final_height > 3);
  }
  auto store = open_store(dir);
  REQUIRE(check_signing_records(*store).sound());
  // A record on chain 9, which the store does not hold, voting from #2: the mainchain's final
  // head is higher, but the record belongs to chain 9, where storage holds nothing.
  signing_record r;
  r.vote_source_height = 2;
  r.vote_target_height = 3;
  write_batch wb;
  wb.put(delegate_space, signing_record_key(9, key), codec::encode(r));
  REQUIRE(store->write(wb));
  auto report = check_signing_records(*store);
  REQUIRE(report.problems.size() == 1);
  CHECK(report.problems[0].find("on chain 9") != std::string::npos);
  // A key of neither form is a problem too.
  write_batch bad;
  bad.put(delegate_space, bytes(5, 1), codec::encode(r));
  REQUIRE(store->write(bad));
  CHECK(check_signing_records(*store).problems.size() == 2);
}
