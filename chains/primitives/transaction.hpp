// Transactions: the signed unit of change on every chain, and their kind-specific payloads.
#pragma once

#include <cstdint>
#include <variant>

#include "chains/core/amount.hpp"
#include "chains/core/bytes.hpp"
#include "chains/crypto/keys.hpp"

namespace bfd {

/// Identifies a chain: the mainchain and each sidechain.
using chain_id = std::uint32_t;

/// The mainchain's id.
inline constexpr chain_id mainchain_id = 1;

/// Transaction kinds. The numbers are part of the signed encoding: never renumber.
enum class tx_kind : std::uint8_t {
  transfer = 1,  ///< move BFDT
  vm_bid = 2,    ///< lock BFDT to buy a VM (a delegate candidate) in a category
  vote = 3,      ///< lock BFDT as stake voted to a VM
  unvote = 4,    ///< release stake voted to a VM
  evidence = 5,  ///< prove that a delegate signed two conflicting objects: slashes it
};

/// Moves `value` base units from the sender to `to`.
struct transfer_payload {
  address to;
  amount value = 0;
  friend bool operator==(const transfer_payload&, const transfer_payload&) = default;
};

/// Buys a VM: locks `bid` from the sender; the sender's key becomes the VM's delegate key.
/// A second bid from the same key tops the bid up (and reinstates a demoted VM).
struct vm_bid_payload {
  std::uint32_t category = 0;  ///< index into the chain's category list
  amount bid = 0;
  hash256 hash_chain_tip;      ///< commitment: the VM's first reveal must hash to this
  friend bool operator==(const vm_bid_payload&, const vm_bid_payload&) = default;
};

/// Locks `value` of the sender's BFDT as stake voted to the VM with key `vm`.
struct vote_payload {
  public_key vm;
  amount value = 0;
  friend bool operator==(const vote_payload&, const vote_payload&) = default;
};

/// Releases `value` of the sender's stake voted to `vm` back to the sender's balance.
struct unvote_payload {
  public_key vm;
  amount value = 0;
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
  evidence_kind kind = evidence_kind::double_block;
  bytes first;
  bytes second;
  friend bool operator==(const evidence_payload&, const evidence_payload&) = default;
};

/// One payload per kind; the variant index + 1 is the tx_kind.
using tx_payload =
  std::variant<transfer_payload, vm_bid_payload, vote_payload, unvote_payload, evidence_payload>;

/// The kind a payload belongs to.
tx_kind kind_of(const tx_payload& payload) noexcept;

/// A transaction. Encoded as a canonical msgpack array (docs/formats.md).
struct transaction {
  /// Encoding version written first; decoders reject other versions.
  static constexpr std::uint64_t format_version = 1;

  chain_id chain = mainchain_id;
  public_key sender;
  std::uint64_t nonce = 0;        ///< must equal the sender's next nonce
  amount fee = 0;                 ///< paid to the block producer
  std::uint64_t expiry = 0;       ///< last block height that may include it
  tx_payload payload;
  signature sig;

  tx_kind kind() const noexcept { return kind_of(payload); }
  friend bool operator==(const transaction&, const transaction&) = default;
};

/// The hash the sender signs: tagged "bfd/tx" over the encoding without the signature.
/// It is also the transaction's id, so a re-signed transaction keeps its id.
hash256 signing_hash(const transaction& tx);

/// Commits to the transaction and its exact signature: tagged "bfd/tx/entry" over
/// id || signature. Block tx roots are built from these, so the header hash fixes every
/// signature byte, and a node's cache of verified signatures is keyed by it.
hash256 entry_hash(const transaction& tx);
hash256 entry_hash(const hash256& id, const transaction& tx);

/// Fills tx.sig; sets tx.sender to the key's public key first.
void sign_transaction(transaction& tx, const key_pair& keys, const hash256& aux);

/// Checks the Schnorr signature against the sender key and the signing hash.
bool verify_signature(const transaction& tx);

} // namespace bfd
