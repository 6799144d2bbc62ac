// DS metadata on a fund (DAOS) sidechain: the mainchain-coordinated operations (register, raise,
// issue, liquidate) as peg metadata operations through real signed, finalized blocks and proven
// bundles; the local kinds guarded by access control and the lock store; every refusal code; a
// rolled-back block, a restore from records and a replica reaching the same root. (JSON:
// tests/protocols/dsmeta_json_test.cpp.)
#include <doctest/doctest.h>

#include "chains/access/access_module.hpp"
#include "chains/dsmeta/dsmeta_module.hpp"
#include "chains/peg/peg_module.hpp"
#include "tests/chains/peg_fixture.hpp"

using namespace bfd;
using namespace bfd::test;
using acl::permission;

namespace {

/// One DS operation's trip: send on the mainchain, prepare on the fund chain, decide on the
/// mainchain, commit on the fund chain. Each step a real block with a proven bundle.
struct ds_flow {
  peg_pair& p;

  void follow_main() {
    if (p.side_peg().own_client(mainchain_id)->latest().height < p.main.engine.final_height())
      p.update_side_client();
  }
  std::uint64_t send(const key_pair& from, const ds::op_body& b, std::vector<bytes> keys = {},
                     std::string name = {}) {
    if (keys.empty())
      keys = ds::op_keys(b.kind);
    if (name.empty())
      name = std::string(ds::op_name(b.kind));
    const auto& blk = p.main_block({p.main.tx(from, peg_send_metadata_tx{side_id, address_of(from.pub), name,
                                                                          std::move(keys), ds::encode_op(b), 100'000})});
    return blk.header.height;
  }
  std::uint64_t deliver(std::uint64_t h) {
    p.main_final(h);
    follow_main();
    return p.side_block({with_bundle(p.side, p.side.net.users[3], p.main.bundle(h, 0, p.main_states.at(h - 1)), false)})
      .header.height;
  }
  std::uint64_t acknowledge(std::uint64_t h) {
    p.side_final(h);
    if (find_registry(p.main.builder)->client(side_id)->latest().height < p.side.engine.final_height())
      p.anchor();
    return p.main_block({with_bundle(p.main, p.main.net.users[3], p.side.bundle(h, 0, p.side_states.at(h - 1)), true)})
      .header.height;
  }
  peg::peg_ack side_ack() const { return std::get<peg::peg_ack>(p.side_peg().outbox_entries().at(0)); }
  /// Sends and prepares; the acknowledgement the fund chain wrote.
  std::pair<peg::peg_ack, std::uint64_t> prepare(const key_pair& from, const ds::op_body& b,
                                                 std::vector<bytes> keys = {}, std::string name = {}) {
    const auto h = deliver(send(from, b, std::move(keys), std::move(name)));
    return {side_ack(), h};
  }
  /// The whole trip; requires success.
  void commit(const key_pair& from, const ds::op_body& b) {
    const auto prepared = prepare(from, b);
    const auto& ack = prepared.first;  // a named local: INFO captures it (clang 14 cannot capture bindings)
    INFO(ack.detail);
    REQUIRE(ack.success());
    finish(prepared.second);
  }
  void finish(std::uint64_t prepared_at) {
    const auto decided = acknowledge(prepared_at);
    deliver(decided);
    REQUIRE(side_ack().success());
  }
};

const ds::dsmeta_state& ds_of(const peg_pair& p) {
  return *find_dsmeta(p.side.builder);
}

/// The reason code a transaction gets at admission on the fund chain (probe nonce).
errc refusal(peg_pair& p, const key_pair& k, tx_payload payload) {
  auto st = p.side.builder.check_transaction(p.side.tx(k, std::move(payload), true), signature_check::verify);
  return st ? errc::ok : st.error().code;
}

/// An ack detail starts with the reason code's name (dsmeta_module::metadata_veto).
bool refused_with(const peg::peg_ack& a, errc code) {
  return !a.success() && a.code == peg::failure_code::refused
         && a.detail.rfind(std::string(to_string(code)) + ":", 0) == 0;
}

ds::op_body reg(const address& owner, std::string name = "Example Capital") {
  ds::op_body b;
  b.kind = ds::op_kind::register_org;
  b.name = std::move(name);
  b.uri = "https://example.org/fund";
  b.group = 0;
  b.owner = owner;
  return b;
}
ds::op_body raise(ds::rate_mode mode, amount rate, amount min = 100, amount target = 500, amount max = 1'000) {
  ds::op_body b;
  b.kind = ds::op_kind::raise;
  b.terms = ds::raise_terms{target, min, max, 10'000, "EXF", mode, rate, 0};
  return b;
}
ds::op_body issue(amount v) {
  ds::op_body b;
  b.kind = ds::op_kind::issue;
  b.value = v;
  return b;
}
ds::op_body liquidate(ds::liquidation_phase ph) {
  ds::op_body b;
  b.kind = ds::op_kind::liquidate;
  b.phase = ph;
  return b;
}

std::vector<std::pair<bytes, bytes>> records_of(const ds::dsmeta_state& s) {
  return {s.records().begin(), s.records().end()};
}

} // namespace

TEST_CASE("a DAOS sidechain has DS metadata and access control with its founder as admin; a system chain has neither") {
  peg_pair p;
  const auto founder = address_of(p.main.net.users[0].pub);
  REQUIRE(find_dsmeta(p.side.builder));
  REQUIRE(find_access(p.side.builder));
  CHECK(find_access(p.side.builder)->allowed(founder, acl::scope::global(), permission::admin));
  CHECK(ds_of(p).chain() == side_id);
  CHECK_FALSE(ds_of(p).org());
  auto e = p.entry;
  e.kind = chain_kind::system_service;
  const auto spec = sidechain_spec(e, p.main.net.config.params);
  CHECK_FALSE(spec.genesis.modules.has(module_id::dsmeta));
  CHECK_FALSE(spec.genesis.modules.has(module_id::access));
  // The module's root is in the state root from the genesis.
  auto with = sidechain_spec(p.entry, p.main.net.config.params).genesis;
  auto without = with;
  without.modules = module_set{module_id::token, module_id::consensus, module_id::access};
  CHECK(chain_state::genesis(with)->second.header.state_root != chain_state::genesis(without)->second.header.state_root);
}

TEST_CASE("DS metadata through signed blocks: operations over the peg, local kinds, every refusal, lock, rollback, restore, replica") {
  peg_pair p;
  ds_flow f{p};
  const auto& users = p.main.net.users;
  const auto& founder = users[0];  // global admin of the fund chain (its first allocation)
  const auto& outsider = users[1];
  const auto& investor = users[2];
  const auto inv = address_of(investor.pub);
  const auto genesis_side = p.side_states.at(0);

  // Before an organisation: local writes are ds_no_org; an outsider's registration is refused.
  CHECK(refusal(p, founder, ds_member_add_tx{inv, investor.pub, 1}) == errc::ds_no_org);
  {
    auto [ack, h] = f.prepare(outsider, reg(address_of(outsider.pub)));
    CHECK(refused_with(ack, errc::access_denied));
    CHECK(ack.detail.find("lacks admin") != std::string::npos);
  }
  // An operation on DS keys that is not a DS operation, or locks the wrong keys: ds_bad_operation.
  {
    auto [ack, h] = f.prepare(founder, reg(address_of(founder.pub)), {ds::key_bytes(ds::key_org)});
    CHECK(refused_with(ack, errc::ds_bad_operation));
    auto [ack2, h2] = f.prepare(founder, reg(address_of(founder.pub)), {}, "service_register");
    CHECK(refused_with(ack2, errc::ds_bad_operation));
    CHECK_FALSE(p.side_peg().peg_ledger().locked_by(ds::key_bytes(ds::key_status)));
  }
  // The founder grants itself what the fund's work needs, then registers.
  p.side_block({p.side.tx(founder, acl_grant_tx{acl::scope{acl::scope_kind::sidechain, side_id}, address_of(founder.pub),
                                                acl::bit(permission::write) | acl::bit(permission::issue)
                                                  | acl::bit(permission::liquidate),
                                                ""})});
  {
    auto [ack, h] = f.prepare(founder, liquidate(ds::liquidation_phase::start));
    CHECK(refused_with(ack, errc::ds_no_org));
  }
  f.commit(founder, reg(address_of(founder.pub)));
  REQUIRE(ds_of(p).org());
  CHECK(ds_of(p).org()->name == "Example Capital");
  CHECK(ds_of(p).org()->owner == address_of(founder.pub));
  CHECK(ds_of(p).summary().status == ds::fund_status::active);
  CHECK(ds_of(p).adopted().has_value());

  // Rates before terms: ds_no_raise. Bad terms: ds_bad_terms. Issue without terms: ds_no_raise.
  CHECK(refusal(p, founder, ds_rate_set_tx{3 * units_per_bfdt}) == errc::ds_no_raise);
  CHECK(refused_with(f.prepare(founder, raise(ds::rate_mode::floating, units_per_bfdt, 600, 500)).first, errc::ds_bad_terms));
  CHECK(refused_with(f.prepare(founder, issue(10)).first, errc::ds_no_raise));

  // Fixed-rate terms: rate updates are ds_rate_fixed. Replaced (nothing issued yet) by floating
  // terms; while that raise is prepared, "ds/rate" is locked and a local rate update is `locked`.
  f.commit(founder, raise(ds::rate_mode::fixed, 2 * units_per_bfdt));
  CHECK(ds_of(p).rate() == 2 * units_per_bfdt);
  CHECK(refusal(p, founder, ds_rate_set_tx{3 * units_per_bfdt}) == errc::ds_rate_fixed);
  {
    auto [ack, h] = f.prepare(founder, raise(ds::rate_mode::floating, 2 * units_per_bfdt));
    REQUIRE(ack.success());
    CHECK(refusal(p, founder, ds_rate_set_tx{3 * units_per_bfdt}) == errc::locked);
    // A second DS operation meanwhile: "ds/status" is locked by the first.
    auto [ack2, h2] = f.prepare(founder, issue(5));
    CHECK(ack2.code == peg::failure_code::locked);
    f.finish(h);
  }
  CHECK(ds_of(p).terms()->mode == ds::rate_mode::floating);
  CHECK(ds_of(p).summary().rates == 2);

  // Members: added, refused (bad key, duplicate, unauthorized), rotated by themselves, updated,
  // removed; rates and usage recorded; each refusal with its code.
  const auto other = keys_of(0x77);
  // (One sender's consecutive nonces in one block: offered to the producer, none refused.)
  REQUIRE(p.side_offer({p.side.tx(founder, ds_member_add_tx{inv, investor.pub, 1}),
                        p.side.tx(founder, ds_member_add_tx{address_of(outsider.pub), outsider.pub, 0}),
                        p.side.tx(founder, ds_rate_set_tx{3 * units_per_bfdt}),
                        p.side.tx(founder, ds_usage_record_tx{42, bytes{1, 2, 3}, 7 * units_per_bfdt})})
            .empty());
  REQUIRE(p.side.blocks.back().txs.size() == 4);
  CHECK(ds_of(p).summary().members == 2);
  CHECK(ds_of(p).find_member(inv)->joined == p.side.blocks.back().header.height);
  CHECK(ds_of(p).rate() == 3 * units_per_bfdt);
  CHECK(refusal(p, founder, ds_member_add_tx{address_of(other.pub), investor.pub, 0}) == errc::ds_bad_key);
  CHECK(refusal(p, founder, ds_member_add_tx{inv, investor.pub, 0}) == errc::ds_member_exists);
  CHECK(refusal(p, founder, ds_member_add_tx{inv, investor.pub, 9}) == errc::invalid_argument);
  CHECK(refusal(p, investor, ds_member_add_tx{address_of(other.pub), other.pub, 0}) == errc::access_denied);
  CHECK(refusal(p, investor, ds_member_update_tx{inv, other.pub, 3}) == errc::access_denied);  // own level
  CHECK(refusal(p, founder, ds_member_update_tx{address_of(other.pub), other.pub, 0}) == errc::ds_unknown_member);
  CHECK(refusal(p, founder, ds_member_update_tx{inv, investor.pub, 1}) == errc::ds_no_change);
  CHECK(refusal(p, founder, ds_member_remove_tx{address_of(other.pub)}) == errc::ds_unknown_member);
  CHECK(refusal(p, founder, ds_rate_set_tx{3 * units_per_bfdt}) == errc::ds_no_change);
  CHECK(refusal(p, founder, ds_rate_set_tx{0}) == errc::invalid_argument);
  CHECK(refusal(p, founder, ds_usage_record_tx{42, bytes{1, 2, 3}, 1}) == errc::ds_duplicate_request);
  CHECK(refusal(p, outsider, ds_usage_record_tx{42, bytes{9}, 1}) == errc::access_denied);
  // A refused transaction is left out of a block with the same reason.
  {
    const auto rejected = p.side_offer({p.side.tx(founder, ds_member_add_tx{inv, investor.pub, 0}, true)});
    REQUIRE(rejected.size() == 1);
    CHECK(rejected[0].second.code == errc::ds_member_exists);
  }
  // A service's writer records usage for its own service only.
  p.side_block({p.side.tx(founder, acl_grant_tx{acl::scope{acl::scope_kind::service, 42}, address_of(outsider.pub),
                                                acl::bit(permission::write), ""})});
  CHECK(refusal(p, outsider, ds_usage_record_tx{43, bytes{9}, 1}) == errc::access_denied);
  {
    // Rolled back: a block that rotates a key and removes a member, undone, gives the old root.
    auto st = p.side.builder;
    const auto root = st.state_root();
    const auto mark = st.checkpoint();
    auto b = test::produce(p.side.net, st, p.side.next_slot, 0,
                           {p.side.tx(investor, ds_member_update_tx{inv, other.pub, 1}, true),
                            p.side.tx(founder, ds_member_remove_tx{address_of(outsider.pub)}, true)});
    REQUIRE(b.txs.size() == 2);
    REQUIRE(st.apply_block(b, signature_check::verify));
    CHECK(find_dsmeta(st)->find_member(inv)->key == other.pub);
    CHECK(find_dsmeta(st)->summary().members == 1);
    st.rollback(mark);
    CHECK(st.state_root() == root);
    CHECK(find_dsmeta(st)->find_member(inv)->key == investor.pub);
  }
  p.side_block({p.side.tx(investor, ds_member_update_tx{inv, other.pub, 1}),
                p.side.tx(outsider, ds_usage_record_tx{42, bytes{9}, 2 * units_per_bfdt}),
                p.side.tx(founder, ds_member_remove_tx{address_of(outsider.pub)})});
  CHECK(ds_of(p).find_member(inv)->key == other.pub);
  CHECK(ds_of(p).summary().usages == 2);
  CHECK(ds_of(p).usages(1, 10).at(0).recorder == address_of(outsider.pub));

  // Issuance: over the maximum refused; within it recorded with the rate; terms then closed.
  CHECK(refused_with(f.prepare(founder, issue(1'001)).first, errc::ds_over_raise));
  CHECK(refused_with(f.prepare(founder, issue(0)).first, errc::ds_bad_terms));
  f.commit(founder, issue(400));
  CHECK(ds_of(p).summary().issued == 400);
  CHECK(ds_of(p).issuances(0, 10).at(0).rate == 3 * units_per_bfdt);
  CHECK(refused_with(f.prepare(founder, raise(ds::rate_mode::floating, units_per_bfdt)).first, errc::ds_raise_closed));

  // Liquidation: finish before start is a bad transition; start; then local writes are refused.
  CHECK(refused_with(f.prepare(founder, liquidate(ds::liquidation_phase::finish)).first, errc::ds_bad_transition));
  f.commit(founder, liquidate(ds::liquidation_phase::start));
  CHECK(ds_of(p).summary().status == ds::fund_status::liquidating);
  CHECK(refusal(p, founder, ds_rate_set_tx{4 * units_per_bfdt}) == errc::ds_not_active);
  CHECK(refused_with(f.prepare(founder, issue(1)).first, errc::ds_not_active));
  CHECK(refused_with(f.prepare(founder, liquidate(ds::liquidation_phase::start)).first, errc::ds_bad_transition));
  f.commit(founder, liquidate(ds::liquidation_phase::finish));
  CHECK(ds_of(p).summary().status == ds::fund_status::liquidated);
  CHECK(refused_with(f.prepare(founder, reg(address_of(founder.pub))).first, errc::ds_not_active));

  // The mainchain mirrors every committed DS object under the fund chain's id.
  const auto status_key = ds::key_bytes(ds::key_status);
  CHECK(p.main_peg().peg_ledger().object(side_id, status_key) == p.side_peg().peg_ledger().object(side_id, status_key));

  // Restore from records gives the same state and root; damaged records are refused.
  const auto recs = records_of(ds_of(p));
  auto restored = dsmeta_module::from_records(recs);
  REQUIRE(restored);
  CHECK((*restored)->root() == std::optional<hash256>(ds_of(p).root()));
  CHECK((*restored)->state() == ds_of(p));
  {
    auto broken = recs;
    broken.erase(std::find_if(broken.begin(), broken.end(), [](const auto& r) { return r.first[0] == 'X'; }));
    CHECK(dsmeta_module::from_records(broken).error().code == errc::storage_corrupt);
    auto junk = recs;
    junk.back().second.push_back(0);
    CHECK(dsmeta_module::from_records(junk).error().code == errc::storage_corrupt);
  }

  // A replica applying the same blocks from the genesis reaches the same root.
  auto replica = genesis_side;
  for (std::size_t i = 1; i < p.side.blocks.size(); ++i)
    REQUIRE(replica.apply_block(p.side.blocks[i], signature_check::verify));
  CHECK(replica.state_root() == p.side.builder.state_root());
  CHECK(*find_dsmeta(replica) == ds_of(p));

}

TEST_CASE("DS operation bodies and payloads decode only in their canonical, bounded form") {
  const auto owner = address_of(keys_of(1).pub);
  for (const auto& b : {reg(owner), raise(ds::rate_mode::bfdt, ds::bfdt_rate), issue(5), liquidate(ds::liquidation_phase::finish)}) {
    auto enc = ds::encode_op(b);
    auto back = ds::decode_op(byte_view{enc.data(), enc.size()});
    REQUIRE(back);
    CHECK(*back == b);
    enc.push_back(0);
    CHECK_FALSE(ds::decode_op(byte_view{enc.data(), enc.size()}));
  }
  const bytes unknown_kind{0x92, 0x05, 0x01};
  CHECK_FALSE(ds::decode_op(byte_view{unknown_kind.data(), unknown_kind.size()}));
  const bytes zero_phase{0x92, 0x04, 0x00};
  CHECK_FALSE(ds::decode_op(byte_view{zero_phase.data(), zero_phase.size()}));
}
