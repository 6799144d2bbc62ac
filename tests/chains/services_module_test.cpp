// The service registry (module 6) through real signed blocks on a mainchain with access control:
// register, upgrade with a canary, a failing health gate rolling the canary back by itself, a
// passing one promoting it, a manual rollback, status changes, every refusal with its code, the
// version live on a chain over history, a replay from the blocks reaching the same root, a
// restore from records; and the pure pieces (gate, schedule, bounds) on the state directly.
// (JSON: tests/protocols/services_json_test.cpp; RocksDB: tests/storage/services_storage_test.cpp.)
#include <doctest/doctest.h>

#include "chains/access/access_module.hpp"
#include "chains/codec/transaction_codec.hpp"
#include "chains/services/services_module.hpp"
#include "tests/chains/network_fixture.hpp"

using namespace bfd;
using namespace bfd::services;
using acl::permission;

namespace {

constexpr std::uint32_t chain_a = 2, chain_b = 3, chain_c = 4;

fixed_bytes<16> uuid_of(byte b) {
  fixed_bytes<16> u;
  u.data.fill(b);
  return u;
}
address contract_of(byte b) {
  address a;
  a.data.fill(b);
  return a;
}

service_register_tx registration(byte uuid = 1, std::vector<std::uint32_t> deps = {chain_a, chain_b}) {
  service_register_tx p;
  p.uuid = uuid_of(uuid);
  p.symbol = "EXCH";
  p.home = chain_a;
  p.deployments = deps;
  for (auto c : deps)
    p.instances.push_back(instance{c, contract_of(static_cast<byte>(c))});
  p.template_id = 0;
  p.commission = commission{commission_kind::percent, 250, {}, 0, {}};
  return p;
}

service_upgrade_tx upgrade(std::uint64_t id, byte contracts, std::uint32_t canary = chain_a) {
  service_upgrade_tx p;
  p.service = id;
  p.instances = {instance{chain_a, contract_of(contracts)}, instance{chain_b, contract_of(contracts + 1)}};
  p.commission = commission{commission_kind::fixed, 1'000, {}, 0, {}};
  p.canary = canary;
  p.delay = 2;
  p.window = 3;
  p.min_calls = 5;
  p.max_failed_permille = 100;
  p.max_missed_blocks = 3;
  p.max_latency_ms = 5'000;
  p.promote_delay = 2;
  return p;
}

service_health_tx report(std::uint64_t id, std::uint32_t version, std::uint32_t chain, std::uint64_t calls,
                         std::uint64_t failed, std::uint64_t missed = 0, std::uint64_t latency = 100) {
  return service_health_tx{id, version, chain, 10, 20, calls, failed, missed, latency};
}

/// A mainchain with access control and the registry: users[3] is the admin and holds
/// register_service and upgrade_service on global; users[1] holds upgrade_service (the triage
/// key); users[0] holds nothing.
struct registry_chain {
  test::network net;
  chain_state st;
  std::vector<block> blocks;
  std::map<public_key, std::uint64_t> nonces;
  std::uint64_t slot = 0;

  static test::network make_net() {
    test::network n;
    auto g = std::make_shared<access_genesis>();
    const auto admin = address_of(n.users[3].pub);
    g->admins = {admin};
    g->grants = {{admin, acl::bit(permission::register_service) | acl::bit(permission::upgrade_service)},
                 {address_of(n.users[1].pub), acl::bit(permission::upgrade_service)}};
    n.config.access = g;
    n.config.modules = module_set{module_id::token, module_id::consensus, module_id::access, module_id::services};
    return n;
  }
  registry_chain() : net(make_net()), st(net.genesis().first) { blocks.push_back(net.genesis().second); }

  const key_pair& admin() const { return net.users[3]; }
  const key_pair& triage() const { return net.users[1]; }
  const key_pair& nobody() const { return net.users[0]; }
  const services_state& reg() const { return *find_services(st); }
  std::uint64_t height() const { return st.head().height; }

  transaction tx(const key_pair& k, tx_payload p, bool probe = false) {
    transaction t;
    t.chain = mainchain_id;
    t.nonce = probe ? nonces[k.pub] : nonces[k.pub]++;
    t.expiry = 100'000;
    t.fee = 10'000;
    t.payload = std::move(p);
    sign_transaction(t, k, hash256{});
    return t;
  }
  /// Includes `p` in the next block; the block's height.
  std::uint64_t include(const key_pair& k, tx_payload p) {
    auto t = tx(k, std::move(p));
    auto admitted = st.check_transaction(t, signature_check::verify);
    const std::string why = admitted ? std::string("ok") : admitted.error().message();
    INFO(why);
    REQUIRE(admitted);
    return next({t});
  }
  std::uint64_t next(std::vector<transaction> txs = {}) {
    const auto n = txs.size();
    auto b = test::produce(net, st, slot++, 0, std::move(txs));
    REQUIRE(b.txs.size() == n);
    auto applied = st.apply_block(b, signature_check::verify);
    const std::string why = applied ? std::string("ok") : applied.error().message();
    INFO(why);
    REQUIRE(applied);
    st.release_undo();
    blocks.push_back(b);
    return b.header.height;
  }
  /// The code admission gives `p` from `k` (nonce not used up).
  errc refusal(const key_pair& k, tx_payload p) {
    auto s = st.check_transaction(tx(k, std::move(p), true), signature_check::verify);
    return s ? errc::ok : s.error().code;
  }
};

std::vector<std::pair<bytes, bytes>> records_of(const services_state& s) {
  return {s.records().records().begin(), s.records().records().end()};
}

} // namespace

TEST_CASE("the service registry adds nothing to the state root until the first service") {
  registry_chain with;
  auto without_net = registry_chain::make_net();
  without_net.config.modules = module_set{module_id::token, module_id::consensus, module_id::access};
  CHECK(with.net.genesis().second.header.state_root == without_net.genesis().second.header.state_root);
  REQUIRE(find_services(with.st));
  CHECK_FALSE(with.reg().root());
  CHECK(with.reg().count() == 0);
}

TEST_CASE("a service is registered, upgraded through a canary, rolled back by a failing gate, promoted by a "
          "passing one, rolled back by hand, and its history replays") {
  registry_chain c;
  const auto h1 = c.include(c.admin(), registration());
  REQUIRE(c.reg().count() == 1);
  auto s = *c.reg().find(1);
  CHECK(s.symbol == "EXCH");
  CHECK(s.owner == address_of(c.admin().pub));
  CHECK(s.status == service_status::active);
  CHECK(s.versions == 1);
  CHECK(c.reg().find_by_uuid(uuid_of(1))->id == 1);
  CHECK(c.reg().live_version(1, chain_a, h1) == 1u);
  CHECK(c.reg().live_version(1, chain_b, h1) == 1u);
  CHECK_FALSE(c.reg().live_version(1, chain_a, h1 - 1));
  CHECK_FALSE(c.reg().live_version(1, chain_c, h1));
  CHECK(c.reg().find_version(1, 1)->instance_on(chain_b) == contract_of(chain_b));
  CHECK(c.reg().root());

  // Refusals at registration.
  CHECK(c.refusal(c.nobody(), registration(2)) == errc::access_denied);
  CHECK(c.refusal(c.triage(), registration(2)) == errc::access_denied);
  CHECK(c.refusal(c.admin(), registration(1)) == errc::service_exists);
  auto bad = registration(0);
  CHECK(c.refusal(c.admin(), bad) == errc::bad_service);  // all-zero uuid
  bad = registration(2);
  bad.symbol = "exch";
  CHECK(c.refusal(c.admin(), bad) == errc::bad_service);
  bad = registration(2, {chain_a, chain_a});
  CHECK(c.refusal(c.admin(), bad) == errc::bad_service);
  bad = registration(2);
  bad.instances.pop_back();
  CHECK(c.refusal(c.admin(), bad) == errc::bad_service);
  bad = registration(2);
  bad.commission = commission{commission_kind::percent, 10'001, {}, 0, {}};
  CHECK(c.refusal(c.admin(), bad) == errc::bad_service);
  bad.commission = commission{commission_kind::expression, 0, std::string(257, 'x'), 0, {}};
  CHECK(c.refusal(c.admin(), bad) == errc::bad_service);
  bad.commission = commission{commission_kind::expression, 0, "bp(amount, 25)", 0, {}};
  CHECK(c.refusal(c.admin(), bad) == errc::ok);
  bad.commission = commission{commission_kind::expression, 0, "bp(amount, 25", 0, {}};
  CHECK(c.refusal(c.admin(), bad) == errc::fee_function_refused);
  bad.commission = commission{commission_kind::expression, 0, "amount * price", 0, {}};
  CHECK(c.refusal(c.admin(), bad) == errc::fee_function_refused);
  bad.commission = commission{commission_kind::wasm, 0, std::string(33, 'f'), 7, contract_of(9)};
  CHECK(c.refusal(c.admin(), bad) == errc::bad_service);

  // Upgrade: refusals, then version 2 with chain A as the canary.
  CHECK(c.refusal(c.nobody(), upgrade(1, 0x20)) == errc::access_denied);
  CHECK(c.refusal(c.admin(), upgrade(2, 0x20)) == errc::unknown_service);
  CHECK(c.refusal(c.admin(), upgrade(1, 0x20, chain_c)) == errc::not_deployed);
  auto zero_delay = upgrade(1, 0x20);
  zero_delay.delay = 0;
  CHECK(c.refusal(c.admin(), zero_delay) == errc::bad_service);
  const auto h2 = c.include(c.admin(), upgrade(1, 0x20));
  auto r = *c.reg().rollout_of(1);
  CHECK(r.version == 2);
  CHECK(r.previous == 1);
  CHECK(r.canary == chain_a);
  CHECK(r.canary_height == h2 + 2);
  CHECK(r.phase == rollout_phase::canary);
  CHECK(c.reg().live_version(1, chain_a, h2 + 1) == 1u);
  CHECK(c.reg().live_version(1, chain_a, h2 + 2) == 2u);
  CHECK(c.reg().live_version(1, chain_b, h2 + 100) == 1u);
  CHECK(c.refusal(c.admin(), upgrade(1, 0x30)) == errc::rollout_in_progress);

  // Health: refusals, a report before the canary is live (recorded only), then a failing one.
  CHECK(c.refusal(c.nobody(), report(1, 2, chain_a, 15, 12)) == errc::access_denied);
  CHECK(c.refusal(c.triage(), report(1, 3, chain_a, 15, 12)) == errc::unknown_version);
  CHECK(c.refusal(c.triage(), report(1, 2, chain_c, 15, 12)) == errc::not_deployed);
  CHECK(c.refusal(c.triage(), report(1, 2, chain_a, 15, 16)) == errc::bad_service);
  c.include(c.triage(), report(1, 2, chain_a, 15, 12));  // at h2 + 1 < canary height
  CHECK(c.reg().rollout_of(1)->phase == rollout_phase::canary);
  CHECK(c.reg().health_of(1).size() == 1);
  const auto h3 = c.include(c.triage(), report(1, 2, chain_a, 15, 12));
  REQUIRE(h3 >= r.canary_height);
  r = *c.reg().rollout_of(1);
  CHECK(r.phase == rollout_phase::rolled_back);
  CHECK(r.decided_at == h3);
  CHECK(r.reason == "health gate failed: 12/15 calls failed (800 permille > 100)");
  CHECK(c.reg().live_version(1, chain_a, h3) == 2u);  // history keeps what ran
  CHECK(c.reg().live_version(1, chain_a, h3 + 1) == 1u);
  CHECK(c.reg().live_version(1, chain_b, h3 + 1) == 1u);
  CHECK(c.reg().health_of(1).size() == 2);
  CHECK(c.refusal(c.admin(), service_rollback_tx{1, "again"}) == errc::no_rollout);

  // Version 3: a good canary is promoted once the window has passed.
  const auto h4 = c.include(c.admin(), upgrade(1, 0x40));
  CHECK(c.reg().rollout_of(1)->previous == 1);
  c.next();
  c.include(c.triage(), report(1, 3, chain_a, 20, 1));  // h4+2: live, gate passes, window not over
  CHECK(c.reg().rollout_of(1)->phase == rollout_phase::canary);
  c.next();
  c.next();
  const auto h5 = c.include(c.triage(), report(1, 3, chain_a, 4, 0));  // too few calls to promote
  CHECK(h5 >= h4 + 2 + 3);
  CHECK(c.reg().rollout_of(1)->phase == rollout_phase::canary);
  const auto h6 = c.include(c.triage(), report(1, 3, chain_a, 20, 2));  // 100 permille: not above
  r = *c.reg().rollout_of(1);
  CHECK(r.phase == rollout_phase::promoted);
  CHECK(r.decided_at == h6);
  CHECK(c.reg().live_version(1, chain_b, h6 + 1) == 1u);
  CHECK(c.reg().live_version(1, chain_b, h6 + 2) == 3u);
  CHECK(c.reg().live_version(1, chain_a, h6) == 3u);

  // A manual rollback of the promoted version: both chains go back to version 1.
  CHECK(c.refusal(c.nobody(), service_rollback_tx{1, "bad fees"}) == errc::access_denied);
  CHECK(c.refusal(c.admin(), service_rollback_tx{1, ""}) == errc::bad_service);
  const auto h7 = c.include(c.triage(), service_rollback_tx{1, "bad fees"});
  r = *c.reg().rollout_of(1);
  CHECK(r.phase == rollout_phase::rolled_back);
  CHECK(r.reason == "bad fees");
  CHECK(c.reg().live_version(1, chain_a, h7 + 1) == 1u);
  CHECK(c.reg().live_version(1, chain_b, h7 + 1) == 1u);
  CHECK(c.reg().live_version(1, chain_a, h7) == 3u);

  // Status: suspended refuses upgrades; retired is final.
  CHECK(c.refusal(c.nobody(), service_set_status_tx{1, service_status::suspended}) == errc::access_denied);
  CHECK(c.refusal(c.admin(), service_set_status_tx{1, service_status::active}) == errc::bad_status_change);
  c.include(c.admin(), service_set_status_tx{1, service_status::suspended});
  CHECK(c.refusal(c.admin(), upgrade(1, 0x50)) == errc::service_not_active);
  c.include(c.admin(), service_set_status_tx{1, service_status::retired});
  CHECK(c.reg().find(1)->status == service_status::retired);
  CHECK(c.refusal(c.admin(), service_set_status_tx{1, service_status::active}) == errc::bad_status_change);
  CHECK(c.refusal(c.triage(), report(1, 1, chain_a, 1, 0)) == errc::service_not_active);

  // A replay of the blocks from the genesis reaches the same registry and state root.
  auto replay = c.net.genesis().first;
  for (std::size_t i = 1; i < c.blocks.size(); ++i)
    REQUIRE(replay.apply_block(c.blocks[i], signature_check::verify));
  CHECK(replay.head().state_root == c.st.head().state_root);
  CHECK(*find_services(replay) == c.reg());

  // A restore from the records alone gives the same state and root.
  auto restored = services_module::from_records(records_of(c.reg()));
  REQUIRE(restored);
  CHECK((*restored)->state() == c.reg());
  CHECK((*restored)->root() == c.reg().root());
  CHECK((*restored)->state().live_version(1, chain_a, h6) == 3u);
}

TEST_CASE("undo to a checkpoint leaves the registry as it was") {
  registry_chain c;
  c.include(c.admin(), registration());
  services_module m{c.reg()};
  const auto before = m.root();
  const auto mark = m.checkpoint();
  block_context ctx;
  ctx.height = c.height() + 1;
  ctx.state = &c.st;
  auto l = c.st.accounts();
  REQUIRE(m.apply(c.tx(c.admin(), upgrade(1, 0x20), true), ctx, l));
  CHECK(m.root() != before);
  CHECK(m.dirty_records().size() >= 2);
  m.rollback(mark);
  CHECK(m.root() == before);
  CHECK(m.state() == c.reg());
  CHECK_FALSE(m.state().rollout_of(1));
}

TEST_CASE("the health gate decides on the canary's version and chain only, with exact boundaries") {
  rollout r;
  r.version = 2;
  r.previous = 1;
  r.canary = chain_a;
  r.canary_height = 100;
  r.window = 10;
  r.gate = health_gate{5, 100, 3, 5'000};
  CHECK_FALSE(decide(r, report(1, 2, chain_a, 15, 12), 99));  // not live yet
  CHECK_FALSE(decide(r, report(1, 1, chain_a, 15, 12), 100));  // another version
  CHECK_FALSE(decide(r, report(1, 2, chain_b, 15, 12), 100));  // another chain
  CHECK(decide(r, report(1, 2, chain_a, 15, 12), 100)->phase == rollout_phase::rolled_back);
  // Below min_calls the failure rate does not count, and no promotion happens.
  CHECK_FALSE(decide(r, report(1, 2, chain_a, 4, 4), 200));
  CHECK_FALSE(decide(r, report(1, 2, chain_a, 10, 1), 109));         // exactly 100 permille, window open
  CHECK(decide(r, report(1, 2, chain_a, 10, 1), 110)->phase == rollout_phase::promoted);
  CHECK(decide(r, report(1, 2, chain_a, 1000, 101), 110)->phase == rollout_phase::rolled_back);
  auto missed = decide(r, report(1, 2, chain_a, 10, 0, 4), 100);
  CHECK(missed->reason == "health gate failed: 4 missed blocks > 3");
  CHECK_FALSE(decide(r, report(1, 2, chain_a, 10, 0, 3, 5'000), 100));
  auto slow = decide(r, report(1, 2, chain_a, 10, 0, 0, 5'001), 100);
  CHECK(slow->reason == "health gate failed: p99 latency 5001 ms > 5000 ms");
  // Counts near 2^64 do not overflow.
  CHECK(decide(r, report(1, 2, chain_a, UINT64_MAX, UINT64_MAX), 100)->phase == rollout_phase::rolled_back);
  r.phase = rollout_phase::promoted;
  CHECK_FALSE(decide(r, report(1, 2, chain_a, 15, 12), 100));
}

TEST_CASE("schedules stay ordered; versions, schedule entries and the health ring are bounded") {
  service s;
  schedule_switch(s, chain_b, 5, 1);
  schedule_switch(s, chain_a, 5, 1);
  schedule_switch(s, chain_a, 9, 2);
  schedule_switch(s, chain_a, 7, 3);  // drops the switch at 9
  CHECK(s.schedule == std::vector<schedule_entry>{{chain_a, 5, 1}, {chain_a, 7, 3}, {chain_b, 5, 1}});
  CHECK(s.version_at(chain_a, 8) == 3u);
  CHECK(s.version_at(chain_b, 100) == 1u);

  const auto admin = test::keys_of(9);
  const auto who = address_of(admin.pub);
  const std::vector<address> admins{who};
  const std::vector<std::pair<address, acl::permission_mask>> grants{
    {who, acl::bit(permission::register_service) | acl::bit(permission::upgrade_service)}};
  auto access = acl::access_state::genesis(admins, grants);
  REQUIRE(access);
  services_state st;
  env e{1, &*access};
  REQUIRE(st.apply(who, registration(), e));
  // 63 upgrades, each rolled back: 64 versions, then the limit.
  for (int i = 0; i < 63; ++i) {
    e.height += 1;
    auto up = st.apply(who, upgrade(1, 0x20), e);
    const std::string why = up ? std::string() : up.error().message();
    INFO(i, " ", why);
    REQUIRE(up);
    e.height += 1;
    REQUIRE(st.apply(who, service_rollback_tx{1, "next"}, e));
  }
  CHECK(st.find(1)->versions == max_versions);
  CHECK(st.find(1)->schedule.size() <= max_schedule);
  CHECK(st.check(who, upgrade(1, 0x20), e).error().code == errc::service_limit);
  for (int i = 0; i < 20; ++i)
    REQUIRE(st.apply(who, report(1, 1, chain_a, i, 0), e));
  CHECK(st.health_of(1).size() == health_kept);
  CHECK(st.health_of(1).front().report.calls == 4);
  // Without access control every write is refused.
  services_state none;
  CHECK(none.check(who, registration(), env{1, nullptr}).error().code == errc::access_denied);
}

TEST_CASE("corrupt or inconsistent registry records are refused at restore") {
  const auto admin = test::keys_of(9);
  const auto who = address_of(admin.pub);
  const std::vector<address> admins{who};
  const std::vector<std::pair<address, acl::permission_mask>> grants{{who, acl::bit(permission::register_service)}};
  auto access = acl::access_state::genesis(admins, grants);
  REQUIRE(access);
  services_state st;
  REQUIRE(st.apply(who, registration(), env{1, &*access}));
  auto recs = records_of(st);
  REQUIRE(services_state::restore(recs));
  auto damaged = recs;
  damaged[0].second.push_back(0);  // trailing byte after the service record
  CHECK(services_state::restore(damaged).error().code == errc::storage_corrupt);
  auto no_uuid = recs;
  no_uuid.erase(no_uuid.begin() + 1);  // keys sort 'S', 'U', 'V': the uuid index
  CHECK(services_state::restore(no_uuid).error().code == errc::storage_corrupt);
  auto unknown = recs;
  unknown.emplace_back(bytes{'Z'}, bytes{0x90});
  CHECK(services_state::restore(unknown).error().code == errc::storage_corrupt);
}

TEST_CASE("the registry's kinds round-trip through the transaction codec; lists and texts are bounded") {
  const auto k = test::keys_of(1);
  auto reg = registration();
  reg.dapp = contract_of(7);
  reg.commission = commission{commission_kind::wasm, 0, "fee", 7, contract_of(8)};
  auto up = upgrade(4, 0x20);
  up.commission = commission{commission_kind::expression, 0, "min(amount, 100)", 0, {}};
  for (const tx_payload& p : {tx_payload{reg}, tx_payload{up}, tx_payload{report(1, 2, chain_a, 3, 1)},
                              tx_payload{service_rollback_tx{1, "why"}},
                              tx_payload{service_set_status_tx{1, service_status::retired}}}) {
    transaction tx;
    tx.payload = p;
    sign_transaction(tx, k, hash256{});
    const auto enc = codec::encode(tx);
    auto back = codec::decode_transaction(byte_view{enc.data(), enc.size()});
    REQUIRE(back);
    CHECK(*back == tx);
  }
  auto encode_payload = [&](tx_payload p) {
    transaction tx;
    tx.payload = std::move(p);
    sign_transaction(tx, k, hash256{});
    const auto enc = codec::encode(tx);
    return codec::decode_transaction(byte_view{enc.data(), enc.size()});
  };
  auto many = registration();
  for (std::uint32_t i = 0; i < 17; ++i)
    many.deployments.push_back(100 + i);
  CHECK(encode_payload(many).error().code == errc::too_large);
  auto long_symbol = registration();
  long_symbol.symbol = std::string(13, 'A');
  CHECK(encode_payload(long_symbol).error().code == errc::too_large);
  CHECK(encode_payload(service_rollback_tx{1, std::string(201, 'x')}).error().code == errc::too_large);
  CHECK(encode_payload(service_set_status_tx{1, static_cast<service_status>(3)}).error().code == errc::malformed);
}
