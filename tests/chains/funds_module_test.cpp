// The funds module on a fund (DAOS) sidechain through real signed, finalized blocks: BFDT pegged
// in from the mainchain, the fund registered and raised over the peg (DS metadata), members,
// subscriptions into the escrow, trades with the commission, plain transfers refused, the sweep
// of the platform's commission over the peg to a mainchain account, redemption at liquidation;
// reconciliation and conservation after every block; rollback, restore from records, the codec's
// round trips and bounded decoders.
#include <doctest/doctest.h>

#include "chains/access/access_module.hpp"
#include "chains/codec/transaction_codec.hpp"
#include "chains/dsmeta/dsmeta_module.hpp"
#include "chains/funds/funds_module.hpp"
#include "chains/peg/peg_module.hpp"
#include "tests/chains/peg_fixture.hpp"

using namespace bfd;
using namespace bfd::test;
using acl::permission;

namespace {

/// One DS operation's trip over the peg (as in dsmeta_module_test): send, prepare, decide, commit.
struct ds_flow {
  peg_pair& p;

  void follow_main() {
    if (p.side_peg().own_client(mainchain_id)->latest().height < p.main.engine.final_height())
      p.update_side_client();
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
  void commit(const key_pair& from, const ds::op_body& b) {
    const auto& blk = p.main_block({p.main.tx(from, peg_send_metadata_tx{side_id, address_of(from.pub),
                                                                         std::string(ds::op_name(b.kind)),
                                                                         ds::op_keys(b.kind), ds::encode_op(b), 100'000})});
    const auto prepared = deliver(blk.header.height);
    REQUIRE(side_ack().success());
    deliver(acknowledge(prepared));
    REQUIRE(side_ack().success());
  }
  /// users[from] pegs `value` BFDT to its own account on the fund chain.
  void peg_in(std::size_t from, amount value) {
    const auto sent = send_bfdt(p, from, from, value, 100'000);
    deliver(sent.height);
    REQUIRE(side_ack().success());
  }
};

errc refusal(peg_pair& p, const key_pair& k, tx_payload payload) {
  auto st = p.side.builder.check_transaction(p.side.tx(k, std::move(payload), true), signature_check::verify);
  return st ? errc::ok : st.error().code;
}

amount vouchers(const peg_pair& p, const address& a) {
  return p.side_peg().peg_ledger().voucher_balance(std::string(funds::bfdt_denom), a);
}

const funds::funds_state& funds_of(const peg_pair& p) {
  return *find_funds(p.side.builder);
}

void reconciled(const peg_pair& p) {
  const auto r = reconcile_funds(p.side.builder);
  for (const auto& problem : r.problems)
    MESSAGE(problem);
  CHECK(r.problems.empty());
  CHECK(r.escrow_vouchers == r.escrow_accounted);
}

ds::op_body reg(const address& owner) {
  ds::op_body b;
  b.kind = ds::op_kind::register_org;
  b.name = "Example Capital";
  b.owner = owner;
  return b;
}
ds::op_body raise(ds::rate_mode mode, amount rate) {
  ds::op_body b;
  b.kind = ds::op_kind::raise;
  b.terms = ds::raise_terms{500 * units_per_bfdt, units_per_bfdt, 1'000 * units_per_bfdt, 10'000, "FUND7", mode, rate, 0};
  return b;
}
ds::op_body liquidate(ds::liquidation_phase ph) {
  ds::op_body b;
  b.kind = ds::op_kind::liquidate;
  b.phase = ph;
  return b;
}

} // namespace

TEST_CASE("a DAOS sidechain has the funds module, empty: its genesis and state root are those without it") {
  peg_pair p;
  REQUIRE(find_funds(p.side.builder));
  CHECK(funds_of(p).empty());
  CHECK_FALSE(funds_of(p).root());
  auto with = with_peg(sidechain_spec(p.entry, p.main.net.config.params)).genesis;
  CHECK(with.modules.has(module_id::funds));
  auto without = with;
  without.modules = module_set{module_id::token, module_id::consensus, module_id::peg, module_id::access,
                               module_id::dsmeta};
  CHECK(chain_state::genesis(with)->second.header.state_root
        == chain_state::genesis(without)->second.header.state_root);
  // A system chain has none.
  auto e = p.entry;
  e.kind = chain_kind::system_service;
  CHECK_FALSE(sidechain_spec(e, p.main.net.config.params).genesis.modules.has(module_id::funds));
}

TEST_CASE("a floating-rate fund: peg in, subscribe, trade with commission, sweep to the mainchain, redeem") {
  peg_pair p;
  ds_flow f{p};
  const auto& users = users_of(p);
  const auto& founder = users[0];  // the fund chain's global admin and its organisation's owner
  const auto& alice = users[1];
  const auto& bob = users[2];
  const auto org = address_of(founder.pub);
  const auto a = address_of(alice.pub);
  const auto b = address_of(bob.pub);
  const auto platform = address_of(keys_of(0x77).pub);
  const auto escrow = funds::escrow_address();

  // Before terms: nothing to subscribe under; plain transfers still work.
  CHECK(refusal(p, alice, fund_subscribe_tx{units_per_bfdt}) == errc::funds_no_terms);
  CHECK(refusal(p, founder, transfer_payload{a, 1}) == errc::ok);
  p.side_block({p.side.tx(founder, acl_grant_tx{acl::scope{acl::scope_kind::sidechain, side_id}, org,
                                                acl::bit(permission::write) | acl::bit(permission::issue)
                                                  | acl::bit(permission::liquidate),
                                                ""})});
  p.side_block({p.side.tx(founder, acl_grant_tx{acl::scope{acl::scope_kind::service, 1}, org,
                                                acl::bit(permission::write), ""})});
  f.commit(founder, reg(org));
  f.commit(founder, raise(ds::rate_mode::floating, 2 * units_per_bfdt));  // 2 BFDT per fund token
  f.peg_in(1, 100 * units_per_bfdt);
  f.peg_in(2, 50 * units_per_bfdt);
  REQUIRE(vouchers(p, a) == 100 * units_per_bfdt);
  CHECK(funds_of(p).empty());  // nothing happened in the module yet

  // Only members at level 1 subscribe; a plain transfer of the fund token is refused now.
  CHECK(refusal(p, alice, fund_subscribe_tx{40 * units_per_bfdt}) == errc::funds_not_eligible);
  CHECK(refusal(p, founder, transfer_payload{a, 1}) == errc::funds_transfer_refused);
  p.side_block({p.side.tx(founder, ds_member_add_tx{a, alice.pub, 1})});
  p.side_block({p.side.tx(founder, ds_member_add_tx{b, bob.pub, 0})});
  CHECK(refusal(p, bob, fund_subscribe_tx{10 * units_per_bfdt}) == errc::funds_not_eligible);  // level 0
  CHECK(refusal(p, alice, fund_subscribe_tx{0}) == errc::invalid_argument);
  CHECK(refusal(p, alice, fund_subscribe_tx{101 * units_per_bfdt}) == errc::insufficient_funds);
  CHECK(refusal(p, alice, fund_subscribe_tx{1}) == errc::funds_too_small);  // 1 unit buys nothing at 2 BFDT
  p.side_block({p.side.tx(founder, ds_member_update_tx{b, bob.pub, 2})});

  p.side_block({p.side.tx(alice, fund_subscribe_tx{40 * units_per_bfdt}), p.side.tx(bob, fund_subscribe_tx{30 * units_per_bfdt + 1})});
  reconciled(p);
  CHECK(p.side.builder.accounts().get(a).balance == 20 * units_per_bfdt);
  CHECK(p.side.builder.accounts().get(b).balance == 15 * units_per_bfdt);  // the odd unit stays in the escrow
  CHECK(vouchers(p, a) == 60 * units_per_bfdt);
  CHECK(vouchers(p, escrow) == 70 * units_per_bfdt + 1);
  auto t = funds_of(p).totals();
  CHECK(t.mode == ds::rate_mode::floating);
  CHECK(t.minted == 35 * units_per_bfdt);
  CHECK(t.subscriptions == 2);

  // A trade: 10 tokens from alice to bob; commission 0.3% (3,000,000 units), half to the
  // organisation at once, half pending for the platform (held in its pending account).
  CHECK(refusal(p, alice, fund_trade_tx{platform, units_per_bfdt}) == errc::funds_not_eligible);
  CHECK(refusal(p, alice, fund_trade_tx{b, 21 * units_per_bfdt}) == errc::insufficient_funds);
  CHECK(refusal(p, alice, fund_trade_tx{b, 1}) == errc::funds_too_small);
  const auto supply_before = p.side.builder.accounts().total_supply();
  const auto org_before = p.side.builder.accounts().get(org).balance;
  p.side_block({p.side.tx(alice, fund_trade_tx{b, 10 * units_per_bfdt})});
  reconciled(p);
  CHECK(p.side.builder.accounts().get(a).balance == 10 * units_per_bfdt);
  CHECK(p.side.builder.accounts().get(b).balance == 25 * units_per_bfdt - 3'000'000);
  CHECK(p.side.builder.accounts().get(org).balance == org_before + 1'500'000);
  CHECK(p.side.builder.accounts().total_supply() == supply_before);
  CHECK(p.side.builder.accounts().get(funds::platform_pending_address()).balance == 1'500'000);
  t = funds_of(p).totals();
  CHECK(t.commission_org == 1'500'000);
  CHECK(t.commission_platform == 1'500'000);
  CHECK(funds::pending_platform(t) == 1'500'000);

  // The sweep: only the fund exchange's key (write on service 1); 0.015 tokens at 2 BFDT = 0.03
  // BFDT out of the escrow, sent over the peg to the platform's mainchain account.
  CHECK(refusal(p, alice, fund_sweep_tx{platform, 100'000}) == errc::access_denied);
  CHECK(refusal(p, founder, fund_sweep_tx{platform, 0}) == errc::invalid_argument);
  const auto& swept = p.side_block({p.side.tx(founder, fund_sweep_tx{platform, 100'000})});
  reconciled(p);
  CHECK(vouchers(p, escrow) == 70 * units_per_bfdt + 1 - 3'000'000);
  REQUIRE(p.side_peg().outbox_entries().size() == 1);
  const auto out = std::get<peg::peg_message>(p.side_peg().outbox_entries()[0]);
  CHECK(out.destination == mainchain_id);
  t = funds_of(p).totals();
  CHECK(t.platform_paid_bfdt == 3'000'000);
  CHECK(funds::pending_platform(t) == 0);
  CHECK(p.side.builder.accounts().get(funds::platform_pending_address()).balance == 0);  // burned
  CHECK(p.side.builder.accounts().total_supply() == supply_before - 1'500'000);
  CHECK(refusal(p, founder, fund_sweep_tx{platform, 100'000}) == errc::funds_nothing_pending);
  // Delivered on the mainchain: the platform holds the BFDT there (released from the escrow).
  const auto before_main = p.main.builder.accounts().get(platform).balance;
  p.side_final(swept.header.height);
  p.anchor();
  p.main_block({with_bundle(p.main, p.main.net.users[3], p.side.bundle(swept.header.height, 0,
                                                                       p.side_states.at(swept.header.height - 1)),
                            false)});
  CHECK(p.main.builder.accounts().get(platform).balance == before_main + 3'000'000);

  // Redemption opens with the liquidation; trades and subscriptions close.
  CHECK(refusal(p, alice, fund_redeem_tx{units_per_bfdt}) == errc::funds_not_liquidating);
  f.commit(founder, liquidate(ds::liquidation_phase::start));
  CHECK(refusal(p, alice, fund_subscribe_tx{units_per_bfdt}) == errc::funds_raise_closed);
  CHECK(refusal(p, alice, fund_trade_tx{b, units_per_bfdt}) == errc::ds_not_active);
  CHECK(refusal(p, founder, fund_redeem_tx{1'000 * units_per_bfdt}) == errc::funds_short_escrow);  // the genesis tokens are not redeemable
  t = funds_of(p).totals();
  const auto escrow_left = funds::escrow_accounted(t);
  const auto claims = funds::redeemable(t);
  p.side_block({p.side.tx(alice, fund_redeem_tx{10 * units_per_bfdt})});
  reconciled(p);
  const auto paid = static_cast<amount>(static_cast<unsigned __int128>(escrow_left) * (10 * units_per_bfdt) / claims);
  CHECK(vouchers(p, a) == 60 * units_per_bfdt + paid);
  CHECK(p.side.builder.accounts().get(a).balance == 0);
  // Bob redeems his tokens, the organisation its commission: the last claim takes the whole
  // remaining escrow.
  p.side_block({p.side.tx(bob, fund_redeem_tx{25 * units_per_bfdt - 3'000'000})});
  reconciled(p);
  CHECK(funds::redeemable(funds_of(p).totals()) == 1'500'000);
  p.side_block({p.side.tx(founder, fund_redeem_tx{1'500'000})});
  reconciled(p);
  t = funds_of(p).totals();
  CHECK(funds::redeemable(t) == 0);
  CHECK(funds::escrow_accounted(t) == 0);
  CHECK(vouchers(p, escrow) == 0);
  CHECK(t.redemptions == 3);
  // Holders: alice, bob and the organisation (its commission).
  CHECK(t.holders == 3);
  CHECK(funds_of(p).holders(address{}, 100).size() == 3);

  // The module's records restore an equal module; a replica's root is the same.
  const std::vector<std::pair<bytes, bytes>> records(funds_of(p).records().begin(), funds_of(p).records().end());
  auto back = funds_module::from_records(records);
  REQUIRE(back);
  CHECK((*back)->state() == funds_of(p));
  CHECK((*back)->root() == funds_of(p).root());
  auto damaged = records;
  damaged[0].second.push_back(0);  // trailing bytes
  CHECK_FALSE(funds_module::from_records(damaged));
  damaged = records;
  damaged.erase(damaged.begin());  // a holder missing from the count
  CHECK(funds_module::from_records(damaged).error().code == errc::storage_corrupt);
}

TEST_CASE("a fixed-rate fund keeps its escrow covering every token at the rate, and a rolled-back block undoes a subscription") {
  peg_pair p;
  ds_flow f{p};
  const auto& users = users_of(p);
  const auto& founder = users[0];
  const auto& alice = users[1];
  const auto org = address_of(founder.pub);
  const auto a = address_of(alice.pub);
  p.side_block({p.side.tx(founder, acl_grant_tx{acl::scope{acl::scope_kind::sidechain, side_id}, org,
                                                acl::bit(permission::write) | acl::bit(permission::issue)
                                                  | acl::bit(permission::liquidate),
                                                ""})});
  f.commit(founder, reg(org));
  f.commit(founder, raise(ds::rate_mode::fixed, 3 * units_per_bfdt / 2));  // 1.5 BFDT per token
  f.peg_in(1, 10 * units_per_bfdt);
  p.side_block({p.side.tx(founder, ds_member_add_tx{a, alice.pub, 3})});

  // A block with a subscription applied to a copy of the state and rolled back: nothing of it
  // stays (ledger, vouchers, module, root).
  auto copy = p.side.builder;
  const auto root_before = copy.state_root();
  const auto mark = copy.checkpoint();
  const auto& blk = p.side_block({p.side.tx(alice, fund_subscribe_tx{10 * units_per_bfdt})});
  REQUIRE(copy.apply_block(blk, signature_check::verify));
  CHECK(copy.state_root() == p.side.builder.state_root());
  CHECK_FALSE(find_funds(copy)->empty());
  copy.rollback(mark);
  CHECK(copy.state_root() == root_before);
  CHECK(find_funds(copy)->empty());
  CHECK(copy.accounts().get(a).balance == 0);
  CHECK(find_peg(copy)->peg_ledger().voucher_balance(std::string(funds::bfdt_denom), a) == 10 * units_per_bfdt);

  reconciled(p);
  CHECK(p.side.builder.accounts().get(a).balance == 666'666'666);  // floor(10 / 1.5 tokens)
  CHECK(funds_of(p).totals().fixed_rate == 3 * units_per_bfdt / 2);
  f.commit(founder, liquidate(ds::liquidation_phase::start));
  p.side_block({p.side.tx(alice, fund_redeem_tx{666'666'666})});
  reconciled(p);
  CHECK(vouchers(p, a) == 999'999'999);  // at the rate, rounded down; 1 unit stays in the escrow
  CHECK(vouchers(p, funds::escrow_address()) == 1);
}

TEST_CASE("funds payloads round-trip through the canonical codec, and bounded decoders refuse the rest") {
  const address buyer = address_of(keys_of(0x51).pub);
  const std::vector<tx_payload> payloads = {fund_subscribe_tx{12'345}, fund_trade_tx{buyer, 7 * units_per_bfdt},
                                            fund_sweep_tx{buyer, 99}, fund_redeem_tx{UINT64_MAX}};
  for (const auto& pl : payloads) {
    transaction t;
    t.chain = 8;
    t.payload = pl;
    sign_transaction(t, keys_of(0x52), hash256{});
    const auto enc = codec::encode(t);
    auto dec = codec::decode_transaction(byte_view{enc.data(), enc.size()});
    REQUIRE(dec);
    CHECK(*dec == t);
    CHECK(module_of(dec->payload) == module_id::funds);
    // Every truncation is refused with an error, never a crash.
    for (std::size_t n = 0; n < enc.size(); ++n)
      CHECK_FALSE(codec::decode_transaction(byte_view{enc.data(), n}));
  }
  CHECK(kind_of(tx_payload{fund_subscribe_tx{}}) == tx_kind{42});
  CHECK(kind_of(tx_payload{fund_redeem_tx{}}) == tx_kind{45});
  CHECK(payload_name(tx_payload{fund_sweep_tx{}}) == "fund_sweep");
}

TEST_CASE("commission and conversion arithmetic rounds as documented and never overflows") {
  funds::params p;
  CHECK(funds::commission_of(1, p).total() == 1);  // rounded up: splitting a trade never avoids it
  CHECK(funds::commission_of(1, p).org == 0);
  CHECK(funds::commission_of(10'000, p).total() == 30);
  CHECK(funds::commission_of(10'000, p).org == 15);
  CHECK(funds::commission_of(UINT64_MAX, p).total() > 0);
  CHECK(*funds::bfdt_to_tokens(3 * units_per_bfdt, 2 * units_per_bfdt) == 150'000'000);
  CHECK(*funds::tokens_to_bfdt(150'000'000, 2 * units_per_bfdt) == 3 * units_per_bfdt);
  CHECK_FALSE(funds::bfdt_to_tokens(UINT64_MAX, 1));
  CHECK_FALSE(funds::bfdt_to_tokens(1, 0));
  CHECK_FALSE(funds::tokens_to_bfdt(UINT64_MAX, UINT64_MAX));
  // The escrow's address is fixed and no key's.
  CHECK(format_address(funds::escrow_address()).size() == 43);
}
