// The consensus module's transaction rules: what vm_bid, vote, unvote and evidence require of
// the consensus state and what they change in it (the ledger side is the token module's).
#include <fmt/format.h>

#include "chains/codec/block_codec.hpp"
#include "chains/consensus/confirmation.hpp"
#include "chains/consensus/consensus_state.hpp"
#include "chains/core/hex.hpp"

namespace bfd {

namespace {

std::string short_key(const public_key& k) {
  return to_hex(k).substr(0, 12);
}

} // namespace

std::optional<public_key> consensus_state::evidence_offender(const evidence_payload& ev) const {
  if (ev.kind == evidence_kind::double_block) {
    auto a = codec::decode_block_header(ev.first);
    auto b = codec::decode_block_header(ev.second);
    if (!a || !b || a->producer != b->producer || a->chain != s_.chain || b->chain != s_.chain
        || a->height != b->height || a->round != b->round || a->slot != b->slot
        || header_hash(*a) == header_hash(*b)
        || !verify_header_signature(*a) || !verify_header_signature(*b))
      return std::nullopt;
    return a->producer;
  }
  auto a = codec::decode_confirmation(ev.first);
  auto b = codec::decode_confirmation(ev.second);
  if (!a || !b || a->chain != s_.chain)
    return std::nullopt;
  const auto offence = vote_conflict(*a, *b);
  const bool matches = (ev.kind == evidence_kind::double_vote && offence == vote_offence::double_vote)
                       || (ev.kind == evidence_kind::surround_vote && offence == vote_offence::surround_vote);
  if (!matches || !verify_confirmation(*a) || !verify_confirmation(*b))
    return std::nullopt;
  return a->signer;
}

status consensus_state::check_evidence(const evidence_payload& ev) const {
  auto offender = evidence_offender(ev);
  if (!offender)
    return make_error(errc::bad_evidence, "the two objects do not prove an equivocation on this chain");
  const auto* vm = find_vm(*offender);
  if (!vm)
    return make_error(errc::unknown_vm, "offender " + short_key(*offender) + " is not a VM");
  if (vm->status == vm_status::slashed)
    return make_error(errc::already_slashed, "offender " + short_key(*offender) + " was slashed before");
  return {};
}

status consensus_state::check_transaction(const transaction& tx) const {
  return std::visit(
    [&](const auto& p) -> status {
      using T = std::decay_t<decltype(p)>;
      if constexpr (std::is_same_v<T, transfer_payload>) {
        return {};
      } else if constexpr (std::is_same_v<T, vm_bid_payload>) {
        if (p.category >= s_.params.categories.size())
          return make_error(errc::bad_category, "no category " + std::to_string(p.category));
        if (const auto* vm = find_vm(tx.sender)) {
          if (vm->status == vm_status::slashed)
            return make_error(errc::already_slashed, "this key's VM was slashed");
          if (vm->category != p.category)
            return make_error(errc::bad_category, "a top-up must name the VM's own category");
          return {};
        }
        if (p.bid < s_.params.min_bid)
          return make_error(errc::bid_too_low, fmt::format("bid {} below the minimum {}", p.bid, s_.params.min_bid));
        const auto cap = s_.params.categories[p.category].max_new_per_epoch;
        if (cap != 0 && s_.new_this_epoch[p.category] >= cap)
          return make_error(errc::category_full, fmt::format("category {} took its {} new VMs this epoch",
                                                             s_.params.categories[p.category].name, cap));
        if (!is_valid_public_key(tx.sender))
          return make_error(errc::bad_public_key, "sender key");
        return {};
      } else if constexpr (std::is_same_v<T, vote_payload>) {
        const auto* vm = find_vm(p.vm);
        if (!vm)
          return make_error(errc::unknown_vm, "no VM " + short_key(p.vm));
        if (vm->status == vm_status::slashed)
          return make_error(errc::already_slashed, "VM " + short_key(p.vm) + " was slashed");
        return {};
      } else if constexpr (std::is_same_v<T, unvote_payload>) {
        if (p.value == 0)
          return make_error(errc::zero_amount, "unvote at least one base unit");
        auto i = stakes_.find({p.vm, address_of(tx.sender)});
        amount staked = i == stakes_.end() ? 0 : i->second;
        if (staked < p.value)
          return make_error(errc::insufficient_stake, fmt::format("{} voted, {} asked back", staked, p.value));
        return {};
      } else if constexpr (std::is_same_v<T, evidence_payload>) {
        return check_evidence(p);
      } else {
        return make_error(errc::kind_not_enabled, "not a consensus transaction");
      }
    },
    tx.payload);
}

status consensus_state::apply_transaction(const transaction& tx, ledger& l) {
  if (auto st = check_transaction(tx); !st)
    return st;
  return std::visit(
    [&](const auto& p) -> status {
      using T = std::decay_t<decltype(p)>;
      if constexpr (std::is_same_v<T, transfer_payload>) {
        return {};
      } else if constexpr (std::is_same_v<T, vm_bid_payload>) {
        if (const auto* existing = find_vm(tx.sender)) {
          vm_info vm = *existing;
          vm.bid += p.bid;  // locked funds: bounded by the supply
          if (vm.status == vm_status::demoted) {
            vm.status = vm_status::active;
            vm.consecutive_misses = 0;
          }
          if (!p.hash_chain_tip.is_zero()) {
            // A new commitment replaces a used-up (or any) hash chain: the next reveal must hash
            // to it. It was fixed before the seeds it will feed are known.
            vm.last_reveal = p.hash_chain_tip;
            vm.reveals = 0;
          }
          set_vm(tx.sender, vm);
        } else {
          vm_info vm;
          vm.category = p.category;
          vm.bid = p.bid;
          vm.last_reveal = p.hash_chain_tip;
          vm.created_epoch = s_.epoch;
          set_vm(tx.sender, vm);
          ++s_.new_this_epoch[p.category];
        }
        return {};
      } else if constexpr (std::is_same_v<T, vote_payload>) {
        vm_info vm = vms_.at(p.vm);
        vm.votes += p.value;
        set_vm(p.vm, vm);
        stake_key k{p.vm, address_of(tx.sender)};
        auto i = stakes_.find(k);
        set_stake(k, (i == stakes_.end() ? 0 : i->second) + p.value);
        return {};
      } else if constexpr (std::is_same_v<T, unvote_payload>) {
        stake_key k{p.vm, address_of(tx.sender)};
        set_stake(k, stakes_.at(k) - p.value);
        vm_info vm = vms_.at(p.vm);
        vm.votes -= p.value;
        set_vm(p.vm, vm);
        return l.unlock(k.second, p.value);
      } else if constexpr (std::is_same_v<T, evidence_payload>) {
        return slash(*evidence_offender(p), l);
      } else {
        return make_error(errc::kind_not_enabled, "not a consensus transaction");
      }
    },
    tx.payload);
}

} // namespace bfd
