// The chain engine: finality at more than 2/3, certificates, fork choice that never reverts a
// final block, orphans and equivocation evidence.
#include <doctest/doctest.h>

#include "chains/codec/block_codec.hpp"
#include "tests/chains/network_fixture.hpp"

using namespace bfd;
using test::network;

namespace {

struct engine_fixture {
  network net;
  chain_engine engine;
  chain_state builder;  // produces blocks on its own copy of the chain

  engine_fixture() : engine_fixture(network{}) {}
  explicit engine_fixture(network n)
    : net(std::move(n)), engine(net.genesis().first, net.genesis().second), builder(net.genesis().first) {}

  block next(std::uint64_t g, std::uint32_t index = 0) {
    auto b = test::produce(net, builder, g, index);
    REQUIRE(builder.apply_block(b, signature_check::verify));
    builder.release_undo();
    return b;
  }

  /// Confirms `b` with the first `n` members of its confirming cluster.
  confirmation_result confirm_by(const block& b, std::size_t n) {
    // A copy: once the block is final the engine drops its entry, cluster included.
    const auto* found = engine.confirming_cluster(header_hash(b.header));
    REQUIRE(found);
    const cluster members = *found;
    const auto* c = &members;
    confirmation_result last;
    for (std::size_t i = 0; i < n && i < c->members.size(); ++i) {
      const auto source = engine.vote_source(header_hash(b.header));
      REQUIRE(source);
      auto r = engine.add_confirmation(test::vote(b, net.delegates.at(c->members[i].key).keys, source->height,
                                                  source->hash));
      REQUIRE(r.accepted);
      if (!r.finalized.empty())
        last = r;
    }
    return last;
  }
};

} // namespace

TEST_CASE("the cluster in these tests has six members of equal power") {
  engine_fixture f;
  CHECK(f.engine.head_state().consensus().active().members.size() == 6);
}

TEST_CASE("a block is justified by votes of more than two thirds of the power and final when its child is") {
  engine_fixture f;
  auto b1 = f.next(0);
  auto b2 = f.next(1);
  REQUIRE(f.engine.add_block(b1, signature_check::verify).outcome == block_outcome::extended);
  REQUIRE(f.engine.add_block(b2, signature_check::verify).outcome == block_outcome::extended);
  // 4 of 6 equal members is exactly 2/3: not justified.
  f.confirm_by(b1, 4);
  CHECK_FALSE(f.engine.is_justified(header_hash(b1.header)));
  // The fifth justifies it; nothing is final yet.
  f.confirm_by(b1, 5);
  CHECK(f.engine.is_justified(header_hash(b1.header)));
  CHECK(f.engine.final_height() == 0);
  CHECK(f.engine.vote_source(header_hash(b2.header))->hash == header_hash(b1.header));
  // Its direct child justified from it makes it final.
  auto c = f.confirm_by(b2, 5);
  REQUIRE(c.finalized.size() == 1);
  CHECK(f.engine.final_height() == 1);
  CHECK(f.engine.final_hash() == header_hash(b1.header));
  REQUIRE(f.engine.final_certificate());
  CHECK(f.engine.final_certificate()->signatures.size() == 5);
  CHECK(f.engine.final_certificate()->proves_final());
}

TEST_CASE("a finality certificate verifies against its cluster and fails when tampered") {
  engine_fixture f;
  auto b1 = f.next(0);
  auto b2 = f.next(1);
  REQUIRE(f.engine.add_block(b1, signature_check::verify).outcome == block_outcome::extended);
  REQUIRE(f.engine.add_block(b2, signature_check::verify).outcome == block_outcome::extended);
  const cluster confirmers = *f.engine.confirming_cluster(header_hash(b2.header));
  f.confirm_by(b1, 6);
  f.confirm_by(b2, 6);
  auto cert = *f.engine.final_certificate();
  CHECK(verify_certificate(cert, confirmers));
  auto decoded = codec::decode_certificate(codec::encode(cert));
  REQUIRE(decoded);
  CHECK(*decoded == cert);

  auto forged = cert;
  forged.block.data[0] ^= 1;
  CHECK(verify_certificate(forged, confirmers).error().code == errc::bad_confirmation);
  auto other_source = cert;
  other_source.source.data[0] ^= 1;
  CHECK(verify_certificate(other_source, confirmers).error().code == errc::bad_confirmation);
  auto other_cluster = cert;
  other_cluster.cluster.data[0] ^= 1;
  CHECK(verify_certificate(other_cluster, confirmers).error().code == errc::bad_confirmation);
  auto short_cert = cert;
  short_cert.signatures.resize(4);
  CHECK(verify_certificate(short_cert, confirmers).error().code == errc::not_final);
  auto doubled = cert;
  doubled.signatures.resize(4);
  doubled.signatures.push_back(doubled.signatures[0]);
  CHECK(verify_certificate(doubled, confirmers).error().code == errc::bad_confirmation);
}

TEST_CASE("a justified block's child justified from it finalizes it and its ancestors") {
  engine_fixture f;
  std::vector<block> chain;
  for (std::uint64_t g = 0; g < 4; ++g) {
    chain.push_back(f.next(g));
    REQUIRE(f.engine.add_block(chain.back(), signature_check::verify).outcome == block_outcome::extended);
  }
  auto c = f.confirm_by(chain[2], 6);  // from genesis: justified, not a direct child
  CHECK(c.finalized.empty());
  c = f.confirm_by(chain[3], 6);  // from chain[2]
  CHECK(c.finalized.size() == 3);
  CHECK(f.engine.final_height() == 3);
  CHECK(f.engine.head_state().head().height == 4);
  CHECK(f.engine.final_state().head_hash() == header_hash(chain[2].header));
  CHECK(f.engine.final_state().accounts().check_conservation());
}

TEST_CASE("a longer branch wins, but never one that reverts a final block") {
  network net;
  engine_fixture f(net);
  chain_state other = net.genesis().first;  // a second producer view for a competing branch
  // Main branch: slots 0,1. Competing branch: skips slot 0, then slots 1.. (same producers).
  auto a1 = f.next(0);
  auto a2 = f.next(1);
  REQUIRE(f.engine.add_block(a1, signature_check::verify).outcome == block_outcome::extended);
  REQUIRE(f.engine.add_block(a2, signature_check::verify).outcome == block_outcome::extended);
  std::vector<block> branch;
  for (std::uint64_t g = 2; g < 5; ++g) {
    auto b = test::produce(f.net, other, g);
    REQUIRE(other.apply_block(b, signature_check::verify));
    branch.push_back(b);
  }
  CHECK(f.engine.add_block(branch[0], signature_check::verify).outcome == block_outcome::side);
  CHECK(f.engine.add_block(branch[1], signature_check::verify).outcome == block_outcome::side);
  auto r = f.engine.add_block(branch[2], signature_check::verify);
  CHECK(r.outcome == block_outcome::reorged);
  CHECK(r.applied.size() == 3);
  CHECK(f.engine.head_state().head_hash() == header_hash(branch[2].header));

  // Finalize the new branch's first block; a longer branch from genesis can no longer win.
  f.confirm_by(branch[0], 6);
  f.confirm_by(branch[1], 6);
  CHECK(f.engine.final_height() == 1);
  chain_state third = net.genesis().first;
  for (std::uint64_t g = 5; g < 10; ++g) {
    auto b = test::produce(f.net, third, g);
    REQUIRE(third.apply_block(b, signature_check::verify));
    auto out = f.engine.add_block(b, signature_check::verify);
    CHECK(out.outcome != block_outcome::reorged);
    CHECK(out.outcome != block_outcome::extended);
  }
  CHECK(f.engine.head_state().head_hash() == header_hash(branch[2].header));
  CHECK(f.engine.final_hash() == header_hash(branch[0].header));
}

TEST_CASE("a block whose parent is missing waits and is applied when the parent arrives") {
  engine_fixture f;
  auto b1 = f.next(0);
  auto b2 = f.next(1);
  CHECK(f.engine.add_block(b2, signature_check::verify).outcome == block_outcome::orphan);
  auto r = f.engine.add_block(b1, signature_check::verify);
  CHECK(r.outcome == block_outcome::extended);
  CHECK(r.applied.size() == 2);
  CHECK(f.engine.head_state().head().height == 2);
  CHECK(f.engine.add_block(b1, signature_check::verify).outcome == block_outcome::duplicate);
}

TEST_CASE("an invalid block is rejected with its reason and changes nothing") {
  engine_fixture f;
  auto b1 = f.next(0);
  auto bad = b1;
  bad.header.state_root.data[3] ^= 1;
  sign_header(bad.header, f.net.delegates.at(bad.header.producer).keys, hash256{});
  auto r = f.engine.add_block(bad, signature_check::verify);
  CHECK(r.outcome == block_outcome::rejected);
  CHECK(r.err.code == errc::bad_state_root);
  CHECK(f.engine.head_state().head().height == 0);
  CHECK(f.engine.add_block(b1, signature_check::verify).outcome == block_outcome::extended);
}

TEST_CASE("two headers for one slot or two confirmations for one height are turned into evidence") {
  engine_fixture f;
  auto b1 = f.next(0);
  auto twin = b1;
  twin.header.timestamp_ms += 1;
  sign_header(twin.header, f.net.delegates.at(b1.header.producer).keys, hash256{});
  REQUIRE(f.engine.add_block(b1, signature_check::verify).evidence.empty());
  auto r = f.engine.add_block(twin, signature_check::verify);
  REQUIRE(r.evidence.size() == 1);
  CHECK(r.evidence[0].kind == evidence_kind::double_block);
  // The evidence is accepted by the chain rules.
  transaction tx;
  tx.expiry = 100;
  tx.payload = r.evidence[0];
  sign_transaction(tx, f.net.users[0], hash256{});
  CHECK(f.engine.head_state().check_transaction(tx, signature_check::verify));

  const auto& signer = f.net.delegates.at(f.engine.confirming_cluster(header_hash(b1.header))->members[0].key).keys;
  REQUIRE(f.engine.add_confirmation(test::confirm(b1, signer)).evidence.empty());
  auto c2 = f.engine.add_confirmation(test::confirm(twin, signer));
  REQUIRE(c2.evidence.size() == 1);
  CHECK(c2.evidence[0].kind == evidence_kind::double_vote);
  tx.payload = c2.evidence[0];
  sign_transaction(tx, f.net.users[0], hash256{});
  CHECK(f.engine.head_state().check_transaction(tx, signature_check::verify));
}

TEST_CASE("confirmations with bad signatures or from outside the cluster are refused") {
  engine_fixture f;
  auto b1 = f.next(0);
  REQUIRE(f.engine.add_block(b1, signature_check::verify).outcome == block_outcome::extended);
  auto c = test::confirm(b1, f.net.users[0]);  // not a delegate
  auto r = f.engine.add_confirmation(c);
  CHECK_FALSE(r.accepted);
  CHECK(r.err.code == errc::bad_confirmation);
  auto bad = test::confirm(b1, f.net.delegates.begin()->second.keys);
  bad.sig.data[0] ^= 1;
  CHECK(f.engine.add_confirmation(bad).err.code == errc::bad_confirmation);
}

TEST_CASE("a transaction is found in the unfinalized best chain until its block is final") {
  engine_fixture f;
  auto tx = test::transfer(f.net.users[0], address_of(f.net.users[1].pub), 7, 0, 100, 1000);
  auto b1 = test::produce(f.net, f.builder, 0, 0, {tx});
  REQUIRE(f.builder.apply_block(b1, signature_check::verify));
  REQUIRE(b1.txs.size() == 1);
  const auto id = signing_hash(tx);
  CHECK_FALSE(f.engine.find_unfinalized_transaction(id));
  REQUIRE(f.engine.add_block(b1, signature_check::verify).outcome == block_outcome::extended);
  auto found = f.engine.find_unfinalized_transaction(id);
  REQUIRE(found);
  CHECK(found->blk->header.height == 1);
  CHECK(found->index == 0);
  CHECK_FALSE(f.engine.find_unfinalized_transaction(hash256{}));
  auto b2 = test::produce(f.net, f.builder, 1);
  REQUIRE(f.builder.apply_block(b2, signature_check::verify));
  REQUIRE(f.engine.add_block(b2, signature_check::verify).outcome == block_outcome::extended);
  f.confirm_by(b1, 6);
  f.confirm_by(b2, 6);
  REQUIRE(f.engine.final_height() == 1);
  CHECK_FALSE(f.engine.find_unfinalized_transaction(id));
}

namespace {

/// Builds the first block of global slot `g` with the engine (as the chain actor does for a local
/// producer), then grinds and signs it as the delegate does.
block build_signed(engine_fixture& f, std::uint64_t g, std::vector<transaction> txs) {
  const auto& head = f.engine.head_state();
  auto a = head.consensus().assignment_at(g);
  REQUIRE(a);
  chain_state::block_template t{a->producer, a->round, a->slot, a->start_ms, test::reveal_for(f.net, head, *a),
                                a->max_txs};
  auto b = f.engine.build_block(t, txs, signature_check::verify, nullptr);
  REQUIRE(b);
  grind_work(b->header, head.consensus().params().work_bits);
  sign_header(b->header, f.net.delegates.at(a->producer).keys, hash256{});
  return *b;
}

} // namespace

TEST_CASE("a produced block is executed once: its build is kept for the head and finality copies its changes") {
  engine_fixture f;
  chain_state reference(f.net.genesis().first);  // executes every block the usual way
  std::vector<block> chain;
  std::vector<chain_state> states;
  for (std::uint64_t g = 0; g < 4; ++g) {
    const auto to = address_of(f.net.users[3].pub);
    chain.push_back(build_signed(f, g, {test::transfer(f.net.users[0], to, 7 + g, g, 100, 1000),
                                        test::transfer(f.net.users[1], to, 9, g, 50, 1000)}));
    REQUIRE(chain.back().txs.size() == 2);
    REQUIRE(f.engine.add_block(chain.back(), signature_check::verify).outcome == block_outcome::extended);
    REQUIRE(reference.apply_block(chain.back(), signature_check::verify));
    reference.release_undo();
    states.push_back(reference);
  }
  CHECK(f.engine.executions().built == 4);
  CHECK(f.engine.executions().head_from_build == 4);
  CHECK(f.engine.executions().head_applied == 0);
  const auto& head = f.engine.head_state();
  CHECK(head.head_hash() == header_hash(chain[3].header));
  CHECK(head.state_root() == chain[3].header.state_root);
  CHECK(head.accounts().accounts() == reference.accounts().accounts());
  CHECK(head.consensus() == reference.consensus());

  f.confirm_by(chain[2], 6);
  auto c = f.confirm_by(chain[3], 6);
  REQUIRE(c.finalized.size() == 3);
  CHECK(f.engine.executions().final_advanced == 3);
  CHECK(f.engine.executions().head_applied == 0);
  CHECK(f.engine.executions().side_applied == 0);
  // The final state is what executing the three blocks gives, down to what storage writes next.
  const auto& fin = f.engine.final_state();
  const auto& expected = states[2];
  CHECK(fin.head_hash() == header_hash(chain[2].header));
  CHECK(fin.state_root() == chain[2].header.state_root);
  CHECK(fin.accounts().accounts() == expected.accounts().accounts());
  CHECK(fin.accounts().total_supply() == expected.accounts().total_supply());
  CHECK(fin.consensus() == expected.consensus());
  CHECK(fin.consensus().encode_scalars() == expected.consensus().encode_scalars());
  CHECK(f.engine.unpersisted_accounts() == expected.accounts().dirty());
  CHECK(f.engine.unpersisted_consensus() == expected.consensus().dirty_records());
  // Carried digests: the finalized blocks come with their hashes and transaction ids.
  CHECK(c.finalized[0]->hash == header_hash(chain[0].header));
  CHECK(c.finalized[2]->ids == transaction_ids(chain[2]));
}

TEST_CASE("a built block whose head moved meanwhile is executed, and one from its build is undone by a reorg") {
  engine_fixture f;
  // A peer's block takes the head before the local build returns: the build is not used.
  auto built = build_signed(f, 0, {});
  // Same slot, another body (built on the fixture's own copy of the chain).
  auto peer = test::produce(f.net, f.builder, 0, 0,
                            {test::transfer(f.net.users[0], address_of(f.net.users[1].pub), 3, 0, 10, 1000)});
  REQUIRE(f.engine.add_block(peer, signature_check::verify).outcome == block_outcome::extended);
  auto r = f.engine.add_block(built, signature_check::verify);
  CHECK(r.outcome == block_outcome::side);
  CHECK(f.engine.executions().head_from_build == 0);
  CHECK(f.engine.executions().head_applied == 1);
  CHECK(f.engine.executions().side_applied == 1);

  // A block put on the head from its build, then a longer branch: the reorg undoes it exactly.
  auto mine = build_signed(f, 1, {test::transfer(f.net.users[2], address_of(f.net.users[3].pub), 5, 0, 10, 1000)});
  REQUIRE(f.engine.add_block(mine, signature_check::verify).outcome == block_outcome::extended);
  CHECK(f.engine.executions().head_from_build == 1);
  chain_state other(f.net.genesis().first);
  REQUIRE(other.apply_block(built, signature_check::verify));
  std::vector<block> branch{built};
  for (std::uint64_t g = 1; g < 3; ++g) {
    branch.push_back(test::produce(f.net, other, g));
    REQUIRE(other.apply_block(branch.back(), signature_check::verify));
  }
  REQUIRE(f.engine.add_block(branch[1], signature_check::verify).outcome == block_outcome::side);
  CHECK(f.engine.add_block(branch[2], signature_check::verify).outcome == block_outcome::reorged);
  CHECK(f.engine.head_state().head_hash() == header_hash(branch[2].header));
  CHECK(f.engine.head_state().state_root() == branch[2].header.state_root);
  CHECK(f.engine.head_state().accounts().accounts() == other.accounts().accounts());
  CHECK(f.engine.head_state().consensus() == other.consensus());
}
