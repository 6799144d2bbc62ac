// The peg ledger's life cycles on two chains (mainchain 1, sidechain 2): delivery, failure and
// refund, timeout and refund, replays, double refunds, an acknowledgement racing a timeout, the
// return trip of a voucher, undo and storage; conservation checked after every step.
#include <doctest/doctest.h>

#include <map>
#include <random>

#include "chains/peg/peg_ledger.hpp"

using namespace bfd;
using namespace bfd::peg;

namespace {

address addr(byte b) {
  address a;
  a.data.fill(b);
  return a;
}

// Two chains' peg ledgers and their native balances (what each chain's own ledger would hold).
struct two_chains {
  peg_ledger main{1};
  peg_ledger side{2};
  std::map<std::pair<chain_id, address>, amount> native;  // BFDT on 1, TOK on 2
  amount main_total = 0;
  amount side_total = 0;

  two_chains() {
    native[{1, addr(0xa1)}] = 1000;
    native[{2, addr(0xb2)}] = 500;
    main_total = 1000;
    side_total = 500;
  }
  peg_ledger& on(chain_id c) { return c == 1 ? main : side; }

  void move(chain_id c, const std::optional<native_move>& m) {
    if (!m)
      return;
    auto& bal = native[{c, m->account}];
    if (m->dir == native_move::direction::debit) {
      REQUIRE(bal >= m->value);
      bal -= m->value;
    } else {
      bal += m->value;
    }
  }
  // Conservation between the peg ledgers, and each native asset's total (balances + escrows).
  void check() {
    auto st = check_conservation(main, side);
    REQUIRE_MESSAGE(st, st.error().message());
    amount on_main = main.escrowed("BFDT", 2), on_side = side.escrowed("TOK", 1);
    for (const auto& [k, v] : native)
      (k.first == 1 ? on_main : on_side) += v;
    REQUIRE(on_main == main_total);
    REQUIRE(on_side == side_total);
  }
  peg_message send(chain_id from, byte sender, byte receiver, std::string denom, amount value,
                   std::uint64_t timeout = 100) {
    const chain_id to = from == 1 ? 2 : 1;
    auto r = on(from).send({addr(sender), addr(receiver), to, asset_transfer{std::move(denom), value}, timeout});
    REQUIRE_MESSAGE(r, r.error().message());
    move(from, r->move);
    check();
    return r->message;
  }
  peg_ack receive(const peg_message& m, std::uint64_t height = 10) {
    auto r = on(m.destination).receive(m, height);
    REQUIRE_MESSAGE(r, r.error().message());
    move(m.destination, r->move);
    check();
    return r->ack;
  }
  message_state ack(const peg_message& m, const peg_ack& a) {
    auto r = on(m.id.source).acknowledge(a, m.destination);
    REQUIRE_MESSAGE(r, r.error().message());
    move(m.id.source, r->move);
    check();
    return r->state;
  }
};

} // namespace

TEST_CASE("BFDT goes to the sidechain as a voucher and comes back, unwinding its trace") {
  two_chains w;
  auto m = w.send(1, 0xa1, 0xc3, "BFDT", 300);
  CHECK(m.id == message_id{1, 0});
  CHECK(w.main.escrowed("BFDT", 2) == 300);
  CHECK(w.main.state_of(m.id) == message_state::in_flight);
  auto a = w.receive(m);
  CHECK(a.success());
  CHECK(w.side.voucher_balance("peg/1/BFDT", addr(0xc3)) == 300);
  CHECK(w.ack(m, a) == message_state::delivered);
  CHECK_FALSE(w.main.in_flight(m.id));
  // Back: the voucher is burned on the sidechain and unlocked from the escrow on the mainchain.
  auto back = w.send(2, 0xc3, 0xa9, "peg/1/BFDT", 120);
  CHECK(w.side.voucher_supply("peg/1/BFDT") == 180);
  auto back_ack = w.receive(back);
  CHECK(back_ack.success());
  CHECK(w.native[{1, addr(0xa9)}] == 120);
  CHECK(w.main.escrowed("BFDT", 2) == 180);
  CHECK(w.ack(back, back_ack) == message_state::delivered);
  // The sidechain's own token goes the other way the same way.
  auto tok = w.send(2, 0xb2, 0xa1, "TOK", 50);
  w.ack(tok, w.receive(tok));
  CHECK(w.main.voucher_balance("peg/2/TOK", addr(0xa1)) == 50);
}

TEST_CASE("a failure acknowledgement refunds the sender; a second acknowledgement or refund is refused") {
  two_chains v;
  auto n = v.send(1, 0xa1, 0xc3, "BFDT", 300);
  CHECK(v.ack(n, peg_ack{n.id, failure_code::refused, "no"}) == message_state::failed);
  CHECK(v.native[{1, addr(0xa1)}] == 1000);
  CHECK(v.main.escrowed("BFDT", 2) == 0);
  CHECK(v.main.state_of(n.id) == message_state::failed);
  // Double refund and a late success are both refused, and nothing moves.
  CHECK(v.main.acknowledge(peg_ack{n.id, failure_code::refused, "no"}, 2).error().code == errc::wrong_status);
  CHECK(v.main.acknowledge(peg_ack{n.id, failure_code::none, ""}, 2).error().code == errc::wrong_status);
  CHECK(v.main.timeout(n.id, 1000).error().code == errc::wrong_status);
  CHECK(v.main.acknowledge(peg_ack{{1, 99}, failure_code::none, ""}, 2).error().code == errc::not_found);
  v.check();
}

TEST_CASE("an unwinding transfer of more than the escrow holds is acknowledged as a failure and re-minted") {
  two_chains w;
  auto m = w.send(1, 0xa1, 0xc3, "BFDT", 100);
  w.ack(m, w.receive(m));
  auto back = w.send(2, 0xc3, 0xa1, "peg/1/BFDT", 100);
  // A message asking to unlock more than the escrow holds (only a forged one can) is answered
  // with a failure and unlocks nothing.
  peg_message forged = back;
  forged.id.sequence = 77;
  std::get<asset_transfer>(forged.payload).value = 1000;
  auto r = w.main.receive(forged, 10);
  REQUIRE(r);
  CHECK(r->ack.code == failure_code::insufficient_escrow);
  CHECK_FALSE(r->move);
  CHECK(w.main.escrowed("BFDT", 2) == 100);
  // The real return still succeeds.
  w.ack(back, w.receive(back));
}

TEST_CASE("a replayed message changes nothing; a late or misdirected one is refused") {
  two_chains w;
  auto m = w.send(1, 0xa1, 0xc3, "BFDT", 300, 50);
  w.receive(m, 10);
  const auto root = w.side.module_root();
  CHECK(w.side.receive(m, 11).error().code == errc::duplicate);
  CHECK(w.side.module_root() == root);
  CHECK(w.side.voucher_supply("peg/1/BFDT") == 300);
  auto late = w.send(1, 0xa1, 0xc3, "BFDT", 1, 50);
  CHECK(w.side.receive(late, 50).error().code == errc::expired);
  CHECK_FALSE(w.side.receipt(late.id));
  CHECK(w.main.receive(late, 1).error().code == errc::wrong_chain);
  w.check();
}

TEST_CASE("a message not received by its timeout is refunded once, and its acknowledgement then refused") {
  two_chains w;
  auto m = w.send(1, 0xa1, 0xc3, "BFDT", 300, 40);
  CHECK(w.main.timeout(m.id, 39).error().code == errc::bad_proof);
  auto t = w.main.timeout(m.id, 40);
  REQUIRE(t);
  CHECK(t->state == message_state::timed_out);
  w.move(1, t->move);
  w.check();
  CHECK(w.native[{1, addr(0xa1)}] == 1000);
  CHECK(w.main.timeout(m.id, 41).error().code == errc::wrong_status);
  // Ack racing the timeout: the timeout landed first, so the acknowledgement is refused.
  CHECK(w.main.acknowledge(peg_ack{m.id, failure_code::none, ""}, 2).error().code == errc::wrong_status);
  // The other order: the acknowledgement lands first, the timeout is refused.
  auto n = w.send(1, 0xa1, 0xc3, "BFDT", 10, 40);
  w.ack(n, w.receive(n, 39));
  CHECK(w.main.timeout(n.id, 100).error().code == errc::wrong_status);
  CHECK(w.side.voucher_supply("peg/1/BFDT") == 10);
  // A burned voucher that times out is re-minted.
  auto back = w.send(2, 0xc3, 0xa1, "peg/1/BFDT", 4, 30);
  auto bt = w.side.timeout(back.id, 30);
  REQUIRE(bt);
  CHECK_FALSE(bt->move);
  CHECK(w.side.voucher_balance("peg/1/BFDT", addr(0xc3)) == 10);
  w.check();
}

TEST_CASE("sends that break the rules are refused and change nothing") {
  two_chains w;
  const auto root = w.main.module_root();
  CHECK(w.main.send({addr(1), addr(2), 1, asset_transfer{"BFDT", 1}, 10}).error().code == errc::wrong_chain);
  CHECK(w.main.send({addr(1), addr(2), 2, asset_transfer{"BFDT", 0}, 10}).error().code == errc::zero_amount);
  CHECK(w.main.send({addr(1), addr(2), 2, asset_transfer{"BF-DT", 1}, 10}).error().code == errc::invalid_argument);
  CHECK(w.main.send({addr(1), addr(2), 2, asset_transfer{"BFDT", 1}, 0}).error().code == errc::invalid_argument);
  CHECK(w.main.send({addr(1), addr(2), 2, asset_transfer{"peg/2/TOK", 1}, 10}).error().code
        == errc::insufficient_funds);
  CHECK(w.main.send({addr(1), addr(2), 3, asset_transfer{"peg/2/TOK", 1}, 10}).error().code
        == errc::invalid_argument);
  CHECK(w.main.module_root() == root);
  CHECK(w.main.next_sequence() == 0);
}

TEST_CASE("undo restores the peg ledger and its root; its records restore an equal ledger") {
  std::mt19937_64 rng(7);
  two_chains w;
  std::map<bytes, bytes> store;
  auto persist = [&](peg_ledger& l) {
    for (auto& [k, v] : l.dirty_records()) {
      if (v)
        store[k] = *v;
      else
        store.erase(k);
    }
    l.clear_dirty();
  };
  std::vector<peg_message> sent;
  std::uint64_t side_height = 0;  // the sidechain's height only grows, as a real chain's
  for (int step = 0; step < 300; ++step) {
    side_height += rng() % 3;
    const auto mark = w.main.checkpoint();
    const auto side_mark = w.side.checkpoint();
    const auto before = w.main.module_root();
    const auto native_before = w.native;
    const auto sent_before = sent.size();
    const auto op = rng() % 4;
    if (op == 0 && w.native[{1, addr(0xa1)}] > 0) {
      sent.push_back(w.send(1, 0xa1, 0xc3, "BFDT", 1 + rng() % 5, side_height + 1 + rng() % 60));
    } else if (op == 1 && !sent.empty()) {
      const auto& m = sent[rng() % sent.size()];
      if (auto r = w.side.receive(m, side_height)) {
        w.move(2, r->move);
        w.check();
      }
    } else if (op == 2 && !sent.empty()) {
      const auto& m = sent[rng() % sent.size()];
      if (auto a = w.side.receipt(m.id); a && w.main.in_flight(m.id))
        w.ack(m, *a);
    } else if (!sent.empty()) {
      const auto& m = sent[rng() % sent.size()];
      // Non-receipt shown in the sidechain's state at a height past the timeout.
      if (w.main.in_flight(m.id) && !w.side.receipt(m.id) && side_height >= m.timeout_height) {
        auto t = w.main.timeout(m.id, side_height);
        REQUIRE(t);
        w.move(1, t->move);
        w.check();
      }
    }
    if (rng() % 5 == 0) {
      // Undo the step on both chains: roots and balances come back.
      w.main.rollback(mark);
      w.side.rollback(side_mark);
      w.native = native_before;
      sent.resize(sent_before);
      CHECK(w.main.module_root() == before);
      w.check();
    }
    w.main.release_undo();
    w.side.release_undo();
    persist(w.main);
  }
  // The run reached every terminal state (so the checks above saw each path).
  std::map<message_state, int> seen;
  for (const auto& m : sent)
    seen[*w.main.state_of(m.id)]++;
  CHECK(seen[message_state::delivered] > 0);
  CHECK(seen[message_state::timed_out] > 0);
  CHECK(seen[message_state::in_flight] > 0);
  std::vector<std::pair<bytes, bytes>> records(store.begin(), store.end());
  auto restored = peg_ledger::restore(1, records);
  REQUIRE(restored);
  CHECK(restored->module_root() == w.main.module_root());
  CHECK(restored->receipts().root() == w.main.receipts().root());
  CHECK(check_conservation(*restored, w.side));
  // A corrupt record is refused.
  records.push_back({bytes{'x'}, bytes{}});
  CHECK(peg_ledger::restore(1, records).error().code == errc::storage_corrupt);
}

TEST_CASE("the conservation check catches a voucher minted without an escrow") {
  two_chains w;
  auto m = w.send(1, 0xa1, 0xc3, "BFDT", 10);
  w.receive(m);
  // The sidechain mints again for a forged message the mainchain never sent.
  peg_message forged = m;
  forged.id.sequence = 5;
  REQUIRE(w.side.receive(forged, 10));
  auto st = check_conservation(w.main, w.side);
  REQUIRE_FALSE(st);
  CHECK(st.error().code == errc::supply_mismatch);
  CHECK(st.error().detail.find("BFDT") != std::string::npos);
}
