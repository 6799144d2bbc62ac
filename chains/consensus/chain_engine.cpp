#include "chains/consensus/chain_engine.hpp"

#include <algorithm>

#include "chains/codec/block_codec.hpp"

namespace bfd {

namespace {
// Equivocation records older than this many heights below the final one are dropped.
constexpr std::uint64_t equivocation_window = 10'000;
} // namespace

chain_engine::chain_engine(chain_state final_state, block final_block, std::optional<finality_certificate> cert)
  : final_(std::move(final_state)), head_(final_), final_cert_(std::move(cert)),
    final_block_(std::move(final_block)) {
  final_.release_undo();
  head_.release_undo();
}

const block* chain_engine::find_block(const hash256& hash) const {
  if (hash == final_hash())
    return &final_block_;
  auto i = blocks_.find(hash);
  return i == blocks_.end() ? nullptr : &i->second.blk;
}

const block* chain_engine::best_block_at(std::uint64_t height) const {
  if (height == final_height())
    return &final_block_;
  if (height < final_height() || height > final_height() + best_.size())
    return nullptr;
  return &blocks_.at(best_[height - final_height() - 1]).blk;
}

std::optional<chain_engine::pending_location> chain_engine::find_unfinalized_transaction(const hash256& id) const {
  for (const auto& hash : best_) {
    const auto& b = blocks_.at(hash).blk;
    for (std::uint32_t i = 0; i < b.txs.size(); ++i)
      if (signing_hash(b.txs[i]) == id)
        return pending_location{&b, i};
  }
  return std::nullopt;
}

const cluster* chain_engine::confirming_cluster(const hash256& hash) const {
  auto i = blocks_.find(hash);
  return i == blocks_.end() || !i->second.validated ? nullptr : &i->second.confirmers;
}

std::vector<hash256> chain_engine::branch_to(const hash256& tip) const {
  std::vector<hash256> branch;
  hash256 cur = tip;
  while (cur != final_hash()) {
    auto i = blocks_.find(cur);
    if (i == blocks_.end())
      return {};
    branch.push_back(cur);
    cur = i->second.blk.header.parent;
  }
  std::reverse(branch.begin(), branch.end());
  return branch;
}

void chain_engine::check_header_equivocation(const block_header& h, std::vector<evidence_payload>& out) {
  if (h.height == 0 || !verify_header_signature(h))
    return;
  auto key = std::make_tuple(h.height, h.producer, h.round, h.slot);
  auto encoded = codec::encode(h);
  auto [it, inserted] = headers_seen_.emplace(key, encoded);
  if (!inserted && it->second != encoded)
    out.push_back({evidence_kind::double_block, it->second, encoded});
}

status chain_engine::rebuild_head(const std::vector<hash256>& branch) {
  chain_state next = final_;
  for (const auto& hash : branch) {
    auto& e = blocks_.at(hash);
    if (auto st = next.apply_block(e.blk, signature_check::verify); !st)
      return st;
    next.release_undo();
    e.confirmers = next.consensus().active();
    e.validated = true;
  }
  head_ = std::move(next);
  best_ = branch;
  return {};
}

bool chain_engine::may_confirm(const hash256& last_confirmed, std::uint64_t last_confirmed_height,
                               const hash256& candidate) const {
  if (last_confirmed_height <= final_height() || dead_.count(last_confirmed))
    return true;
  auto i = blocks_.find(candidate);
  if (i == blocks_.end())
    return false;
  hash256 cur = i->second.blk.header.parent;
  while (cur != final_hash()) {
    if (cur == last_confirmed)
      return true;
    auto p = blocks_.find(cur);
    if (p == blocks_.end())
      return false;
    cur = p->second.blk.header.parent;
  }
  return false;
}

block_result chain_engine::add_block(const block& b, signature_check sigs) {
  block_result out;
  const auto hash = header_hash(b.header);
  check_header_equivocation(b.header, out.evidence);
  if (b.header.chain != final_.chain()) {
    out.err = make_error(errc::wrong_chain, "block of another chain");
    return out;
  }
  // Only an authentic header with its own body is kept, even on a side branch or as an orphan:
  // otherwise a forged body stored under the real hash would shadow the real block.
  if (!verify_header_signature(b.header)) {
    out.err = make_error(errc::bad_block_signature, "producer signature does not verify");
    return out;
  }
  if (transactions_root(b) != b.header.tx_root) {
    out.err = make_error(errc::bad_merkle_root, "tx_root does not match the transactions");
    return out;
  }
  if (b.header.height <= final_height()) {
    out.outcome = block_outcome::stale;
    return out;
  }
  if (blocks_.count(hash)) {
    out.outcome = block_outcome::duplicate;
    return out;
  }
  const auto& parent = b.header.parent;
  if (parent != final_hash() && !blocks_.count(parent)) {
    if (orphans_.size() < max_orphans)
      orphans_.emplace(parent, b);
    out.outcome = block_outcome::orphan;
    return out;
  }
  blocks_.emplace(hash, entry{b, hash, {}, false});
  if (parent == head_.head_hash()) {
    if (auto st = head_.apply_block(b, sigs); !st) {
      blocks_.erase(hash);
      out.err = st.error();
      return out;
    }
    head_.release_undo();
    auto& e = blocks_.at(hash);
    e.confirmers = head_.consensus().active();
    e.validated = true;
    best_.push_back(hash);
    out.outcome = block_outcome::extended;
    out.applied.push_back(b);
  } else {
    auto branch = branch_to(hash);
    if (branch.size() <= best_.size()) {
      if (blocks_.size() > best_.size() + max_side_blocks) {
        blocks_.erase(hash);
        out.err = make_error(errc::too_large, "too many side blocks held");
        return out;
      }
      out.outcome = block_outcome::side;
    } else {
      auto old_best = best_;
      if (auto st = rebuild_head(branch); !st) {
        blocks_.erase(hash);
        out.err = st.error();
        return out;
      }
      out.outcome = block_outcome::reorged;
      std::size_t common = 0;
      while (common < old_best.size() && common < branch.size() && old_best[common] == branch[common])
        ++common;
      for (std::size_t i = common; i < branch.size(); ++i)
        out.applied.push_back(blocks_.at(branch[i]).blk);
    }
  }
  for (const auto& applied : out.applied)
    try_finalize(header_hash(applied.header), out.finalized);
  adopt_orphans(hash, out, sigs);
  return out;
}

void chain_engine::adopt_orphans(const hash256& parent, block_result& out, signature_check sigs) {
  auto range = orphans_.equal_range(parent);
  std::vector<block> children;
  for (auto i = range.first; i != range.second; ++i)
    children.push_back(i->second);
  orphans_.erase(range.first, range.second);
  for (const auto& child : children) {
    auto r = add_block(child, sigs);
    out.evidence.insert(out.evidence.end(), r.evidence.begin(), r.evidence.end());
    out.applied.insert(out.applied.end(), r.applied.begin(), r.applied.end());
    out.finalized.insert(out.finalized.end(), r.finalized.begin(), r.finalized.end());
  }
}

void chain_engine::try_finalize(const hash256& hash, std::vector<block>& finalized) {
  auto e = blocks_.find(hash);
  auto c = confirmations_.find(hash);
  if (e == blocks_.end() || !e->second.validated || c == confirmations_.end())
    return;
  // Both sides sorted by key: one merge walk instead of a search per signer.
  std::vector<std::pair<public_key, amount>> members;
  members.reserve(e->second.confirmers.members.size());
  for (const auto& m : e->second.confirmers.members)
    members.emplace_back(m.key, m.power);
  std::sort(members.begin(), members.end());
  amount power = 0;
  auto m = members.begin();
  for (const auto& [signer, sig] : c->second) {
    while (m != members.end() && m->first < signer)
      ++m;
    if (m != members.end() && m->first == signer)
      power += m->second;
  }
  if (exceeds_two_thirds(power, e->second.confirmers.power))
    finalize_to(hash, finalized);
}

void chain_engine::finalize_to(const hash256& hash, std::vector<block>& finalized) {
  const bool on_side = std::find(best_.begin(), best_.end(), hash) == best_.end();
  if (on_side) {
    // A block on a side branch became final: its branch is the only possible chain now.
    if (!rebuild_head(branch_to(hash)))
      return;
  }
  auto target = std::find(best_.begin(), best_.end(), hash);
  const auto count = static_cast<std::size_t>(target - best_.begin()) + 1;
  for (std::size_t i = 0; i < count; ++i) {
    auto& e = blocks_.at(best_[i]);
    // Already validated on the head: only the cheap parts are redone.
    if (!final_.apply_block(e.blk, signature_check::already_verified))
      return;  // cannot happen for a block the head applied from the same state
    final_.release_undo();
    finalized.push_back(e.blk);
  }
  const auto& final_entry = blocks_.at(hash);
  finality_certificate cert{final_.chain(), final_entry.blk.header.height, hash, {}};
  for (const auto& [signer, sig] : confirmations_[hash])
    if (final_entry.confirmers.find(signer))
      cert.signatures.push_back({signer, sig});
  final_cert_ = std::move(cert);
  final_block_ = final_entry.blk;
  best_.erase(best_.begin(), best_.begin() + static_cast<std::ptrdiff_t>(count));
  prune();
  if (on_side)
    adopt_longest_branch();
}

void chain_engine::adopt_longest_branch() {
  // After pruning every held block descends from the final one; follow the longest branch.
  std::vector<hash256> longest = best_;
  for (const auto& [hash, e] : blocks_) {
    if (e.blk.header.height - final_height() <= longest.size())
      continue;
    auto branch = branch_to(hash);
    if (branch.size() > longest.size())
      longest = std::move(branch);
  }
  if (longest.size() > best_.size() && !rebuild_head(longest))
    (void) rebuild_head(best_);  // a block of it is invalid: keep the chain we had
}

void chain_engine::prune() {
  const auto fh = final_height();
  // Drop finalized blocks and branches that no longer descend from the final block.
  for (auto i = blocks_.begin(); i != blocks_.end();) {
    const bool finalized = i->second.blk.header.height <= fh;
    if (finalized || branch_to(i->first).empty()) {
      if (!finalized || i->first != final_hash()) {
        // Either at or below the final height but not final, or above it on a dead branch.
        if (dead_.insert(i->first).second) {
          dead_order_.push_back(i->first);
          if (dead_order_.size() > max_side_blocks) {
            dead_.erase(dead_order_.front());
            dead_order_.pop_front();
          }
        }
      }
      i = blocks_.erase(i);
    } else {
      ++i;
    }
  }
  for (auto i = confirmations_.begin(); i != confirmations_.end();) {
    if (!blocks_.count(i->first))
      i = confirmations_.erase(i);
    else
      ++i;
  }
  for (auto i = orphans_.begin(); i != orphans_.end();) {
    if (i->second.header.height <= fh)
      i = orphans_.erase(i);
    else
      ++i;
  }
  if (fh > equivocation_window) {
    const auto floor = fh - equivocation_window;
    // Both maps are ordered by height first: what falls out of the window is a prefix.
    headers_seen_.erase(headers_seen_.begin(),
                        headers_seen_.lower_bound(std::make_tuple(floor, public_key{}, std::uint64_t{0}, std::uint64_t{0})));
    confirmations_seen_.erase(confirmations_seen_.begin(),
                              confirmations_seen_.lower_bound(std::make_pair(floor, public_key{})));
  }
}

confirmation_result chain_engine::add_confirmation(const confirmation& c, signature_check sigs) {
  confirmation_result out;
  if (c.chain != final_.chain()) {
    out.err = make_error(errc::wrong_chain, "confirmation of another chain");
    return out;
  }
  if (sigs == signature_check::verify && !verify_confirmation(c)) {
    out.err = make_error(errc::bad_confirmation, "signature does not verify");
    return out;
  }
  // Only delegates of this chain are remembered at all, even for equivocation detection.
  const auto* signer_vm = head_.consensus().find_vm(c.signer);
  if (!signer_vm || signer_vm->status == vm_status::slashed) {
    out.err = make_error(errc::bad_confirmation, "signer is not a delegate of this chain");
    return out;
  }
  auto [seen, inserted] = confirmations_seen_.emplace(std::make_pair(c.height, c.signer), c);
  if (!inserted && seen->second.block != c.block)
    out.evidence.push_back({evidence_kind::double_confirmation, codec::encode(seen->second), codec::encode(c)});
  out.accepted = true;
  if (c.height <= final_height())
    return out;
  auto e = blocks_.find(c.block);
  if (e != blocks_.end() && e->second.validated && !e->second.confirmers.find(c.signer)) {
    out.accepted = false;
    out.err = make_error(errc::bad_confirmation, "signer is not in the block's cluster");
    return out;
  }
  if (e == blocks_.end() || !e->second.validated) {
    // Not yet checkable against the block's cluster (the signer is a delegate, checked above).
    if (confirmations_.size() >= max_early_confirmations)
      return out;  // too many confirmations of unknown blocks: drop, they will be re-sent
  }
  confirmations_[c.block][c.signer] = c.sig;
  try_finalize(c.block, out.finalized);
  return out;
}

} // namespace bfd
