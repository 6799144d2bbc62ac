// Fail-stop on a failed commit: the node's real actors on a real RocksDB (through the commit
// marker, as bfd-node opens it) behind a store that fails the Nth chain write. The chain actor
// must stop with the storage error; reopening the database resumes at exactly the last
// committed block, with no gap; after catching up from a peer, the chain finalizes again.
#include <doctest/doctest.h>

#include <chrono>
#include <thread>

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include "chains/storage/chain_store.hpp"
#include "chains/storage/failing_store.hpp"
#include "chains/storage/rocksdb/node_store.hpp"
#include "chains/storage/storage_check.hpp"
#include "runtime/node.hpp"
#include "tests/actors/support.hpp"

using namespace bfd;
using std::chrono::seconds;

namespace {

/// Nodes on one actor system and one manual clock.
struct cluster_harness {
  test::node_config cfg;
  caf::actor_system system{cfg};
  std::shared_ptr<manual_clock> time = std::make_shared<manual_clock>(0);

  /// A node over `store`; hosting every delegate of the shared network, or none (a replica).
  std::unique_ptr<runtime::node> start(std::shared_ptr<kv_store> store, bool delegates) {
    const auto& net = test::shared_network();
    runtime::node_options o;
    o.genesis = net.genesis;
    if (delegates)
      o.delegates = net.delegates;
    o.reporter = net.reporter;
    o.store = std::move(store);
    o.time = time;
    o.self_ticking = false;
    auto started = runtime::node::start(system, std::move(o));
    REQUIRE(started);
    return std::move(*started);
  }

  /// Makes two nodes peers (what runtime/remote does across processes).
  void link(const runtime::node& a, const runtime::node& b) {
    caf::anon_send(a.chain(), peer_atom::value, caf::actor_cast<caf::actor>(b.chain()));
    caf::anon_send(b.chain(), peer_atom::value, caf::actor_cast<caf::actor>(a.chain()));
  }

  /// Runs global slots [from, to) on `n`'s delegates as node_test does; false once a tick fails.
  bool run_slots(const runtime::node& n, std::uint64_t from, std::uint64_t to,
                 std::chrono::milliseconds tick_timeout = seconds(10)) {
    const auto& p = test::shared_network().genesis.params;
    caf::scoped_actor self{system};
    for (auto g = from; g < to; ++g)
      for (std::uint64_t step = 0; step < 6; ++step) {
        time->set(test::slot_time(p, g, step));
        for (const auto& d : n.delegates()) {
          bool ok = true;
          self->request(d, tick_timeout, tick_atom::value)
            .receive([](std::uint32_t) {}, [&](const caf::error&) { ok = false; });
          if (!ok)
            return false;
        }
      }
    return true;
  }

  std::optional<chain_info> info(const runtime::node& n) {
    caf::scoped_actor self{system};
    std::optional<chain_info> out;
    self->request(n.chain(), seconds(10), info_atom::value)
      .receive([&](const chain_info& i) { out = i; }, [](const caf::error&) {});
    return out;
  }
};

std::uint64_t stored_final(kv_store& store) {
  auto cs = chain_store::open(store, mainchain_id);
  REQUIRE(cs);
  auto head = cs->head();
  REQUIRE(head);
  REQUIRE(*head);
  return (*head)->height;
}

} // namespace

TEST_CASE("a failed commit stops the chain actor and a restart resumes at the last committed block") {
  test::temp_dir dir;
  const auto data_dir = dir.path.string();
  cluster_harness h;
  auto replica = h.start(nullptr, false);  // a peer that keeps what it sees in memory
  std::uint64_t committed = 0;
  std::uint64_t k = 0;  // slots a round
  {
    auto opened = open_node_store(data_dir);
    REQUIRE(opened);
    auto failing = std::make_shared<failing_store>(*opened);
    auto node = h.start(failing, true);
    h.link(*node, *replica);
    k = h.info(*node)->order.size();
    REQUIRE(h.run_slots(*node, 0, 2 * k));
    const auto before = h.info(*node)->final_height;
    REQUIRE(before > 2);
    REQUIRE(stored_final(**opened) == before);

    // The fifth write to the chain's space from now fails (commits of final blocks alternate with
    // justification records, so at least two commits come first); the chain actor must quit.
    failing->fail_write(5, "chain-");
    caf::scoped_actor watcher{h.system};
    watcher->monitor(node->chain());
    (void) h.run_slots(*node, 2 * k, 5 * k, std::chrono::milliseconds(500));  // ticks fail once it is gone
    std::optional<error> reason;
    watcher->receive([&](const caf::down_msg& down) { reason = from_caf_error(down.reason); },
                     caf::after(seconds(10)) >> [] {});
    REQUIRE(reason);
    CHECK(reason->code == errc::storage_io);
    CHECK(reason->detail.find("injected write failure") != std::string::npos);
    CHECK(failing->failures() == 1);  // nothing more was tried
    committed = stored_final(**opened);
    CHECK(committed >= before + 2);   // the commits before the failing write
    // What failed to commit was final: the peer has it.
    CHECK(test::eventually(h.system, [&] { return h.info(*replica)->final_height > committed; }));

    // Stop the node and wait until no actor holds the database any more.
    for (const auto& d : node->delegates())
      watcher->monitor(d);
    node->stop();
    for (std::size_t i = 0; i < node->delegates().size(); ++i)
      watcher->receive([](const caf::down_msg&) {}, caf::after(seconds(10)) >> [] {});
  }

  // Reopened as bfd-node opens it: accepted by the commit marker, sound, contiguous.
  auto reopened = open_node_store(data_dir);
  for (int tries = 0; !reopened && tries < 100; ++tries) {  // the last actor may still be exiting
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    reopened = open_node_store(data_dir);
  }
  REQUIRE(reopened);
  CHECK(stored_final(**reopened) == committed);
  auto report = check_storage(**reopened, *read_commit_marker(node_marker_path(data_dir)),
                              node_marker_path(data_dir), node_database_path(data_dir));
  for (const auto& p : report.problems)
    MESSAGE(p);
  CHECK(report.sound());

  // Restarted: at exactly the committed block; it catches up from the peer and finalizes again.
  auto node = h.start(*reopened, true);
  CHECK(h.info(*node)->final_height == committed);
  const auto replica_final = h.info(*replica)->final_height;
  h.link(*node, *replica);
  CHECK(test::eventually(h.system, [&] { return h.info(*node)->final_height >= replica_final; }));
  REQUIRE(h.run_slots(*node, 5 * k, 8 * k));
  const auto after = h.info(*node)->final_height;
  MESSAGE("committed #" << committed << ", the peer had final #" << replica_final << ", final after restart #"
                        << after);
  CHECK(after > replica_final + 3);
  auto again = check_storage(**reopened, std::nullopt, "", node_database_path(data_dir));
  for (const auto& p : again.problems)
    MESSAGE(p);
  CHECK(again.sound());
  node->stop();
  replica->stop();
}
