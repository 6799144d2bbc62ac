// The two-way peg as a state module: a mainchain with the registry and the peg, a sidechain with
// the peg and a light client of the mainchain, both producing and finalizing real signed blocks;
// BFDT goes out and back, a message times out and is refunded, replays and forgeries are
// refused, and conservation holds after every block.
#include <doctest/doctest.h>

#include "chains/codec/transaction_codec.hpp"
#include "chains/consensus/chain_engine.hpp"
#include "chains/peg/peg_module.hpp"
#include "chains/sidechain/registry_module.hpp"
#include "chains/sidechain/validator_choice.hpp"
#include "tests/chains/peg_fixture.hpp"

using namespace bfd;
using test::network;
using namespace bfd::test;


TEST_CASE("BFDT goes from the mainchain to a sidechain and back through proven messages and acknowledgements") {
  peg_pair p;
  const auto& users = p.main.net.users;
  const auto alice = address_of(users[0].pub);
  const auto bob = address_of(users[1].pub);
  const auto carol = address_of(users[2].pub);
  const auto alice_before = p.main.builder.accounts().get(alice).balance;
  const auto locked_before = p.main.builder.accounts().locked();

  // 1. Send on the mainchain: escrowed (locked), the message in the block's outbox.
  const auto& sent_block = p.main_block({p.main.tx(users[0], peg_send_tx{side_id, bob, "BFDT", 10 * units_per_bfdt, 1'000})});
  const auto h1 = sent_block.header.height;
  CHECK(sent_block.header.outbox_root != merkle_root({}));
  CHECK(p.main.builder.accounts().get(alice).balance == alice_before - 10 * units_per_bfdt);
  CHECK(p.main.builder.accounts().locked() == locked_before + 10 * units_per_bfdt);
  CHECK(p.main.builder.accounts().check_conservation());
  CHECK(p.main_peg().peg_ledger().escrowed("BFDT", side_id) == 10 * units_per_bfdt);
  REQUIRE(p.main_peg().outbox_entries().size() == 1);
  const auto msg = std::get<peg::peg_message>(p.main_peg().outbox_entries()[0]);
  CHECK(msg.id == peg::message_id{mainchain_id, 0});
  CHECK(peg::verify_outbox_inclusion(sent_block.header.outbox_root, msg, *p.main_peg().current_outbox().prove(0)));
  // The next block starts an empty outbox.
  p.main_block();
  CHECK(p.main_peg().outbox_entries().empty());
  CHECK(p.main.blocks.back().header.outbox_root == merkle_root({}));

  // 2. The sidechain's light client follows the mainchain; the message is delivered there.
  p.main_final(h1);
  const auto side_root_before = p.side.builder.state_root();
  p.update_side_client();
  CHECK(p.side_peg().own_client(mainchain_id)->latest().height == p.main.engine.final_height());
  CHECK(p.side.builder.state_root() != side_root_before);
  const auto delivery = p.main.bundle(h1, 0, p.main_states.at(h1 - 1));
  // A forged amount is refused (the proof no longer holds).
  auto forged = delivery;
  std::get<peg::asset_transfer>(std::get<peg::peg_message>(forged.entry).payload).value *= 100;
  CHECK(p.side.builder.check_transaction(with_bundle(p.side, users[3], forged, false, true), signature_check::verify).error().code
        == errc::bad_proof);
  const auto& recv_block = p.side_block({with_bundle(p.side, users[3], delivery, false)});
  const auto hr = recv_block.header.height;
  CHECK(p.side_peg().peg_ledger().voucher_balance("peg/1/BFDT", bob) == 10 * units_per_bfdt);
  REQUIRE(p.side_peg().outbox_entries().size() == 1);
  CHECK(std::get<peg::peg_ack>(p.side_peg().outbox_entries()[0]).success());
  // A replay changes nothing: refused at admission.
  CHECK(p.side.builder.check_transaction(with_bundle(p.side, users[3], delivery, false, true), signature_check::verify).error().code
        == errc::duplicate);

  // 3. The acknowledgement goes back: the sidechain's header is anchored, the ack delivered.
  p.side_final(hr);
  p.anchor();
  const auto ack = p.side.bundle(hr, 0, p.side_states.at(hr - 1));
  p.main_block({with_bundle(p.main, users[3], ack, true)});
  CHECK(p.main_peg().peg_ledger().state_of(msg.id) == peg::message_state::delivered);
  CHECK(p.main.builder.check_transaction(with_bundle(p.main, users[3], ack, true, true), signature_check::verify).error().code
        == errc::wrong_status);

  // 4. The way back: the voucher is burned on the sidechain and BFDT released on the mainchain.
  const auto& back_block = p.side_block({p.side.tx(users[1], peg_send_tx{mainchain_id, carol, "peg/1/BFDT", 4 * units_per_bfdt, 100'000})});
  const auto hb = back_block.header.height;
  CHECK(p.side_peg().peg_ledger().voucher_balance("peg/1/BFDT", bob) == 6 * units_per_bfdt);
  const auto back_msg = std::get<peg::peg_message>(p.side_peg().outbox_entries().at(0));
  p.side_final(hb);
  p.anchor();
  const auto carol_before = p.main.builder.accounts().get(carol).balance;
  const auto& release = p.main_block({with_bundle(p.main, users[3], p.side.bundle(hb, 0, p.side_states.at(hb - 1)), false)});
  const auto hrel = release.header.height;
  CHECK(p.main.builder.accounts().get(carol).balance == carol_before + 4 * units_per_bfdt);
  CHECK(p.main_peg().peg_ledger().escrowed("BFDT", side_id) == 6 * units_per_bfdt);
  CHECK(p.main.builder.accounts().check_conservation());
  // Its acknowledgement settles it on the sidechain.
  p.main_final(hrel);
  p.update_side_client();
  p.side_block({with_bundle(p.side, users[3], p.main.bundle(hrel, 0, p.main_states.at(hrel - 1)), true)});
  CHECK(p.side_peg().peg_ledger().state_of(back_msg.id) == peg::message_state::delivered);
}

TEST_CASE("a chain without the peg module refuses kinds 10-15 and keeps its state root") {
  network plain;
  auto [st, g] = plain.genesis();
  auto with = plain;
  with.config.modules = module_set::standard().with(module_id::peg);
  CHECK(with.genesis().second.header.state_root != g.header.state_root);
  CHECK(g.header.outbox_root == merkle_root({}));
  transaction tx;
  tx.chain = mainchain_id;
  tx.expiry = 100;
  tx.payload = peg_send_tx{side_id, address_of(plain.users[1].pub), "BFDT", 1, 10};
  sign_transaction(tx, plain.users[0], hash256{});
  CHECK(st.check_transaction(tx, signature_check::verify).error().code == errc::kind_not_enabled);
  // With the module but no such counterparty, the send is refused by the peg's own rule.
  auto [pst, pg] = with.genesis();
  CHECK(pst.check_transaction(tx, signature_check::verify).error().code == errc::unknown_chain);
  // The payload survives the transaction codec.
  auto back = codec::decode_transaction(codec::encode(tx));
  REQUIRE(back);
  CHECK(back->payload == tx.payload);
}

TEST_CASE("a message not received by its timeout height is refunded; late delivery, a second refund and the "
          "loser of an ack/timeout race are refused") {
  peg_pair p;
  const auto& users = p.main.net.users;
  const auto alice = address_of(users[0].pub);
  const auto bob = address_of(users[1].pub);
  const auto locked_before = p.main.builder.accounts().locked();

  // m1 (10 BFDT, far timeout) will be received and acknowledged; m2 (5 BFDT) times out at a
  // sidechain height a few blocks ahead.
  const auto timeout_height = p.side.blocks.back().header.height + 4;
  const auto h1 = p.main_block({p.main.tx(users[0], peg_send_tx{side_id, bob, "BFDT", 10 * units_per_bfdt, 100'000})}).header.height;
  REQUIRE(p.main_peg().outbox_entries().size() == 1);
  const auto m1 = std::get<peg::peg_message>(p.main_peg().outbox_entries()[0]);
  const auto h2 = p.main_block({p.main.tx(users[0], peg_send_tx{side_id, bob, "BFDT", 5 * units_per_bfdt, timeout_height})}).header.height;
  REQUIRE(p.main_peg().outbox_entries().size() == 1);
  const auto m2 = std::get<peg::peg_message>(p.main_peg().outbox_entries()[0]);
  CHECK(m2.timeout_height == timeout_height);
  const auto alice_after_send = p.main.builder.accounts().get(alice).balance;
  CHECK(p.main.builder.accounts().locked() == locked_before + 15 * units_per_bfdt);
  CHECK(p.main_peg().peg_ledger().escrowed("BFDT", side_id) == 15 * units_per_bfdt);

  // The sidechain receives m1 only, then produces past m2's timeout height.
  p.main_final(h2);
  p.update_side_client();
  const auto& recv_block = p.side_block({with_bundle(p.side, users[3], p.main.bundle(h1, 0, p.main_states.at(h1 - 1)), false)});
  const auto hr = recv_block.header.height;
  REQUIRE(hr < timeout_height);
  p.side_final(timeout_height);
  REQUIRE(p.side.engine.final_height() >= timeout_height);

  // m2 delivered late: refused on the sidechain (its proof holds; the height is past the timeout).
  const auto late = p.main.bundle(h2, 0, p.main_states.at(h2 - 1));
  CHECK(p.side.builder.check_transaction(with_bundle(p.side, users[3], late, false, true), signature_check::verify).error().code
        == errc::expired);

  // A timeout bundle shown below the timeout height is refused.
  {
    auto low = timeout_of(p.side, m2.id);
    low.header.height = timeout_height - 1;
    CHECK(p.main.builder.check_transaction(with_timeout(p.main, users[3], low, true), signature_check::verify).error().code
          == errc::bad_proof);
  }
  // A timeout of m1, which the sidechain received: its receipt is in the state, so no
  // non-receipt proof holds.
  {
    const auto t1 = timeout_of(p.side, m1.id);
    CHECK(p.main.builder.check_transaction(with_timeout(p.main, users[3], t1, true), signature_check::verify).error().code
          == errc::bad_proof);
  }

  // What a bridge asks for is refused for m1 (received), and a header that is not the state's.
  {
    const auto h = p.side.engine.final_height();
    const auto& st = p.side.engine.final_state();
    CHECK(peg::make_timeout_bundle(st, p.side.blocks.at(h).header, p.side.certs.at(h), m1.id).error().code
          == errc::duplicate);
    CHECK(peg::make_timeout_bundle(st, p.side.blocks.at(h - 1).header, p.side.certs.at(h), m2.id).error().code
          == errc::bad_state_root);
    auto other = p.side.certs.at(h);
    other.source = hash256{};
    CHECK(peg::make_timeout_bundle(st, p.side.blocks.at(h).header, other, m2.id).error().code == errc::not_final);
  }
  // The timeout of m2 from the sidechain's final state: refunded on the mainchain.
  const auto t2 = timeout_of(p.side, m2.id);
  p.main_block({with_timeout(p.main, users[3], t2)});
  CHECK(p.main_peg().peg_ledger().state_of(m2.id) == peg::message_state::timed_out);
  CHECK(p.main.builder.accounts().get(alice).balance == alice_after_send + 5 * units_per_bfdt);
  CHECK(p.main.builder.accounts().locked() == locked_before + 10 * units_per_bfdt);
  CHECK(p.main_peg().peg_ledger().escrowed("BFDT", side_id) == 10 * units_per_bfdt);
  CHECK(p.main.builder.accounts().check_conservation());
  CHECK(check_peg_conservation(p.main.builder, p.side.builder));
  // A second refund is refused.
  CHECK(p.main.builder.check_transaction(with_timeout(p.main, users[3], t2, true), signature_check::verify).error().code
        == errc::wrong_status);
  // m2 is still refused on the sidechain after the refund.
  CHECK(p.side.builder.check_transaction(with_bundle(p.side, users[3], late, false, true), signature_check::verify).error().code
        == errc::expired);

  // The race: m1's acknowledgement lands first and settles it; a timeout of m1 is then refused
  // as settled. m2's refund landed first: an acknowledgement of m2 is refused as settled (the
  // status is checked before the proof, so a relayer that lost the race learns why).
  p.anchor();
  const auto ack1 = p.side.bundle(hr, 0, p.side_states.at(hr - 1));
  auto ack2 = ack1;
  std::get<peg::peg_ack>(ack2.entry).id = m2.id;
  p.main_block({with_bundle(p.main, users[3], ack1, true)});
  CHECK(p.main_peg().peg_ledger().state_of(m1.id) == peg::message_state::delivered);
  CHECK(p.main.builder.check_transaction(with_timeout(p.main, users[3], timeout_of(p.side, m1.id), true),
                                         signature_check::verify).error().code
        == errc::wrong_status);
  CHECK(p.main.builder.check_transaction(with_bundle(p.main, users[3], ack2, true, true), signature_check::verify).error().code
        == errc::wrong_status);
  CHECK(p.main.builder.check_transaction(with_bundle(p.main, users[3], ack1, true, true), signature_check::verify).error().code
        == errc::wrong_status);
  // Settled both ways: 10 escrowed for the 10 vouchers bob holds, nothing in flight.
  CHECK(p.side_peg().peg_ledger().voucher_balance("peg/1/BFDT", bob) == 10 * units_per_bfdt);
  CHECK(p.main_peg().peg_ledger().escrowed("BFDT", side_id) == 10 * units_per_bfdt);
  CHECK(p.main.builder.accounts().get(alice).balance == alice_after_send + 5 * units_per_bfdt);
}

namespace {

/// The module's records, as a store holds them after mark_all_dirty (deletions dropped).
std::vector<std::pair<bytes, bytes>> records_of(const peg_module& m) {
  auto copy = m;
  copy.mark_all_dirty();
  std::vector<std::pair<bytes, bytes>> out;
  for (auto& [k, v] : copy.dirty_records())
    if (v)
      out.emplace_back(k, *v);
  return out;
}

void check_same_module(const peg_module& a, const peg_module& b, chain_id counterparty,
                       const std::vector<peg::message_id>& ids) {
  CHECK(a.root() == b.root());
  CHECK(a.ledger_part() == b.ledger_part());
  CHECK(a.peg_ledger().next_sequence() == b.peg_ledger().next_sequence());
  CHECK(a.peg_ledger().receipts().root() == b.peg_ledger().receipts().root());
  CHECK(a.peg_ledger().escrowed("BFDT", counterparty) == b.peg_ledger().escrowed("BFDT", counterparty));
  for (const auto& id : ids) {
    CHECK(a.peg_ledger().state_of(id) == b.peg_ledger().state_of(id));
    CHECK((a.peg_ledger().in_flight(id) == nullptr) == (b.peg_ledger().in_flight(id) == nullptr));
    CHECK(a.peg_ledger().receipt(id).has_value() == b.peg_ledger().receipt(id).has_value());
  }
  const auto* ca = a.own_client(counterparty);
  const auto* cb = b.own_client(counterparty);
  REQUIRE((ca == nullptr) == (cb == nullptr));
  if (ca)
    CHECK(header_hash(ca->latest()) == header_hash(cb->latest()));
}

} // namespace

TEST_CASE("the peg module's records restore an equal module, and a rolled-back block restores its outbox and "
          "light client") {
  peg_pair p;
  const auto& users = p.main.net.users;
  const auto bob = address_of(users[1].pub);

  // A send on the mainchain, undone: the ledger, the escrow and the outbox come back.
  {
    auto st = p.main.builder;
    const auto mk = st.checkpoint();
    const auto root_before = st.state_root();
    const auto outbox_before = find_peg(st)->outbox_entries();
    const auto& b = p.main_block({p.main.tx(users[0], peg_send_tx{side_id, bob, "BFDT", 10 * units_per_bfdt, 100'000})});
    REQUIRE(st.apply_block(b, signature_check::verify));
    CHECK(find_peg(st)->outbox_entries().size() == 1);
    CHECK(find_peg(st)->peg_ledger().escrowed("BFDT", side_id) == 10 * units_per_bfdt);
    st.rollback(mk);
    CHECK(st.state_root() == root_before);
    CHECK(find_peg(st)->outbox_entries() == outbox_before);
    CHECK(find_peg(st)->peg_ledger().escrowed("BFDT", side_id) == 0);
    CHECK(find_peg(st)->peg_ledger().next_sequence() == 0);
  }
  const auto h1 = p.main.blocks.back().header.height;
  const auto msg = std::get<peg::peg_message>(p.main_peg().outbox_entries().at(0));
  p.main_final(h1);
  p.update_side_client();
  p.side_block({with_bundle(p.side, users[3], p.main.bundle(h1, 0, p.main_states.at(h1 - 1)), false)});
  REQUIRE(p.side_peg().outbox_entries().size() == 1);

  // A light-client update, undone: the client and the previous block's outbox come back.
  {
    auto st = p.side.builder;
    const auto mk = st.checkpoint();
    const auto root_before = st.state_root();
    const auto client_before = header_hash(find_peg(st)->own_client(mainchain_id)->latest());
    const auto outbox_before = find_peg(st)->outbox_entries();
    p.main_final(p.main.engine.final_height() + 1);
    p.update_side_client();
    REQUIRE(st.apply_block(p.side.blocks.back(), signature_check::verify));
    CHECK(header_hash(find_peg(st)->own_client(mainchain_id)->latest()) != client_before);
    CHECK(find_peg(st)->outbox_entries().empty());
    CHECK(st.state_root() != root_before);
    st.rollback(mk);
    CHECK(st.state_root() == root_before);
    CHECK(header_hash(find_peg(st)->own_client(mainchain_id)->latest()) == client_before);
    CHECK(find_peg(st)->outbox_entries() == outbox_before);
  }

  // Both chains' modules from their records alone (the outbox is the head block's: not stored).
  for (auto* c : {&p.main, &p.side}) {
    const auto& m = *find_peg(c->builder);
    const auto counterparty = c == &p.main ? side_id : mainchain_id;
    const auto recs = records_of(m);
    CHECK(!recs.empty());
    peg_module fresh(c->id(), c->net.config.peg);
    if (c == &p.side)
      CHECK(fresh.root() != m.root());  // the genesis module: not what the chain holds now
    auto restored = fresh.restore(recs);
    REQUIRE_MESSAGE(restored, (restored ? std::string() : restored.error().message()));
    check_same_module(m, fresh, counterparty, {msg.id});
    CHECK(fresh.outbox_entries().empty());
  }
  CHECK(p.side_peg().own_client(mainchain_id)->latest().height > 0);
  CHECK(p.side_peg().peg_ledger().voucher_balance("peg/1/BFDT", bob) == 10 * units_per_bfdt);
  {
    peg_module fresh(side_id, p.side.net.config.peg);
    REQUIRE(fresh.restore(records_of(p.side_peg())));
    CHECK(fresh.peg_ledger().voucher_balance("peg/1/BFDT", bob) == 10 * units_per_bfdt);
    // A corrupt light-client record is refused, not trusted.
    auto recs = records_of(p.side_peg());
    bool found = false;
    for (auto& [k, v] : recs)
      if (!k.empty() && k[0] == 'L') {
        v.resize(v.size() / 2);
        found = true;
      }
    REQUIRE(found);
    peg_module again(side_id, p.side.net.config.peg);
    CHECK(again.restore(recs).error().code == errc::storage_corrupt);
  }
}

TEST_CASE("a pegged sidechain's genesis does not depend on its trust point, and is the one the registry records") {
  peg_pair p;
  const auto plain = sidechain_spec(p.entry, p.main.net.config.params);
  const peg_trust_point at_genesis{mainchain_id, p.main.blocks.at(0).header, make_state_proof(p.main_states.at(0))};
  p.main_block();
  const peg_trust_point later{mainchain_id, p.main.blocks.at(1).header, make_state_proof(p.main_states.at(1))};
  auto a = chain_state::genesis(with_peg(plain, at_genesis).genesis);
  auto b = chain_state::genesis(with_peg(plain, later).genesis);
  auto unpegged = chain_state::genesis(plain.genesis);
  REQUIRE(a);
  REQUIRE(b);
  REQUIRE(unpegged);
  // The trust point is not hashed: every node derives the same pegged genesis.
  CHECK(header_hash(a->second.header) == header_hash(b->second.header));
  // The module's presence is hashed: its root joins the state root. A mainchain with the peg
  // module derives its sidechains' geneses with it, so the registry's genesis hash is the pegged one.
  const auto* reg = find_registry(p.main_states.at(0));
  REQUIRE(reg);
  CHECK(reg->pegged());
  CHECK(reg->find(side_id)->genesis_hash == header_hash(a->second.header));
  CHECK(reg->find(side_id)->genesis_hash != header_hash(unpegged->second.header));
}

TEST_CASE("the engine hands over the outbox of every block the final state takes, however it was applied") {
  peg_pair p;
  const auto& users = p.main.net.users;
  const auto sent = p.main_block({p.main.tx(users[0], peg_send_tx{side_id, address_of(users[1].pub), "BFDT",
                                                                  10 * units_per_bfdt, 100'000})})
                      .header.height;
  p.main_final(sent + 1);
  const auto& blocks = p.main.blocks;
  const auto final_height = p.main.engine.final_height();
  // A fresh replica gets the send's child first (an orphan), then the send's block: both are
  // applied at once, the send's block not as the head; then the rest and the final certificate.
  chain_engine e(p.main.net.genesis().first, p.main.net.genesis().second);
  std::map<std::uint64_t, std::vector<peg::outbox_entry>> seen;
  std::vector<std::uint64_t> order;
  e.observe_final_blocks([&](const validated_block& b, const chain_state& final_state) {
    CHECK(final_state.head_hash() == b.hash);
    order.push_back(b.header().height);
    seen[b.header().height] = find_peg(final_state)->outbox_entries();
  });
  CHECK(e.add_block(blocks.at(sent + 1), signature_check::verify).outcome == block_outcome::orphan);
  const auto joined = e.add_block(blocks.at(sent), signature_check::verify);
  REQUIRE(joined.applied.size() == 2);
  CHECK(joined.applied.back()->header().height == sent + 1);
  for (auto h = sent + 2; h < blocks.size(); ++h)
    REQUIRE(e.add_block(blocks.at(h), signature_check::verify).outcome == block_outcome::extended);
  CHECK(order.empty());
  const auto r = e.add_certificate(p.main.certs.at(final_height));
  REQUIRE(r.accepted);
  REQUIRE(e.final_height() == final_height);
  // Every final block once, in height order; the send's entry is the one its header commits to.
  std::vector<std::uint64_t> want;
  for (std::uint64_t h = 1; h <= final_height; ++h)
    want.push_back(h);
  CHECK(order == want);
  REQUIRE(seen.at(sent).size() == 1);
  peg::outbox box;
  box.add(seen.at(sent)[0]);
  CHECK(box.root() == blocks.at(sent).header.outbox_root);
  CHECK(std::holds_alternative<peg::peg_message>(seen.at(sent)[0]));
  CHECK(seen.at(sent + 1).empty());
}
