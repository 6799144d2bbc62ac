// Two nodes, each with its own actor system, talking over loopback through CAF's middleman:
// one chain across both, and a late node catching up from a peer.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
#include <optional>
#include <filesystem>
#include <unistd.h>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/io/middleman.hpp>
#include <caf/send.hpp>

#include "chains/codec/block_codec.hpp"
#include "runtime/node.hpp"
#include "runtime/remote.hpp"
#include "tests/actors/support.hpp"

using namespace bfd;
namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

using test::eventually;
using test::temp_dir;

const runtime::dev_network& network() {
  return test::shared_network();
}

/// A self-signed certificate (also its own CA) made with the openssl command, once per run.
const runtime::tls_settings& test_certificate() {
  static temp_dir dir;
  static runtime::tls_settings tls = [] {
    runtime::tls_settings t{(dir.path / "cert.pem").string(), (dir.path / "key.pem").string(),
                            (dir.path / "cert.pem").string()};
    auto cmd = "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -keyout " + t.key + " -out "
               + t.certificate + " > /dev/null 2>&1";
    REQUIRE(std::system(cmd.c_str()) == 0);
    return t;
  }();
  return tls;
}

/// One node with its own actor system, hosting some of the delegates, published on loopback.
struct remote_node {
  runtime::link_security security;
  test::node_config cfg;
  caf::actor_system system{cfg};
  std::unique_ptr<runtime::node> n;
  std::uint16_t port = 0;
  std::unique_ptr<runtime::peer_connector> connector;

  remote_node(std::shared_ptr<manual_clock> time, std::vector<runtime::delegate_identity> delegates,
              runtime::link_security sec = runtime::link_security::plain)
    : security(sec),
      cfg(sec == runtime::link_security::tls ? std::optional<runtime::tls_settings>(test_certificate())
                                             : std::nullopt) {
    runtime::node_options o;
    o.genesis = network().genesis;
    o.delegates = std::move(delegates);
    o.time = time;
    o.self_ticking = false;
    auto started = runtime::node::start(system, std::move(o));
    REQUIRE(started);
    n = std::move(*started);
    auto bound = runtime::publish_directory(system, n->directory(), "127.0.0.1", 0, security);
    REQUIRE(bound);
    port = *bound;
  }

  ~remote_node() {
    connector.reset();
    n->stop();
  }

  void connect_to(const remote_node& other) {
    connector = std::make_unique<runtime::peer_connector>(
      system, n->directory(), std::vector<runtime::peer_address>{{"peer", "127.0.0.1", other.port}},
      nullptr, 50, security);
  }

  chain_info info() {
    caf::scoped_actor self{system};
    chain_info out;
    self->request(n->chain(), seconds(10), info_atom::value)
      .receive([&](const chain_info& i) { out = i; }, [&](const caf::error& e) { FAIL(system.render(e)); });
    return out;
  }

  hash256 hash_at(std::uint64_t h) {
    caf::scoped_actor self{system};
    hash256 out;
    self->request(n->chain(), seconds(10), height_atom::value, h)
      .receive([&](const block_envelope& b) { out = b ? header_hash(b->header) : hash256{}; },
               [&](const caf::error& e) { FAIL(system.render(e)); });
    return out;
  }
};

} // namespace

TEST_CASE("two nodes on loopback keep one chain and finalize it together") {
  const auto& net = network();
  auto time = std::make_shared<manual_clock>(0);
  std::vector<runtime::delegate_identity> first(net.delegates.begin(), net.delegates.begin() + 4);
  std::vector<runtime::delegate_identity> second(net.delegates.begin() + 4, net.delegates.end());
  remote_node a(time, first);
  remote_node b(time, second);
  a.connect_to(b);
  REQUIRE(eventually(a.system, [&] { return a.info().peers == 1 && b.info().peers == 1; }));
  const auto& p = net.genesis.params;
  caf::scoped_actor self{a.system};
  for (std::uint64_t g = 0; g < 20; ++g) {
    for (std::uint64_t step = 0; step < 6; ++step) {
      time->set(test::slot_time(p, g, step));
      for (auto* node : {&a, &b})
        test::tick_all(node->system, node->n->delegates());
      // Each node must have the other's blocks before the next producer builds on them.
      REQUIRE(eventually(a.system, [&] { return a.info().head_hash == b.info().head_hash; }));
    }
  }
  REQUIRE(eventually(a.system, [&] { return a.info().final_height == b.info().final_height; }));
  auto ia = a.info();
  auto ib = b.info();
  CHECK(ia.head_height >= 20);
  CHECK(ia.final_height + 3 >= ia.head_height);
  CHECK(ia.head_hash == ib.head_hash);
  for (std::uint64_t h = 1; h <= ia.final_height; ++h)
    CHECK(a.hash_at(h) == b.hash_at(h));
}

TEST_CASE("a node that starts late catches up from its peer and checks its certificate") {
  const auto& net = network();
  auto time = std::make_shared<manual_clock>(0);
  remote_node a(time, net.delegates);
  const auto& p = net.genesis.params;
  for (std::uint64_t g = 0; g < 15; ++g)
    for (std::uint64_t step = 0; step < 6; ++step) {
      time->set(test::slot_time(p, g, step));
      test::tick_all(a.system, a.n->delegates());
    }
  auto ia = a.info();
  REQUIRE(ia.final_height > 10);
  remote_node late(time, {});
  late.connect_to(a);
  REQUIRE(eventually(late.system, [&] { return late.info().final_height == ia.final_height; }));
  CHECK(late.info().head_hash == ia.head_hash);
  for (std::uint64_t h = 1; h <= ia.final_height; ++h)
    CHECK(late.hash_at(h) == a.hash_at(h));
}

TEST_CASE("nodes linked over TLS relay blocks and catch up like plain ones") {
  const auto& net = network();
  auto time = std::make_shared<manual_clock>(0);
  remote_node a(time, net.delegates, runtime::link_security::tls);
  const auto& p = net.genesis.params;
  for (std::uint64_t g = 0; g < 6; ++g)
    for (std::uint64_t step = 0; step < 6; ++step) {
      time->set(test::slot_time(p, g, step));
      test::tick_all(a.system, a.n->delegates());
    }
  auto ia = a.info();
  REQUIRE(ia.final_height > 3);
  remote_node late(time, {}, runtime::link_security::tls);
  late.connect_to(a);
  REQUIRE(eventually(late.system, [&] { return late.info().final_height == ia.final_height; }));
  CHECK(late.info().head_hash == ia.head_hash);
  // A plain-TCP node cannot talk to the TLS node.
  remote_node plain(time, {});
  CHECK_FALSE(runtime::connect_directory(plain.system, "127.0.0.1", a.port));
}

TEST_CASE("a transfer included only on a branch that a reorg drops goes back to the mempool and is final") {
  // Two nodes cut off from each other from the start (a partition): a runs 4 of the 7 delegates,
  // b runs 3, so neither side finalizes; then b is silent for a round, so a's branch is longer. A
  // transfer reaches only b, whose own branch includes it. When they connect, b switches to a's
  // longer branch, which does
  // not hold the transfer: it must return to b's mempool (with the sender's nonce read again from
  // the new head) and be included and finalized on the joined chain.
  const auto& net = network();
  auto time = std::make_shared<manual_clock>(0);
  std::vector<runtime::delegate_identity> first(net.delegates.begin(), net.delegates.begin() + 4);
  std::vector<runtime::delegate_identity> second(net.delegates.begin() + 4, net.delegates.end());
  remote_node a(time, first);
  remote_node b(time, second);
  const auto& p = net.genesis.params;
  const auto& from = net.accounts[0];
  const auto to = address_of(net.accounts[1].pub);
  auto balance_of = [](remote_node& n, const address& who) {
    caf::scoped_actor self{n.system};
    account_summary out;
    self->request(n.n->chain(), seconds(10), account_atom::value, who)
      .receive([&](const account_summary& s) { out = s; }, [&](const caf::error& e) { FAIL(n.system.render(e)); });
    return out;
  };
  const auto before = balance_of(a, to).balance;
  transaction tx;
  tx.chain = mainchain_id;
  tx.nonce = 0;
  tx.fee = 1000;
  tx.expiry = 10'000;
  tx.payload = transfer_payload{to, 7 * units_per_bfdt};
  sign_transaction(tx, from, hash256{});
  {
    caf::scoped_actor self{b.system};
    self->request(b.n->mempool(), seconds(10), submit_atom::value, tx_envelope{tx})
      .receive([&](const admission& adm) { REQUIRE(adm.code == 0); },
               [&](const caf::error& e) { FAIL(b.system.render(e)); });
  }
  for (std::uint64_t g = 0; g < 21; ++g)
    for (std::uint64_t step = 0; step < 6; ++step) {
      time->set(test::slot_time(p, g, step));
      for (auto* node : {&a, &b})
        test::tick_all(node->system, node->n->delegates());
    }
  // Then b is silent for a round (as if stopped) while a goes on: a's branch is the longer one.
  for (std::uint64_t g = 21; g < 28; ++g)
    for (std::uint64_t step = 0; step < 6; ++step) {
      time->set(test::slot_time(p, g, step));
      test::tick_all(a.system, a.n->delegates());
    }
  REQUIRE(balance_of(b, to).balance == before + 7 * units_per_bfdt);
  REQUIRE(balance_of(a, to).balance == before);
  REQUIRE(a.info().head_height > b.info().head_height);
  a.connect_to(b);
  REQUIRE(eventually(a.system, [&] { return a.info().head_hash == b.info().head_hash; }));
  CHECK(balance_of(b, to).balance == before);  // b dropped its branch, and the transfer with it
  for (std::uint64_t g = 28; g < 50; ++g)
    for (std::uint64_t step = 0; step < 6; ++step) {
      time->set(test::slot_time(p, g, step));
      for (auto* node : {&a, &b})
        test::tick_all(node->system, node->n->delegates());
      REQUIRE(eventually(a.system, [&] { return a.info().head_hash == b.info().head_hash; }));
    }
  CHECK(balance_of(a, to).balance == before + 7 * units_per_bfdt);
  CHECK(balance_of(b, to).balance == before + 7 * units_per_bfdt);
  CHECK(balance_of(a, address_of(from.pub)).nonce == 1);
  auto ia = a.info();
  CHECK(ia.final_height + 3 >= ia.head_height);
  CHECK(ia.final_height > 28);
}
