// SHA-256 and domain-separated ("tagged") hashes, one tag per kind of hashed object.
#pragma once

#include <string_view>

#include "chains/core/bytes.hpp"

namespace bfd {

/// The object kinds that are hashed; each gets its own domain so a hash of one kind
/// can never be passed off as another.
enum class hash_tag {
  tx,            ///< "bfd/tx": transaction signing hash and id
  tx_entry,      ///< "bfd/tx/entry": a transaction with its signature (tx_root leaves)
  block,         ///< "bfd/block": block header hash (id, work and signing hash)
  merkle_leaf,   ///< "bfd/merkle/leaf": a Merkle leaf
  merkle_node,   ///< "bfd/merkle/node": an inner Merkle node
  merkle_empty,  ///< "bfd/merkle/empty": the root of an empty tree
  peg,           ///< "bfd/peg": the peg module's light clients of its counterparties
  confirmation,  ///< "bfd/confirm": a delegate's finality vote
  address,       ///< "bfd/address": address derivation from a public key
  account,       ///< "bfd/account": an account leaf of the state tree
  reveal,        ///< "bfd/reveal": one step of a delegate's hash chain
  seed,          ///< "bfd/seed": the round seed S(n) and the shuffle's random stream
  consensus,     ///< "bfd/consensus": the consensus part of the state root
  state,         ///< "bfd/state": the state root (ledger root and consensus root)
  ledger,        ///< "bfd/ledger": the ledger root (supply leaf and account tree)
  vm,            ///< "bfd/vm": a VM item of the consensus state's VM tree
  stake,         ///< "bfd/stake": a stake item of the consensus state's stake tree
  consensus_scalars,  ///< "bfd/consensus/scalars": the small part of the consensus state
  cluster,       ///< "bfd/cluster": names the cluster a finality certificate counts
  sidechain,     ///< "bfd/sidechain": the sidechain registry's items and root
  peg_message,   ///< "bfd/peg/msg": a cross-chain message (outbox entry)
  peg_ack,       ///< "bfd/peg/ack": an acknowledgement (outbox entry)
  peg_receipt,   ///< "bfd/peg/receipt": a message id's key in the receipt tree
  peg_smt,       ///< "bfd/peg/smt": receipt tree leaves and inner nodes
  peg_ledger,    ///< "bfd/peg/ledger": the peg ledger's root
  peg_module,    ///< "bfd/peg/module": the peg module's part of the state root
  access,        ///< "bfd/access": the access module's records (its part of the state root)
  request,       ///< "bfd/request": what a signed HTTP request's signature covers
  contract_template,  ///< "bfd/contract/template": a template's id (its canonical bytes)
  contract_address,   ///< "bfd/contract/address": a contract's address (deployer, nonce)
  contract_state,     ///< "bfd/contract/state": one contract's key/value state
  contracts,          ///< "bfd/contracts": the contracts module's part of the state root
  dsmeta,        ///< "bfd/dsmeta": the DS metadata module's records (its part of the state root)
  services,      ///< "bfd/services": the service registry's records (its part of the state root)
  ush_rng,         ///< "bfd/ush/rng": the membership proofs' seeded random stream
  ush_group,       ///< "bfd/ush/group": a membership group's id, from its public key
  ush_credential,  ///< "bfd/ush/cred": a credential's challenge e = H(W || id)
  ush_transcript,  ///< "bfd/ush/transcript": a handshake's transcript hash
  ush_key,         ///< "bfd/ush/key": a handshake's master secret
  ush_confirm,     ///< "bfd/ush/confirm": a handshake's key-confirmation codes
  ush_session,     ///< "bfd/ush/session": a handshake's session key
  ush_tag,         ///< "bfd/ush/tag": the payment tag binding a payment to a handshake
  funds,           ///< "bfd/funds": the funds module's records (its part of the state root), its escrow address
  authority,       ///< "bfd/authority": the credential authority module's records (its part of the state root)
};

/// The tag string of a domain, e.g. "bfd/tx".
std::string_view tag_name(hash_tag tag) noexcept;

/// Plain SHA-256.
hash256 sha256(byte_view data);

/// BIP340-style tagged hash: SHA256(SHA256(tag) || SHA256(tag) || data).
hash256 tagged_hash(hash_tag tag, byte_view data);

/// Tagged hash of the concatenation a || b without building it.
hash256 tagged_hash(hash_tag tag, byte_view a, byte_view b);

/// Incremental tagged hashing for objects written piece by piece.
class tagged_hasher {
public:
  explicit tagged_hasher(hash_tag tag);
  ~tagged_hasher();
  tagged_hasher(const tagged_hasher&) = delete;
  tagged_hasher& operator=(const tagged_hasher&) = delete;

  /// Absorbs more bytes.
  void update(byte_view data);
  /// Returns the digest; the hasher must not be used afterwards.
  hash256 finish();

private:
  void* ctx_;
};

} // namespace bfd
