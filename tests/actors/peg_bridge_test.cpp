// The peg bridge on a real node hosting the dev mainchain (with the peg) and dev sidechain 2
// (with the peg and a light client of the mainchain), driven slot by slot: 10 BFDT go to the
// sidechain and 4 of the vouchers come back, each carried by the bridge with its proof and its
// acknowledgement carried home; the watcher anchors the sidechain meanwhile.
#include <doctest/doctest.h>

#include <chrono>
#include <fstream>

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>

#include "chains/peg/peg_ledger.hpp"
#include "chains/peg/peg_module.hpp"
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

  std::uint32_t max_pending = 500;

  /// `max_per_sender`: every mempool's bound per sender; `bridge_max_pending`: the bridge's.
  explicit bridged_node(std::size_t max_per_sender = 1'000, std::uint32_t bridge_max_pending = 500)
    : max_pending(bridge_max_pending) {
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
    o.mempool_max_per_sender = max_per_sender;
    auto started = runtime::node::start(system, std::move(o));
    REQUIRE(started);
    n = std::move(*started);
    runtime::sidechain_watch_options w;
    w.mainchain = net.genesis.params;
    w.peg_trust = runtime::mainchain_peg_trust(net.genesis);
    w.hosts = [](chain_id id) { return id == side; };
    w.submit_anchor = runtime::anchor_submitter(system, *n, net.anchorer);
    watcher = std::make_unique<runtime::sidechain_watcher>(system, *n, std::move(w));
    start_bridge();
  }

  /// (Re)starts the bridge; the old one is destroyed first.
  void start_bridge(std::filesystem::path progress_file = {}) {
    bridge.reset();
    runtime::peg_bridge_options b;
    b.keys = shared_network().bridge;
    b.progress_file = std::move(progress_file);
    b.max_pending = max_pending;
    bridge = std::make_unique<runtime::peg_bridge>(system, *n, std::move(b));
  }
  ~bridged_node() {
    bridge.reset();
    watcher.reset();
    n->stop();
  }

  runtime::bridge_report run_slot(std::uint64_t g) {
    test::run_slots(system, *time, shared_network().genesis.params, test::hosted_delegates(*n), g, g + 1);
    watcher->poll_once();
    auto r = bridge->poll_once();
    carried.insert(carried.end(), r.carried.begin(), r.carried.end());
    client_updates += r.client_updates;
    return r;
  }

  std::uint64_t head_height(chain_id on) {
    caf::scoped_actor self{system};
    std::uint64_t out = 0;
    self->request(n->unit(on)->chain(), seconds(10), info_atom::value)
      .receive([&](const chain_info& i) { out = i.head_height; }, [&](const caf::error& e) { FAIL(system.render(e)); });
    return out;
  }

  /// Conservation across the two final peg states, each rebuilt from its records.
  bool conserved() {
    caf::scoped_actor self{system};
    std::map<chain_id, std::unique_ptr<peg_module>> pegs;
    for (chain_id c : {mainchain_id, side}) {
      self->request(n->unit(c)->chain(), seconds(10), pegrec_atom::value)
        .receive([&](const peg_records_reply& r) {
          std::vector<std::pair<bytes, bytes>> records;
          for (std::size_t i = 0; i < r.keys.size(); ++i)
            records.emplace_back(r.keys[i], r.values[i]);
          auto m = peg_module::from_records(c, records);
          REQUIRE(m);
          pegs[c] = std::move(*m);
        }, [&](const caf::error& e) { FAIL(system.render(e)); });
    }
    return static_cast<bool>(peg::check_conservation(pegs.at(mainchain_id)->peg_ledger(), pegs.at(side)->peg_ledger()));
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

TEST_CASE("a message sent after more than 256 blocks without peg traffic is carried") {
  // The bridge's cursor must pass empty blocks: it once moved only over blocks with entries, so
  // after more empty final blocks than one pass scans (256) it scanned the same empty range on
  // every pass and never reached a later message (it stayed in flight until its timeout).
  bridged_node node;
  const auto& net = shared_network();
  const auto bob = address_of(net.accounts[1].pub);
  std::uint64_t g = 0;
  for (; g < 600 && node.head_height(mainchain_id) < 300; ++g)
    node.run_slot(g);
  REQUIRE(node.head_height(mainchain_id) >= 300);
  node.submit(mainchain_id, net.accounts[0], 0, peg_send_tx{side, bob, "BFDT", 2 * units_per_bfdt, 1'000'000});
  const auto delivered = [&] {
    const auto v = node.message(mainchain_id, 1, 0);
    return v.sent && v.state == static_cast<std::uint8_t>(peg::message_state::delivered);
  };
  const auto sent_at = g;
  for (; g < sent_at + 60 && !delivered(); ++g)
    node.run_slot(g);
  INFO("slots after the send: " << g - sent_at << ", mainchain head " << node.head_height(mainchain_id));
  CHECK(delivered());
  CHECK(node.message(side, 1, 0).received);
}

TEST_CASE("under load the bridge keeps below the mempool's bound per sender and every message completes") {
  // Every mempool takes at most 24 pending transactions per sender, and the bridge keeps at most
  // 16 of its own pending: 120 messages go out in bursts of 40 a block, far more than one sender
  // may have pending. (The bridge that submitted whole blocks at once lost deliveries here.)
  bridged_node node(24, 16);
  const auto& net = shared_network();
  const auto bob = address_of(net.accounts[1].pub);
  std::uint64_t g = 0;
  for (; g < 3; ++g)
    node.run_slot(g);
  constexpr std::uint64_t bursts = 3, per_account = 20, messages = bursts * per_account * 2;
  std::uint64_t sent = 0;
  for (std::uint64_t burst = 0; burst < bursts; ++burst) {
    for (std::uint64_t k = 0; k < per_account; ++k)
      for (std::size_t a = 0; a < 2; ++a)
        node.submit(mainchain_id, net.accounts[a], burst * per_account + k,
                    peg_send_tx{side, bob, "BFDT", units_per_bfdt + sent++, 1'000'000});
    node.run_slot(g++);
  }
  REQUIRE(sent == messages);
  const auto all_delivered = [&] {
    for (std::uint64_t s = 0; s < messages; ++s) {
      const auto v = node.message(mainchain_id, 1, s);
      if (!v.sent || v.state != static_cast<std::uint8_t>(peg::message_state::delivered))
        return false;
    }
    return true;
  };
  std::size_t most_pending = 0;
  for (; g < 200 && !all_delivered(); ++g) {
    node.run_slot(g);
    caf::scoped_actor self{node.system};
    for (chain_id c : {mainchain_id, side})
      self->request(node.n->unit(c)->mempool(), seconds(10), size_atom::value)
        .receive([&](std::uint64_t size) { most_pending = std::max<std::size_t>(most_pending, size); },
                 [&](const caf::error& e) { FAIL(node.system.render(e)); });
    CHECK(node.conserved());
  }
  INFO("slots: " << g << ", carried: " << node.carried.size());
  REQUIRE(all_delivered());
  for (std::uint64_t s = 0; s < messages; ++s) {
    const auto v = node.message(side, 1, s);
    CHECK(v.received);
    CHECK(v.ack_success);
  }
  // Never more of the bridge's transactions pending than its bound (plus the sends' own).
  CHECK(most_pending <= 16 + 2 * 24);
  // Nothing was refused at the mempool's bound, and nothing left is pending.
  CHECK(node.conserved());
  for (const auto end = g + 3; g < end; ++g)
    CHECK(node.run_slot(g).problems.empty());
}

TEST_CASE("the peg bridge refunds a message its destination did not receive by its timeout") {
  bridged_node node;
  const auto& net = shared_network();
  const auto alice = address_of(net.accounts[0].pub);
  const auto bob = address_of(net.accounts[1].pub);
  std::uint64_t g = 0;
  for (; g < 3; ++g)
    node.run_slot(g);
  // The timeout is the sidechain's next block: the mainchain cannot finalize the send that fast,
  // so the delivery would come too late and only a refund can settle it.
  const auto timeout = node.head_height(side) + 1;
  const auto alice_before = node.balance(mainchain_id, alice);
  node.submit(mainchain_id, net.accounts[0], 0, peg_send_tx{side, bob, "BFDT", 10 * units_per_bfdt, timeout});
  const auto state_is = [&](peg::message_state s) {
    const auto v = node.message(mainchain_id, 1, 0);
    return v.sent && v.state == static_cast<std::uint8_t>(s);
  };
  CHECK(node.conserved());
  for (; g < 150 && !state_is(peg::message_state::timed_out); ++g) {
    node.run_slot(g);
    CHECK(node.conserved());
  }
  INFO("slots: " << g);
  REQUIRE(state_is(peg::message_state::timed_out));
  CHECK(!node.message(side, 1, 0).received);
  // The escrow went back: alice paid the send's fee only.
  CHECK(node.balance(mainchain_id, alice) == alice_before - 1000);
  CHECK(node.conserved());
  // The delivery was not carried: the sidechain had reached the timeout height (a receive would
  // fail at inclusion and strand the bridge's later nonces). The timeout came back instead.
  CHECK(std::count(node.carried.begin(), node.carried.end(), std::string("1:0 1->2 message")) == 0);
  CHECK(std::count(node.carried.begin(), node.carried.end(), std::string("1:0 2->1 timeout")) == 1);
  // Later passes find nothing more to refund.
  for (const auto end = g + 10; g < end; ++g)
    CHECK(node.run_slot(g).carried.empty());
}

TEST_CASE("the peg bridge refunds a sidechain's message the mainchain did not receive by its timeout") {
  bridged_node node;
  const auto& net = shared_network();
  const auto alice = address_of(net.accounts[0].pub);
  const auto bob = address_of(net.accounts[1].pub);
  std::string symbol;
  for (const auto& e : runtime::dev_sidechain_entries(net))
    if (e.id == side)
      symbol = e.token.symbol;
  REQUIRE(!symbol.empty());
  std::uint64_t g = 0;
  for (; g < 3; ++g)
    node.run_slot(g);
  // The sidechain's own token towards the mainchain, due at the mainchain's next block: the
  // refund is verified by the sidechain's light client of the mainchain, which the bridge
  // updates first.
  const auto timeout = node.head_height(mainchain_id) + 1;
  const auto bob_before = node.balance(side, bob);
  node.submit(side, net.accounts[1], 0, peg_send_tx{mainchain_id, alice, symbol, 5 * units_per_bfdt, timeout});
  const auto timed_out = [&] {
    const auto v = node.message(side, side, 0);
    return v.sent && v.state == static_cast<std::uint8_t>(peg::message_state::timed_out);
  };
  for (; g < 150 && !timed_out(); ++g) {
    node.run_slot(g);
    CHECK(node.conserved());
  }
  INFO("slots: " << g);
  REQUIRE(timed_out());
  CHECK(!node.message(mainchain_id, side, 0).received);
  CHECK(node.balance(side, bob) == bob_before - 1000);
  CHECK(std::count(node.carried.begin(), node.carried.end(), std::string("2:0 1->2 timeout")) == 1);
}

TEST_CASE("a restarted peg bridge resumes from its progress file, and a damaged file only costs a rescan") {
  test::temp_dir dir;
  const auto file = dir.path / "bridge-progress.json";
  bridged_node node;
  node.start_bridge(file);
  const auto& net = shared_network();
  const auto bob = address_of(net.accounts[1].pub);
  std::uint64_t g = 0;
  for (; g < 3; ++g)
    node.run_slot(g);
  node.submit(mainchain_id, net.accounts[0], 0, peg_send_tx{side, bob, "BFDT", 10 * units_per_bfdt, 1'000'000});
  const auto delivered = [&] {
    const auto v = node.message(mainchain_id, 1, 0);
    return v.sent && v.state == static_cast<std::uint8_t>(peg::message_state::delivered);
  };
  for (; g < 150 && !delivered(); ++g)
    node.run_slot(g);
  REQUIRE(delivered());
  REQUIRE(std::filesystem::exists(file));
  auto saved = runtime::read_bridge_progress(file);
  REQUIRE(saved);
  CHECK(saved->scanned.at({mainchain_id, side}) > 0);
  CHECK(saved->scanned.at({side, mainchain_id}) > 0);
  CHECK(saved->client_heights.at(side) > 0);
  CHECK(node.message(side, 1, 0).received);

  // A new bridge from the file carries nothing old again (a rescan from height 1 would carry
  // the message and its acknowledgement once more, as duplicates).
  node.start_bridge(file);
  for (const auto end = g + 4; g < end; ++g) {
    const auto r = node.run_slot(g);
    CHECK(r.carried.empty());
    CHECK(r.problems.empty());
  }

  // A damaged file: reported, then a rescan from height 1 (re-deliveries are duplicates), and
  // the state stays right.
  { std::ofstream(file, std::ios::trunc) << "{\"format\": \"bfd-peg-bridge-progress\", \"version\": 1, \"mainch"; }
  node.start_bridge(file);
  std::vector<std::string> carried, problems;
  for (const auto end = g + 4; g < end; ++g) {
    auto r = node.run_slot(g);
    carried.insert(carried.end(), r.carried.begin(), r.carried.end());
    problems.insert(problems.end(), r.problems.begin(), r.problems.end());
  }
  REQUIRE(!problems.empty());
  CHECK(problems.front().find("progress file unusable") != std::string::npos);
  CHECK(problems.front().find("starting from height 1") != std::string::npos);
  CHECK(std::count(carried.begin(), carried.end(), std::string("1:0 1->2 message")) == 1);
  CHECK(delivered());
  CHECK(node.conserved());
  // The rescan rewrote the file.
  auto rewritten = runtime::read_bridge_progress(file);
  REQUIRE(rewritten);
  CHECK(rewritten->scanned.at({mainchain_id, side}) >= saved->scanned.at({mainchain_id, side}));

  // A file of another mainchain: reported, not used.
  auto foreign = *rewritten;
  foreign.mainchain_genesis = hash256{};
  foreign.mainchain_genesis[0] = 1;
  REQUIRE(runtime::write_bridge_progress(file, foreign));
  node.start_bridge(file);
  const auto r = node.run_slot(g++);
  REQUIRE(!r.problems.empty());
  CHECK(r.problems.front().find("another mainchain") != std::string::npos);
  CHECK(std::count(r.carried.begin(), r.carried.end(), std::string("1:0 1->2 message")) == 1);
}

TEST_CASE("a bridge progress file round-trips, and bad ones are refused with the reason") {
  runtime::bridge_progress p;
  p.mainchain_genesis[3] = 7;
  p.sidechain = 2;
  p.scanned[{1, 2}] = 40;
  p.scanned[{2, 1}] = 12;
  p.entries[{2, 1}] = 700;  // resumes inside block 13, at its entry 700
  p.client_heights[2] = 39;
  const auto text = runtime::bridge_progress_json(p);
  auto back = runtime::parse_bridge_progress(text);
  REQUIRE(back);
  CHECK(*back == p);
  const auto refused = [](std::string t) {
    auto r = runtime::parse_bridge_progress(t);
    REQUIRE(!r);
    return r.error().detail;
  };
  CHECK(refused("").find("not a JSON object") != std::string::npos);
  CHECK(refused("[1]").find("not a JSON object") != std::string::npos);
  auto other_version = text;
  other_version.replace(other_version.find("\"version\": 2"), 12, "\"version\": 9");
  CHECK(refused(other_version).find("version is not 1 to 2") != std::string::npos);
  auto negative = text;
  negative.replace(negative.find("\"height\": 40"), 12, "\"height\": -4");
  CHECK(refused(negative).find("scanned") != std::string::npos);
  auto no_entry = text;
  no_entry.replace(no_entry.find("\"entry\": 700"), 12, "\"entri\": 700");
  CHECK(refused(no_entry).find("needs entry") != std::string::npos);
  // A version 1 file (no entries) is still read: every direction resumes at a block's start.
  auto v1 = runtime::parse_bridge_progress(
    R"({"format": "bfd-peg-bridge-progress", "version": 1, "mainchain_genesis": ")" + std::string(64, '0')
    + R"(", "sidechain": 2, "scanned": [{"from": 1, "to": 2, "height": 40}], "clients": []})");
  REQUIRE(v1);
  CHECK(v1->scanned.at({1, 2}) == 40);
  CHECK(v1->entries.empty());
  auto bad_hash = text;
  bad_hash.replace(bad_hash.find("\"mainchain_genesis\": \"") + 22, 2, "zz");
  CHECK(refused(bad_hash).find("mainchain_genesis") != std::string::npos);
  // A file over the bound is refused before it is read.
  test::temp_dir dir;
  const auto big = dir.path / "big.json";
  { std::ofstream(big) << std::string((1 << 20) + 1, ' '); }
  auto r = runtime::read_bridge_progress(big);
  REQUIRE(!r);
  CHECK(r.error().detail.find("more than a progress file") != std::string::npos);
  CHECK(runtime::read_bridge_progress(dir.path / "none.json").error().code == errc::not_found);
}

TEST_CASE("the bridge's back-off doubles from its base up to its cap and ends on a success") {
  using std::chrono::milliseconds;
  runtime::backoff b(milliseconds(500), milliseconds(30'000));
  CHECK(b.delay_after(0) == milliseconds(0));
  CHECK(b.delay_after(1) == milliseconds(500));
  CHECK(b.delay_after(2) == milliseconds(1000));
  CHECK(b.delay_after(7) == milliseconds(30'000));  // 32 s capped
  CHECK(b.delay_after(1'000'000) == milliseconds(30'000));
  const auto t0 = runtime::backoff::clock::time_point{} + std::chrono::hours(1);
  CHECK(b.ready(t0));
  CHECK(b.fail(t0));                       // starts backing off
  CHECK(!b.ready(t0 + milliseconds(499)));
  CHECK(b.ready(t0 + milliseconds(500)));
  CHECK(!b.fail(t0 + milliseconds(500)));  // still backing off: not a new start
  CHECK(!b.ready(t0 + milliseconds(1499)));
  CHECK(b.ready(t0 + milliseconds(1500)));
  CHECK(b.succeed());                      // recovered
  CHECK(!b.succeed());
  CHECK(b.ready(t0));
  CHECK(b.failures() == 0);
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
