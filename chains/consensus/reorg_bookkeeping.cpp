#include "chains/consensus/reorg_bookkeeping.hpp"

#include <algorithm>
#include <unordered_set>

namespace bfd {

best_chain_update update_told_best(told_best_blocks told, const std::vector<validated_ptr>& applied,
                                   std::uint64_t head_height, std::uint64_t final_height) {
  best_chain_update out;
  // The block applied last at each height is the one on the best chain (if not above the head);
  // one applied earlier at the same height was overtaken within this change.
  told_best_blocks now_at;
  std::vector<validated_ptr> overtaken;
  for (const auto& b : applied) {
    auto [at, fresh] = now_at.emplace(b->header().height, b);
    if (!fresh) {
      if (at->second->hash != b->hash)
        overtaken.push_back(at->second);
      at->second = b;
    }
  }
  for (auto i = now_at.begin(); i != now_at.end();) {
    if (i->first > head_height) {
      overtaken.push_back(i->second);
      i = now_at.erase(i);
    } else {
      ++i;
    }
  }
  // Reported blocks that a new block replaced, or that are above the new head.
  for (auto i = told.begin(); i != told.end();) {
    auto at = now_at.find(i->first);
    if (i->first > head_height || (at != now_at.end() && at->second->hash != i->second->hash)) {
      out.reverted.push_back(i->second);
      i = told.erase(i);
    } else {
      ++i;
    }
  }
  out.reverted.insert(out.reverted.end(), overtaken.begin(), overtaken.end());
  std::stable_sort(out.reverted.begin(), out.reverted.end(),
                   [](const validated_ptr& a, const validated_ptr& b) { return a->header().height < b->header().height; });
  // Each block once, and none that is on the best chain after all (applied, overtaken, applied again).
  std::unordered_set<hash256, fixed_bytes_hasher> seen;
  for (const auto& [height, b] : now_at)
    seen.insert(b->hash);
  std::vector<validated_ptr> unique;
  for (auto& b : out.reverted)
    if (seen.insert(b->hash).second)
      unique.push_back(std::move(b));
  out.reverted = std::move(unique);
  std::unordered_set<hash256, fixed_bytes_hasher> included;
  for (const auto& [height, b] : now_at) {
    out.included.insert(out.included.end(), b->ids.begin(), b->ids.end());
    included.insert(b->ids.begin(), b->ids.end());
    for (const auto& tx : b->txs())
      out.senders.insert(tx.sender);
    told[height] = b;
  }
  std::unordered_set<hash256, fixed_bytes_hasher> given_back;
  for (const auto& b : out.reverted)
    for (std::size_t i = 0; i < b->txs().size(); ++i) {
      out.senders.insert(b->txs()[i].sender);
      if (!included.count(b->ids[i]) && given_back.insert(b->ids[i]).second)
        out.returned.push_back(b->txs()[i]);
    }
  told.erase(told.begin(), told.upper_bound(final_height));
  out.told = std::move(told);
  return out;
}

} // namespace bfd
