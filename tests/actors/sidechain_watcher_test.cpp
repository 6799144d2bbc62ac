// The sidechain watcher on a real node over RocksDB, following a real sidechain registry: a DAOS
// sidechain registered and activated while the node runs is started without a restart,
// finalizes, is anchored into the registry by the relay, and once ceased produces nothing more
// while the mainchain keeps finalizing.
#include <doctest/doctest.h>

#include <chrono>

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>
#include <nlohmann/json.hpp>

#include "chains/sidechain/registry_module.hpp"
#include "chains/storage/rocksdb/rocksdb_store.hpp"
#include "protocols/json_chains.hpp"
#include "protocols/sidechain_views.hpp"
#include "runtime/dev_sidechains.hpp"
#include "runtime/peg_specs.hpp"
#include "runtime/node.hpp"
#include "runtime/sidechain_entry_file.hpp"
#include "runtime/sidechain_watcher.hpp"
#include "tests/actors/support.hpp"

using namespace bfd;
using std::chrono::seconds;

namespace {

using test::shared_network;

/// A new DAOS sidechain (id 9) over the dev network, built as the dev sidechains are.
sidechain_entry new_daos_entry() {
  const auto& net = shared_network();
  auto e = runtime::dev_sidechain_entries(net).back();  // the example DAOS chain: its shape
  e.id = 9;
  e.name = "new fund";
  e.token.symbol = "NEWF";
  e.params.anchor_interval = 4;
  for (auto& v : e.validators)
    for (const auto& d : net.delegates)
      if (d.keys.pub == v.key)
        v.hash_chain_tip = runtime::delegate_hash_chain(d.keys, runtime::delegate_hash_chain_length, e.id)->tip();
  return e;
}

struct watched_node {
  test::node_config cfg;
  caf::actor_system system{cfg};
  std::shared_ptr<manual_clock> time = std::make_shared<manual_clock>(0);
  std::unique_ptr<runtime::node> n;

  explicit watched_node(std::shared_ptr<kv_store> store) {
    runtime::node_options o;
    o.genesis = shared_network().genesis;
    o.delegates = shared_network().delegates;
    o.reporter = shared_network().reporter;
    o.store = std::move(store);
    o.time = time;
    o.self_ticking = false;
    auto started = runtime::node::start(system, std::move(o));
    REQUIRE(started);
    n = std::move(*started);
  }
  ~watched_node() { n->stop(); }

  /// Runs global slots [from, to) on every chain still producing here.
  void run_slots(std::uint64_t from, std::uint64_t to) {
    test::run_slots(system, *time, shared_network().genesis.params, test::hosted_delegates(*n, true), from, to);
  }

  chain_info info(chain_id id) {
    caf::scoped_actor self{system};
    chain_info out;
    REQUIRE(n->unit(id));
    self->request(n->unit(id)->chain(), seconds(10), info_atom::value)
      .receive([&](const chain_info& i) { out = i; }, [&](const caf::error& e) { FAIL(system.render(e)); });
    return out;
  }
};

} // namespace

TEST_CASE("hosting follows the registry: active chains hosted here start, ceased ones stop, others are left") {
  auto e = new_daos_entry();
  sidechain_info info;
  info.entry = e;
  info.status = sidechain_status::active;
  auto active = make_sidechain_view(info);
  auto plan = runtime::plan_hosting({active}, {1}, {1}, [](chain_id) { return true; });
  REQUIRE(plan.start.size() == 1);
  CHECK(plan.start[0] == e);
  CHECK(runtime::plan_hosting({active}, {1}, {1}, [](chain_id id) { return id != 9; }).start.empty());
  CHECK(runtime::plan_hosting({active}, {1, 9}, {1, 9}, [](chain_id) { return true; }).start.empty());
  auto ceased = active;
  ceased.status = static_cast<std::uint8_t>(sidechain_status::ceased);
  CHECK(runtime::plan_hosting({ceased}, {1, 9}, {1, 9}, [](chain_id) { return true; }).cease == std::vector<chain_id>{9});
  CHECK(runtime::plan_hosting({ceased}, {1, 9}, {1}, [](chain_id) { return true; }).cease.empty());
  auto registered = active;
  registered.status = static_cast<std::uint8_t>(sidechain_status::registered);
  CHECK(runtime::plan_hosting({registered}, {1}, {1}, [](chain_id) { return true; }).start.empty());
  auto broken = active;
  broken.entry.resize(broken.entry.size() / 2);
  auto bad = runtime::plan_hosting({broken}, {1}, {1}, [](chain_id) { return true; });
  CHECK(bad.start.empty());
  CHECK(bad.problems.size() == 1);
  auto other = active;
  other.id = 10;  // the entry says 9
  CHECK(runtime::plan_hosting({other}, {1}, {1}, [](chain_id) { return true; }).problems.size() == 1);
}

TEST_CASE("a registry's views carry each entry, status and heights, and render as JSON") {
  const auto& net = shared_network();
  const auto authority = net.accounts.at(1);
  sidechain_registry registry(authority.pub, net.genesis.params);
  auto genesis = chain_state::genesis(net.genesis);
  REQUIRE(genesis);
  const auto e = new_daos_entry();
  REQUIRE(registry.apply_register(authority.pub, {e}, {5, net.genesis.params.genesis_time_ms},
                                  genesis->first.consensus().active()));
  auto views = sidechain_views(registry);
  REQUIRE(views.size() == 1);
  CHECK(views[0].id == 9);
  CHECK(view_status(views[0]) == sidechain_status::registered);
  CHECK(views[0].registered_height == 5);
  CHECK(views[0].genesis_hash == registry.find(9)->genesis_hash);
  auto back = view_entry(views[0]);
  REQUIRE(back);
  CHECK(*back == e);
  CHECK(registry_status(views, 9) == "registered");
  CHECK(registry_status(views, 1) == "active");
  REQUIRE(registry.apply_activate(authority.pub, {9}, {6, 0}));
  auto j = sidechain_json(sidechain_views(registry).at(0));
  CHECK(j["status"] == "active");
  CHECK(j["activated_height"] == 6);
  CHECK(j["ceased_height"].is_null());
  CHECK(j["kind"] == "daos");
  CHECK(j["token"] == "NEWF");
  CHECK(j["validators"].size() == e.validators.size());
  CHECK(j["anchored"]["height"] == 0);
  views[0].status = 7;
  CHECK_FALSE(view_status(views[0]));
}

TEST_CASE("an anchor is due every half interval and never beyond what the registry accepts") {
  CHECK_FALSE(runtime::anchor_due(0, 4, 10));
  CHECK(runtime::anchor_due(0, 5, 10) == 5u);
  CHECK(runtime::anchor_due(20, 30, 10) == 30u);
  CHECK(runtime::anchor_due(20, 31, 10) == 31u);  // behind the cadence: catch up with the final header
  CHECK(runtime::anchor_due(20, 20 + registry_bounds::max_anchor_interval, 10) == 20 + registry_bounds::max_anchor_interval);
  CHECK_FALSE(runtime::anchor_due(20, 21 + registry_bounds::max_anchor_interval, 10));  // over the registry's bound
  CHECK(runtime::anchor_due(3, 4, 1) == 4u);
  CHECK_FALSE(runtime::anchor_due(3, 3, 1));
}

TEST_CASE("a DAOS sidechain registered while the node runs is started, finalizes, is anchored and ceased") {
  test::temp_dir dir;
  auto db = open_rocksdb_store(dir.path.string());
  REQUIRE(db);
  watched_node m(std::shared_ptr<kv_store>(std::move(*db)));
  const auto& net = shared_network();
  const auto authority = net.accounts.at(1);
  sidechain_registry registry(authority.pub, net.genesis.params);
  auto genesis = chain_state::genesis(net.genesis);
  REQUIRE(genesis);
  const auto& cluster = genesis->first.consensus().active();
  std::uint64_t main_height = 1;
  auto at = [&] { return mainchain_position{main_height, net.genesis.params.genesis_time_ms}; };

  runtime::sidechain_watch_options o;
  for (const auto& d : net.delegates)
    o.delegate_keys.push_back(d.keys);
  o.mainchain = net.genesis.params;
  o.peg_trust = runtime::mainchain_peg_trust(net.genesis);
  o.source = [&]() -> result<std::vector<sidechain_view>> { return sidechain_views(registry); };
  std::size_t refused = 0;
  o.submit_anchor = [&](const sidechain_anchor_payload& p) -> status {
    if (auto st = registry.check_anchor(p); !st) {
      ++refused;
      return st;
    }
    return registry.apply_anchor(p, at());
  };
  runtime::sidechain_watcher watcher(m.system, *m.n, o);

  const auto e = new_daos_entry();
  const auto outsider = net.accounts.front();
  CHECK(registry.check_register(outsider.pub, {e}, at(), cluster).error().code == errc::unauthorized);
  REQUIRE(registry.apply_register(authority.pub, {e}, at(), cluster));
  m.run_slots(0, 3);
  CHECK(watcher.poll_once().started.empty());  // registered, not active: not started
  CHECK_FALSE(m.n->unit(9));

  ++main_height;
  REQUIRE(registry.apply_activate(authority.pub, {9}, at()));
  auto report = watcher.poll_once();
  CHECK(report.started == std::vector<chain_id>{9});
  REQUIRE(m.n->unit(9));
  CHECK(m.n->unit(9)->delegates().size() == e.validators.size());
  CHECK(watcher.poll_once().started.empty());  // once

  std::size_t anchors = 0;
  for (std::uint64_t g = 3; g < 30; ++g) {
    m.run_slots(g, g + 1);
    ++main_height;
    auto r = watcher.poll_once();
    CHECK(r.problems.empty());
    anchors += r.anchored.size();
  }
  const auto final9 = m.info(9).final_height;
  CHECK(final9 > 5);
  CHECK(anchors >= 2);
  CHECK(refused == 0);
  const auto* kept = registry.find(9);
  REQUIRE(kept);
  CHECK(kept->anchored_height > 0);
  CHECK(kept->anchored_height + e.params.anchor_interval >= final9);
  CHECK(registry.anchors(9).size() == anchors);

  ++main_height;
  REQUIRE(registry.apply_cease(authority.pub, {9}, at()));
  CHECK(watcher.poll_once().ceased == std::vector<chain_id>{9});
  REQUIRE(m.n->unit(9));
  CHECK_FALSE(m.n->unit(9)->producing());
  const auto head9 = m.info(9).head_height;
  const auto main_final = m.info(mainchain_id).final_height;
  m.run_slots(30, 40);
  auto after = watcher.poll_once();
  CHECK(after.anchored.empty());
  CHECK(after.ceased.empty());
  CHECK(m.info(9).head_height == head9);  // still queryable, nothing new
  CHECK(m.info(mainchain_id).final_height > main_final);
}

TEST_CASE("a --dev node hosts every sidechain registered at run time and the first N of its genesis registry") {
  const auto& net = shared_network();
  REQUIRE(net.genesis.registry);
  REQUIRE(net.genesis.registry->sidechains.size() == 7);  // made with the seven dev sidechains, ids 2..8
  auto all = runtime::dev_hosting(net.genesis, 7);
  auto one = runtime::dev_hosting(net.genesis, 1);
  CHECK(all(2));
  CHECK(all(8));
  CHECK(one(2));
  CHECK_FALSE(one(3));  // a dev sidechain of the genesis beyond --sidechains 1: registered, not hosted
  CHECK_FALSE(one(8));
  CHECK(one(9));
  CHECK_FALSE(one(mainchain_id));
  // A network made with --sidechains 1: its registry holds chain 2 only, so ids 3..8 are free for
  // sidechains registered at run time, and those are hosted (they were not: issue 16).
  auto g = net.genesis;
  auto r = std::make_shared<registry_genesis>(*net.genesis.registry);
  r->sidechains.resize(1);
  g.registry = r;
  auto fresh = runtime::dev_hosting(g, 1);
  for (chain_id id = 2; id <= 12; ++id)
    CHECK(fresh(id));
  g.registry = nullptr;  // an older genesis without the registry: nothing registered at 0
  CHECK(runtime::dev_hosting(g, 0)(3));
}

TEST_CASE("a sidechain of each kind registered at run time on a --dev node with one dev sidechain finalizes") {
  test::temp_dir dir;
  auto db = open_rocksdb_store(dir.path.string());
  REQUIRE(db);
  watched_node m(std::shared_ptr<kv_store>(std::move(*db)));
  const auto& net = shared_network();
  const auto authority = net.accounts.at(1);
  sidechain_registry registry(authority.pub, net.genesis.params);
  auto genesis = chain_state::genesis(net.genesis);
  REQUIRE(genesis);
  const auto& cluster = genesis->first.consensus().active();
  std::uint64_t main_height = 1;
  auto at = [&] { return mainchain_position{main_height, net.genesis.params.genesis_time_ms}; };

  // The hosting of `bfd-node --dev --sidechains 1` on a new data directory.
  auto g = net.genesis;
  auto r = std::make_shared<registry_genesis>(*net.genesis.registry);
  r->sidechains.resize(1);
  g.registry = r;
  runtime::sidechain_watch_options o;
  for (const auto& d : net.delegates)
    o.delegate_keys.push_back(d.keys);
  o.mainchain = net.genesis.params;
  o.peg_trust = runtime::mainchain_peg_trust(net.genesis);
  o.source = [&]() -> result<std::vector<sidechain_view>> { return sidechain_views(registry); };
  o.hosts = runtime::dev_hosting(g, 1);
  runtime::sidechain_watcher watcher(m.system, *m.n, o);

  const auto validators = runtime::dev_sidechain_entries(net).front().validators;
  const std::vector<std::pair<chain_id, chain_kind>> kinds = {
    {3, chain_kind::system_service}, {4, chain_kind::ecosystem}, {5, chain_kind::consortium}, {9, chain_kind::daos}};
  std::vector<chain_id> ids;
  for (const auto& [id, kind] : kinds) {
    auto e = runtime::dev_sidechain_entry(net, id, kind, "run time " + std::to_string(id), "RT" + std::to_string(id),
                                          validators);
    REQUIRE(e);
    e->params.anchor_interval = 4;
    REQUIRE(registry.apply_register(authority.pub, {*e}, at(), cluster));
    ids.push_back(id);
  }
  ++main_height;
  for (auto id : ids)
    REQUIRE(registry.apply_activate(authority.pub, {id}, at()));
  CHECK(watcher.poll_once().started == ids);
  for (auto id : ids) {
    REQUIRE(m.n->unit(id));
    CHECK(m.n->unit(id)->producing());
  }
  m.run_slots(0, 12);
  for (auto id : ids) {
    INFO("chain " << id);
    CHECK(m.info(id).final_height >= 3);
  }
}

TEST_CASE("a sidechain entry file gives back the entry, and a broken one is refused naming the field") {
  const auto e = new_daos_entry();
  const auto text = runtime::sidechain_entry_json(e);
  auto back = runtime::parse_sidechain_entry_json(text);
  REQUIRE(back);
  CHECK(*back == e);
  auto j = nlohmann::json::parse(text);
  j["kind"] = "mainchain_like";
  CHECK_FALSE(runtime::parse_sidechain_entry_json(j.dump()));
  j = nlohmann::json::parse(text);
  j["validators"][0]["key"] = "zz";
  auto bad = runtime::parse_sidechain_entry_json(j.dump());
  REQUIRE_FALSE(bad);
  CHECK(bad.error().detail.find("key") != std::string::npos);
  j = nlohmann::json::parse(text);
  j.erase("name");
  CHECK_FALSE(runtime::parse_sidechain_entry_json(j.dump()));
  j = nlohmann::json::parse(text);
  j.erase("params");  // defaults
  auto defaults = runtime::parse_sidechain_entry_json(j.dump());
  REQUIRE(defaults);
  CHECK(defaults->params == sidechain_params{});
  CHECK_FALSE(runtime::parse_sidechain_entry_json("{"));
  CHECK_FALSE(runtime::read_sidechain_entry_file("/nonexistent/entry.json"));
  // Numbers are taken only as non-negative integers in range, never converted.
  const auto refused = [&](const char* where, nlohmann::json value, const std::string& expect) {
    auto k = nlohmann::json::parse(text);
    if (std::string(where) == "id")
      k["id"] = value;
    else if (std::string(where) == "slot_ms")
      k["params"]["slot_ms"] = value;
    else if (std::string(where) == "bid")
      k["validators"][0]["bid"] = value;
    else
      k["rule"]["per_category"][0] = value;
    auto r = runtime::parse_sidechain_entry_json(k.dump());
    REQUIRE_FALSE(r);
    CHECK(r.error().detail.find(expect) != std::string::npos);
  };
  refused("id", -1, "id: expected a non-negative integer, got -1");
  refused("slot_ms", 1000.5, "slot_ms: expected a non-negative integer, got 1000.5");
  refused("bid", "5", "bid: expected a non-negative integer");
  refused("id", 4294967296ULL, "id: 4294967296 is above the field's maximum 4294967295");
  refused("per_category", -2, "rule.per_category: expected integers 0 to 4294967295, got -2");
}
