// The consensus module's transaction kinds (module_id::consensus): buying VMs, voting stake,
// and proving equivocation. Their rules are consensus_state's (chains/state/consensus_txs.cpp);
// their codec is consensus_codec, their JSON form protocols/consensus_json.
#pragma once

#include "chains/core/amount.hpp"
#include "chains/core/bytes.hpp"
#include "chains/crypto/keys.hpp"
#include "chains/state/module_ids.hpp"

namespace bfd {

/// Buys a VM: locks `bid` from the sender; the sender's key becomes the VM's delegate key.
/// A second bid from the same key tops the bid up (and reinstates a demoted VM).
struct vm_bid_payload {
  static constexpr tx_kind kind_number{2};
  static constexpr module_id module = module_id::consensus;
  static constexpr std::string_view name = "vm_bid";
  static constexpr bool spend_required = true;

  std::uint32_t category = 0;  ///< index into the chain's category list
  amount bid = 0;
  hash256 hash_chain_tip;      ///< commitment: the VM's first reveal must hash to this

  /// The bid is locked from the sender's balance.
  amount spend() const noexcept { return bid; }
  friend bool operator==(const vm_bid_payload&, const vm_bid_payload&) = default;
};

/// Locks `value` of the sender's BFDT as stake voted to the VM with key `vm`.
struct vote_payload {
  static constexpr tx_kind kind_number{3};
  static constexpr module_id module = module_id::consensus;
  static constexpr std::string_view name = "vote";
  static constexpr bool spend_required = true;

  public_key vm;
  amount value = 0;

  /// The stake is locked from the sender's balance.
  amount spend() const noexcept { return value; }
  friend bool operator==(const vote_payload&, const vote_payload&) = default;
};

/// Releases `value` of the sender's stake voted to `vm` back to the sender's balance.
struct unvote_payload {
  static constexpr tx_kind kind_number{4};
  static constexpr module_id module = module_id::consensus;
  static constexpr std::string_view name = "unvote";
  static constexpr bool spend_required = false;  // checked against the stake instead

  public_key vm;
  amount value = 0;

  amount spend() const noexcept { return 0; }
  friend bool operator==(const unvote_payload&, const unvote_payload&) = default;
};

/// What an evidence transaction proves.
enum class evidence_kind : std::uint8_t {
  double_block = 0,   ///< two signed headers, same producer, chain, height, round and slot
  double_vote = 1,    ///< two different finality votes of one delegate for the same target height
  surround_vote = 2,  ///< two votes of one delegate, the span of one strictly inside the other's
};

/// Two conflicting signed objects (encoded headers or finality votes) from one delegate.
struct evidence_payload {
  static constexpr tx_kind kind_number{5};
  static constexpr module_id module = module_id::consensus;
  static constexpr std::string_view name = "evidence";
  static constexpr bool spend_required = false;

  evidence_kind kind = evidence_kind::double_block;
  bytes first;
  bytes second;

  amount spend() const noexcept { return 0; }
  friend bool operator==(const evidence_payload&, const evidence_payload&) = default;
};

/// The consensus module's kinds.
using consensus_payloads = type_list<vm_bid_payload, vote_payload, unvote_payload, evidence_payload>;

} // namespace bfd
