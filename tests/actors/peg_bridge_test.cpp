// The peg bridge on a real node hosting the dev mainchain (with the peg) and dev sidechain 2
// (with the peg and a light client of the mainchain), driven slot by slot: 10 BFDT go to the
// sidechain and 4 of the vouchers come back, each carried by the bridge with its proof and its
// acknowledgement carried home; the watcher anchors the sidechain meanwhile.
#include <doctest/doctest.h>

#include <chrono>

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>

#include "chains/peg/peg_ledger.hpp"
#include "runtime/dev_sidechains.hpp"
#include "runtime/genesis_file.hpp"
#include "runtime/node.hpp"
#include "runtime/peg_bridge.hpp"
#include "runtime/peg_specs.hpp"
#include "runtime/sidechain_watcher.hpp"
#include "tests/actors/support.hpp"

using namespace bfd;
using std::chrono::seconds;
using test::shared_network;

namespace {

constexpr chain_id side = 2;

struct bridged_node {
  test::node_config cfg;
  caf::actor_system system{cfg};
  std::shared_ptr<manual_clock> time = std::make_shared<manual_clock>(0);
  std::unique_ptr<runtime::node> n;
  std::unique_ptr<runtime::sidechain_watcher> watcher;
  std::unique_ptr<runtime::peg_bridge> bridge;
  std::vector<std::string> carried;
  std::uint32_t client_updates = 0;

  bridged_node() {
    const auto& net = shared_network();
    std::vector<chain_spec> specs;
    for (const auto& e : runtime::dev_sidechain_entries(net))
      if (e.id == side)
        specs.push_back(runtime::sidechain_spec_for(e, net.genesis));
    REQUIRE(specs.size() == 1);
    runtime::node_options o;
    o.chains = runtime::dev_hosted_chains(net, specs);
    o.reporter = net.reporter;
    o.time = time;
    o.self_ticking = false;
    auto started = runtime::node::start(system, std::move(o));
    REQUIRE(started);
    n = std::move(*started);
    runtime::sidechain_watch_options w;
    w.mainchain = net.genesis.params;
    w.peg_trust = runtime::mainchain_peg_trust(net.genesis);
    w.hosts = [](chain_id id) { return id == side; };
    w.submit_anchor = runtime::anchor_submitter(system, *n, net.anchorer);
    watcher = std::make_unique<runtime::sidechain_watcher>(system, *n, std::move(w));
    runtime::peg_bridge_options b;
    b.keys = net.bridge;
    bridge = std::make_unique<runtime::peg_bridge>(system, *n, std::move(b));
  }
  ~bridged_node() {
    bridge.reset();
    watcher.reset();
    n->stop();
  }

  void run_slot(std::uint64_t g) {
    test::run_slots(system, *time, shared_network().genesis.params, test::hosted_delegates(*n), g, g + 1);
    watcher->poll_once();
    auto r = bridge->poll_once();
    carried.insert(carried.end(), r.carried.begin(), r.carried.end());
    client_updates += r.client_updates;
  }

  peg_message_view message(chain_id on, chain_id source, std::uint64_t sequence) {
    caf::scoped_actor self{system};
    peg_message_view out;
    self->request(n->unit(on)->chain(), seconds(10), pegmsg_atom::value, source, sequence)
      .receive([&](peg_message_view& v) { out = std::move(v); },
               [&](const caf::error& e) { FAIL(system.render(e)); });
    return out;
  }

  amount balance(chain_id on, const address& a) {
    caf::scoped_actor self{system};
    amount out = 0;
    self->request(n->unit(on)->chain(), seconds(10), account_atom::value, a)
      .receive([&](const account_summary& s) { out = s.balance; }, [&](const caf::error& e) { FAIL(system.render(e)); });
    return out;
  }

  void submit(chain_id on, const key_pair& k, std::uint64_t nonce, tx_payload payload) {
    transaction tx;
    tx.chain = on;
    tx.nonce = nonce;
    tx.fee = 1000;
    tx.expiry = 100'000;
    tx.payload = std::move(payload);
    sign_transaction(tx, k, hash256{});
    caf::scoped_actor self{system};
    std::optional<admission> a;
    self->request(n->unit(on)->mempool(), seconds(10), submit_atom::value, tx_envelope{std::move(tx)})
      .receive([&](const admission& x) { a = x; }, [&](const caf::error& e) { FAIL(system.render(e)); });
    REQUIRE(a);
    INFO(a->detail);
    REQUIRE(a->code == 0);
  }
};

} // namespace

TEST_CASE("the peg bridge carries BFDT to a dev sidechain and vouchers back, with their acknowledgements") {
  bridged_node node;
  const auto& net = shared_network();
  const auto alice = address_of(net.accounts[0].pub);
  const auto bob = address_of(net.accounts[1].pub);
  std::uint64_t g = 0;
  for (; g < 3; ++g)
    node.run_slot(g);
  CHECK(node.message(mainchain_id, 1, 0).code == 0);  // both chains have the peg
  CHECK(node.message(side, 1, 0).code == 0);

  // Out: 10 BFDT from alice on the mainchain to bob on sidechain 2.
  const auto alice_before = node.balance(mainchain_id, alice);
  node.submit(mainchain_id, net.accounts[0], 0, peg_send_tx{side, bob, "BFDT", 10 * units_per_bfdt, 1'000'000});
  const auto delivered = [](const peg_message_view& v) {
    return v.sent && v.state == static_cast<std::uint8_t>(peg::message_state::delivered);
  };
  for (; g < 150 && !delivered(node.message(mainchain_id, 1, 0)); ++g)
    node.run_slot(g);
  INFO("carried: " << node.carried.size() << ", slots: " << g);
  REQUIRE(delivered(node.message(mainchain_id, 1, 0)));
  const auto on_side = node.message(side, 1, 0);
  CHECK(on_side.received);
  CHECK(on_side.ack_success);
  CHECK(node.client_updates >= 1);
  CHECK(node.balance(mainchain_id, alice) == alice_before - 10 * units_per_bfdt - 1000);

  // Back: bob returns 4 of his vouchers to alice on the mainchain; the escrow releases them.
  const auto alice_mid = node.balance(mainchain_id, alice);
  node.submit(side, net.accounts[1], 0, peg_send_tx{mainchain_id, alice, "peg/1/BFDT", 4 * units_per_bfdt, 1'000'000});
  for (; g < 400 && !delivered(node.message(side, side, 0)); ++g)
    node.run_slot(g);
  REQUIRE(delivered(node.message(side, side, 0)));
  CHECK(node.message(mainchain_id, side, 0).received);
  CHECK(node.balance(mainchain_id, alice) == alice_mid + 4 * units_per_bfdt);
  // Each entry carried once per direction and kind, however many passes saw it.
  for (const auto* what : {"1:0 1->2 message", "1:0 2->1 acknowledgement", "2:0 2->1 message", "2:0 1->2 acknowledgement"})
    CHECK(std::count(node.carried.begin(), node.carried.end(), std::string(what)) == 1);
}

TEST_CASE("a genesis file names the peg only when the chain has it, and older files stay without it") {
  const auto& g = shared_network().genesis;
  REQUIRE(g.modules.has(module_id::peg));
  const auto text = runtime::genesis_json(g);
  CHECK(text.find("\"peg\"") != std::string::npos);
  auto back = runtime::parse_genesis_json(text);
  REQUIRE(back);
  CHECK(back->modules.has(module_id::peg));
  REQUIRE(back->peg);
  CHECK(back->peg->native_denom == "BFDT");
  CHECK(runtime::genesis_json(*back) == text);
  // The same genesis made before the peg: no module, no field, and the sidechain specs built
  // from it carry no peg either (their genesis hashes are the registry's unpegged ones).
  auto old = g;
  old.modules = module_set{module_id::token, module_id::consensus, module_id::registry};
  old.peg = nullptr;
  const auto old_text = runtime::genesis_json(old);
  CHECK(old_text.find("\"peg\"") == std::string::npos);
  auto old_back = runtime::parse_genesis_json(old_text);
  REQUIRE(old_back);
  CHECK(!old_back->modules.has(module_id::peg));
  CHECK(!runtime::mainchain_peg_trust(*old_back));
  const auto entry = runtime::dev_sidechain_entries(shared_network()).front();
  CHECK(!runtime::sidechain_spec_for(entry, *old_back).genesis.modules.has(module_id::peg));
  CHECK(runtime::sidechain_spec_for(entry, g).genesis.modules.has(module_id::peg));
  // A bad native denom is refused with its field named.
  auto bad = text;
  const std::string needle = "\"native_denom\": \"BFDT\"";
  REQUIRE(bad.find(needle) != std::string::npos);
  bad.replace(bad.find(needle), needle.size(), "\"native_denom\": \"\"");
  auto refused = runtime::parse_genesis_json(bad);
  REQUIRE(!refused);
  CHECK(refused.error().detail.find("genesis.peg.native_denom") != std::string::npos);
}
