// The mainchain's actors on a real actor system, driven by a manual clock: schedule order,
// finality, stopped delegates, equivocation and slashing, restart from RocksDB, determinism.
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <unistd.h>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>

#include "chains/codec/block_codec.hpp"
#include "chains/storage/rocksdb/rocksdb_store.hpp"
#include "runtime/node.hpp"
#include "tests/actors/support.hpp"

using namespace bfd;
namespace fs = std::filesystem;
using std::chrono::seconds;

namespace {

using test::shared_network;
using test::temp_dir;

/// One node on its own actor system, driven slot by slot.
struct harness {
  test::node_config cfg;
  caf::actor_system system{cfg};
  std::shared_ptr<manual_clock> time = std::make_shared<manual_clock>(0);
  std::unique_ptr<runtime::node> n;
  std::vector<bool> stopped;

  explicit harness(std::shared_ptr<kv_store> store = nullptr, std::vector<runtime::injected_fault> faults = {}) {
    const auto& net = shared_network();
    runtime::node_options o;
    o.genesis = net.genesis;
    o.delegates = net.delegates;
    o.reporter = net.reporter;
    o.store = std::move(store);
    o.time = time;
    o.self_ticking = false;
    o.faults = std::move(faults);
    auto started = runtime::node::start(system, std::move(o));
    REQUIRE(started);
    n = std::move(*started);
    stopped.assign(n->delegates().size(), false);
  }

  ~harness() {
    n->stop();
  }

  const consensus_params& params() const { return shared_network().genesis.params; }

  /// Runs global slots [from, to): six ticks per slot, each delegate asked in turn.
  std::uint32_t run_slots(std::uint64_t from, std::uint64_t to) {
    std::vector<delegate_actor> running;
    for (std::size_t i = 0; i < n->delegates().size(); ++i)
      if (!stopped[i])
        running.push_back(n->delegates()[i]);
    std::uint32_t made = 0;
    for (auto g = from; g < to; ++g)
      for (std::uint64_t step = 0; step < 6; ++step) {
        time->set(test::slot_time(params(), g, step));
        made += test::tick_all(system, running);
      }
    return made;
  }

  void stop_delegate(std::size_t i) {
    caf::anon_send_exit(n->delegates()[i], caf::exit_reason::kill);
    stopped[i] = true;
  }

  chain_info info() {
    caf::scoped_actor self{system};
    chain_info out;
    self->request(n->chain(), seconds(10), info_atom::value)
      .receive([&](const chain_info& i) { out = i; }, [&](const caf::error& e) { FAIL(system.render(e)); });
    return out;
  }

  std::vector<delegate_summary> delegates() {
    caf::scoped_actor self{system};
    std::vector<delegate_summary> out;
    self->request(n->chain(), seconds(10), delegates_atom::value)
      .receive([&](const std::vector<delegate_summary>& d) { out = d; },
               [&](const caf::error& e) { FAIL(system.render(e)); });
    return out;
  }

  block block_at(std::uint64_t h) {
    caf::scoped_actor self{system};
    block out;
    self->request(n->chain(), seconds(10), height_atom::value, h)
      .receive([&](const block_envelope& b) {
                 REQUIRE(b);
                 out = *b;
               },
               [&](const caf::error& e) { FAIL(system.render(e)); });
    return out;
  }

  /// Every block from 1 to the head, encoded.
  std::vector<bytes> chain_bytes() {
    std::vector<bytes> out;
    auto head = info().head_height;
    for (std::uint64_t h = 0; h <= head; ++h)
      out.push_back(codec::encode(block_at(h)));
    return out;
  }
};

std::size_t index_of(const std::vector<runtime::delegate_identity>& ds, const public_key& k) {
  for (std::size_t i = 0; i < ds.size(); ++i)
    if (ds[i].keys.pub == k)
      return i;
  return ds.size();
}

} // namespace



TEST_CASE("blocks are produced in schedule order and every block but the newest becomes final") {
  harness h;
  const auto k = h.info().order.size();
  REQUIRE(k > 0);
  auto made = h.run_slots(0, 3 * k);
  auto info = h.info();
  CHECK(made == info.head_height);
  CHECK(info.head_height >= 3 * k);  // gold and silver slots hold several blocks
  // The head is justified; its parent, whose direct child it is, is final.
  CHECK(info.final_height + 1 == info.head_height);
  // Replaying the blocks on a fresh state checks every producer against the schedule.
  auto g = chain_state::genesis(shared_network().genesis);
  REQUIRE(g);
  auto st = g->first;
  std::set<public_key> producers;
  for (std::uint64_t height = 1; height <= info.head_height; ++height) {
    auto b = h.block_at(height);
    REQUIRE(st.apply_block(b, signature_check::verify));
    producers.insert(b.header.producer);
  }
  CHECK(producers.size() == k);
  CHECK(st.head_hash() == info.head_hash);
}

TEST_CASE("a stopped delegate's slots are missed and the chain still finalizes") {
  harness h;
  const auto order = h.info().order;
  const auto k = order.size();
  h.run_slots(0, k);
  const auto victim = index_of(shared_network().delegates, order[0]);
  REQUIRE(victim < shared_network().delegates.size());
  h.stop_delegate(victim);
  const auto before = h.info().final_height;
  h.run_slots(k, 4 * k);
  auto info = h.info();
  CHECK(info.final_height > before + 2 * k);
  CHECK(info.final_height + 3 >= info.head_height);
  for (const auto& d : h.delegates())
    if (d.key == order[0]) {
      CHECK(d.slots_missed >= 2);
    } else if (d.in_cluster) {
      CHECK(d.slots_missed == 0);
    }
}

TEST_CASE("an injected equivocation produces evidence and the delegate is slashed") {
  const auto& net = shared_network();
  harness probe;
  const auto first_producer = probe.info().order[0];
  const auto cheater = index_of(net.delegates, first_producer);
  harness h(nullptr, {{cheater, true}});
  const auto k = h.info().order.size();
  h.run_slots(0, 3 * k);
  bool slashed = false;
  for (const auto& d : h.delegates())
    if (d.key == first_producer) {
      slashed = d.status == static_cast<std::uint8_t>(vm_status::slashed);
      CHECK(d.bid == 0);
      CHECK_FALSE(d.in_cluster);
    }
  CHECK(slashed);
  auto info = h.info();
  CHECK(info.final_height + 3 >= info.head_height);
  CHECK(info.final_height > k);
}

TEST_CASE("a restarted node continues the same chain and loses no final block") {
  temp_dir dir;
  std::vector<bytes> first_run;
  std::uint64_t final_before = 0;
  std::uint64_t slots = 0;
  {
    auto db = open_rocksdb_store(dir.path.string());
    REQUIRE(db);
    harness h(std::shared_ptr<kv_store>(std::move(*db)));
    slots = 2 * h.info().order.size();
    h.run_slots(0, slots);
    final_before = h.info().final_height;
    first_run = h.chain_bytes();
  }
  REQUIRE(final_before > 0);
  auto db = open_rocksdb_store(dir.path.string());
  REQUIRE(db);
  harness h(std::shared_ptr<kv_store>(std::move(*db)));
  auto info = h.info();
  CHECK(info.final_height == final_before);
  for (std::uint64_t height = 0; height <= final_before; ++height)
    CHECK(codec::encode(h.block_at(height)) == first_run[height]);
  h.run_slots(slots, slots + 10);
  auto after = h.info();
  CHECK(after.final_height > final_before + 5);
  CHECK(codec::encode(h.block_at(final_before)) == first_run[final_before]);
}

TEST_CASE("two runs with the same genesis and the same clock produce byte-identical chains") {
  std::vector<bytes> a, b;
  {
    harness h;
    h.run_slots(0, 25);
    a = h.chain_bytes();
  }
  {
    harness h;
    h.run_slots(0, 25);
    b = h.chain_bytes();
  }
  CHECK(a.size() > 25);
  CHECK(a == b);
}

TEST_CASE("transfers submitted to the mempool are included, applied and final") {
  harness h;
  const auto& net = shared_network();
  const auto& from = net.accounts[0];
  const auto to = address_of(net.accounts[1].pub);
  caf::scoped_actor self{h.system};
  auto balance = [&](const address& a) {
    account_summary out;
    self->request(h.n->chain(), seconds(5), account_atom::value, a)
      .receive([&](const account_summary& s) { out = s; }, [&](const caf::error& e) { FAIL(h.system.render(e)); });
    return out;
  };
  const auto before = balance(to).balance;
  for (std::uint64_t nonce = 0; nonce < 50; ++nonce) {
    transaction tx;
    tx.nonce = nonce;
    tx.fee = 1000;
    tx.expiry = 10'000;
    tx.payload = transfer_payload{to, units_per_bfdt};
    sign_transaction(tx, from, hash256{});
    self->request(h.n->mempool(), seconds(5), submit_atom::value, tx_envelope{tx})
      .receive([&](const admission& a) { REQUIRE(a.code == 0); }, [&](const caf::error& e) { FAIL(h.system.render(e)); });
  }
  auto status = [&](auto& actor, const hash256& id) {
    tx_status out;
    self->request(actor, seconds(5), tx_atom::value, id)
      .receive([&](const tx_status& s) { out = s; }, [&](const caf::error& e) { FAIL(h.system.render(e)); });
    return static_cast<tx_state>(out.state);
  };
  transaction first;
  first.nonce = 0;
  first.fee = 1000;
  first.expiry = 10'000;
  first.payload = transfer_payload{to, units_per_bfdt};
  sign_transaction(first, from, hash256{});
  const auto first_id = signing_hash(first);
  CHECK(status(h.n->mempool(), first_id) == tx_state::pending);
  CHECK(status(h.n->chain(), first_id) == tx_state::unknown);
  auto forged = first;
  forged.nonce = 99;
  self->request(h.n->mempool(), seconds(5), submit_atom::value, tx_envelope{forged})
    .receive([&](const admission& a) { CHECK(static_cast<errc>(a.code) == errc::bad_signature); },
             [&](const caf::error& e) { FAIL(h.system.render(e)); });
  CHECK(status(h.n->mempool(), signing_hash(forged)) == tx_state::rejected);
  h.run_slots(0, 4);
  CHECK(status(h.n->chain(), first_id) == tx_state::final);
  CHECK(status(h.n->mempool(), first_id) == tx_state::unknown);
  CHECK(balance(to).balance == before + 50 * units_per_bfdt);
  CHECK(balance(address_of(from.pub)).nonce == 50);
  auto info = h.info();
  CHECK(info.final_height + 1 == info.head_height);
  std::uint64_t included = 0;
  for (std::uint64_t height = 1; height <= info.head_height; ++height)
    included += h.block_at(height).txs.size();
  CHECK(included == 50);
  std::uint64_t mempool_left = 1;
  self->request(h.n->mempool(), seconds(5), size_atom::value)
    .receive([&](std::uint64_t n) { mempool_left = n; }, [&](const caf::error& e) { FAIL(h.system.render(e)); });
  CHECK(mempool_left == 0);
}

TEST_CASE("a block stamped in the future is refused by the chain actor") {
  harness h;
  const auto& net = shared_network();
  auto g = chain_state::genesis(net.genesis);
  REQUIRE(g);
  auto st = g->first;
  // A correctly scheduled and signed block for slot 30, offered while the clock is at slot 0.
  const std::uint64_t slot = 30;
  auto a = st.consensus().assignment_at(slot);
  REQUIRE(a);
  const runtime::delegate_identity* producer = nullptr;
  for (const auto& d : net.delegates)
    if (d.keys.pub == a->producer)
      producer = &d;
  REQUIRE(producer);
  chain_state::block_template t{a->producer, a->round, a->slot, a->start_ms, *producer->reveals->reveal(1), a->max_txs};
  auto b = st.build_block(t, {}, signature_check::verify);
  REQUIRE(b);
  grind_work(b->header, net.genesis.params.work_bits);
  sign_header(b->header, producer->keys, hash256{});
  h.time->set(net.genesis.params.genesis_time_ms);
  caf::scoped_actor self{h.system};
  self->request(h.n->chain(), seconds(5), block_atom::value, block_envelope{*b})
    .receive([&](const block_ack& ack) { CHECK(static_cast<errc>(ack.code) == errc::wrong_slot); },
             [&](const caf::error& e) { FAIL(h.system.render(e)); });
  CHECK(h.info().head_height == 0);
  // The same block is accepted once its slot has come.
  h.time->set(a->start_ms + 10);
  self->request(h.n->chain(), seconds(5), block_atom::value, block_envelope{*b})
    .receive([&](const block_ack& ack) { CHECK(ack.code == 0); },
             [&](const caf::error& e) { FAIL(h.system.render(e)); });
  CHECK(h.info().head_height == 1);
}
