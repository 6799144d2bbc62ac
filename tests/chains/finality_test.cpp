// The finality gadget: cluster changes anchored by finality (dual quorum until then), the light
// client that follows them, the two slashable vote offences, and a randomized adversary holding
// just under 1/3 of the power that never gets two conflicting blocks final.
#include <doctest/doctest.h>

#include <random>

#include "chains/consensus/light_client.hpp"
#include "tests/chains/network_fixture.hpp"

using namespace bfd;
using test::network;

namespace {

/// A chain that changes its cluster: user 0 buys a VM with a bid above every other, so the
/// selection at the start of epoch 1 differs and the new cluster is active from epoch 2.
struct changing_chain {
  network net;
  chain_state builder;
  chain_engine engine;
  std::vector<block> blocks;
  std::uint64_t next_slot = 0;

  changing_chain() : net(make_net()), builder(net.genesis().first), engine(net.genesis().first, net.genesis().second) {}

  static network make_net() {
    network n;
    const auto& k = n.users[0];
    n.delegates[k.pub] = {k, std::make_shared<hash_chain>(test::chain_seed_of(k), 64, 8)};
    return n;
  }

  /// Produces the next slot's first block (with `txs`), adds it to the engine.
  const block& produce(std::vector<transaction> txs = {}) {
    auto b = test::produce(net, builder, next_slot++, 0, std::move(txs));
    REQUIRE(builder.apply_block(b, signature_check::verify));
    builder.release_undo();
    auto r = engine.add_block(b, signature_check::verify);
    REQUIRE(r.outcome == block_outcome::extended);
    blocks.push_back(b);
    return blocks.back();
  }

  transaction bid() const {
    const auto& k = net.users[0];
    transaction tx;
    tx.nonce = 0;
    tx.fee = 0;
    tx.expiry = 1'000'000;
    tx.payload = vm_bid_payload{0, 500 * units_per_bfdt, net.delegates.at(k.pub).chain->tip()};
    sign_transaction(tx, k, hash256{});
    return tx;
  }

  /// Votes for `b` from its vote source by every member of `voters`.
  confirmation_result vote_by(const block& b, const cluster& voters) {
    const auto hash = header_hash(b.header);
    const auto source = engine.vote_source(hash);
    REQUIRE(source);
    confirmation_result last;
    for (const auto& m : voters.members) {
      auto r = engine.add_confirmation(test::vote(b, net.delegates.at(m.key).keys, source->height, source->hash));
      if (!r.finalized.empty())
        last = r;
    }
    return last;
  }

  /// Votes for `b` by its cluster and, where the engine asks for it, the final block's cluster.
  confirmation_result vote_all(const block& b) {
    const auto hash = header_hash(b.header);
    const cluster own = *engine.confirming_cluster(hash);
    const auto dual = engine.dual_cluster(hash);
    auto r = vote_by(b, own);
    if (dual) {
      auto d = vote_by(b, *dual);
      r.finalized.insert(r.finalized.end(), d.finalized.begin(), d.finalized.end());
    }
    return r;
  }
};

} // namespace

TEST_CASE("a new cluster counts alone only once the block that selected it is final") {
  changing_chain c;
  const auto genesis_cluster = c.engine.head_state().consensus().active();
  c.vote_all(c.produce({c.bid()}));
  // Epoch 0 (rounds 0-3) without votes: nothing final after the first block.
  while (c.engine.head_state().consensus().epoch() < 2)
    c.produce();
  const auto& first_new = c.blocks.back();
  const cluster now = *c.engine.confirming_cluster(header_hash(first_new.header));
  REQUIRE_FALSE(now == genesis_cluster);  // the bidder's VM is in the new cluster
  REQUIRE(now.find(c.net.users[0].pub));
  // The final block is still genesis: the block that fixed the new cluster (epoch 1's first) is
  // not final, so the new cluster alone does not justify anything.
  REQUIRE(c.engine.final_height() == 0);
  const auto dual = c.engine.dual_cluster(header_hash(first_new.header));
  REQUIRE(dual);
  CHECK(*dual == genesis_cluster);
  // The bidder (500) and two members of the old cluster hold more than 2/3 of the new cluster
  // (700 of 1,000) but only 200 of the old one's 600.
  cluster some_new;
  some_new.members.push_back(*now.find(c.net.users[0].pub));
  for (const auto& m : now.members)
    if (m.key != c.net.users[0].pub && some_new.members.size() < 3)
      some_new.members.push_back(m);
  c.vote_by(first_new, some_new);
  CHECK_FALSE(c.engine.is_justified(header_hash(first_new.header)));
  // With more than 2/3 of the genesis cluster too, it is justified.
  c.vote_by(first_new, genesis_cluster);
  CHECK(c.engine.is_justified(header_hash(first_new.header)));
  // Its child, voted the same way, makes it final: from then on the new cluster counts alone.
  const auto& child = c.produce();
  c.vote_all(child);
  CHECK(c.engine.final_hash() == header_hash(first_new.header));
  const auto& next = c.produce();
  CHECK_FALSE(c.engine.dual_cluster(header_hash(next.header)));
  c.vote_by(next, now);
  CHECK(c.engine.final_hash() == header_hash(child.header));
}

TEST_CASE("a light client trusting the genesis cluster follows a cluster change from certificates and state proofs") {
  changing_chain c;
  auto [gs, gb] = c.net.genesis();
  auto client = light_client::start(gb.header, make_state_proof(gs));
  REQUIRE(client);
  auto follower = *client;  // takes final headers without state proofs
  // A proof that does not reproduce the header's state root is refused.
  auto forged = make_state_proof(gs);
  forged.ledger_root.data[0] ^= 1;
  CHECK(light_client::start(gb.header, forged).error().code == errc::bad_proof);

  c.vote_all(c.produce({c.bid()}));
  std::size_t accepted = 0, refused_without_proof = 0;
  while (c.engine.head_state().consensus().epoch() < 3) {
    const auto before = c.engine.final_height();
    c.vote_all(c.produce());
    if (c.engine.final_height() == before)
      continue;
    const auto& cert = *c.engine.final_certificate();
    const auto& header = c.engine.find_block(c.engine.final_hash())->header;
    REQUIRE(client->accept_handoff(header, cert, make_state_proof(c.engine.final_state())));
    ++accepted;
    if (!follower.accept_final(header, cert))
      ++refused_without_proof;
    // The same header again is stale; a certificate of another link does not prove it.
    CHECK(client->accept_final(header, cert).error().code == errc::stale);
  }
  CHECK(accepted > 20);
  CHECK(client->trusts(cluster_hash(c.engine.head_state().consensus().active())));
  // A client that never took a state proof cannot follow past the change: certificates name the
  // cluster they count.
  CHECK(refused_without_proof > 0);
  CHECK_FALSE(follower.trusts(cluster_hash(c.engine.head_state().consensus().active())));
}

TEST_CASE("a light client refuses a certificate that does not prove the header final") {
  changing_chain c;
  auto [gs, gb] = c.net.genesis();
  auto client = light_client::start(gb.header, make_state_proof(gs));
  REQUIRE(client);
  const auto b1 = c.produce();
  const auto b2 = c.produce();
  c.vote_all(b1);
  // The justification of b1 (genesis -> b1) proves genesis final, not b1.
  auto justification = *c.engine.justification_of(header_hash(b1.header));
  c.vote_all(b2);
  REQUIRE(c.engine.final_height() == 1);
  const auto cert = *c.engine.final_certificate();
  CHECK(client->accept_final(b1.header, justification).error().code == errc::bad_proof);
  auto short_cert = cert;
  short_cert.signatures.resize(4);
  CHECK(client->accept_final(b1.header, short_cert).error().code == errc::not_final);
  CHECK(client->accept_final(b2.header, cert).error().code == errc::bad_proof);
  CHECK(client->accept_final(b1.header, cert));
  CHECK(client->latest().height == 1);
}

TEST_CASE("a surround vote is evidence that the chain accepts and that slashes the voter") {
  network net;
  auto [g, gb] = net.genesis();
  chain_engine node(g, gb);
  chain_state st = g;
  std::vector<block> chain;
  for (std::uint64_t s = 0; s < 4; ++s) {
    chain.push_back(test::produce(net, st, s));
    REQUIRE(st.apply_block(chain.back(), signature_check::verify));
    REQUIRE(node.add_block(chain.back(), signature_check::verify).outcome == block_outcome::extended);
  }
  const auto& voter = net.delegates.at(g.consensus().active().members[0].key).keys;
  // (genesis -> #4), then (#1 -> #3): the second lies strictly inside the first.
  CHECK(node.add_confirmation(test::vote(chain[3], voter, 0, header_hash(gb.header))).evidence.empty());
  auto r = node.add_confirmation(test::vote(chain[2], voter, 1, header_hash(chain[0].header)));
  REQUIRE(r.evidence.size() == 1);
  CHECK(r.evidence[0].kind == evidence_kind::surround_vote);
  // A double vote: another target at height 4.
  block other = chain[3];
  other.header.timestamp_ms += 1;
  auto d = node.add_confirmation(test::vote(other, voter, 0, header_hash(gb.header)));
  REQUIRE(d.evidence.size() == 1);
  CHECK(d.evidence[0].kind == evidence_kind::double_vote);
  // A mislabelled evidence proves nothing.
  transaction tx;
  tx.nonce = 0;
  tx.expiry = 1'000'000;
  auto mislabelled = r.evidence[0];
  mislabelled.kind = evidence_kind::double_vote;
  tx.payload = mislabelled;
  sign_transaction(tx, net.users[1], hash256{});
  CHECK(st.check_transaction(tx, signature_check::verify).error().code == errc::bad_evidence);

  // Included in a block, the evidence burns the voter's bid and takes it out of the cluster.
  tx.payload = r.evidence[0];
  sign_transaction(tx, net.users[1], hash256{});
  REQUIRE(st.check_transaction(tx, signature_check::verify));
  const auto supply = st.accounts().total_supply();
  const auto bid = st.consensus().find_vm(voter.pub)->bid;
  auto b = test::produce(net, st, 4, 0, {tx});
  REQUIRE(b.txs.size() == 1);
  REQUIRE(st.apply_block(b, signature_check::verify));
  CHECK(st.consensus().find_vm(voter.pub)->status == vm_status::slashed);
  CHECK(st.consensus().active().find(voter.pub) == nullptr);
  CHECK(st.accounts().total_supply() + bid == supply + st.consensus().params().block_reward);
  // Its later votes are refused, before they cost memory.
  REQUIRE(node.add_block(b, signature_check::verify).outcome == block_outcome::extended);
  auto after = node.add_confirmation(test::vote(b, voter, 4, header_hash(chain[3].header)));
  CHECK_FALSE(after.accepted);
}

TEST_CASE("votes from strangers, from far above the head or for far-away heights cost nothing") {
  network net;
  auto [g, gb] = net.genesis();
  chain_engine node(g, gb);
  chain_state st = g;
  auto b1 = test::produce(net, st, 0);
  REQUIRE(node.add_block(b1, signature_check::verify).outcome == block_outcome::extended);
  auto stranger = test::vote(b1, net.users[0], 0, header_hash(gb.header));
  CHECK(node.add_confirmation(stranger).err.code == errc::bad_confirmation);
  const auto& member = net.delegates.at(g.consensus().active().members[0].key).keys;
  auto far = test::vote(b1, member, 0, header_hash(gb.header));
  far.height = 1 + chain_engine::max_ahead + 1;
  sign_confirmation(far, member, hash256{});
  CHECK(node.add_confirmation(far).err.code == errc::bad_confirmation);
  // A VM outside every current cluster is a stranger too.
  network big(4);  // 12 VMs: the cluster takes 6
  auto [bg, bgb] = big.genesis();
  chain_engine other(bg, bgb);
  public_key outsider;
  for (const auto& [key, d] : big.delegates)
    if (!bg.consensus().active().find(key) && !bg.consensus().next().find(key))
      outsider = key;
  REQUIRE(outsider != public_key{});
  chain_state bst = bg;
  auto ob = test::produce(big, bst, 0);
  REQUIRE(other.add_block(ob, signature_check::verify).outcome == block_outcome::extended);
  CHECK(other.add_confirmation(test::vote(ob, big.delegates.at(outsider).keys, 0, header_hash(bgb.header))).err.code
        == errc::bad_confirmation);
}

namespace {

/// Honest: the gadget's two rules against its own last vote, source from its node's view.
struct honest_voter {
  const key_pair* keys = nullptr;
  signing_record record;
  std::optional<confirmation> offer(const chain_engine& view, const block& b) {
    const auto s = view.vote_source(header_hash(b.header));
    if (!s || !may_vote(record, s->height, b.header.height))
      return std::nullopt;
    record.vote_target_height = b.header.height;
    record.vote_source_height = s->height;
    return test::vote(b, *keys, s->height, s->hash);
  }
};

} // namespace

TEST_CASE("equivocators holding just under 1/3 of the power never get two conflicting blocks final") {
  // Six members: two byzantine with 160 each (gold, silver), four honest: 160 in gold and
  // silver, 180 twice in bronze. Byzantine power 320 of 1,000: 32%. (Equal powers within each
  // category make the first pass of the selection exactly half, so it takes all six.)
  network net(0);
  const std::uint64_t u = units_per_bfdt;
  std::vector<public_key> byz, honest;
  byz.push_back(net.add_vm(0x60, 0, 160 * u).keys.pub);
  byz.push_back(net.add_vm(0x61, 1, 160 * u).keys.pub);
  honest.push_back(net.add_vm(0x62, 0, 160 * u).keys.pub);
  honest.push_back(net.add_vm(0x63, 1, 160 * u).keys.pub);
  honest.push_back(net.add_vm(0x64, 2, 180 * u).keys.pub);
  honest.push_back(net.add_vm(0x65, 2, 180 * u).keys.pub);
  auto [g, gb] = net.genesis();
  REQUIRE(g.consensus().active().members.size() == 6);
  std::size_t finals = 0, evidence_runs = 0;
  for (std::uint64_t seed = 1; seed <= 60; ++seed) {
    std::mt19937_64 rng(seed);
    chain_engine x(g, gb), y(g, gb);
    // Two branches from genesis in interleaved slots: A takes slots where the coin says so.
    chain_state sa = g, sb = g;
    std::vector<block> a, b;
    for (std::uint64_t s = 0; s < 16; ++s) {
      auto& st = rng() % 2 ? sa : sb;
      auto& list = &st == &sa ? a : b;
      list.push_back(test::produce(net, st, s));
      REQUIRE(st.apply_block(list.back(), signature_check::verify));
    }
    // Honest voters: two watch node X, two node Y. For the first half the network is split: X
    // sees only branch A, Y only branch B, honest votes stay on their side, byzantine votes reach
    // both. Then it heals: every block and vote reaches both nodes, in a shuffled order.
    std::vector<honest_voter> hv;
    for (const auto& k : honest)
      hv.push_back({&net.delegates.at(k).keys, {}});
    std::map<std::uint64_t, hash256> final_x, final_y;
    auto record = [](std::map<std::uint64_t, hash256>& m, const std::vector<validated_ptr>& fin) {
      for (const auto& f : fin)
        m[f->header().height] = f->hash;
    };
    std::set<public_key> offenders;
    struct pending {
      confirmation vote;
      int to;  // 1: X, 2: Y, 3: both
    };
    std::vector<pending> in_flight;
    auto deliver = [&](const pending& p) {
      for (int side = 1; side <= 2; ++side) {
        if (!(p.to & side))
          continue;
        auto& node = side == 1 ? x : y;
        auto r = node.add_confirmation(p.vote);
        record(side == 1 ? final_x : final_y, r.finalized);
        for (const auto& ev : r.evidence)
          if (auto first = codec::decode_confirmation(ev.first))
            offenders.insert(first->signer);
      }
    };
    auto add = [&](chain_engine& node, const block& blk) {
      record(&node == &x ? final_x : final_y, node.add_block(blk, signature_check::verify).finalized);
    };
    std::size_t ia = 0, ib = 0, step = 0;
    const std::size_t heal_at = (a.size() + b.size()) / 2;
    while (ia < a.size() || ib < b.size()) {
      const bool split = step++ < heal_at;
      if (step - 1 == heal_at) {  // the heal: each side receives the other's blocks
        for (std::size_t i = 0; i < ib; ++i)
          add(x, b[i]);
        for (std::size_t i = 0; i < ia; ++i)
          add(y, a[i]);
      }
      const bool take_a = ib >= b.size() || (ia < a.size() && rng() % 2);
      const block& blk = take_a ? a[ia++] : b[ib++];
      if (!split || take_a)
        add(x, blk);
      if (!split || !take_a)
        add(y, blk);
      for (std::size_t i = 0; i < hv.size(); ++i) {
        const int side = i < 2 ? 1 : 2;
        auto& view = side == 1 ? x : y;
        if (!view.find_block(header_hash(blk.header)))
          continue;
        if (auto v = hv[i].offer(view, blk))
          in_flight.push_back({*v, split ? side : 3});
      }
      for (const auto& k : byz)
        for (auto* view : {&x, &y})
          if (auto s = view->vote_source(header_hash(blk.header)))
            in_flight.push_back({test::vote(blk, net.delegates.at(k).keys, s->height, s->hash), 3});
      std::shuffle(in_flight.begin(), in_flight.end(), rng);
      const auto n = in_flight.size() - in_flight.size() / 3;  // a third stays in flight
      for (std::size_t i = 0; i < n; ++i)
        deliver(in_flight[i]);
      in_flight.erase(in_flight.begin(), in_flight.begin() + static_cast<std::ptrdiff_t>(n));
    }
    for (auto& p : in_flight) {
      p.to = 3;
      deliver(p);
    }
    for (const auto& final_block : final_x) {
      const auto h = final_block.first;  // a named local: the message captures it (clang 14)
      if (auto other = final_y.find(h); other != final_y.end())
        REQUIRE_MESSAGE(other->second == final_block.second,
                        "seed " << seed << ": conflicting final blocks at #" << h);
    }
    finals += final_x.size() + final_y.size();
    for (const auto& o : offenders)
      CHECK(std::find(byz.begin(), byz.end(), o) != byz.end());  // only byzantine keys offend
    evidence_runs += offenders.empty() ? 0 : 1;
  }
  MESSAGE(finals << " final blocks over 60 runs; evidence in " << evidence_runs << " runs");
  CHECK(finals > 0);
  CHECK(evidence_runs > 0);
}

TEST_CASE("a reorg near the head of a long unfinalized chain undoes only the blocks above the fork") {
  network net;
  auto [g, gb] = net.genesis();
  chain_engine node(g, gb);
  chain_state main = g;
  std::vector<block> chain;
  std::vector<chain_state> states;  // the state after each block, to fork from
  for (std::uint64_t s = 0; s < 40; ++s) {
    chain.push_back(test::produce(net, main, s));
    REQUIRE(main.apply_block(chain.back(), signature_check::verify));
    main.release_undo();
    states.push_back(main);
    REQUIRE(node.add_block(chain.back(), signature_check::verify).outcome == block_outcome::extended);
  }
  REQUIRE(node.final_height() == 0);  // nothing voted: 40 blocks above the final one
  // A fork from block 37 (height 37) in later slots, one block longer than the main chain.
  chain_state fork = states[36];
  std::vector<block> side;
  for (std::uint64_t s = 41; s < 45; ++s) {
    side.push_back(test::produce(net, fork, s));
    REQUIRE(fork.apply_block(side.back(), signature_check::verify));
    fork.release_undo();
  }
  for (std::size_t i = 0; i + 1 < side.size(); ++i)
    REQUIRE(node.add_block(side[i], signature_check::verify).outcome == block_outcome::side);
  auto r = node.add_block(side.back(), signature_check::verify);
  REQUIRE(r.outcome == block_outcome::reorged);
  CHECK(r.applied.size() == 4);
  CHECK(node.head_state().head_hash() == header_hash(side.back().header));
  CHECK(node.head_state().state_root() == fork.state_root());
  // The main chain grows back past it: the head returns, its state exact.
  for (std::uint64_t s = 45; s < 48; ++s) {
    chain.push_back(test::produce(net, main, s));
    REQUIRE(main.apply_block(chain.back(), signature_check::verify));
    main.release_undo();
    node.add_block(chain.back(), signature_check::verify);
  }
  CHECK(node.head_state().head_hash() == header_hash(chain.back().header));
  CHECK(node.head_state().state_root() == main.state_root());
  // And finality over the returned chain leaves exactly the main chain's state.
  for (std::size_t i = 0; i < chain.size(); ++i) {
    const auto& b = chain[i];
    const auto source = node.vote_source(header_hash(b.header));
    REQUIRE(source);
    for (const auto& m : node.confirming_cluster(header_hash(b.header))->members)
      node.add_confirmation(test::vote(b, net.delegates.at(m.key).keys, source->height, source->hash));
  }
  CHECK(node.final_height() == chain.size() - 1);
  CHECK(node.final_hash() == header_hash(chain[chain.size() - 2].header));
  CHECK(node.head_state().state_root() == main.state_root());
}

TEST_CASE("a fresh engine re-learns the justifications above the final block from the stored record") {
  changing_chain c;
  const auto b1 = c.produce();
  const auto b2 = c.produce();
  const auto b3 = c.produce();
  c.vote_all(b1);
  c.vote_all(b2);  // b1 final; b2 justified from it
  REQUIRE(c.engine.final_height() == 1);
  // b3's votes name b2, a justified block above the final one: what a restart must not forget.
  REQUIRE(c.engine.vote_source(header_hash(b3.header))->hash == header_hash(b2.header));
  const auto record = c.engine.unfinal_justification();
  CHECK(record.blocks.size() == 1);
  CHECK(record.certificates.size() == 1);
  auto decoded = codec::decode_justification_record(codec::encode(record));
  REQUIRE(decoded);

  // A node restarted at final #1 with only what storage holds.
  chain_engine restarted(c.engine.final_state(), b1, c.engine.final_certificate());
  REQUIRE_FALSE(restarted.is_justified(header_hash(b2.header)));
  std::size_t added = 0;
  auto r = restarted.restore_justification(*decoded, added);
  CHECK(added == 1);
  CHECK(r.accepted);
  CHECK(restarted.is_justified(header_hash(b2.header)));
  CHECK(restarted.highest_justified() == c.engine.highest_justified());
  // Its delegates vote from b2 again, and the chain finalizes on.
  REQUIRE(restarted.add_block(b3, signature_check::verify).outcome == block_outcome::extended);
  CHECK(restarted.vote_source(header_hash(b3.header))->hash == header_hash(b2.header));
}

TEST_CASE("the voting rules a delegate keeps exclude both offences against its last vote") {
  signing_record r;
  r.vote_source_height = 5;
  r.vote_target_height = 8;
  CHECK(may_vote(r, 5, 9));        // next target, same source
  CHECK(may_vote(r, 8, 9));        // newer source
  CHECK_FALSE(may_vote(r, 6, 8));  // same target height: a double vote
  CHECK_FALSE(may_vote(r, 4, 9));  // older source, higher target: would surround 5 -> 8
  CHECK_FALSE(may_vote(r, 6, 7));  // inside 5 -> 8
  CHECK_FALSE(may_vote(r, 9, 9));  // target not above source
  r.signed_slot_plus_one = 11;     // signed in global slot 10 ...
  r.signed_height = 40;            // ... at height 40
  CHECK_FALSE(may_sign_height(r, 10, 40));  // a second block of slot 10 at height 40
  CHECK(may_sign_height(r, 10, 41));
  CHECK(may_sign_height(r, 11, 40));        // another slot: another (round, slot)
}
