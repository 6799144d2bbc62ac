// The incrementally kept roots (ledger accounts, consensus VMs and stakes) always equal the roots
// of the same state built from scratch, through changes, rollbacks and restores.
#include <doctest/doctest.h>

#include "chains/consensus/chain_state.hpp"
#include "chains/crypto/hash.hpp"
#include "chains/ledger/ledger.hpp"
#include "tests/chains/network_fixture.hpp"

namespace bfd::test {
namespace {

// A ledger with the same content and cold caches.
hash256 fresh_root(const ledger& l) {
  std::vector<std::pair<address, account>> accounts(l.accounts().begin(), l.accounts().end());
  auto copy = ledger::restore(l.chain(), l.total_supply(), l.locked(), std::move(accounts));
  REQUIRE(copy);
  return copy->state_root();
}

address address_number(std::uint64_t i) {
  auto h = tagged_hash(hash_tag::address, byte_view{reinterpret_cast<const byte*>(&i), sizeof i});
  address a;
  std::copy(h.begin(), h.begin() + 20, a.begin());
  return a;
}

// Everything the consensus state holds, decoded from its full encoding and from its storage
// records: both must give the same root as the incrementally kept one.
void check_consensus_roots(const consensus_state& cs) {
  const auto root = cs.root();
  auto decoded = consensus_state::decode(cs.encode());
  REQUIRE(decoded);
  CHECK(decoded->root() == root);
  CHECK(*decoded == cs);
  auto copy = cs;
  copy.mark_all_dirty();
  std::vector<std::pair<bytes, bytes>> records;
  for (auto& [key, value] : copy.dirty_records()) {
    REQUIRE(value);
    records.emplace_back(key, *value);
  }
  std::sort(records.begin(), records.end());
  auto restored = consensus_state::restore(cs.encode_scalars(), records);
  REQUIRE(restored);
  CHECK(restored->root() == root);
  CHECK(*restored == cs);
}

} // namespace

TEST_CASE("the ledger root follows every change and rollback like a root computed from scratch") {
  auto l = ledger::from_genesis(mainchain_id, std::vector<genesis_allocation>{{address_number(0), 1'000'000}});
  REQUIRE(l);
  std::uint64_t x = 12345;
  auto next = [&x] {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    return x >> 33;
  };
  CHECK(l->state_root() == fresh_root(*l));
  for (int step = 0; step < 400; ++step) {
    const auto mark = l->checkpoint();
    const int ops = 1 + static_cast<int>(next() % 4);
    for (int k = 0; k < ops; ++k) {
      const auto a = address_number(next() % 300);
      const auto b = address_number(next() % 300);
      if (next() % 3 == 0)
        REQUIRE(l->mint(a, 1 + next() % 1000));
      else
        (void)l->move(a, b, 1 + next() % 500);  // may fail for lack of funds: nothing changes then
    }
    if (next() % 4 == 0)
      l->rollback(mark);
    else
      l->release_undo();
    REQUIRE(l->state_root() == fresh_root(*l));
  }
  CHECK(l->account_count() > 100);  // the accounts spread over many buckets
}

TEST_CASE("an unchanged ledger keeps its root; a one-unit change anywhere changes it") {
  auto l = ledger::from_genesis(mainchain_id, std::vector<genesis_allocation>{{address_number(1), 50}, {address_number(2), 50}});
  REQUIRE(l);
  const auto before = l->state_root();
  CHECK(l->state_root() == before);
  const auto mark = l->checkpoint();
  REQUIRE(l->move(address_number(1), address_number(2), 1));
  CHECK(l->state_root() != before);
  l->rollback(mark);
  CHECK(l->state_root() == before);
}

TEST_CASE("the consensus root follows blocks, votes and rollbacks like one computed from scratch") {
  network net;
  auto [st, g] = net.genesis();
  check_consensus_roots(st.consensus());
  std::vector<std::uint64_t> nonces(net.users.size(), 0);
  const auto& params = st.consensus().params();
  const std::uint64_t slots = 3 * params.rounds_per_epoch * st.consensus().round().order.size();
  for (std::uint64_t gs = 0; gs < slots; ++gs) {
    std::vector<transaction> txs;
    const auto a = st.consensus().assignment_at(gs);
    REQUIRE(a);
    if (gs % 3 == 1) {
      // A vote for this slot's producer, and sometimes an unvote of part of an earlier one.
      const auto u = gs % net.users.size();
      transaction tx;
      tx.nonce = nonces[u]++;
      tx.fee = 1000;
      tx.expiry = 1'000'000;
      if (gs % 9 == 7)
        tx.payload = unvote_payload{a->producer, 1};
      else
        tx.payload = vote_payload{a->producer, units_per_bfdt};
      sign_transaction(tx, net.users[u], hash256{});
      txs.push_back(tx);
    }
    // A block built and thrown away must leave no trace in the caches.
    auto probe = produce(net, st, gs, 0, txs);
    auto b = produce(net, st, gs, 0, txs);
    CHECK(header_hash(probe.header) == header_hash(b.header));
    auto applied = st.apply_block(b, signature_check::verify);
    if (!applied) {
      // An unvote of stake that was never voted: try again without it.
      --nonces[gs % net.users.size()];
      b = produce(net, st, gs);
      REQUIRE(st.apply_block(b, signature_check::verify));
    }
    CHECK(b.header.state_root == st.state_root());
    if (gs % 5 == 0)
      check_consensus_roots(st.consensus());
  }
  CHECK_FALSE(st.consensus().stakes().empty());
  check_consensus_roots(st.consensus());
}

} // namespace bfd::test
