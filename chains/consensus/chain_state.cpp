#include "chains/consensus/chain_state.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "chains/core/hex.hpp"
#include "chains/crypto/hash.hpp"
#include "chains/crypto/keys.hpp"
#include "chains/merkle/merkle.hpp"

namespace bfd {

hash256 genesis_seed(chain_id chain, const hash256& ledger_root) {
  byte id[4];
  for (int i = 0; i < 4; ++i)
    id[i] = static_cast<byte>(chain >> (24 - 8 * i));
  return tagged_hash(hash_tag::seed, byte_view{id, 4}, ledger_root.view());
}

result<std::pair<chain_state, block>> chain_state::genesis(const genesis_config& config,
                                                          std::vector<std::unique_ptr<state_module>> modules) {
  if (!config.modules.has(module_id::token))
    return make_error(errc::invalid_argument, "every chain needs the token module");
  for (std::uint8_t id = 0; id < 32; ++id) {
    const auto m = static_cast<module_id>(id);
    if (!config.modules.has(m) || m == module_id::token || m == module_id::consensus)
      continue;
    bool given = false;
    for (const auto& p : modules)
      given = given || (p && p->id() == m);
    if (given)
      continue;
    auto made = make_state_module(m, config);
    if (!made)
      return made.error();
    if (*made)
      modules.push_back(std::move(*made));
  }
  // Genesis VM bids are part of the supply and locked from the start.
  auto free = ledger::from_genesis(config.chain, config.allocations);
  if (!free)
    return free.error();
  amount bids = 0;
  for (const auto& vm : config.vms) {
    auto sum = checked_add(bids, vm.bid);
    if (!sum)
      return make_error(errc::overflow, "genesis bids exceed 2^64-1");
    bids = *sum;
  }
  auto supply = checked_add(free->total_supply(), bids);
  if (!supply)
    return make_error(errc::overflow, "genesis supply exceeds 2^64-1");
  std::vector<std::pair<address, account>> accts(free->accounts().begin(), free->accounts().end());
  auto restored = ledger::restore(config.chain, *supply, bids, std::move(accts));
  if (!restored)
    return restored.error();
  const auto seed = genesis_seed(config.chain, restored->state_root());
  auto consensus = consensus_state::genesis(config.chain, config.params, config.vms, seed);
  if (!consensus)
    return consensus.error();
  chain_state st(std::move(*restored), std::move(*consensus));
  st.modules_ = config.modules;
  if (auto added = st.add_modules(std::move(modules)); !added)
    return added.error();
  const block_context gctx{config.chain, 0, public_key{}, block_pool_address(), config.params.genesis_time_ms,
                           &st.consensus_.active(), nullptr};
  for (auto& m : st.extra_)
    if (auto done = m->genesis(gctx, st.ledger_); !done)
      return make_error(done.error().code, fmt::format("{} module genesis: {}", to_string(m->id()), done.error().detail));
  block g;
  g.header.chain = config.chain;
  g.header.timestamp_ms = config.params.genesis_time_ms;
  g.header.tx_root = merkle_root({});
  g.header.outbox_root = merkle_root({});
  g.header.state_root = st.state_root();
  st.head_ = g.header;
  st.head_hash_ = header_hash(g.header);
  st.release_undo();
  st.ledger_.mark_all_dirty();
  for (auto& m : st.extra_)
    m->mark_all_dirty();
  return std::pair<chain_state, block>{std::move(st), std::move(g)};
}

result<chain_state> chain_state::restore(ledger l, consensus_state c, const block_header& head, module_set set,
                                         std::vector<std::unique_ptr<state_module>> modules) {
  chain_state st(std::move(l), std::move(c));
  st.modules_ = set;
  if (auto added = st.add_modules(std::move(modules)); !added)
    return added.error();
  if (st.state_root() != head.state_root)
    return make_error(errc::storage_corrupt, "stored state does not reproduce the head's state root");
  st.head_ = head;
  st.head_hash_ = header_hash(head);
  return st;
}

status chain_state::add_modules(std::vector<std::unique_ptr<state_module>> modules) {
  for (auto& m : modules) {
    if (!m)
      continue;
    const auto id = m->id();
    if (id == module_id::token || id == module_id::consensus || !modules_.has(id))
      return make_error(errc::invalid_argument,
                        fmt::format("module {} is built in or not in the chain's module set", to_string(id)));
    if (find_module(id))
      return make_error(errc::invalid_argument, fmt::format("module {} given twice", to_string(id)));
    if (extra_.size() == max_state_modules)
      return make_error(errc::invalid_argument, "too many state modules");
    extra_.emplace_back(std::move(m));
  }
  std::sort(extra_.begin(), extra_.end(), [](const module_slot& a, const module_slot& b) { return a->id() < b->id(); });
  return {};
}

state_module* chain_state::find_module(module_id id) const noexcept {
  for (const auto& m : extra_)
    if (m->id() == id)
      return &*m;
  return nullptr;
}

const state_module* chain_state::module(module_id id) const noexcept {
  return find_module(id);
}

state_module* chain_state::module_for_storage(module_id id) noexcept {
  return find_module(id);
}

hash256 chain_state::state_root() const {
  auto l = ledger_.state_root();
  auto c = consensus_.root();
  bytes parts;
  for (const auto& m : extra_) {
    if (auto r = m->root()) {
      parts.push_back(static_cast<byte>(m->id()));
      parts.insert(parts.end(), r->begin(), r->end());
    }
  }
  if (parts.empty())
    return tagged_hash(hash_tag::state, l.view(), c.view());
  bytes all(l.begin(), l.end());
  all.insert(all.end(), c.begin(), c.end());
  all.insert(all.end(), parts.begin(), parts.end());
  return tagged_hash(hash_tag::state, all);
}

chain_state::mark chain_state::checkpoint() const {
  mark m{ledger_.checkpoint(), consensus_.checkpoint(), {}, head_, head_hash_};
  for (std::size_t i = 0; i < extra_.size(); ++i)
    m.modules[i] = extra_[i]->checkpoint();
  return m;
}

void chain_state::rollback(const mark& m) {
  ledger_.rollback(m.ledger);
  consensus_.rollback(m.consensus);
  for (std::size_t i = 0; i < extra_.size(); ++i)
    extra_[i]->rollback(m.modules[i]);
  head_ = m.head;
  head_hash_ = m.head_hash;
}

void chain_state::forget_before(const mark& m) {
  ledger_.forget_undo(m.ledger);
  consensus_.forget_journal(consensus_state::journal_size_of(m.consensus));
  for (std::size_t i = 0; i < extra_.size(); ++i)
    extra_[i]->forget_undo(m.modules[i]);
}

void chain_state::shift(mark& later, const mark& forgotten) {
  later.ledger -= std::min(forgotten.ledger, later.ledger);
  consensus_state::shift_journal(later.consensus, consensus_state::journal_size_of(forgotten.consensus));
  for (std::size_t i = 0; i < max_state_modules; ++i)
    later.modules[i] -= std::min(forgotten.modules[i], later.modules[i]);
}

void chain_state::release_undo() {
  ledger_.release_undo();
  consensus_.release_undo();
  for (auto& m : extra_)
    m->release_undo();
}

status chain_state::check_enabled(const transaction& tx) const {
  const auto m = module_of(tx.payload);
  if (modules_.has(m))
    return {};
  return make_error(errc::kind_not_enabled, fmt::format("a {} belongs to the {} module, which chain {} does not have",
                                                        payload_name(tx.payload), to_string(m), chain()));
}

status chain_state::check_transaction(const transaction& tx, signature_check sigs) const {
  if (auto st = check_enabled(tx); !st)
    return st;
  const auto m = module_of(tx.payload);
  if (m == module_id::consensus) {
    if (auto st = consensus_.check_transaction(tx); !st)
      return st;
  } else if (m == module_id::token) {
    if (modules_.has(module_id::funds)) {
      block_context ctx{chain(), head_.height + 1, public_key{}, block_pool_address(), head_.timestamp_ms,
                        &consensus_.active(), this};
      if (auto st = check_token_rule(tx, ctx); !st)
        return st;
    }
  } else {
    const auto* ext = find_module(m);
    if (!ext)
      return make_error(errc::kind_not_enabled, fmt::format("chain {} has no {} module state", chain(), to_string(m)));
    block_context ctx{chain(), head_.height + 1, public_key{}, block_pool_address(), head_.timestamp_ms,
                      &consensus_.active(), this};
    if (auto st = ext->check(tx, ctx, ledger_); !st)
      return st;
  }
  return ledger_.check(tx, head_.height + 1, sigs);
}

status chain_state::apply_transaction(const transaction& tx, const block_context& ctx, signature_check sigs) {
  if (auto st = check_enabled(tx); !st)
    return st;
  const auto m = module_of(tx.payload);
  if (m == module_id::token) {
    // A fund chain's token moves by fund_trade only (docs/funds.md): one bit test elsewhere.
    if (modules_.has(module_id::funds))
      if (auto st = check_token_rule(tx, ctx); !st)
        return st;
    return ledger_.apply(tx, ctx.height, ctx.fee_pool, sigs);
  }
  if (m == module_id::consensus) {
    if (auto st = consensus_.check_transaction(tx); !st)
      return st;
    if (auto st = ledger_.apply(tx, ctx.height, ctx.fee_pool, sigs); !st)
      return st;
    return consensus_.apply_transaction(tx, ledger_);
  }
  auto* ext = find_module(m);
  if (!ext)
    return make_error(errc::kind_not_enabled, fmt::format("chain {} has no {} module state", chain(), to_string(m)));
  if (auto st = ext->check(tx, ctx, ledger_); !st)
    return st;
  if (auto st = ledger_.apply(tx, ctx.height, ctx.fee_pool, sigs); !st)
    return st;
  if (auto st = ext->apply(tx, ctx, ledger_); !st)
    return st;
  // Vouchers a module moved (the funds escrow) are the peg module's to move; the caller rolls
  // back every module if this fails.
  const auto effects = ext->take_peg_effects();
  if (effects.empty())
    return {};
  auto* peg = find_module(module_id::peg);
  if (!peg)
    return make_error(errc::kind_not_enabled, fmt::format("chain {} has no peg module to move vouchers", chain()));
  return peg->apply_peg_effects(effects, ctx);
}

status chain_state::check_token_rule(const transaction& tx, const block_context& ctx) const {
  const auto* t = std::get_if<transfer_payload>(&tx.payload);
  const auto* funds = find_module(module_id::funds);
  if (!t || !funds)
    return {};
  return funds->check_token_transfer(address_of(tx.sender), t->to, ctx);
}

void chain_state::begin_block(const block_context& ctx) {
  for (auto& m : extra_)
    m->begin_block(ctx);
}

hash256 chain_state::block_outbox_root() const {
  for (const auto& m : extra_)
    if (auto r = m->outbox_root())
      return *r;
  return merkle_root({});
}

status chain_state::end_block(const block_context& ctx) {
  for (auto& m : extra_)
    if (auto st = m->end_block(ctx, ledger_); !st)
      return st;
  return {};
}

status chain_state::apply_body(const block& b, signature_check sigs) {
  const auto& h = b.header;
  const block_context ctx{chain(), h.height, h.producer, block_pool_address(), h.timestamp_ms, &consensus_.active(),
                          this};
  begin_block(ctx);
  amount fees = 0;
  for (std::size_t i = 0; i < b.txs.size(); ++i) {
    const auto& tx = b.txs[i];
    auto st = apply_transaction(tx, ctx, sigs);
    if (!st) {
      auto err = st.error();
      err.detail = fmt::format("tx {} ({}): {}", i, to_hex(signing_hash(tx)).substr(0, 16), err.detail);
      return err;
    }
    fees += tx.fee;  // each fee was credited, so the sum is bounded by the supply
  }
  if (auto st = end_block(ctx); !st)
    return st;
  if (auto st = consensus_.pay_rewards(h.producer, fees, ledger_); !st)
    return st;
  consensus_.record_header(h, b.txs.size());
  return {};
}

status chain_state::apply_block(const block& b, signature_check sigs) {
  return apply_block(b, sigs, nullptr);
}

status chain_state::apply_block(const block& b, signature_check sigs, const prechecked& known) {
  return apply_block(b, sigs, &known);
}

status chain_state::check_and_advance(const block& b, const prechecked* known) {
  // The header checks of apply_block; advances the consensus to the block's round (the caller
  // rolls back on error).
  const auto& h = b.header;
  if (h.chain != chain())
    return make_error(errc::wrong_chain, fmt::format("block of chain {}, this is chain {}", h.chain, chain()));
  if (h.height != head_.height + 1)
    return make_error(errc::bad_height, fmt::format("height {} does not follow {}", h.height, head_.height));
  if (h.parent != head_hash_)
    return make_error(errc::bad_parent, "parent is not the head");
  if (h.timestamp_ms < head_.timestamp_ms)
    return make_error(errc::wrong_slot, "timestamp before the parent's");
  if (head_.height > 0 && (h.round < head_.round || (h.round == head_.round && h.slot < head_.slot)))
    return make_error(errc::wrong_slot, "round and slot go backwards");
  if (!known && transactions_root(b) != h.tx_root)
    return make_error(errc::bad_merkle_root, "tx_root does not match the transactions");
  // A chain whose modules write no outbox carries the empty root; otherwise the root is
  // compared after the body ran (apply_block).
  if (extra_.empty() && h.outbox_root != merkle_root({}))
    return make_error(errc::bad_merkle_root, "outbox_root must be empty: this chain writes no cross-chain messages");
  if (h.round < consensus_.round().number)
    return make_error(errc::wrong_slot, fmt::format("round {} is over", h.round));
  // Authenticate before paying for anything the header claims, and bound the rounds it may
  // skip by the time it claims: every round has at least one slot.
  const auto* producer_vm = consensus_.find_vm(h.producer);
  if (!producer_vm)
    return make_error(errc::unknown_vm, "the producer is not a VM");
  if (producer_vm->status == vm_status::slashed)
    return make_error(errc::already_slashed, "the producer was slashed");
  if (!known && !verify_header_signature(h))
    return make_error(errc::bad_block_signature, "producer signature does not verify");
  const auto& current = consensus_.round();
  const auto claimed_slot = consensus_.global_slot_at(h.timestamp_ms);
  if (claimed_slot < current.first_slot
      || h.round - current.number > claimed_slot - current.first_slot + 1)
    return make_error(errc::wrong_slot, fmt::format("round {} cannot have started by time {}", h.round,
                                                    h.timestamp_ms));
  consensus_.advance_to_round(h.round);
  if (auto st = consensus_.check_header(h); !st)
    return st.error();
  const auto* vm = consensus_.find_vm(h.producer);
  const auto max_txs = consensus_.params().base_block_txs
                       * consensus_.params().categories[vm->category].compute_weight;
  if (b.txs.size() > max_txs)
    return make_error(errc::too_many_txs, fmt::format("{} transactions, the limit is {}", b.txs.size(), max_txs));
  return {};
}

status chain_state::apply_block(const block& b, signature_check sigs, const prechecked* known) {
  const auto& h = b.header;
  const auto start = checkpoint();
  auto fail = [&](error err) -> status {
    rollback(start);
    return err;
  };
  if (auto st = check_and_advance(b, known); !st)
    return fail(st.error());
  if (auto st = apply_body(b, sigs); !st)
    return fail(st.error());
  if (block_outbox_root() != h.outbox_root)
    return fail(make_error(errc::bad_merkle_root, "outbox_root does not match the block's cross-chain messages"));
  if (state_root() != h.state_root)
    return fail(make_error(errc::bad_state_root, "state root differs from the header's"));
  head_ = h;
  head_hash_ = known ? known->hash : header_hash(h);
  return {};
}

result<block> chain_state::build_block(const block_template& t, std::span<const transaction> candidates,
                                       signature_check sigs, std::vector<std::pair<hash256, error>>* rejected) {
  return build_block(t, candidates, sigs, rejected, nullptr);
}

result<block> chain_state::build_block(const block_template& t, std::span<const transaction> candidates,
                                       signature_check sigs, std::vector<std::pair<hash256, error>>* rejected,
                                       built_block* kept) {
  const auto start = checkpoint();
  block b;
  auto& h = b.header;
  h.chain = chain();
  h.height = head_.height + 1;
  h.round = t.round;
  h.slot = t.slot;
  h.producer = t.producer;
  h.parent = head_hash_;
  h.timestamp_ms = t.timestamp_ms;
  h.reveal = t.reveal;
  h.outbox_root = merkle_root({});
  auto undo = [&] { rollback(start); };
  if (t.round < consensus_.round().number) {
    undo();
    return make_error(errc::wrong_slot, "round is over");
  }
  consensus_.advance_to_round(t.round);
  const block_context ctx{chain(), h.height, t.producer, block_pool_address(), t.timestamp_ms, &consensus_.active(),
                          this};
  begin_block(ctx);
  amount fees = 0;
  for (const auto& tx : candidates) {
    if (b.txs.size() >= t.max_txs)
      break;
    auto lm = ledger_.checkpoint();
    auto cm = consensus_.checkpoint();
    std::array<std::size_t, max_state_modules> xm{};
    for (std::size_t i = 0; i < extra_.size(); ++i)
      xm[i] = extra_[i]->checkpoint();
    auto st = apply_transaction(tx, ctx, sigs);
    if (!st) {
      ledger_.rollback(lm);
      consensus_.rollback(cm);
      for (std::size_t i = 0; i < extra_.size(); ++i)
        extra_[i]->rollback(xm[i]);
      if (rejected)
        rejected->emplace_back(signing_hash(tx), st.error());
      continue;
    }
    fees += tx.fee;
    b.txs.push_back(tx);
  }
  if (auto st = end_block(ctx); !st) {
    undo();
    return st.error();
  }
  if (auto st = consensus_.pay_rewards(t.producer, fees, ledger_); !st) {
    undo();
    return st.error();
  }
  consensus_.record_header(h, b.txs.size());
  if (kept) {
    kept->ids.clear();
    kept->entries.clear();
    kept->ids.reserve(b.txs.size());
    kept->entries.reserve(b.txs.size());
    for (const auto& tx : b.txs) {
      kept->ids.push_back(signing_hash(tx));
      kept->entries.push_back(entry_hash(kept->ids.back(), tx));
    }
    h.tx_root = merkle_root(kept->entries);
  } else {
    h.tx_root = transactions_root(b);
  }
  h.outbox_root = block_outbox_root();
  h.state_root = state_root();
  if (kept) {
    kept->changes = changes();
    kept->changes.head = h;  // unsigned, without work: apply_built takes the signed block's
  }
  undo();
  return b;
}

void chain_state::reset_changes() {
  ledger_.clear_dirty();
  consensus_.clear_dirty();
}

chain_state::block_changes chain_state::changes() const {
  return block_changes{ledger_.changed(), consensus_.changed(), head_, head_hash_};
}

void chain_state::apply_changes(const block_changes& c) {
  ledger_.apply_changes(c.accounts);
  consensus_.apply_changes(c.consensus);
  head_ = c.head;
  head_hash_ = c.head_hash;
}

status chain_state::apply_built(const block& b, const prechecked& known, const block_changes& built) {
  const auto start = checkpoint();
  if (auto st = check_and_advance(b, &known); !st) {
    rollback(start);
    return st;
  }
  // What the build left is what executing the block would: the header's state root is the one
  // the build computed (the caller compared the headers).
  ledger_.apply_changes(built.accounts);
  consensus_.apply_changes(built.consensus);
  head_ = b.header;
  head_hash_ = known.hash;
  return {};
}

} // namespace bfd
