// Regression tests for the known problems of docs/consensus.md section 17 (P1, P2, P4-P8): each
// replays the scenario that showed the problem and checks the behaviour that replaced it. P3 (blocks
// from the future) is a check against the node's clock in the chain actor, outside chains/.
#include <doctest/doctest.h>

#include <optional>

#include "tests/chains/network_fixture.hpp"

using namespace bfd;
using test::network;

namespace {

/// Produces the next block of global slot `g` on `st` and applies it there.
block extend(const network& net, chain_state& st, std::uint64_t g, std::vector<transaction> txs = {}) {
  auto b = test::produce(net, st, g, 0, std::move(txs));
  REQUIRE(st.apply_block(b, signature_check::verify));
  st.release_undo();
  return b;
}

/// Confirms `b` on `node` with the first `n` members of its confirming cluster.
confirmation_result confirm_by(const network& net, chain_engine& node, const block& b, std::size_t n) {
  const auto* c = node.confirming_cluster(header_hash(b.header));
  REQUIRE(c);
  const auto members = c->members;
  confirmation_result last;
  for (std::size_t i = 0; i < n && i < members.size(); ++i) {
    const auto source = node.vote_source(header_hash(b.header));
    REQUIRE(source);
    auto r = node.add_confirmation(test::vote(b, net.delegates.at(members[i].key).keys, source->height, source->hash));
    REQUIRE(r.accepted);
    if (!r.finalized.empty())
      last = r;
  }
  return last;
}

/// A delegate that keeps the gadget's voting rules: a vote only for a target height above its
/// last one, from the source its node names (the target's highest justified ancestor), never
/// from a source height below its last one.
struct locking_delegate {
  const key_pair* keys = nullptr;
  signing_record record;

  std::optional<confirmation> offer(const chain_engine& node, const block& b) {
    const auto source = node.vote_source(header_hash(b.header));
    if (!source || !may_vote(record, source->height, b.header.height))
      return std::nullopt;
    record.vote_target_height = b.header.height;
    record.vote_source_height = source->height;
    return test::vote(b, *keys, source->height, source->hash);
  }
};

transaction signed_tx(const key_pair& k, std::uint64_t nonce, tx_payload payload, amount fee = 1000) {
  transaction tx;
  tx.nonce = nonce;
  tx.fee = fee;
  tx.expiry = 1'000'000;
  tx.payload = std::move(payload);
  sign_transaction(tx, k, hash256{});
  return tx;
}

/// A header anyone could write: the genesis block as parent, round `round`, the given producer
/// key (none by default) and no signature.
block unsigned_block(const block& genesis, std::uint64_t round, const public_key& producer = {}) {
  block b;
  b.header.chain = genesis.header.chain;
  b.header.height = 1;
  b.header.parent = header_hash(genesis.header);
  b.header.round = round;
  b.header.producer = producer;
  b.header.timestamp_ms = genesis.header.timestamp_ms;
  b.header.tx_root = merkle_root({});
  b.header.outbox_root = merkle_root({});
  return b;
}

} // namespace

// P1: conflicting blocks could both become final.

TEST_CASE("delegates that keep the voting rules vote again after a reorg and never finalize conflicting blocks") {
  network net;
  auto [g, gb] = net.genesis();
  chain_engine x(g, gb), y(g, gb);
  // A1 in slot 0; B1 in slot 1 by a producer that had not received A1; B2 on B1 in slot 2.
  chain_state sa = g, sb = g;
  auto a1 = extend(net, sa, 0);
  auto b1 = extend(net, sb, 1);
  auto b2 = extend(net, sb, 2);
  auto b3 = extend(net, sb, 3);
  const auto members = g.consensus().active().members;
  REQUIRE(members.size() == 6);
  std::vector<locking_delegate> delegates;
  for (const auto& m : members)
    delegates.push_back({&net.delegates.at(m.key).keys, {}});

  // Every node receives A1 first, and every delegate votes for it (source: genesis).
  REQUIRE(x.add_block(a1, signature_check::verify).outcome == block_outcome::extended);
  REQUIRE(y.add_block(a1, signature_check::verify).outcome == block_outcome::extended);
  std::vector<confirmation> votes;
  for (auto& d : delegates) {
    auto c = d.offer(x, a1);
    REQUIRE(c);
    votes.push_back(*c);
  }
  // Five of them sit on node Y, which switches to the longer branch B1-B2 before the A1 votes
  // arrive: they may vote for B2 (a higher target, the same source), never again at height 1.
  REQUIRE(y.add_block(b1, signature_check::verify).outcome == block_outcome::side);
  REQUIRE(y.add_block(b2, signature_check::verify).outcome == block_outcome::reorged);
  for (std::size_t i = 0; i < 5; ++i) {
    CHECK_FALSE(delegates[i].offer(y, b1));
    auto c = delegates[i].offer(y, b2);
    REQUIRE(c);
    votes.push_back(*c);
  }
  // Both nodes collect every vote, in either order: no offence, nothing final yet.
  std::size_t evidence = 0;
  for (const auto& c : votes)
    evidence += y.add_confirmation(c).evidence.size();
  for (auto i = votes.rbegin(); i != votes.rend(); ++i)
    evidence += x.add_confirmation(*i).evidence.size();
  CHECK(evidence == 0);
  CHECK(x.final_height() == 0);
  CHECK(y.final_height() == 0);
  // X receives branch B: B2 is justified (5 of 6), higher than A1, so fork choice follows it.
  REQUIRE(x.add_block(b1, signature_check::verify).outcome == block_outcome::side);
  auto moved = x.add_block(b2, signature_check::verify);
  CHECK(moved.outcome == block_outcome::reorged);
  CHECK(x.head_state().head_hash() == header_hash(b2.header));
  CHECK(y.head_state().head_hash() == header_hash(b2.header));
  CHECK(x.is_justified(header_hash(b2.header)));
  CHECK(x.is_justified(header_hash(a1.header)));

  // The chain moves on: everyone, the sixth delegate too, votes for B3 from B2; B2 is final.
  REQUIRE(x.add_block(b3, signature_check::verify).outcome == block_outcome::extended);
  REQUIRE(y.add_block(b3, signature_check::verify).outcome == block_outcome::extended);
  for (std::size_t i = 0; i < delegates.size(); ++i) {
    auto c = delegates[i].offer(i < 5 ? y : x, b3);
    REQUIRE(c);
    CHECK(c->source == header_hash(b2.header));
    x.add_confirmation(*c);
    y.add_confirmation(*c);
  }
  CHECK(x.final_hash() == header_hash(b2.header));
  CHECK(y.final_hash() == header_hash(b2.header));
  REQUIRE(x.final_certificate());
  CHECK(x.final_certificate()->source == header_hash(b2.header));
  CHECK(verify_certificate(*x.final_certificate(), g.consensus().active()));
}

// P2: side blocks were stored unvalidated and could be poisoned.

TEST_CASE("a side block whose body does not match its header is rejected and the real block is followed") {
  network net;
  auto [g, gb] = net.genesis();
  chain_engine node(g, gb);
  chain_state sa = g, sb = g;
  auto a1 = extend(net, sa, 0);
  auto tx = test::transfer(net.users[0], address_of(net.users[1].pub), 1000, 0);
  auto b1 = extend(net, sb, 1, {tx});
  REQUIRE(b1.txs.size() == 1);
  auto b2 = extend(net, sb, 2);
  auto b3 = extend(net, sb, 3);
  REQUIRE(node.add_block(a1, signature_check::verify).outcome == block_outcome::extended);

  block forged = b1;  // the real signed header with its body emptied
  forged.txs.clear();
  auto r = node.add_block(forged, signature_check::verify);
  CHECK(r.outcome == block_outcome::rejected);
  CHECK(r.err.code == errc::bad_merkle_root);
  CHECK(node.find_block(header_hash(b1.header)) == nullptr);

  CHECK(node.add_block(b1, signature_check::verify).outcome == block_outcome::side);
  CHECK(node.add_block(b2, signature_check::verify).outcome == block_outcome::reorged);
  CHECK(node.add_block(b3, signature_check::verify).outcome == block_outcome::extended);
  CHECK(node.head_state().head_hash() == header_hash(b3.header));
  confirm_by(net, node, b3, 5);  // justified from genesis
  auto b4 = extend(net, sb, 4);
  REQUIRE(node.add_block(b4, signature_check::verify).outcome == block_outcome::extended);
  confirm_by(net, node, b4, 5);  // its direct child justified from it: final
  CHECK(node.final_height() == 3);
  CHECK(node.final_hash() == header_hash(b3.header));
}

TEST_CASE("a side block with an invalid signature is rejected and the real block is followed") {
  network net;
  auto [g, gb] = net.genesis();
  chain_engine node(g, gb);
  chain_state sa = g, sb = g;
  auto a1 = extend(net, sa, 0);
  auto b1 = extend(net, sb, 1);
  auto b2 = extend(net, sb, 2);
  REQUIRE(node.add_block(a1, signature_check::verify).outcome == block_outcome::extended);

  block forged = b1;
  forged.header.sig.data[5] ^= 1;
  auto r = node.add_block(forged, signature_check::verify);
  CHECK(r.outcome == block_outcome::rejected);
  CHECK(r.err.code == errc::bad_block_signature);

  CHECK(node.add_block(b1, signature_check::verify).outcome == block_outcome::side);
  CHECK(node.add_block(b2, signature_check::verify).outcome == block_outcome::reorged);
  CHECK(node.head_state().head_hash() == header_hash(b2.header));
}

TEST_CASE("an orphan with a forged body or signature is rejected instead of buffered") {
  network net;
  auto [g, gb] = net.genesis();
  chain_engine node(g, gb);
  chain_state st = g;
  auto b1 = extend(net, st, 0);
  auto tx = test::transfer(net.users[0], address_of(net.users[1].pub), 1000, 0);
  auto b2 = extend(net, st, 1, {tx});
  REQUIRE(b2.txs.size() == 1);

  block emptied = b2;
  emptied.txs.clear();
  auto r = node.add_block(emptied, signature_check::verify);
  CHECK(r.outcome == block_outcome::rejected);
  CHECK(r.err.code == errc::bad_merkle_root);
  block bad_sig = b2;
  bad_sig.header.sig.data[0] ^= 1;
  r = node.add_block(bad_sig, signature_check::verify);
  CHECK(r.outcome == block_outcome::rejected);
  CHECK(r.err.code == errc::bad_block_signature);

  r = node.add_block(b1, signature_check::verify);
  CHECK(r.outcome == block_outcome::extended);
  CHECK(r.applied.size() == 1);
  CHECK(node.add_block(b2, signature_check::verify).outcome == block_outcome::extended);
  CHECK(node.head_state().head_hash() == header_hash(b2.header));
}

// P4: an unsigned block could make a node close rounds for days.

TEST_CASE("a block naming a far-future round is refused before any round is closed") {
  network net;
  auto [g, gb] = net.genesis();
  chain_state st = g;
  const auto root = st.state_root();
  auto real = test::produce(net, st, 0);
  const auto producer = real.header.producer;
  const auto& keys = net.delegates.at(producer).keys;
  // On the old code this cheap case closed a thousand rounds and only then failed on the schedule;
  // it stops the test before the far rounds below, which the old code would take days to close.
  auto small = st.apply_block(unsigned_block(gb, 1'000, producer), signature_check::verify);
  REQUIRE_FALSE(small);
  REQUIRE(small.error().code == errc::bad_block_signature);

  // Everything below must return at once: 10^12 rounds cannot be closed one by one.
  constexpr std::uint64_t far = 1'000'000'000'000;
  auto unsigned_far = st.apply_block(unsigned_block(gb, far, producer), signature_check::verify);
  REQUIRE_FALSE(unsigned_far);
  CHECK(unsigned_far.error().code == errc::bad_block_signature);

  block wrongly_signed = real;
  wrongly_signed.header.round = far;
  sign_header(wrongly_signed.header, keys, hash256{});
  wrongly_signed.header.sig.data[3] ^= 1;
  auto wrong_sig = st.apply_block(wrongly_signed, signature_check::verify);
  REQUIRE_FALSE(wrong_sig);
  CHECK(wrong_sig.error().code == errc::bad_block_signature);

  // Signed by the real producer, but its timestamp (slot 0) allows at most round 1.
  block signed_far = real;
  signed_far.header.round = far;
  sign_header(signed_far.header, keys, hash256{});
  auto too_far = st.apply_block(signed_far, signature_check::verify);
  REQUIRE_FALSE(too_far);
  CHECK(too_far.error().code == errc::wrong_slot);

  // The header of the reproduction: no producer at all.
  CHECK_FALSE(st.apply_block(unsigned_block(gb, far), signature_check::verify));
  chain_engine node(g, gb);
  auto r = node.add_block(unsigned_block(gb, far), signature_check::verify);
  CHECK(r.outcome == block_outcome::rejected);
  CHECK(r.err.code == errc::bad_block_signature);
  CHECK(node.head_state().head().height == 0);

  CHECK(st.consensus().round().number == 0);
  CHECK(st.state_root() == root);
  CHECK(st.apply_block(real, signature_check::verify));
}

// P5: a used-up hash chain ended a VM for good.

TEST_CASE("a top-up with a new hash-chain tip replaces the VM's commitment") {
  network net;
  auto [g, gb] = net.genesis();
  chain_state st = g;
  const auto p = st.consensus().assignment_at(0)->producer;
  const auto old_chain = net.delegates.at(p).chain;
  const auto& keys = net.delegates.at(p).keys;
  // Slot 0: p reveals its first preimage and is paid what it needs for a top-up.
  auto funding = test::transfer(net.users[0], address_of(p), 10 * units_per_bfdt, 0);
  REQUIRE(extend(net, st, 0, {funding}).txs.size() == 1);
  REQUIRE(st.consensus().find_vm(p)->reveals == 1);
  const auto bid_before = st.consensus().find_vm(p)->bid;

  // Slot 1: another producer includes p's top-up naming a fresh hash chain.
  auto fresh = std::make_shared<hash_chain>(tagged_hash(hash_tag::reveal, keys.pub.view()), 100, 10);
  auto topup = signed_tx(keys, 0, vm_bid_payload{st.consensus().find_vm(p)->category, units_per_bfdt, fresh->tip()});
  REQUIRE(extend(net, st, 1, {topup}).txs.size() == 1);
  const auto* vm = st.consensus().find_vm(p);
  CHECK(vm->bid == bid_before + units_per_bfdt);
  CHECK(vm->last_reveal == fresh->tip());
  CHECK(vm->reveals == 0);

  // Up to p's next slot, in the next round.
  net.delegates.at(p).chain = fresh;
  std::uint64_t s = 2;
  for (; st.consensus().assignment_at(s)->producer != p; ++s) {
    REQUIRE(s < 4 * st.consensus().round().order.size());
    extend(net, st, s);
  }
  auto a = *st.consensus().assignment_at(s);
  REQUIRE(a.round == 1);
  chain_state::block_template t{p, a.round, a.slot, a.start_ms, *old_chain->reveal(2), a.max_txs};
  auto old_reveal = st.build_block(t, {}, signature_check::verify);
  REQUIRE(old_reveal);
  sign_header(old_reveal->header, keys, hash256{});
  auto r = st.apply_block(*old_reveal, signature_check::verify);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::bad_reveal);

  auto b = extend(net, st, s);
  CHECK(b.header.reveal == *fresh->reveal(1));
  CHECK(st.consensus().find_vm(p)->reveals == 1);
  CHECK(st.consensus().find_vm(p)->last_reveal == *fresh->reveal(1));
}

TEST_CASE("a top-up with an all-zero hash-chain tip keeps the VM's hash chain") {
  network net;
  auto [g, gb] = net.genesis();
  chain_state st = g;
  const auto p = st.consensus().assignment_at(0)->producer;
  const auto& keys = net.delegates.at(p).keys;
  auto funding = test::transfer(net.users[0], address_of(p), 10 * units_per_bfdt, 0);
  REQUIRE(extend(net, st, 0, {funding}).txs.size() == 1);
  const auto reveal1 = st.consensus().find_vm(p)->last_reveal;
  REQUIRE(reveal1 == *net.delegates.at(p).chain->reveal(1));

  auto topup = signed_tx(keys, 0, vm_bid_payload{st.consensus().find_vm(p)->category, units_per_bfdt, hash256{}});
  REQUIRE(extend(net, st, 1, {topup}).txs.size() == 1);
  CHECK(st.consensus().find_vm(p)->last_reveal == reveal1);
  CHECK(st.consensus().find_vm(p)->reveals == 1);

  std::uint64_t s = 2;
  for (; st.consensus().assignment_at(s)->producer != p; ++s) {
    REQUIRE(s < 4 * st.consensus().round().order.size());
    extend(net, st, s);
  }
  auto b = extend(net, st, s);
  CHECK(b.header.reveal == *net.delegates.at(p).chain->reveal(2));
  CHECK(st.consensus().find_vm(p)->reveals == 2);
}

// P6: a producer could make its own block unbuildable.

TEST_CASE("fees are pooled and paid after the transactions, so the producer's own spending cannot break its block") {
  network net;
  auto [g, gb] = net.genesis();
  chain_state st = g;
  const address pool{};
  const auto p1 = st.consensus().assignment_at(1)->producer;
  const auto& p1keys = net.delegates.at(p1).keys;
  // Slot 0: user 0 votes 900 BFDT to the producer of slot 1 (bid 100 BFDT).
  auto vote = signed_tx(net.users[0], 0, vote_payload{p1, 900 * units_per_bfdt});
  REQUIRE(extend(net, st, 0, {vote}).txs.size() == 1);
  CHECK(st.accounts().get(pool).balance == 0);
  CHECK(st.accounts().check_conservation());

  // Slot 1: a user pays a 50 BFDT fee, then the producer's own key tries to spend it.
  auto big_fee = test::transfer(net.users[1], address_of(net.users[2].pub), 1, 0, 50 * units_per_bfdt);
  auto own = test::transfer(p1keys, address_of(net.users[2].pub), 50 * units_per_bfdt - 1000, 0, 1000);
  auto a = *st.consensus().assignment_at(1);
  chain_state::block_template t{a.producer, a.round, a.slot, a.start_ms, test::reveal_for(net, st, a), a.max_txs};
  std::vector<std::pair<hash256, error>> rejected;
  auto b = st.build_block(t, std::vector<transaction>{big_fee, own}, signature_check::verify, &rejected);
  REQUIRE(b);
  REQUIRE(b->txs.size() == 1);
  CHECK(signing_hash(b->txs[0]) == signing_hash(big_fee));
  REQUIRE(rejected.size() == 1);
  CHECK(rejected[0].first == signing_hash(own));
  CHECK(rejected[0].second.code == errc::insufficient_funds);

  sign_header(b->header, p1keys, hash256{});
  const auto owner = address_of(p1);
  const auto voter = address_of(net.users[0].pub);
  const auto owner_before = st.accounts().get(owner).balance;
  const auto voter_before = st.accounts().get(voter).balance;
  REQUIRE(st.apply_block(*b, signature_check::verify));
  const amount total = net.config.params.block_reward + 50 * units_per_bfdt;
  const auto* vm = st.consensus().find_vm(p1);
  const auto share = static_cast<amount>(static_cast<unsigned __int128>(total) * (900 * units_per_bfdt)
                                         / (vm->bid + vm->votes));
  CHECK(st.accounts().get(voter).balance - voter_before == share);
  CHECK(st.accounts().get(owner).balance - owner_before == total - share);
  CHECK(st.accounts().get(pool).balance == 0);
  CHECK(st.accounts().check_conservation());
}

// P7: confirmations from strangers were buffered without bound.

TEST_CASE("a confirmation of an unknown block by a key that is not a VM is refused") {
  network net;
  auto [g, gb] = net.genesis();
  chain_engine node(g, gb);
  confirmation c{mainchain_id, 0, {}, 5, {}, {}, {}};
  c.block.data.fill(0x11);
  sign_confirmation(c, net.users[0], hash256{});
  auto r = node.add_confirmation(c);
  CHECK_FALSE(r.accepted);
  CHECK(r.err.code == errc::bad_confirmation);

  // Early confirmations from the cluster are still kept and count once the block arrives.
  chain_state st = g;
  auto b1 = extend(net, st, 0);
  const auto members = g.consensus().active().members;
  for (std::size_t i = 0; i < 5; ++i)
    CHECK(node.add_confirmation(test::confirm(b1, net.delegates.at(members[i].key).keys)).accepted);
  auto added = node.add_block(b1, signature_check::verify);
  CHECK(added.outcome == block_outcome::extended);
  CHECK(node.is_justified(header_hash(b1.header)));
}

TEST_CASE("a stranger's refused confirmations are not remembered as equivocation") {
  network net;
  auto [g, gb] = net.genesis();
  chain_engine node(g, gb);
  confirmation first{mainchain_id, 5, {}, {}, {}};
  first.block.data.fill(0x11);
  sign_confirmation(first, net.users[0], hash256{});
  confirmation second{mainchain_id, 5, {}, {}, {}};
  second.block.data.fill(0x22);
  sign_confirmation(second, net.users[0], hash256{});
  REQUIRE_FALSE(node.add_confirmation(first).accepted);
  auto r = node.add_confirmation(second);
  CHECK_FALSE(r.accepted);
  CHECK(r.err.code == errc::bad_confirmation);
  CHECK(r.evidence.empty());
}

// P8: smaller points.

TEST_CASE("round 0 is ordered by a seed derived from S(0), so rounds 0 and 1 differ") {
  network net;
  auto [g, gb] = net.genesis();
  const auto& cs = g.consensus();
  std::vector<public_key> members;
  for (const auto& m : cs.active().members)
    members.push_back(m.key);
  const auto k = cs.round().order.size();
  REQUIRE(k == members.size());
  CHECK(cs.round().order == shuffle_order(members, tagged_hash(hash_tag::seed, cs.seed().view())));
  std::vector<public_key> round0, round1;
  for (std::uint64_t i = 0; i < k; ++i) {
    round0.push_back(cs.assignment_at(i)->producer);
    round1.push_back(cs.assignment_at(k + i)->producer);
  }
  CHECK(round0 == cs.round().order);
  CHECK(round1 == shuffle_order(members, cs.seed()));
  CHECK(round0 != round1);
}

TEST_CASE("when a side block becomes final the head moves to the longest branch above it") {
  network net;
  auto [g, gb] = net.genesis();
  chain_engine node(g, gb);
  chain_state sa = g, sb = g;
  auto a1 = extend(net, sa, 0);
  auto a2 = extend(net, sa, 1);
  auto b1 = extend(net, sb, 2);
  auto b2 = extend(net, sb, 3);
  auto b3 = extend(net, sb, 4);
  REQUIRE(node.add_block(a1, signature_check::verify).outcome == block_outcome::extended);
  REQUIRE(node.add_block(a2, signature_check::verify).outcome == block_outcome::extended);
  REQUIRE(node.add_block(b1, signature_check::verify).outcome == block_outcome::side);
  REQUIRE(node.add_block(b2, signature_check::verify).outcome == block_outcome::side);
  REQUIRE(node.add_block(b3, signature_check::verify).outcome == block_outcome::reorged);

  // A1 justified, then A2 justified from it: A1 is final although B3 was the head.
  confirm_by(net, node, a1, 6);
  auto r = confirm_by(net, node, a2, 6);
  REQUIRE(r.finalized.size() == 1);
  CHECK(node.final_hash() == header_hash(a1.header));
  CHECK(node.head_state().head().height == 2);
  CHECK(node.head_state().head_hash() == header_hash(a2.header));
  CHECK(node.best_block_at(2) != nullptr);
  CHECK(node.find_block(header_hash(b3.header)) == nullptr);
  auto a3 = extend(net, sa, 5);
  CHECK(node.add_block(a3, signature_check::verify).outcome == block_outcome::extended);
}

TEST_CASE("genesis refuses a block size limit above 65536 transactions") {
  auto genesis_code = [](const network& net) {
    auto g = chain_state::genesis(net.config);
    return g ? errc::ok : g.error().code;
  };
  network net;
  REQUIRE(net.config.params.categories[0].compute_weight == 3);
  net.config.params.base_block_txs = 21'845;  // 65,535 for gold
  CHECK(genesis_code(net) == errc::ok);
  net.config.params.base_block_txs = 21'846;  // 65,538 for gold
  CHECK(genesis_code(net) == errc::invalid_argument);
  net.config.params.categories[0].compute_weight = 4;
  net.config.params.base_block_txs = 16'384;  // exactly 65,536
  CHECK(genesis_code(net) == errc::ok);
  // 2^31 x 2 is 2^32, which is 0 in 32 bits.
  net.config.params.categories[0].compute_weight = 2;
  net.config.params.base_block_txs = 0x8000'0000u;
  CHECK(genesis_code(net) == errc::invalid_argument);
}
