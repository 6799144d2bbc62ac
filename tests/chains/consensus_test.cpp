// VM-DPoSW rules on the pure chain state: schedule, slots, reveals, work, misses, demotion,
// bids, votes, rewards, slashing, and the persistence encoding.
#include <doctest/doctest.h>

#include "chains/codec/block_codec.hpp"
#include "tests/chains/network_fixture.hpp"

using namespace bfd;
using test::network;
using test::produce;

namespace {

/// Produces one block in each of slots [from, to) on `st`.
void produce_slots(const network& net, chain_state& st, std::uint64_t from, std::uint64_t to) {
  for (auto g = from; g < to; ++g) {
    auto b = produce(net, st, g);
    REQUIRE(st.apply_block(b, signature_check::verify));
  }
}

transaction signed_tx(const key_pair& k, std::uint64_t nonce, tx_payload payload, amount fee = 1000) {
  transaction tx;
  tx.nonce = nonce;
  tx.fee = fee;
  tx.expiry = 1'000'000;
  tx.payload = std::move(payload);
  sign_transaction(tx, k, hash256{});
  return tx;
}

} // namespace

TEST_CASE("genesis locks the VM bids and selects a cluster holding a majority") {
  network net;
  auto [st, g] = net.genesis();
  CHECK(g.header.height == 0);
  CHECK(g.header.state_root == st.state_root());
  CHECK(st.accounts().locked() == 9 * 100 * units_per_bfdt);
  CHECK(st.accounts().check_conservation());
  CHECK(st.consensus().active().majority());
  CHECK(st.consensus().round().order.size() == st.consensus().active().members.size());
}

TEST_CASE("blocks produced in schedule order apply and rotate through every delegate") {
  network net;
  auto [st, g] = net.genesis();
  const auto k = st.consensus().round().order.size();
  std::set<public_key> producers;
  for (std::uint64_t s = 0; s < 3 * k; ++s) {
    auto b = produce(net, st, s);
    producers.insert(b.header.producer);
    REQUIRE(st.apply_block(b, signature_check::verify));
  }
  CHECK(st.consensus().round().number == 2);
  CHECK(producers.size() == k);
  CHECK(st.accounts().check_conservation());
  for (const auto& m : st.consensus().active().members)
    CHECK(st.consensus().find_vm(m.key)->blocks_produced == 3);
}

TEST_CASE("each round's seed hashes the previous seed with the round's reveals in slot order") {
  network net;
  auto [st, g] = net.genesis();
  const auto k = st.consensus().round().order.size();
  const auto seed0 = st.consensus().seed();
  const auto order0 = st.consensus().round().order;
  std::vector<public_key> members;
  for (const auto& m : st.consensus().active().members)
    members.push_back(m.key);
  bytes reveals;
  for (std::uint64_t s = 0; s < k; ++s) {
    auto b = produce(net, st, s);
    reveals.insert(reveals.end(), b.header.reveal.begin(), b.header.reveal.end());
    REQUIRE(st.apply_block(b, signature_check::verify));
  }
  REQUIRE(st.apply_block(produce(net, st, k), signature_check::verify));  // opens round 1
  CHECK(st.consensus().round().number == 1);
  CHECK(st.consensus().seed() == tagged_hash(hash_tag::seed, seed0.view(), reveals));
  // Round 1 is ordered by S(0); round 2 by S(1).
  CHECK(st.consensus().round().order == shuffle_order(members, seed0));
  const auto seed1 = st.consensus().seed();
  produce_slots(net, st, k + 1, 2 * k + 1);
  CHECK(st.consensus().round().number == 2);
  CHECK(st.consensus().round().order == shuffle_order(members, seed1));
  CHECK(st.consensus().round().order != order0);
}

TEST_CASE("a category's compute weight bounds its blocks per slot") {
  network net;
  auto [st, g] = net.genesis();
  // Find the first slot of a gold delegate (weight 3).
  std::uint64_t gslot = 0;
  for (;; ++gslot) {
    auto a = st.consensus().assignment_at(gslot);
    if (a->max_blocks == 3)
      break;
    REQUIRE(st.apply_block(produce(net, st, gslot), signature_check::verify));
  }
  for (std::uint32_t i = 0; i < 3; ++i)
    REQUIRE(st.apply_block(produce(net, st, gslot, i), signature_check::verify));
  // A fourth block in the same slot is one too many.
  auto extra = produce(net, st, gslot, 2);
  extra.header.timestamp_ms += 1;
  sign_header(extra.header, net.delegates.at(extra.header.producer).keys, hash256{});
  CHECK(st.apply_block(extra, signature_check::verify).error().code == errc::slot_full);
}

TEST_CASE("a block from the wrong producer, outside its slot, with a bad reveal or signature is rejected") {
  network net;
  auto [st, g] = net.genesis();
  auto good = produce(net, st, 0);
  const auto& producer = net.delegates.at(good.header.producer);

  SUBCASE("wrong producer") {
    auto b = good;
    const auto* other = &net.delegates.begin()->second;
    if (other->keys.pub == producer.keys.pub)
      other = &std::next(net.delegates.begin())->second;
    sign_header(b.header, other->keys, hash256{});
    CHECK(st.apply_block(b, signature_check::verify).error().code == errc::wrong_producer);
  }
  SUBCASE("timestamp outside the slot") {
    auto b = good;
    b.header.timestamp_ms += net.config.params.slot_ms;
    sign_header(b.header, producer.keys, hash256{});
    CHECK(st.apply_block(b, signature_check::verify).error().code == errc::wrong_slot);
  }
  SUBCASE("bad reveal") {
    auto b = good;
    b.header.reveal.data[0] ^= 1;
    sign_header(b.header, producer.keys, hash256{});
    CHECK(st.apply_block(b, signature_check::verify).error().code == errc::bad_reveal);
  }
  SUBCASE("bad signature") {
    auto b = good;
    b.header.sig.data[5] ^= 1;
    CHECK(st.apply_block(b, signature_check::verify).error().code == errc::bad_block_signature);
  }
  SUBCASE("wrong state root") {
    auto b = good;
    b.header.state_root.data[0] ^= 1;
    sign_header(b.header, producer.keys, hash256{});
    CHECK(st.apply_block(b, signature_check::verify).error().code == errc::bad_state_root);
  }
  SUBCASE("wrong parent and height") {
    auto b = good;
    b.header.parent.data[0] ^= 1;
    sign_header(b.header, producer.keys, hash256{});
    CHECK(st.apply_block(b, signature_check::verify).error().code == errc::bad_parent);
    b = good;
    b.header.height = 2;
    sign_header(b.header, producer.keys, hash256{});
    CHECK(st.apply_block(b, signature_check::verify).error().code == errc::bad_height);
  }
  // None of the rejections changed the state.
  auto root = st.state_root();
  CHECK(st.apply_block(good, signature_check::verify));
  CHECK(st.state_root() != root);
}

TEST_CASE("the header hash must meet the work difficulty") {
  network net(3, 100 * units_per_bfdt, 8);
  auto [st, g] = net.genesis();
  auto b = produce(net, st, 0);
  CHECK(meets_work(header_hash(b.header), 8));
  // Find a nonce that misses the difficulty.
  do {
    ++b.header.work_nonce;
  } while (meets_work(header_hash(b.header), 8));
  sign_header(b.header, net.delegates.at(b.header.producer).keys, hash256{});
  CHECK(st.apply_block(b, signature_check::verify).error().code == errc::insufficient_work);
}

TEST_CASE("a block over its category's size limit is rejected") {
  network net;
  auto [st, g] = net.genesis();
  auto b = produce(net, st, 0);
  const auto* vm = st.consensus().find_vm(b.header.producer);
  const auto limit = net.config.params.base_block_txs * net.config.params.categories[vm->category].compute_weight;
  for (std::uint64_t n = 0; n <= limit; ++n)
    b.txs.push_back(test::transfer(net.users[0], address_of(net.users[1].pub), 1, n));
  b.header.tx_root = transactions_root(b);
  sign_header(b.header, net.delegates.at(b.header.producer).keys, hash256{});
  CHECK(st.apply_block(b, signature_check::verify).error().code == errc::too_many_txs);
}

TEST_CASE("missed slots are counted, and a VM missing too many in a row is demoted and left out") {
  network net;
  auto [st, g] = net.genesis();
  const auto k = st.consensus().round().order.size();
  const auto absent = st.consensus().round().order[0];
  // Run into round 4, the first of epoch 1, where the next cluster is selected.
  const auto rounds = net.config.params.rounds_per_epoch;
  REQUIRE(rounds > net.config.params.miss_limit);
  for (std::uint64_t s = 0; s <= rounds * k; ++s) {
    auto a = st.consensus().assignment_at(s);
    if (a->producer == absent)
      continue;
    REQUIRE(st.apply_block(produce(net, st, s), signature_check::verify));
  }
  const auto* vm = st.consensus().find_vm(absent);
  CHECK(vm->slots_missed >= net.config.params.miss_limit);
  CHECK(vm->status == vm_status::demoted);
  CHECK(st.consensus().epoch() == 1);
  // Demoted VMs are not selected at the next epoch boundary.
  CHECK_FALSE(st.consensus().next().find(absent));
}

TEST_CASE("a round in which every slot is missed ends and the chain goes on") {
  network net;
  auto [st, g] = net.genesis();
  const auto k = st.consensus().round().order.size();
  produce_slots(net, st, 0, 2);
  // Nothing at all in round 1: the next block is in round 2.
  auto b = produce(net, st, 2 * k);
  REQUIRE(st.apply_block(b, signature_check::verify));
  CHECK(st.consensus().round().number == 2);
  std::uint64_t missed = 0;
  for (const auto& [key, vm] : st.consensus().vms())
    missed += vm.slots_missed;
  CHECK(missed == 2 * k - 2);
}

TEST_CASE("vm bids, votes and unvotes lock and release funds and follow their rules") {
  network net;
  auto [st, g] = net.genesis();
  const auto& user = net.users[0];
  const auto vm_key = st.consensus().round().order[0];
  auto locked0 = st.accounts().locked();

  auto bid = signed_tx(user, 0, vm_bid_payload{1, 10 * units_per_bfdt, hash256{}});
  auto vote = signed_tx(user, 1, vote_payload{vm_key, 7 * units_per_bfdt});
  auto unvote = signed_tx(user, 2, unvote_payload{vm_key, 3 * units_per_bfdt});
  auto b = produce(net, st, 0, 0, {bid, vote, unvote});
  REQUIRE(b.txs.size() == 3);
  REQUIRE(st.apply_block(b, signature_check::verify));
  CHECK(st.consensus().find_vm(user.pub)->bid == 10 * units_per_bfdt);
  CHECK(st.consensus().stakes().at({vm_key, address_of(user.pub)}) == 4 * units_per_bfdt);
  CHECK(st.accounts().locked() == locked0 + 14 * units_per_bfdt);
  CHECK(st.accounts().check_conservation());

  CHECK(st.check_transaction(signed_tx(net.users[1], 0, vm_bid_payload{7, 10 * units_per_bfdt, {}}),
                             signature_check::verify).error().code == errc::bad_category);
  CHECK(st.check_transaction(signed_tx(net.users[1], 0, vm_bid_payload{0, 1, {}}), signature_check::verify)
          .error().code == errc::bid_too_low);
  CHECK(st.check_transaction(signed_tx(net.users[1], 0, vote_payload{public_key{}, 5}), signature_check::verify)
          .error().code == errc::unknown_vm);
  CHECK(st.check_transaction(signed_tx(user, 3, unvote_payload{vm_key, 5 * units_per_bfdt}), signature_check::verify)
          .error().code == errc::insufficient_stake);
}

TEST_CASE("the per-epoch cap on new VMs of a category is enforced") {
  network net;
  net.config.params.categories[2].max_new_per_epoch = 1;
  auto [st, g] = net.genesis();
  auto first = signed_tx(net.users[0], 0, vm_bid_payload{2, units_per_bfdt, {}});
  REQUIRE(st.apply_block(produce(net, st, 0, 0, {first}), signature_check::verify));
  auto second = signed_tx(net.users[1], 0, vm_bid_payload{2, units_per_bfdt, {}});
  CHECK(st.check_transaction(second, signature_check::verify).error().code == errc::category_full);
}

TEST_CASE("a new VM joins the cluster one epoch after the boundary that selects it") {
  network net(1);
  auto newcomer = test::keys_of(0x90);
  auto hc = std::make_shared<hash_chain>(test::chain_seed_of(newcomer), 64, 8);
  net.delegates[newcomer.pub] = {newcomer, hc};
  net.config.allocations.push_back({address_of(newcomer.pub), 1000 * units_per_bfdt});
  auto st = net.genesis().first;  // not a structured binding: the lambda below captures it (clang 14)
  // A big bronze bid: the next selection takes it in place of the genesis bronze VM.
  auto bid = signed_tx(newcomer, 0, vm_bid_payload{2, 900 * units_per_bfdt, hc->tip()});
  REQUIRE(st.apply_block(produce(net, st, 0, 0, {bid}), signature_check::verify));
  REQUIRE(st.consensus().find_vm(newcomer.pub));
  std::uint64_t s = 1;
  auto produce_until_epoch = [&](std::uint64_t epoch) {
    while (st.consensus().epoch() < epoch) {
      REQUIRE(st.apply_block(produce(net, st, s), signature_check::verify));
      ++s;
    }
  };
  produce_until_epoch(1);
  CHECK(st.consensus().next().find(newcomer.pub));
  CHECK_FALSE(st.consensus().active().find(newcomer.pub));
  produce_until_epoch(2);
  CHECK(st.consensus().active().find(newcomer.pub));
  // It now owns a slot and its blocks (with its first reveal) are accepted.
  bool produced = false;
  for (int i = 0; i < 6 && !produced; ++i, ++s) {
    auto b = produce(net, st, s);
    produced = b.header.producer == newcomer.pub;
    REQUIRE(st.apply_block(b, signature_check::verify));
  }
  CHECK(produced);
  CHECK(st.consensus().find_vm(newcomer.pub)->reveals >= 1);
  CHECK(st.consensus().find_vm(newcomer.pub)->blocks_produced >= 1);
}

TEST_CASE("the block reward and fees go to the producer and are split pro rata to its voters") {
  network net;
  auto [st, g] = net.genesis();
  // Vote 100 BFDT (as much as the bid) to slot 0's producer of round 1.
  const auto k = st.consensus().round().order.size();
  produce_slots(net, st, 0, 1);
  auto a = *st.consensus().assignment_at(k);  // round 1, slot 0
  auto vote = signed_tx(net.users[2], 0, vote_payload{a.producer, 100 * units_per_bfdt}, 0);
  REQUIRE(st.apply_block(produce(net, st, 1, 0, {vote}), signature_check::verify));
  produce_slots(net, st, 2, k);
  const auto owner = address_of(a.producer);
  const auto voter = address_of(net.users[2].pub);
  auto owner_before = st.accounts().get(owner).balance;
  auto voter_before = st.accounts().get(voter).balance;
  auto fee_tx = signed_tx(net.users[0], 0, transfer_payload{voter, 1}, 2000);
  auto b = produce(net, st, k, 0, {fee_tx});
  REQUIRE(b.header.producer == a.producer);
  REQUIRE(st.apply_block(b, signature_check::verify));
  const amount total = net.config.params.block_reward + 2000;
  CHECK(st.accounts().get(voter).balance - voter_before == total / 2 + 1);  // + the 1-unit transfer
  CHECK(st.accounts().get(owner).balance - owner_before == total - total / 2);
  CHECK(st.accounts().check_conservation());
}

TEST_CASE("evidence of a double block slashes the producer's bid and removes it from the cluster") {
  network net;
  auto [st, g] = net.genesis();
  auto a = produce(net, st, 0);
  auto b = a;
  b.header.timestamp_ms += 1;  // another block for the same slot and height
  sign_header(b.header, net.delegates.at(a.header.producer).keys, hash256{});
  REQUIRE(st.apply_block(a, signature_check::verify));
  const auto offender = a.header.producer;
  const auto bid = st.consensus().find_vm(offender)->bid;
  const auto supply = st.accounts().total_supply();
  auto ev = signed_tx(net.users[0], 0, evidence_payload{evidence_kind::double_block, codec::encode(a.header),
                                                        codec::encode(b.header)});
  auto blk = produce(net, st, 1, 0, {ev});
  REQUIRE(blk.txs.size() == 1);
  REQUIRE(st.apply_block(blk, signature_check::verify));
  const auto* vm = st.consensus().find_vm(offender);
  CHECK(vm->status == vm_status::slashed);
  CHECK(vm->bid == 0);
  CHECK(st.accounts().total_supply() == supply - bid + net.config.params.block_reward);
  CHECK_FALSE(st.consensus().active().find(offender));
  CHECK(st.accounts().check_conservation());
  // The same evidence again does nothing but fail.
  auto again = signed_tx(net.users[0], 1, ev.payload);
  CHECK(st.check_transaction(again, signature_check::verify).error().code == errc::already_slashed);
  // Evidence of two identical headers proves nothing.
  auto bogus = signed_tx(net.users[1], 0, evidence_payload{evidence_kind::double_block, codec::encode(a.header),
                                                           codec::encode(a.header)});
  CHECK(st.check_transaction(bogus, signature_check::verify).error().code == errc::bad_evidence);
}

TEST_CASE("the consensus state encodes canonically and decodes to the same state") {
  network net;
  auto [st, g] = net.genesis();
  produce_slots(net, st, 0, 5);
  const auto& cs = st.consensus();
  auto bytes1 = cs.encode();
  auto back = consensus_state::decode(bytes1);
  REQUIRE(back);
  CHECK(*back == cs);
  CHECK(back->root() == cs.root());
  auto truncated = bytes1;
  truncated.pop_back();
  CHECK_FALSE(consensus_state::decode(truncated));
  auto restored = chain_state::restore(st.accounts(), *back, st.head());
  REQUIRE(restored);
  CHECK(restored->state_root() == st.state_root());
  CHECK(chain_state::restore(st.accounts(), consensus_state::decode(bytes1).value(), g.header).error().code
        == errc::storage_corrupt);
}

TEST_CASE("two runs from the same genesis produce byte-identical chains") {
  auto run = [] {
    network net;
    auto [st, g] = net.genesis();
    bytes all = codec::encode(g);
    for (std::uint64_t s = 0; s < 40; ++s) {
      auto b = produce(net, st, s);
      REQUIRE(st.apply_block(b, signature_check::verify));
      auto enc = codec::encode(b);
      all.insert(all.end(), enc.begin(), enc.end());
    }
    return all;
  };
  CHECK(run() == run());
}
