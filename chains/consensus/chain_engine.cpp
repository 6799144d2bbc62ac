#include "chains/consensus/chain_engine.hpp"

#include <algorithm>

#include "chains/codec/block_codec.hpp"

namespace bfd {

chain_engine::chain_engine(chain_state final_state, block final_block, std::optional<finality_certificate> cert)
  : final_(std::move(final_state)), head_(final_), final_cert_(std::move(cert)),
    final_block_(digest_block(std::make_shared<const block>(std::move(final_block)))) {
  final_.release_undo();
  head_.release_undo();
  final_active_fixed_ = final_next_fixed_ = final_height();
  final_active_hash_ = cluster_hash(final_.consensus().active());
  final_next_hash_ = cluster_hash(final_.consensus().next());
  final_epoch_ = final_.consensus().epoch();
}

void chain_engine::stamp_clusters(entry& e, const consensus_state& after) {
  std::uint64_t parent_active_fixed = final_active_fixed_, parent_next_fixed = final_next_fixed_;
  hash256 parent_next = final_next_hash_;
  std::uint64_t parent_epoch = final_epoch_;
  if (auto p = blocks_.find(e.vb->header().parent); p != blocks_.end()) {
    parent_active_fixed = p->second.active_fixed;
    parent_next_fixed = p->second.next_fixed;
    parent_next = p->second.next_hash;
    parent_epoch = p->second.epoch;
  }
  const auto height = e.vb->header().height;
  e.epoch = after.epoch();
  e.active_hash = cluster_hash(after.active());
  e.next_hash = cluster_hash(after.next());
  // Slashing removes members from both clusters without making them new clusters: a subset of
  // a cluster needs no anchor (docs/consensus.md, cluster changes). An epoch boundary does.
  e.next_fixed = e.next_hash == parent_next || e.epoch == parent_epoch ? parent_next_fixed : height;
  e.active_fixed = e.epoch == parent_epoch ? parent_active_fixed : parent_next_fixed;
  e.confirmers = after.active();
  e.validated = true;
}

std::optional<cluster> chain_engine::dual_cluster(const hash256& hash) const {
  auto i = blocks_.find(hash);
  if (i == blocks_.end() || !i->second.validated || final_height() >= i->second.active_fixed)
    return std::nullopt;
  cluster out = final_.consensus().active();
  const auto& head = head_.consensus();
  std::erase_if(out.members, [&](const cluster_member& m) {
    const auto* vm = head.find_vm(m.key);
    if (vm && vm->status != vm_status::slashed)
      return false;
    out.power -= m.power;
    return true;
  });
  return out;
}

validated_ptr chain_engine::find_validated(const hash256& hash) const {
  if (hash == final_hash())
    return final_block_;
  auto i = blocks_.find(hash);
  return i == blocks_.end() ? nullptr : i->second.vb;
}

validated_ptr chain_engine::best_validated_at(std::uint64_t height) const {
  if (height == final_height())
    return final_block_;
  if (height < final_height() || height > final_height() + best_.size())
    return nullptr;
  return blocks_.at(best_[height - final_height() - 1]).vb;
}

const block* chain_engine::find_block(const hash256& hash) const {
  auto v = find_validated(hash);
  return v ? v->blk.get() : nullptr;
}

const block* chain_engine::best_block_at(std::uint64_t height) const {
  auto v = best_validated_at(height);
  return v ? v->blk.get() : nullptr;
}

std::optional<chain_engine::pending_location> chain_engine::find_unfinalized_transaction(const hash256& id) const {
  for (const auto& hash : best_) {
    const auto& v = *blocks_.at(hash).vb;
    for (std::uint32_t i = 0; i < v.ids.size(); ++i)
      if (v.ids[i] == id)
        return pending_location{v.blk.get(), i, v.hash};
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
    cur = i->second.vb->header().parent;
  }
  std::reverse(branch.begin(), branch.end());
  return branch;
}

bool chain_engine::is_relevant_signer(const public_key& key) const {
  const auto& h = head_.consensus();
  const auto& f = final_.consensus();
  return h.active().find(key) || h.next().find(key) || f.active().find(key) || f.next().find(key);
}

void chain_engine::check_header_equivocation(const block_header& h, std::vector<evidence_payload>& out) {
  // Called with an authentic header only. Remembered for producers that are delegates of a
  // current cluster and for heights near the final one, so strangers cannot fill memory.
  if (h.height == 0 || h.height + equivocation_window < final_height()
      || h.height > head_.head().height + max_ahead || !is_relevant_signer(h.producer))
    return;
  auto key = std::make_tuple(h.height, h.producer, h.round, h.slot);
  auto encoded = codec::encode(h);
  auto [it, inserted] = headers_seen_.emplace(key, encoded);
  if (!inserted && it->second != encoded)
    out.push_back({evidence_kind::double_block, it->second, encoded});
}

void chain_engine::record_vote(const confirmation& c, std::vector<evidence_payload>& out) {
  auto& mine = votes_seen_[c.signer];
  if (auto same = mine.find(c.height); same != mine.end()) {
    if (vote_conflict(same->second, c) == vote_offence::double_vote)
      out.push_back({evidence_kind::double_vote, codec::encode(same->second), codec::encode(c)});
    return;  // the first vote for a height is the one remembered
  }
  // A vote c surrounds an older one o when c.source < o.source and o.target < c.target, so o's
  // target lies strictly between c's source and target; c is surrounded when o.target > c.target.
  auto report = [&](const confirmation& older) {
    out.push_back({evidence_kind::surround_vote, codec::encode(older), codec::encode(c)});
  };
  bool found = false;
  for (auto i = mine.upper_bound(c.source_height); i != mine.end() && i->first < c.height && !found; ++i)
    if (vote_conflict(i->second, c) == vote_offence::surround_vote) {
      report(i->second);
      found = true;
    }
  for (auto i = mine.upper_bound(c.height); i != mine.end() && !found; ++i)
    if (vote_conflict(i->second, c) == vote_offence::surround_vote) {
      report(i->second);
      found = true;
    }
  mine.emplace(c.height, c);
}

status chain_engine::apply_to_head(entry& e, signature_check sigs) {
  // Executes the block on the head once, or takes it from its build when it is the block this
  // engine built on this very head; records its undo mark and what it changed (the final state
  // advances by that at finality, without executing it again).
  auto m = head_.checkpoint();
  head_.reset_changes();
  const chain_state::prechecked known{e.vb->hash};
  // A chain with modules beyond token and consensus always executes: the change sets carry only
  // ledger and consensus records.
  const bool from_build = built_ && built_->returned == e.vb && built_->parent == head_.head_hash()
                          && head_.state_modules().empty();
  auto st = from_build ? head_.apply_built(*e.vb->blk, known, built_->kept.changes)
                       : head_.apply_block(*e.vb->blk, sigs, known);
  if (!st)
    return st;
  if (from_build) {
    ++executions_.head_from_build;
    built_.reset();
  } else {
    ++executions_.head_applied;
  }
  e.head_mark = std::move(m);
  e.changes = head_.changes();
  stamp_clusters(e, head_.consensus());
  return {};
}

std::optional<std::size_t> chain_engine::apply_on_head(const std::vector<hash256>& chain, std::size_t from) {
  // Applies chain[from..] on the head, keeping each block's undo mark; the index of a block that
  // does not apply (nothing of it is applied), or nothing.
  for (std::size_t i = from; i < chain.size(); ++i)
    if (!apply_to_head(blocks_.at(chain[i]), signature_check::already_verified))
      return i;
  return std::nullopt;
}

void chain_engine::erase_from(const hash256& hash) {
  // The block and every held descendant (none of them can ever be valid).
  std::vector<std::pair<std::uint64_t, hash256>> by_height;
  for (const auto& [h, e] : blocks_)
    by_height.emplace_back(e.vb->header().height, h);
  std::sort(by_height.begin(), by_height.end());
  std::set<hash256> bad{hash};
  for (const auto& [height, h] : by_height)
    if (bad.count(blocks_.at(h).vb->header().parent))
      bad.insert(h);
  for (const auto& h : bad) {
    blocks_.erase(h);
    votes_.erase(h);
  }
  if (side_state_ && bad.count(side_state_->head_hash()))
    side_state_.reset();
}

bool chain_engine::validate_side(const hash256& hash, signature_check sigs) {
  auto it = blocks_.find(hash);
  if (it == blocks_.end())
    return false;
  if (it->second.validated)
    return true;
  const auto parent = it->second.vb->header().parent;
  std::optional<chain_state> st;
  if (side_state_ && side_state_->head_hash() == parent) {
    st = std::move(side_state_);
    side_state_.reset();
  } else if (parent == head_.head_hash()) {
    st = head_;
    st->release_undo();  // the head's undo records are the head's
  } else if (parent == final_hash()) {
    st = final_;
  } else {
    auto branch = branch_to(parent);
    if (branch.empty())
      return false;
    st = final_;
    for (const auto& h : branch) {
      auto& e = blocks_.at(h);
      ++executions_.side_applied;
      if (!st->apply_block(*e.vb->blk, signature_check::already_verified, {e.vb->hash})) {
        erase_from(h);
        return false;
      }
      st->release_undo();
      stamp_clusters(e, st->consensus());
    }
  }
  it = blocks_.find(hash);
  ++executions_.side_applied;
  if (auto r = st->apply_block(*it->second.vb->blk, sigs, {hash}); !r) {
    side_error_ = r.error();
    erase_from(hash);
    return false;
  }
  st->release_undo();
  stamp_clusters(it->second, st->consensus());
  side_state_ = std::move(st);
  return true;
}

namespace {

/// Whether two headers are the same but for the work nonce and the signature.
bool same_unsigned(const block_header& a, const block_header& b) {
  auto x = a;
  x.work_nonce = b.work_nonce;
  x.sig = b.sig;
  return x == b;
}

} // namespace

result<block> chain_engine::build_block(const chain_state::block_template& t, std::span<const transaction> candidates,
                                        signature_check sigs, std::vector<std::pair<hash256, error>>* rejected) {
  head_.reset_changes();
  built next;
  auto b = head_.build_block(t, candidates, sigs, rejected, &next.kept);
  if (!b) {
    built_.reset();
    return b;
  }
  ++executions_.built;
  next.parent = head_.head_hash();
  next.blk = *b;
  built_ = std::move(next);
  return b;
}

validated_ptr chain_engine::digest(std::shared_ptr<const block> b) {
  if (built_ && !built_->returned && b->header.parent == built_->parent && b->txs.size() == built_->blk.txs.size()
      && same_unsigned(b->header, built_->blk.header) && b->txs == built_->blk.txs) {
    // The block built here, signed: its transactions were hashed by the build.
    auto v = std::make_shared<validated_block>();
    v->hash = header_hash(b->header);
    v->ids = built_->kept.ids;
    v->entries = built_->kept.entries;
    v->blk = std::move(b);
    built_->returned = v;
    return v;
  }
  return digest_block(std::move(b));
}

block_result chain_engine::add_block(const block& b, signature_check sigs) {
  return add_block(digest(std::make_shared<const block>(b)), sigs);
}

block_result chain_engine::add_block(const validated_ptr& vb, signature_check sigs) {
  block_result out;
  const block& b = *vb->blk;
  const auto& hash = vb->hash;
  if (b.header.chain != final_.chain()) {
    out.err = make_error(errc::wrong_chain, "block of another chain");
    return out;
  }
  // Only an authentic header with its own body is kept, even on a side branch or as an orphan:
  // otherwise a forged body stored under the real hash would shadow the real block.
  if (!verify(b.header.producer, hash.view(), b.header.sig)) {
    out.err = make_error(errc::bad_block_signature, "producer signature does not verify");
    return out;
  }
  const bool from_build = built_ && built_->returned == vb;  // its tx_root is the build's
  if (!from_build && vb->tx_root() != b.header.tx_root) {
    out.err = make_error(errc::bad_merkle_root, "tx_root does not match the transactions");
    return out;
  }
  if (b.header.height > head_.head().height + max_ahead) {
    out.err = make_error(errc::wrong_slot, "block #" + std::to_string(b.header.height) + " is more than "
                                             + std::to_string(max_ahead) + " heights above the head");
    return out;
  }
  check_header_equivocation(b.header, out.evidence);
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
    auto range = orphans_.equal_range(parent);
    std::size_t siblings = 0;
    for (auto i = range.first; i != range.second; ++i, ++siblings)
      if (i->second->hash == hash) {
        out.outcome = block_outcome::duplicate;
        return out;
      }
    if (orphans_.size() < max_orphans && siblings < max_orphans_per_parent)
      orphans_.emplace(parent, vb);
    out.outcome = block_outcome::orphan;
    return out;
  }
  if (parent != head_.head_hash() && blocks_.size() >= best_.size() + max_side_blocks) {
    out.err = make_error(errc::too_large, "too many side blocks held");
    return out;
  }
  auto& fresh = blocks_.emplace(hash, entry{vb, {}, false, false, {}}).first->second;
  if (parent == head_.head_hash()) {
    if (auto st = apply_to_head(fresh, sigs); !st) {
      blocks_.erase(hash);
      out.err = st.error();
      return out;
    }
    best_.push_back(hash);
    out.outcome = block_outcome::extended;
    out.applied.push_back(vb);
  } else {
    side_error_ = {};
    if (!validate_side(hash, sigs)) {
      out.err = side_error_.code == errc::ok ? make_error(errc::invalid_argument, "its branch does not apply")
                                             : side_error_;
      return out;
    }
    out.outcome = block_outcome::side;
    std::vector<validated_ptr> applied;
    choose_head(applied);
    if (std::find(best_.begin(), best_.end(), hash) != best_.end()) {
      out.outcome = block_outcome::reorged;
      out.applied = std::move(applied);
    }
  }
  // Votes that arrived before the block.
  if (auto v = votes_.find(hash); v != votes_.end()) {
    std::vector<checkpoint> sources;
    for (const auto& [source, signers] : v->second)
      sources.push_back({source.first, source.second});
    for (const auto& s : sources)
      try_justify(hash, s, out.finalized, out.applied);
    if (out.outcome == block_outcome::side && std::find(best_.begin(), best_.end(), hash) != best_.end())
      out.outcome = block_outcome::reorged;
  }
  adopt_orphans(hash, out, sigs);
  out.justified.insert(out.justified.end(), newly_justified_.begin(), newly_justified_.end());
  newly_justified_.clear();
  return out;
}

void chain_engine::adopt_orphans(const hash256& parent, block_result& out, signature_check sigs) {
  auto range = orphans_.equal_range(parent);
  std::vector<validated_ptr> children;
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

bool chain_engine::is_justified(const hash256& hash) const {
  if (hash == final_hash())
    return true;
  auto i = blocks_.find(hash);
  return i != blocks_.end() && i->second.justified;
}

bool chain_engine::is_ancestor(const checkpoint& ancestor, const hash256& descendant) const {
  if (ancestor.hash == final_hash())
    return true;  // every held block descends from the final one
  auto i = blocks_.find(descendant);
  if (i == blocks_.end())
    return false;
  hash256 cur = i->second.vb->header().parent;
  while (cur != final_hash()) {
    if (cur == ancestor.hash)
      return true;
    auto p = blocks_.find(cur);
    if (p == blocks_.end() || p->second.vb->header().height <= ancestor.height)
      return false;
    cur = p->second.vb->header().parent;
  }
  return false;
}

std::optional<checkpoint> chain_engine::vote_source(const hash256& target) const {
  auto i = blocks_.find(target);
  if (i == blocks_.end())
    return std::nullopt;
  hash256 cur = i->second.vb->header().parent;
  while (cur != final_hash()) {
    auto p = blocks_.find(cur);
    if (p == blocks_.end())
      return std::nullopt;
    if (p->second.justified)
      return checkpoint{p->second.vb->header().height, cur};
    cur = p->second.vb->header().parent;
  }
  return checkpoint{final_height(), final_hash()};
}

checkpoint chain_engine::highest_justified() const {
  for (auto i = best_.rbegin(); i != best_.rend(); ++i) {
    const auto& e = blocks_.at(*i);
    if (e.justified)
      return checkpoint{e.vb->header().height, *i};
  }
  return checkpoint{final_height(), final_hash()};
}

std::optional<finality_certificate> chain_engine::justification_of(const hash256& hash) const {
  auto e = blocks_.find(hash);
  if (e == blocks_.end() || !e->second.justified)
    return std::nullopt;
  finality_certificate cert{final_.chain(), e->second.source.height, e->second.source.hash,
                            e->second.vb->header().height, hash, cluster_hash(e->second.confirmers), {}};
  if (auto v = votes_.find(hash); v != votes_.end())
    if (auto l = v->second.find({e->second.source.height, e->second.source.hash}); l != v->second.end())
      for (const auto& [signer, sig] : l->second)
        if (e->second.confirmers.find(signer))
          cert.signatures.push_back({signer, sig});
  return cert;
}

justification_record chain_engine::unfinal_justification() const {
  justification_record record;
  const auto top = highest_justified();
  for (auto h = final_height() + 1; h <= top.height; ++h) {
    const auto b = best_validated_at(h);
    if (!b)
      break;
    record.blocks.push_back(*b->blk);
    if (auto c = justification_of(b->hash))
      record.certificates.push_back(std::move(*c));
  }
  return record;
}

confirmation_result chain_engine::restore_justification(const justification_record& record, std::size_t& added) {
  added = 0;
  confirmation_result out;
  for (const auto& b : record.blocks) {
    auto r = add_block(b, signature_check::verify);
    if (r.outcome == block_outcome::extended || r.outcome == block_outcome::side || r.outcome == block_outcome::reorged)
      ++added;
    out.evidence.insert(out.evidence.end(), r.evidence.begin(), r.evidence.end());
    out.finalized.insert(out.finalized.end(), r.finalized.begin(), r.finalized.end());
    out.justified.insert(out.justified.end(), r.justified.begin(), r.justified.end());
  }
  for (const auto& c : record.certificates) {
    auto r = add_certificate(c);
    out.evidence.insert(out.evidence.end(), r.evidence.begin(), r.evidence.end());
    out.finalized.insert(out.finalized.end(), r.finalized.begin(), r.finalized.end());
    out.applied.insert(out.applied.end(), r.applied.begin(), r.applied.end());
    out.justified.insert(out.justified.end(), r.justified.begin(), r.justified.end());
  }
  out.accepted = true;
  return out;
}

std::pair<std::uint64_t, std::uint64_t> chain_engine::score(const hash256& tip) const {
  std::uint64_t justified = final_height();
  std::uint64_t height = final_height();
  hash256 cur = tip;
  bool top = true;
  while (cur != final_hash()) {
    auto i = blocks_.find(cur);
    if (i == blocks_.end())
      return {0, 0};
    if (top) {
      height = i->second.vb->header().height;
      top = false;
    }
    if (i->second.justified)
      justified = std::max(justified, i->second.vb->header().height);
    cur = i->second.vb->header().parent;
  }
  return {justified, height};
}

void chain_engine::choose_head(std::vector<validated_ptr>& applied) {
  // Fork choice: the branch holding the highest justified block, then the longest; a tie keeps
  // the current head (the next block breaks it).
  std::set<hash256> parents;
  for (const auto& [h, e] : blocks_)
    parents.insert(e.vb->header().parent);
  const hash256 current = best_.empty() ? final_hash() : best_.back();
  auto best_score = score(current);
  hash256 choice = current;
  for (const auto& [h, e] : blocks_) {
    if (parents.count(h) || !e.validated)
      continue;
    auto s = score(h);
    if (s > best_score) {
      best_score = s;
      choice = h;
    }
  }
  if (choice == current)
    return;
  switch_to(branch_to(choice), applied);
}

bool chain_engine::switch_to(const std::vector<hash256>& branch, std::vector<validated_ptr>& applied) {
  if (branch.empty())
    return false;
  std::size_t common = 0;
  while (common < best_.size() && common < branch.size() && best_[common] == branch[common])
    ++common;
  const auto old_best = best_;
  // Undo the blocks above the fork (never a replay from the final state), apply the new branch.
  if (common < best_.size())
    head_.rollback(blocks_.at(best_[common]).head_mark);
  best_.resize(common);
  if (auto bad = apply_on_head(branch, common)) {
    // A block of the new branch is invalid: drop it and what hangs from it, keep the old chain.
    if (*bad > common)
      head_.rollback(blocks_.at(branch[common]).head_mark);
    erase_from(branch[*bad]);
    (void) apply_on_head(old_best, common);  // applied before from the same state
    best_ = old_best;
    return false;
  }
  best_ = branch;
  for (std::size_t i = common; i < best_.size(); ++i)
    applied.push_back(blocks_.at(best_[i]).vb);
  return true;
}

namespace {

/// Whether the signers hold more than 2/3 of the cluster's power (both sides walked in key order).
bool carries_two_thirds(const std::map<public_key, signature>& signers, const cluster& c) {
  std::vector<std::pair<public_key, amount>> members;
  members.reserve(c.members.size());
  for (const auto& m : c.members)
    members.emplace_back(m.key, m.power);
  std::sort(members.begin(), members.end());
  amount power = 0;
  auto m = members.begin();
  for (const auto& [signer, sig] : signers) {
    while (m != members.end() && m->first < signer)
      ++m;
    if (m != members.end() && m->first == signer)
      power += m->second;
  }
  return exceeds_two_thirds(power, c.power);
}

} // namespace

void chain_engine::try_justify(const hash256& target, const checkpoint& source, std::vector<validated_ptr>& finalized,
                               std::vector<validated_ptr>& applied) {
  auto e = blocks_.find(target);
  if (e == blocks_.end() || !e->second.validated || e->second.justified)
    return;
  if (source.height >= e->second.vb->header().height || !is_justified(source.hash))
    return;
  if (source.hash != final_hash() && blocks_.at(source.hash).vb->header().height != source.height)
    return;
  if (source.hash == final_hash() && source.height != final_height())
    return;
  if (!is_ancestor(source, target))
    return;
  auto v = votes_.find(target);
  if (v == votes_.end())
    return;
  auto l = v->second.find({source.height, source.hash});
  if (l == v->second.end())
    return;
  if (!carries_two_thirds(l->second, e->second.confirmers))
    return;
  if (const auto dual = dual_cluster(target); dual && !carries_two_thirds(l->second, *dual))
    return;
  e->second.justified = true;
  e->second.source = source;
  newly_justified_.push_back(target);
  const checkpoint justified{e->second.vb->header().height, target};
  const hash256 parent = e->second.vb->header().parent;
  const bool on_best = std::find(best_.begin(), best_.end(), target) != best_.end();
  if (!on_best)
    choose_head(applied);
  // A justified direct child makes its source final.
  if (parent == source.hash && source.hash != final_hash() && blocks_.count(target)) {
    if (auto cert = justification_of(target))
      finalize_to(source.hash, *cert, finalized, applied);
  }
  // Votes that named this block as their source were waiting for it.
  std::vector<hash256> waiting;
  for (const auto& [t, by_source] : votes_)
    if (by_source.count({justified.height, justified.hash}))
      waiting.push_back(t);
  for (const auto& t : waiting)
    try_justify(t, justified, finalized, applied);
}

void chain_engine::finalize_to(const hash256& hash, const finality_certificate& cert, std::vector<validated_ptr>& finalized,
                               std::vector<validated_ptr>& applied) {
  if (std::find(best_.begin(), best_.end(), hash) == best_.end()) {
    // A block off the best chain became final: its branch is the only possible chain now.
    if (!switch_to(branch_to(hash), applied))
      return;
  }
  auto target = std::find(best_.begin(), best_.end(), hash);
  const auto count = static_cast<std::size_t>(target - best_.begin()) + 1;
  for (std::size_t i = 0; i < count; ++i) {
    auto& e = blocks_.at(best_[i]);
    // Executed on the head from the same state: the final state takes what it changed (a chain
    // with modules beyond token and consensus executes it again: see apply_to_head).
    if (final_.state_modules().empty()) {
      final_.apply_changes(e.changes);
    } else if (!final_.apply_block(*e.vb->blk, signature_check::already_verified, chain_state::prechecked{e.vb->hash})) {
      return;  // cannot happen for a block the head applied from the same state
    }
    final_.release_undo();
    ++executions_.final_advanced;
    if (final_observer_)
      final_observer_(*e.vb, final_);
    finalized.push_back(e.vb);
  }
  // The head keeps undo records for its blocks above the final one only.
  if (count < best_.size()) {
    const auto forgotten = blocks_.at(best_[count]).head_mark;
    head_.forget_before(forgotten);
    for (std::size_t i = count; i < best_.size(); ++i)
      chain_state::shift(blocks_.at(best_[i]).head_mark, forgotten);
  } else {
    head_.release_undo();
  }
  final_cert_ = cert;
  const auto& fe = blocks_.at(hash);
  final_block_ = fe.vb;
  final_active_fixed_ = fe.active_fixed;
  final_next_fixed_ = fe.next_fixed;
  final_active_hash_ = fe.active_hash;
  final_next_hash_ = fe.next_hash;
  final_epoch_ = fe.epoch;
  best_.erase(best_.begin(), best_.begin() + static_cast<std::ptrdiff_t>(count));
  prune();
  choose_head(applied);
}

void chain_engine::prune() {
  const auto fh = final_height();
  // Drop finalized blocks and branches that no longer descend from the final block.
  for (auto i = blocks_.begin(); i != blocks_.end();) {
    if (i->second.vb->header().height <= fh || branch_to(i->first).empty())
      i = blocks_.erase(i);
    else
      ++i;
  }
  if (side_state_ && !blocks_.count(side_state_->head_hash()))
    side_state_.reset();
  for (auto i = votes_.begin(); i != votes_.end();) {
    // Votes of unknown blocks stay (bounded) until their height is final.
    const bool held = blocks_.count(i->first) > 0;
    bool below = false;
    if (!held)
      for (const auto& [source, signers] : i->second)
        below = below || source.first < fh;
    if ((!held && below) || (!held && i->second.empty()))
      i = votes_.erase(i);
    else
      ++i;
  }
  for (auto i = orphans_.begin(); i != orphans_.end();) {
    if (i->second->header().height <= fh)
      i = orphans_.erase(i);
    else
      ++i;
  }
  if (fh > equivocation_window) {
    const auto floor = fh - equivocation_window;
    // Ordered by height first: what falls out of the window is a prefix.
    headers_seen_.erase(headers_seen_.begin(),
                        headers_seen_.lower_bound(std::make_tuple(floor, public_key{}, std::uint64_t{0}, std::uint64_t{0})));
    for (auto i = votes_seen_.begin(); i != votes_seen_.end();) {
      i->second.erase(i->second.begin(), i->second.lower_bound(floor));
      if (i->second.empty())
        i = votes_seen_.erase(i);
      else
        ++i;
    }
  }
}

confirmation_result chain_engine::add_confirmation(const confirmation& c, signature_check sigs) {
  confirmation_result out;
  if (c.chain != final_.chain()) {
    out.err = make_error(errc::wrong_chain, "vote of another chain");
    return out;
  }
  if (c.height <= c.source_height) {
    out.err = make_error(errc::bad_confirmation, "vote target is not above its source");
    return out;
  }
  // Cheap checks first: what is far from the chain's heights, or from a key that is not a
  // member of a current cluster, costs neither a signature check nor memory.
  if (c.height > head_.head().height + max_ahead || c.height + equivocation_window < final_height()) {
    out.err = make_error(errc::bad_confirmation, "vote outside the window of heights this node keeps");
    return out;
  }
  const auto* signer_vm = head_.consensus().find_vm(c.signer);
  if (!signer_vm || signer_vm->status == vm_status::slashed || !is_relevant_signer(c.signer)) {
    out.err = make_error(errc::bad_confirmation, "signer is not a delegate of a current cluster");
    return out;
  }
  if (sigs == signature_check::verify && !verify_confirmation(c)) {
    out.err = make_error(errc::bad_confirmation, "signature does not verify");
    return out;
  }
  record_vote(c, out.evidence);
  out.accepted = true;
  if (c.height <= final_height())
    return out;
  auto e = blocks_.find(c.block);
  const auto dual = e != blocks_.end() ? dual_cluster(c.block) : std::nullopt;
  if (e != blocks_.end() && e->second.validated && !e->second.confirmers.find(c.signer)
      && !(dual && dual->find(c.signer))) {
    out.accepted = false;
    out.err = make_error(errc::bad_confirmation, "signer is not in the block's cluster");
    return out;
  }
  auto target = votes_.find(c.block);
  if (target == votes_.end()) {
    if (votes_.size() >= max_vote_targets)
      return out;  // too many targets waiting: dropped, votes are sent again by catch-up
    target = votes_.emplace(c.block, std::map<std::pair<std::uint64_t, hash256>, link_votes>{}).first;
  }
  target->second[{c.source_height, c.source}][c.signer] = c.sig;
  try_justify(c.block, checkpoint{c.source_height, c.source}, out.finalized, out.applied);
  out.justified = std::move(newly_justified_);
  newly_justified_.clear();
  return out;
}

confirmation_result chain_engine::add_certificate(const finality_certificate& cert) {
  confirmation_result out;
  if (cert.chain != final_.chain()) {
    out.err = make_error(errc::wrong_chain, "certificate of another chain");
    return out;
  }
  if (cert.height <= final_height()) {
    out.accepted = true;  // nothing new
    return out;
  }
  auto e = blocks_.find(cert.block);
  if (e == blocks_.end() || !e->second.validated) {
    // Not checkable against the block's cluster yet: its votes are kept like votes that arrive
    // before their block (each signature checked, signers bounded), and count once it arrives.
    for (const auto& sig : cert.signatures) {
      auto r = add_confirmation(
        confirmation{cert.chain, cert.source_height, cert.source, cert.height, cert.block, sig.signer, sig.sig});
      out.evidence.insert(out.evidence.end(), r.evidence.begin(), r.evidence.end());
      out.accepted = out.accepted || r.accepted;
    }
    return out;
  }
  if (e->second.justified && (!cert.proves_final() || is_justified(cert.source))) {
    out.accepted = true;  // nothing new: spare the signature checks (certificates are re-sent)
    return out;
  }
  if (auto st = verify_certificate(cert, e->second.confirmers); !st) {
    out.err = st.error();
    return out;
  }
  if (cert.proves_final() && e->second.vb->header().parent == cert.source && cert.source != final_hash()) {
    auto s = blocks_.find(cert.source);
    if (s != blocks_.end() && s->second.vb->header().height == cert.source_height && !s->second.justified) {
      s->second.justified = true;
      s->second.source = checkpoint{final_height(), final_hash()};
    }
  }
  auto& link = votes_[cert.block][{cert.source_height, cert.source}];
  for (const auto& sig : cert.signatures) {
    confirmation c{cert.chain, cert.source_height, cert.source, cert.height, cert.block, sig.signer, sig.sig};
    record_vote(c, out.evidence);
    link[sig.signer] = sig.sig;
  }
  out.accepted = true;
  try_justify(cert.block, checkpoint{cert.source_height, cert.source}, out.finalized, out.applied);
  out.justified = std::move(newly_justified_);
  newly_justified_.clear();
  return out;
}

} // namespace bfd
