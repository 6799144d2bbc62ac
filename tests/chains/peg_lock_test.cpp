// Metadata operations as a two-phase commit over the peg: the target prepares and locks, the
// source decides on the acknowledgement and sends a commit notice, the target writes the objects
// and unlocks. Real chains (the peg fixture: signed, finalized blocks, proven bundles), plus a
// randomized run of the pure ledgers against a map model.
#include <doctest/doctest.h>

#include <random>

#include "chains/core/hex.hpp"
#include "chains/peg/peg_module.hpp"
#include "tests/chains/peg_fixture.hpp"

using namespace bfd;
using namespace bfd::test;

namespace {

bytes key_of(std::string_view s) {
  return bytes(s.begin(), s.end());
}

/// The life of a metadata operation between the fixture's mainchain (source) and sidechain
/// (target), one step per call, each through real blocks and proven bundles.
struct op_flow {
  peg_pair& p;

  /// Sends an operation from the mainchain; its message and the block holding it.
  std::pair<peg::peg_message, std::uint64_t> send(std::vector<bytes> keys, std::uint64_t timeout = 100'000,
                                                  std::string operation = "service_register") {
    const auto& users = p.main.net.users;
    const auto& b = p.main_block({p.main.tx(users[0], peg_send_metadata_tx{side_id, address_of(users[1].pub), operation,
                                                                            std::move(keys), key_of("body:v1"), timeout})});
    REQUIRE(p.main_peg().outbox_entries().size() == 1);
    return {std::get<peg::peg_message>(p.main_peg().outbox_entries()[0]), b.header.height};
  }
  /// The mainchain's outbox entry of block `h` delivered on the sidechain: its block's height.
  void follow_main() {
    if (p.side_peg().own_client(mainchain_id)->latest().height < p.main.engine.final_height())
      p.update_side_client();
  }
  std::uint64_t deliver(std::uint64_t h) {
    p.main_final(h);
    follow_main();
    const auto& b = p.side_block({with_bundle(p.side, p.side.net.users[3], p.main.bundle(h, 0, p.main_states.at(h - 1)), false)});
    REQUIRE(p.side_peg().outbox_entries().size() == 1);
    return b.header.height;
  }
  /// The sidechain's acknowledgement of block `h` delivered on the mainchain: its block's height.
  std::uint64_t acknowledge(std::uint64_t h) {
    p.side_final(h);
    if (find_registry(p.main.builder)->client(side_id)->latest().height < p.side.engine.final_height())
      p.anchor();
    return p.main_block({with_bundle(p.main, p.main.net.users[3], p.side.bundle(h, 0, p.side_states.at(h - 1)), true)})
      .header.height;
  }
  peg::peg_ack ack_of_side_block() const { return std::get<peg::peg_ack>(p.side_peg().outbox_entries().at(0)); }
};

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

} // namespace

TEST_CASE("a metadata operation locks its keys on the target, and commits on both chains after its acknowledgement") {
  peg_pair p;
  op_flow f{p};
  const auto& users = p.main.net.users;
  const auto k1 = key_of("service/alpha");
  const auto k2 = key_of("service/alpha/version");
  const auto k3 = key_of("service/beta");

  // Prepare: the target locks both keys for operation A and acknowledges success.
  auto [a, ha] = f.send({k1, k2});
  CHECK(a.id == peg::message_id{mainchain_id, 0});
  CHECK(p.main_peg().peg_ledger().phase_of(a.id) == peg::op_phase::preparing);
  CHECK(!p.side_peg().peg_ledger().locked_by(k1));
  p.main_final(ha);
  f.follow_main();
  auto undo = p.side.builder;  // the state before the prepare, to apply it and roll it back
  const auto undo_root = undo.state_root();
  const auto hra = f.deliver(ha);
  {
    const auto mark = undo.checkpoint();
    REQUIRE(undo.apply_block(p.side.blocks.back(), signature_check::verify));
    CHECK(find_peg(undo)->peg_ledger().locked_by(k1) == a.id);
    CHECK(undo.state_root() == p.side.builder.state_root());
    undo.rollback(mark);
    CHECK(!find_peg(undo)->peg_ledger().locked_by(k1));
    CHECK(find_peg(undo)->peg_ledger().prepared().empty());
    CHECK(undo.state_root() == undo_root);
  }
  CHECK(f.ack_of_side_block().success());
  CHECK(p.side_peg().peg_ledger().locked_by(k1) == a.id);
  CHECK(p.side_peg().peg_ledger().locked_by(k2) == a.id);
  CHECK(p.side_peg().peg_ledger().phase_of(a.id) == peg::op_phase::locked);
  CHECK(!p.side_peg().peg_ledger().object(side_id, k1));

  // A local write of a locked object is refused with the key and the operation named.
  {
    auto st = check_metadata_write(p.side.builder, k1);
    REQUIRE(!st);
    CHECK(st.error().code == errc::locked);
    CHECK(st.error().detail.find("1:0") != std::string::npos);
    CHECK(st.error().detail.find(to_hex(k1).substr(0, 8)) != std::string::npos);
    CHECK(check_metadata_write(p.side.builder, k3));  // not locked
    CHECK(check_metadata_write(p.main.builder, k1));  // the source holds no lock
  }

  // The lock store is state: the records restore the same locks and root; a store missing the
  // prepared operation (or its lock) is corrupt.
  {
    const auto recs = records_of(p.side_peg());
    peg_module fresh(side_id, p.side.net.config.peg);
    REQUIRE(fresh.restore(recs));
    CHECK(fresh.root() == p.side_peg().root());
    CHECK(fresh.peg_ledger().locked_by(k2) == a.id);
    CHECK(fresh.peg_ledger().prepared().count(a.id) == 1);
    for (const char table : {'p', 'x'}) {
      std::vector<std::pair<bytes, bytes>> fewer;
      bool dropped = false;
      for (const auto& r : recs) {
        if (!dropped && r.first[0] == table) {
          dropped = true;
          continue;
        }
        fewer.push_back(r);
      }
      REQUIRE(dropped);
      peg_module broken(side_id, p.side.net.config.peg);
      CHECK(broken.restore(fewer).error().code == errc::storage_corrupt);
    }
    auto from = peg_module::from_records(side_id, recs);
    REQUIRE(from);
    CHECK((*from)->root() == p.side_peg().root());
  }

  // A second operation B on a locked key (k2) and a free one (k3): refused as locked, nothing
  // of it is locked, and A is unaffected.
  auto [b, hb] = f.send({k3, k2});
  const auto root_before_b = p.side_peg().root();
  const auto hrb = f.deliver(hb);
  const auto ack_b = f.ack_of_side_block();
  CHECK(ack_b.code == peg::failure_code::locked);
  CHECK(ack_b.detail.find("locked by operation 1:0") != std::string::npos);
  CHECK(!p.side_peg().peg_ledger().locked_by(k3));
  CHECK(p.side_peg().peg_ledger().locked_by(k2) == a.id);
  CHECK(p.side_peg().peg_ledger().prepared().size() == 1);
  CHECK(p.side_peg().root() != root_before_b);  // the receipt only

  // Commit: A's success acknowledgement commits it on the source, which writes the notice.
  const auto hca = f.acknowledge(hra);
  CHECK(p.main_peg().peg_ledger().state_of(a.id) == peg::message_state::delivered);
  CHECK(p.main_peg().peg_ledger().phase_of(a.id) == peg::op_phase::committed);
  const auto mirrored = p.main_peg().peg_ledger().object(side_id, k1);
  REQUIRE(mirrored);
  CHECK(mirrored->op == a.id);
  CHECK(mirrored->body == key_of("body:v1"));
  REQUIRE(p.main_peg().outbox_entries().size() == 1);
  const auto notice = std::get<peg::peg_message>(p.main_peg().outbox_entries()[0]);
  CHECK(notice.kind() == peg::message_kind::metadata_commit);
  CHECK(std::get<peg::metadata_commit>(notice.payload).op == a.id);
  CHECK(notice.timeout_height == peg::no_timeout);
  // Still locked on the target until the notice arrives.
  CHECK(!check_metadata_write(p.side.builder, k1));

  // B's failure acknowledgement aborts it on the source: no notice, no object.
  f.acknowledge(hrb);
  CHECK(p.main_peg().peg_ledger().state_of(b.id) == peg::message_state::failed);
  CHECK(p.main_peg().peg_ledger().phase_of(b.id) == peg::op_phase::aborted);
  CHECK(p.main_peg().outbox_entries().empty());
  CHECK(!p.main_peg().peg_ledger().object(side_id, k3));

  // A commit notice never times out: a timeout of it is refused before any proof is looked at.
  CHECK(p.main.builder.check_transaction(with_timeout(p.main, users[3], timeout_of(p.side, notice.id), true),
                                         signature_check::verify).error().code
        == errc::wrong_status);

  // The notice on the target: the objects written, the keys unlocked, the local write allowed.
  const auto hn = f.deliver(hca);
  CHECK(f.ack_of_side_block().success());
  for (const auto& k : {k1, k2}) {
    CHECK(!p.side_peg().peg_ledger().locked_by(k));
    const auto o = p.side_peg().peg_ledger().object(side_id, k);
    REQUIRE(o);
    CHECK(o->op == a.id);
    CHECK(o->body == key_of("body:v1"));
    CHECK(check_metadata_write(p.side.builder, k));
  }
  CHECK(p.side_peg().peg_ledger().prepared().empty());
  CHECK(!p.side_peg().peg_ledger().object(side_id, k3));
  // Committed on both chains, with the same object.
  CHECK(p.side_peg().peg_ledger().object(side_id, k1) == p.main_peg().peg_ledger().object(side_id, k1));

  // Replays change nothing: the operation and the notice are duplicates.
  p.main_final(hca);
  f.follow_main();
  for (auto h : {ha, hca})
    CHECK(p.side.builder.check_transaction(with_bundle(p.side, users[3], p.main.bundle(h, 0, p.main_states.at(h - 1)), false, true),
                                           signature_check::verify).error().code
          == errc::duplicate);

  // The notice's acknowledgement settles the notice on the source.
  f.acknowledge(hn);
  CHECK(p.main_peg().peg_ledger().state_of(notice.id) == peg::message_state::delivered);
  CHECK(p.main_peg().peg_ledger().messages_in_flight().empty());

  // The key is free again: a new operation on it prepares.
  auto [c, hc] = f.send({k2});
  f.deliver(hc);
  CHECK(f.ack_of_side_block().success());
  CHECK(p.side_peg().peg_ledger().locked_by(k2) == c.id);
}

TEST_CASE("a metadata operation not received by its timeout aborts on the source and locks nothing on the target") {
  peg_pair p;
  op_flow f{p};
  const auto k = key_of("fund/7/terms");
  const auto timeout = p.side.blocks.back().header.height + 4;
  auto [m, h] = f.send({k}, timeout, "fund_raise");
  p.main_final(h);
  p.side_final(timeout);
  // Delivered late: refused, nothing locked.
  f.follow_main();
  CHECK(p.side.builder.check_transaction(with_bundle(p.side, p.side.net.users[3], p.main.bundle(h, 0, p.main_states.at(h - 1)), false, true),
                                         signature_check::verify).error().code
        == errc::expired);
  CHECK(!p.side_peg().peg_ledger().locked_by(k));
  p.side_final(p.side.engine.final_height() + 1);
  p.main_block({with_timeout(p.main, p.main.net.users[3], timeout_of(p.side, m.id))});
  CHECK(p.main_peg().peg_ledger().state_of(m.id) == peg::message_state::timed_out);
  CHECK(p.main_peg().peg_ledger().phase_of(m.id) == peg::op_phase::aborted);
  CHECK(p.main_peg().outbox_entries().empty());  // no notice
  CHECK(!p.main_peg().peg_ledger().object(side_id, k));
  CHECK(!p.side_peg().peg_ledger().locked_by(k));
  CHECK(p.side_peg().peg_ledger().prepared().empty());
  CHECK(check_metadata_write(p.side.builder, k));
}

TEST_CASE("the target's own rule refuses an operation: a refused acknowledgement, nothing locked, aborted at the source") {
  peg_pair p([](const peg::peg_message& m) -> std::optional<std::string> {
    if (std::get<peg::metadata_op>(m.payload).operation == "liquidation")
      return "no fund to liquidate";
    return std::nullopt;
  });
  op_flow f{p};
  const auto k = key_of("fund/7");
  auto [m, h] = f.send({k}, 100'000, "liquidation");
  const auto hr = f.deliver(h);
  const auto ack = f.ack_of_side_block();
  CHECK(ack.code == peg::failure_code::refused);
  CHECK(ack.detail == "no fund to liquidate");
  CHECK(!p.side_peg().peg_ledger().locked_by(k));
  f.acknowledge(hr);
  CHECK(p.main_peg().peg_ledger().phase_of(m.id) == peg::op_phase::aborted);
  CHECK(p.main_peg().outbox_entries().empty());
  // Another operation on the same key passes the rule and prepares.
  auto [m2, h2] = f.send({k}, 100'000, "issuance");
  f.deliver(h2);
  CHECK(p.side_peg().peg_ledger().locked_by(k) == m2.id);

  // An operation with no key or the same key twice is refused at the source.
  const auto& users = p.main.net.users;
  for (auto keys : {std::vector<bytes>{}, std::vector<bytes>{k, k}})
    CHECK(p.main.builder.check_transaction(p.main.tx(users[0], peg_send_metadata_tx{side_id, address_of(users[1].pub), "issuance",
                                                                                    keys, {}, 100'000}, true),
                                           signature_check::verify).error().code
          == errc::invalid_argument);
}

TEST_CASE("a commit notice round-trips through the message codec, and one naming another chain's operation or "
          "with a finite timeout is malformed") {
  peg::peg_message n;
  n.id = {1, 5};
  n.destination = 7;
  n.payload = peg::metadata_commit{{1, 2}};
  n.timeout_height = peg::no_timeout;
  auto back = codec::decode_peg_message(codec::encode(n));
  REQUIRE(back);
  CHECK(*back == n);
  CHECK(back->kind() == peg::message_kind::metadata_commit);
  auto other = n;
  std::get<peg::metadata_commit>(other.payload).op.source = 2;
  CHECK(codec::decode_peg_message(codec::encode(other)).error().code == errc::malformed);
  auto finite = n;
  finite.timeout_height = 1'000;
  CHECK(codec::decode_peg_message(codec::encode(finite)).error().code == errc::malformed);
  // docs/formats.md section 14's example of a notice, byte for byte.
  {
    peg::peg_message ex;
    ex.id = {1, 5};
    ex.destination = 7;
    ex.sender.data.fill(0x01);
    ex.receiver.data.fill(0x02);
    ex.payload = peg::metadata_commit{{1, 0}};
    ex.timeout_height = peg::no_timeout;
    std::string hex = "9901010507c414";
    for (int i = 0; i < 20; ++i)
      hex += "01";
    hex += "c414";
    for (int i = 0; i < 20; ++i)
      hex += "02";
    hex += "cfffffffffffffffff029201" "00";
    CHECK(to_hex(codec::encode(ex)) == hex);
  }
  // A kind above 2 is refused.
  auto raw = codec::encode(n);
  REQUIRE(raw[raw.size() - 4] == 0x02);
  raw[raw.size() - 4] = 0x03;
  CHECK(!codec::decode_peg_message(raw));
}

TEST_CASE("random metadata operations, acknowledgements, timeouts and commit notices agree with a map model") {
  // Pure ledgers (no proofs): what the modules do after verification. The model: per key, the
  // operation holding it; per key, the last committed operation on each side.
  constexpr chain_id src_id = 1, dst_id = 7;
  peg::peg_ledger src(src_id), dst(dst_id);
  std::mt19937_64 rng(20240613);
  const std::vector<bytes> keys = {key_of("a"), key_of("b"), key_of("c"), key_of("d"), key_of("e")};
  std::map<bytes, peg::message_id> model_locks;
  std::map<bytes, peg::message_id> model_dst_objects, model_src_objects;
  std::vector<peg::peg_message> to_deliver;             // sent, not yet received (ops and notices)
  std::vector<peg::peg_ack> to_ack;                     // written by dst, not yet back
  std::vector<peg::peg_message> delivered;              // received (for replays)
  std::uint64_t height = 1;
  int prepared = 0, refused_locked = 0, committed = 0, timed_out = 0, replays = 0;

  for (int step = 0; step < 4000; ++step) {
    ++height;
    const int action = static_cast<int>(rng() % 5);
    if (action == 0) {
      // Send an operation on 1-2 random distinct keys.
      std::vector<bytes> ks{keys[rng() % keys.size()]};
      if (rng() % 2) {
        auto k2 = keys[rng() % keys.size()];
        if (k2 != ks[0])
          ks.push_back(k2);
      }
      peg::send_request r{address{}, address{}, dst_id, peg::metadata_op{"op", ks, key_of("b")}, height + 1 + rng() % 40};
      auto s = src.send(r);
      REQUIRE(s);
      to_deliver.push_back(s->message);
    } else if (action == 1 && !to_deliver.empty()) {
      // Deliver one (in any order), unless past its timeout.
      const auto i = rng() % to_deliver.size();
      const auto m = to_deliver[i];
      to_deliver.erase(to_deliver.begin() + static_cast<std::ptrdiff_t>(i));
      auto got = dst.receive(m, height);
      if (height >= m.timeout_height) {
        CHECK(got.error().code == errc::expired);
        continue;
      }
      REQUIRE(got);
      delivered.push_back(m);
      if (const auto* op = std::get_if<peg::metadata_op>(&m.payload)) {
        bool free = true;
        for (const auto& k : op->keys)
          free = free && !model_locks.count(k);
        CHECK(got->ack.success() == free);
        if (free) {
          ++prepared;
          for (const auto& k : op->keys)
            model_locks[k] = m.id;
        } else {
          ++refused_locked;
          CHECK(got->ack.code == peg::failure_code::locked);
        }
      } else {
        const auto& c = std::get<peg::metadata_commit>(m.payload);
        CHECK(got->ack.success());
        ++committed;
        for (auto it = model_locks.begin(); it != model_locks.end();)
          if (it->second == c.op) {
            model_dst_objects[it->first] = c.op;
            it = model_locks.erase(it);
          } else {
            ++it;
          }
      }
      to_ack.push_back(got->ack);
    } else if (action == 2 && !to_ack.empty()) {
      const auto i = rng() % to_ack.size();
      const auto a = to_ack[i];
      to_ack.erase(to_ack.begin() + static_cast<std::ptrdiff_t>(i));
      const auto* sent = src.in_flight(a.id);
      REQUIRE(sent);
      const bool is_op = std::holds_alternative<peg::metadata_op>(sent->payload);
      const auto op_keys = is_op ? std::get<peg::metadata_op>(sent->payload).keys : std::vector<bytes>{};
      auto s = src.acknowledge(a, dst_id);
      REQUIRE(s);
      CHECK(s->notice.has_value() == (is_op && a.success()));
      if (s->notice) {
        for (const auto& k : op_keys)
          model_src_objects[k] = a.id;
        to_deliver.push_back(*s->notice);
      }
    } else if (action == 3 && !src.messages_in_flight().empty()) {
      // A timeout of a message in flight that the destination never received.
      const auto& [id, m] = *std::next(src.messages_in_flight().begin(),
                                       static_cast<std::ptrdiff_t>(rng() % src.messages_in_flight().size()));
      const auto mid = id;
      const bool received = dst.receipt(mid).has_value();
      const bool notice = std::holds_alternative<peg::metadata_commit>(m.payload);
      if (received || height < m.timeout_height) {
        continue;  // no non-receipt proof exists for it yet
      }
      auto s = src.timeout(mid, height);
      if (notice) {
        CHECK(s.error().code == errc::wrong_status);
        continue;
      }
      REQUIRE(s);
      ++timed_out;
      std::erase_if(to_deliver, [&](const peg::peg_message& x) { return x.id == mid; });
      for (const auto& [k, holder] : model_locks)
        CHECK(holder != mid);  // never received: nothing locked
    } else if (action == 4 && !delivered.empty()) {
      ++replays;
      const auto root = dst.module_root();
      CHECK(dst.receive(delivered[rng() % delivered.size()], height).error().code == errc::duplicate);
      CHECK(dst.module_root() == root);
    }
    // The lock store agrees with the model after every step.
    for (const auto& k : keys) {
      const auto holder = model_locks.find(k);
      CHECK(dst.locked_by(k) == (holder == model_locks.end() ? std::nullopt : std::optional(holder->second)));
      CHECK(dst.check_write(k).ok() == (holder == model_locks.end()));
      const auto d = dst.object(dst_id, k);
      const auto md = model_dst_objects.find(k);
      CHECK((d ? std::optional(d->op) : std::nullopt) == (md == model_dst_objects.end() ? std::nullopt : std::optional(md->second)));
      const auto s = src.object(dst_id, k);
      const auto ms = model_src_objects.find(k);
      CHECK((s ? std::optional(s->op) : std::nullopt) == (ms == model_src_objects.end() ? std::nullopt : std::optional(ms->second)));
    }
    if (step % 500 == 0) {
      std::vector<std::pair<bytes, bytes>> recs;
      auto copy = dst;
      copy.mark_all_dirty();
      for (auto& [k, v] : copy.dirty_records())
        if (v)
          recs.emplace_back(k, *v);
      auto back = peg::peg_ledger::restore(dst_id, recs);
      REQUIRE(back);
      CHECK(back->module_root() == dst.module_root());
    }
  }
  // Drain: every notice delivered, then nothing stays locked whose operation was committed.
  for (const auto& m : to_deliver)
    if (std::holds_alternative<peg::metadata_commit>(m.payload))
      REQUIRE(dst.receive(m, height));
  for (const auto& [id, m] : dst.prepared())
    CHECK(src.state_of(id) != peg::message_state::delivered);
  MESSAGE("prepared " << prepared << ", refused as locked " << refused_locked << ", commit notices " << committed
                      << ", timed out " << timed_out << ", replays " << replays);
  CHECK(prepared > 100);
  CHECK(refused_locked > 100);
  CHECK(committed > 50);
  CHECK(timed_out > 10);
}
