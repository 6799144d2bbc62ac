#include "chains/consensus/consensus_state.hpp"

#include <fmt/format.h>

#include "chains/codec/block_codec.hpp"
#include "chains/consensus/confirmation.hpp"
#include "chains/consensus/hash_chain.hpp"
#include "chains/core/hex.hpp"
#include "chains/crypto/hash.hpp"

namespace bfd {

namespace {

std::string short_key(const public_key& k) {
  return to_hex(k).substr(0, 12);
}

std::vector<public_key> keys_of(const cluster& c) {
  std::vector<public_key> out;
  out.reserve(c.members.size());
  for (const auto& m : c.members)
    out.push_back(m.key);
  return out;
}

void remove_member(cluster& c, const public_key& key) {
  for (auto i = c.members.begin(); i != c.members.end(); ++i) {
    if (i->key == key) {
      c.power -= i->power;
      c.members.erase(i);
      return;
    }
  }
}

} // namespace

result<consensus_state> consensus_state::genesis(chain_id chain, const consensus_params& params,
                                                 std::span<const genesis_vm> vms, const hash256& seed0) {
  if (params.categories.empty())
    return make_error(errc::invalid_argument, "at least one VM category is needed");
  for (const auto& c : params.categories)
    if (c.compute_weight == 0)
      return make_error(errc::invalid_argument, "category " + c.name + ": compute_weight must be at least 1");
  if (params.slot_ms == 0 || params.rounds_per_epoch == 0)
    return make_error(errc::invalid_argument, "slot_ms and rounds_per_epoch must be at least 1");
  if (params.work_bits > 32)
    return make_error(errc::invalid_argument, "work_bits above 32 would stall block production");
  for (const auto& c : params.categories)
    if (static_cast<std::uint64_t>(params.base_block_txs) * c.compute_weight > codec::block_limits.max_array_items)
      return make_error(errc::invalid_argument,
                        fmt::format("category {}: base_block_txs x compute_weight exceeds the {} transactions a "
                                    "block can hold", c.name, codec::block_limits.max_array_items));
  consensus_state st;
  st.s_.chain = chain;
  st.s_.params = params;
  st.s_.seed = seed0;
  st.s_.new_this_epoch.assign(params.categories.size(), 0);
  for (const auto& g : vms) {
    if (g.category >= params.categories.size())
      return make_error(errc::bad_category, "genesis VM " + short_key(g.key) + ": no category "
                                              + std::to_string(g.category));
    if (!is_valid_public_key(g.key))
      return make_error(errc::bad_public_key, "genesis VM " + short_key(g.key));
    if (g.bid < params.min_bid)
      return make_error(errc::bid_too_low, "genesis VM " + short_key(g.key));
    if (st.vms_.count(g.key))
      return make_error(errc::invalid_argument, "genesis VM " + short_key(g.key) + " listed twice");
    vm_info vm;
    vm.category = g.category;
    vm.bid = g.bid;
    vm.last_reveal = g.hash_chain_tip;
    st.vms_.emplace(g.key, vm);
  }
  st.s_.active = select_cluster(st.vms_, params);
  if (st.s_.active.members.empty())
    return make_error(errc::invalid_argument, "the genesis state has no VM to form a cluster");
  st.s_.next = st.s_.active;
  auto& r = st.s_.round;
  // Round n+1 is ordered by S(n); round 0 by a hash of S(0), so rounds 0 and 1 differ.
  r.order = shuffle_order(keys_of(st.s_.active), tagged_hash(hash_tag::seed, seed0.view()));
  r.blocks.assign(r.order.size(), 0);
  r.reveals.assign(r.order.size(), std::nullopt);
  return st;
}

const vm_info* consensus_state::find_vm(const public_key& key) const {
  auto i = vms_.find(key);
  return i == vms_.end() ? nullptr : &i->second;
}

std::uint64_t consensus_state::slot_start_ms(std::uint64_t global_slot) const noexcept {
  return s_.params.genesis_time_ms + global_slot * s_.params.slot_ms;
}

std::uint64_t consensus_state::global_slot_at(std::uint64_t time_ms) const noexcept {
  if (time_ms < s_.params.genesis_time_ms)
    return 0;
  return (time_ms - s_.params.genesis_time_ms) / s_.params.slot_ms;
}

std::optional<slot_assignment> consensus_state::assignment_at(std::uint64_t g) const {
  const consensus_state* st = this;
  std::optional<consensus_state> copy;
  if (g < s_.round.first_slot)
    return std::nullopt;
  if (g >= s_.round.first_slot + s_.round.order.size()) {
    copy = *this;
    copy->journal_.clear();
    while (g >= copy->s_.round.first_slot + copy->s_.round.order.size()) {
      if (copy->s_.round.order.empty())
        return std::nullopt;
      copy->close_round();
    }
    st = &*copy;
  }
  const auto& r = st->s_.round;
  if (r.order.empty())
    return std::nullopt;
  slot_assignment a;
  a.round = r.number;
  a.slot = g - r.first_slot;
  a.global_slot = g;
  a.producer = r.order[a.slot];
  const auto* vm = st->find_vm(a.producer);
  std::uint32_t weight = vm ? s_.params.categories[vm->category].compute_weight : 1;
  a.max_blocks = weight;
  a.max_txs = s_.params.base_block_txs * weight;
  a.start_ms = slot_start_ms(g);
  a.end_ms = a.start_ms + s_.params.slot_ms;
  return a;
}

void consensus_state::set_vm(const public_key& key, const vm_info& vm) {
  auto i = vms_.find(key);
  journal_entry e;
  e.is_vm = true;
  e.vm = key;
  if (i == vms_.end()) {
    vms_.emplace(key, vm);
  } else {
    e.old_vm = i->second;
    i->second = vm;
  }
  journal_.push_back(std::move(e));
  touch_vm(key);
}

void consensus_state::set_stake(const stake_key& key, amount value) {
  auto i = stakes_.find(key);
  journal_entry e;
  e.is_vm = false;
  e.vm = key.first;
  e.voter = key.second;
  if (i != stakes_.end())
    e.old_stake = i->second;
  journal_.push_back(std::move(e));
  touch_stake(key);
  if (value == 0) {
    if (i != stakes_.end())
      stakes_.erase(i);
  } else if (i == stakes_.end()) {
    stakes_.emplace(key, value);
  } else {
    i->second = value;
  }
}

consensus_state::mark consensus_state::checkpoint() const {
  return mark{journal_.size(), s_};
}

std::size_t consensus_state::journal_size_of(const mark& m) {
  return m.journal_size;
}

void consensus_state::shift_journal(mark& m, std::size_t count) {
  m.journal_size -= std::min(count, m.journal_size);
}

void consensus_state::rollback(const mark& m) {
  while (journal_.size() > m.journal_size) {
    auto& e = journal_.back();
    if (e.is_vm) {
      if (e.old_vm)
        vms_[e.vm] = *e.old_vm;
      else
        vms_.erase(e.vm);
      touch_vm(e.vm);
    } else {
      stake_key k{e.vm, e.voter};
      touch_stake(k);
      if (e.old_stake)
        stakes_[k] = *e.old_stake;
      else
        stakes_.erase(k);
    }
    journal_.pop_back();
  }
  s_ = m.snapshot;
}

void consensus_state::advance_to_round(std::uint64_t n) {
  while (s_.round.number < n)
    close_round();
}

void consensus_state::close_round() {
  auto& r = s_.round;
  const std::size_t k = r.order.size();
  bytes reveals;
  reveals.reserve(32 * k);
  for (std::size_t i = 0; i < k; ++i) {
    auto it = vms_.find(r.order[i]);
    hash256 rv = r.reveals[i] ? *r.reveals[i] : (it != vms_.end() ? it->second.last_reveal : hash256{});
    reveals.insert(reveals.end(), rv.begin(), rv.end());
    if (it == vms_.end() || it->second.status == vm_status::slashed)
      continue;
    vm_info vm = it->second;
    if (r.blocks[i] == 0) {
      ++vm.slots_missed;
      ++vm.consecutive_misses;
      if (vm.status == vm_status::active && s_.params.miss_limit > 0
          && vm.consecutive_misses >= s_.params.miss_limit)
        vm.status = vm_status::demoted;
    } else {
      vm.consecutive_misses = 0;
    }
    set_vm(r.order[i], vm);
  }
  const hash256 previous_seed = s_.seed;
  s_.seed = tagged_hash(hash_tag::seed, previous_seed.view(), reveals);
  const std::uint64_t next_number = r.number + 1;
  if (next_number % s_.params.rounds_per_epoch == 0) {
    ++s_.epoch;
    // The cluster selected one epoch ago becomes active; the one selected now waits an epoch,
    // so the block that fixed it is final long before it produces.
    if (!s_.next.members.empty())
      s_.active = s_.next;
    auto selected = select_cluster(vms_, s_.params);
    if (!selected.members.empty())
      s_.next = std::move(selected);
    s_.new_this_epoch.assign(s_.params.categories.size(), 0);
  }
  r.number = next_number;
  r.first_slot += k == 0 ? 1 : k;
  r.order = shuffle_order(keys_of(s_.active), previous_seed);
  r.blocks.assign(r.order.size(), 0);
  r.reveals.assign(r.order.size(), std::nullopt);
}

bool meets_work(const hash256& hash, std::uint32_t bits) noexcept {
  for (std::uint32_t i = 0; i < bits; ++i)
    if (hash.data[i / 8] & (0x80 >> (i % 8)))
      return false;
  return true;
}

void grind_work(block_header& header, std::uint32_t bits) {
  while (!meets_work(header_hash(header), bits))
    ++header.work_nonce;
}

status consensus_state::check_header(const block_header& h) const {
  const auto& r = s_.round;
  if (h.round != r.number)
    return make_error(errc::wrong_slot, fmt::format("round {} is not the current round {}", h.round, r.number));
  if (h.slot >= r.order.size())
    return make_error(errc::wrong_slot, fmt::format("slot {} beyond the round's {} slots", h.slot, r.order.size()));
  if (r.order[h.slot] != h.producer)
    return make_error(errc::wrong_producer, fmt::format("slot {} of round {} belongs to {}, not {}", h.slot,
                                                        h.round, short_key(r.order[h.slot]), short_key(h.producer)));
  const auto* vm = find_vm(h.producer);
  if (!vm)
    return make_error(errc::unknown_vm, "producer " + short_key(h.producer));
  if (vm->status == vm_status::slashed)
    return make_error(errc::already_slashed, "producer " + short_key(h.producer) + " was slashed");
  const auto start = slot_start_ms(r.first_slot + h.slot);
  if (h.timestamp_ms < start || h.timestamp_ms >= start + s_.params.slot_ms)
    return make_error(errc::wrong_slot, fmt::format("timestamp {} outside its slot [{}, {})", h.timestamp_ms,
                                                    start, start + s_.params.slot_ms));
  if (r.blocks[h.slot] >= s_.params.categories[vm->category].compute_weight)
    return make_error(errc::slot_full, fmt::format("slot already holds {} blocks", r.blocks[h.slot]));
  if (r.reveals[h.slot]) {
    if (h.reveal != *r.reveals[h.slot])
      return make_error(errc::bad_reveal, "a later block of a slot repeats the slot's reveal");
  } else if (hash_chain_step(h.reveal) != vm->last_reveal) {
    return make_error(errc::bad_reveal, "reveal does not hash to the producer's previous reveal");
  }
  if (!meets_work(header_hash(h), s_.params.work_bits))
    return make_error(errc::insufficient_work, fmt::format("header hash has fewer than {} leading zero bits",
                                                           s_.params.work_bits));
  if (!verify_header_signature(h))
    return make_error(errc::bad_block_signature, "producer signature does not verify");
  return {};
}

void consensus_state::record_header(const block_header& h, std::size_t tx_count) {
  auto& r = s_.round;
  ++r.blocks[h.slot];
  vm_info vm = vms_.at(h.producer);
  if (!r.reveals[h.slot]) {
    r.reveals[h.slot] = h.reveal;
    vm.last_reveal = h.reveal;
    ++vm.reveals;
  }
  ++vm.blocks_produced;
  vm.txs_included += tx_count;
  set_vm(h.producer, vm);
}

status consensus_state::slash(const public_key& key, ledger& l) {
  vm_info vm = vms_.at(key);
  if (auto st = l.burn_locked(vm.bid); !st)
    return st;
  vm.bid = 0;
  vm.status = vm_status::slashed;
  set_vm(key, vm);
  remove_member(s_.active, key);
  remove_member(s_.next, key);
  return {};
}

address block_pool_address() noexcept {
  return address{};
}

status consensus_state::pay_rewards(const public_key& producer, amount fees, ledger& l) {
  vm_info vm = vms_.at(producer);
  const auto owner = address_of(producer);
  const auto pool = block_pool_address();
  if (auto st = l.mint(pool, s_.params.block_reward); !st)
    return st;
  auto total = checked_add(s_.params.block_reward, fees);
  if (!total)
    return make_error(errc::overflow, "reward plus fees exceed 2^64-1");
  const amount power = vm.bid + vm.votes;
  amount paid = 0;
  if (vm.votes > 0 && power > 0 && *total > 0) {
    auto first = stakes_.lower_bound({producer, address{}});
    for (auto i = first; i != stakes_.end() && i->first.first == producer; ++i) {
      auto share = static_cast<amount>(static_cast<unsigned __int128>(*total) * i->second / power);
      if (auto st = l.move(pool, i->first.second, share); !st)
        return st;
      paid += share;  // shares sum to at most the total
    }
  }
  if (auto st = l.move(pool, owner, *total - paid); !st)
    return st;
  vm.rewards += *total;
  set_vm(producer, vm);
  return {};
}

} // namespace bfd
