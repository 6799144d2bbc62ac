// The reorg bookkeeping behind the chain actor's mempool notices (update_told_best): which
// reported blocks a head change drops, which transactions go back and whose nonces change.
#include <doctest/doctest.h>

#include <algorithm>

#include "chains/consensus/reorg_bookkeeping.hpp"

using namespace bfd;

namespace {

public_key sender_key(std::uint8_t n) {
  public_key k;
  k.data[0] = n;
  return k;
}

transaction tx_of(std::uint8_t sender, std::uint64_t nonce) {
  transaction t;
  t.sender = sender_key(sender);
  t.nonce = nonce;
  return t;
}

/// A block at `height` on branch `branch` (different branches give different hashes) holding `txs`.
validated_ptr block_at(std::uint64_t height, std::uint8_t branch, std::vector<transaction> txs = {}) {
  auto b = std::make_shared<block>();
  b->header.height = height;
  b->header.round = branch;
  b->txs = std::move(txs);
  return digest_block(std::move(b));
}

std::vector<std::uint64_t> heights(const told_best_blocks& told) {
  std::vector<std::uint64_t> out;
  for (const auto& [h, b] : told)
    out.push_back(h);
  return out;
}

std::vector<std::uint64_t> heights(const std::vector<validated_ptr>& blocks) {
  std::vector<std::uint64_t> out;
  for (const auto& b : blocks)
    out.push_back(b->header().height);
  return out;
}

bool holds(const std::vector<transaction>& txs, const transaction& t) {
  return std::find(txs.begin(), txs.end(), t) != txs.end();
}

} // namespace

TEST_CASE("extending the best chain reverts nothing and reports the new blocks") {
  auto a1 = block_at(1, 0, {tx_of(1, 0)});
  auto a2 = block_at(2, 0, {tx_of(1, 1), tx_of(2, 0)});
  auto first = update_told_best({}, {a1}, 1, 0);
  CHECK(first.reverted.empty());
  CHECK(first.returned.empty());
  CHECK(first.included == a1->ids);
  CHECK(heights(first.told) == std::vector<std::uint64_t>{1});
  auto second = update_told_best(first.told, {a2}, 2, 0);
  CHECK(second.reverted.empty());
  CHECK(second.returned.empty());
  CHECK(second.included == a2->ids);
  CHECK(second.senders == std::set<public_key>{sender_key(1), sender_key(2)});
  CHECK(heights(second.told) == std::vector<std::uint64_t>{1, 2});
  CHECK(second.told.at(2)->hash == a2->hash);
}

TEST_CASE("a reorg of depth 1 returns the dropped block's transactions that the new block lacks") {
  const auto shared = tx_of(1, 0);
  const auto dropped = tx_of(2, 0);
  auto a1 = block_at(1, 0);
  auto a2 = block_at(2, 0, {shared, dropped});
  auto b2 = block_at(2, 1, {shared});
  auto told = update_told_best({}, {a1, a2}, 2, 0).told;
  auto r = update_told_best(told, {b2}, 2, 0);
  REQUIRE(r.reverted.size() == 1);
  CHECK(r.reverted[0]->hash == a2->hash);
  CHECK(r.returned == std::vector<transaction>{dropped});
  CHECK(r.included == b2->ids);
  // Both senders' nonces must be learnt again: one's transaction is back in the pool.
  CHECK(r.senders == std::set<public_key>{sender_key(1), sender_key(2)});
  CHECK(r.told.at(1)->hash == a1->hash);
  CHECK(r.told.at(2)->hash == b2->hash);
}

TEST_CASE("a reorg deeper than one block reverts every replaced block, lowest first") {
  auto a1 = block_at(1, 0);
  auto a2 = block_at(2, 0, {tx_of(1, 0)});
  auto a3 = block_at(3, 0, {tx_of(1, 1)});
  auto a4 = block_at(4, 0, {tx_of(3, 0)});
  auto b2 = block_at(2, 1);
  auto b3 = block_at(3, 1);
  auto b4 = block_at(4, 1, {tx_of(3, 0)});
  auto b5 = block_at(5, 1);
  auto told = update_told_best({}, {a1, a2, a3, a4}, 4, 0).told;
  auto r = update_told_best(told, {b2, b3, b4, b5}, 5, 0);
  CHECK(heights(r.reverted) == std::vector<std::uint64_t>{2, 3, 4});
  // Sender 3's transaction is in b4 too: not returned.
  CHECK(r.returned == std::vector<transaction>{tx_of(1, 0), tx_of(1, 1)});
  CHECK(heights(r.told) == std::vector<std::uint64_t>{1, 2, 3, 4, 5});
  CHECK(r.told.at(4)->hash == b4->hash);
}

TEST_CASE("a reorg to a shorter branch reverts the reported blocks above the new head") {
  auto a1 = block_at(1, 0);
  auto a2 = block_at(2, 0, {tx_of(1, 0)});
  auto a3 = block_at(3, 0, {tx_of(1, 1)});
  auto b2 = block_at(2, 1);
  auto told = update_told_best({}, {a1, a2, a3}, 3, 0).told;
  auto r = update_told_best(told, {b2}, 2, 0);
  CHECK(heights(r.reverted) == std::vector<std::uint64_t>{2, 3});
  CHECK(r.returned == std::vector<transaction>{tx_of(1, 0), tx_of(1, 1)});
  CHECK(heights(r.told) == std::vector<std::uint64_t>{1, 2});
  CHECK(r.told.at(2)->hash == b2->hash);
  // No block applied at all, the head went back (a justification moved it): the block above goes.
  auto back = update_told_best(r.told, {}, 1, 0);
  CHECK(heights(back.reverted) == std::vector<std::uint64_t>{2});
  CHECK(back.included.empty());
  CHECK(heights(back.told) == std::vector<std::uint64_t>{1});
}

TEST_CASE("blocks at or below the final height are forgotten and never reverted") {
  auto a1 = block_at(1, 0, {tx_of(1, 0)});
  auto a2 = block_at(2, 0);
  auto a3 = block_at(3, 0);
  auto r = update_told_best({}, {a1, a2, a3}, 3, 2);
  CHECK(heights(r.told) == std::vector<std::uint64_t>{3});
  CHECK(r.included.size() == 1);  // the new blocks are still reported as included
  auto b3 = block_at(3, 1);
  auto after = update_told_best(r.told, {b3}, 3, 2);
  CHECK(heights(after.reverted) == std::vector<std::uint64_t>{3});
  CHECK(after.returned.empty());
  CHECK(update_told_best(after.told, {}, 3, 3).told.empty());
}

TEST_CASE("two blocks at one height in one change: the later is on the best chain, the earlier reverted") {
  auto a1 = block_at(1, 0);
  auto a2 = block_at(2, 0, {tx_of(1, 0), tx_of(2, 0)});
  auto a3 = block_at(3, 0, {tx_of(2, 1)});
  auto b2 = block_at(2, 1, {tx_of(1, 0)});
  // One engine call extended to a3 then switched to the shorter branch ending at b2.
  auto r = update_told_best({}, {a1, a2, a3, b2}, 2, 0);
  CHECK(heights(r.reverted) == std::vector<std::uint64_t>{2, 3});
  CHECK(r.returned == std::vector<transaction>{tx_of(2, 0), tx_of(2, 1)});
  CHECK(!holds(r.returned, tx_of(1, 0)));
  CHECK(r.included.size() == 1);
  CHECK(r.included == b2->ids);
  CHECK(heights(r.told) == std::vector<std::uint64_t>{1, 2});
  CHECK(r.told.at(2)->hash == b2->hash);
  // Away and back within one change: the block on the best chain at the end is not reverted.
  auto told = update_told_best({}, {a1, a2}, 2, 0).told;
  auto back = update_told_best(told, {b2, a2}, 2, 0);
  CHECK(heights(back.reverted) == std::vector<std::uint64_t>{2});
  CHECK(back.reverted[0]->hash == b2->hash);
  CHECK(back.returned.empty());  // b2's only transaction is in a2
  CHECK(back.told.at(2)->hash == a2->hash);
  // The same block applied twice is neither reverted nor reported twice.
  auto twice = update_told_best({}, {a1, a1}, 1, 0);
  CHECK(twice.reverted.empty());
  CHECK(twice.told.size() == 1);
}
