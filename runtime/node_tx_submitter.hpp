// Signs transactions with one node key (fee 0) and submits them to a chain's mempool: what the
// sidechain watcher's anchors and the peg bridge's deliveries are sent with.
//
// `submit` (one transaction; the watcher's anchors): nonces per chain are the head state's next
// nonce, or one past the last admitted transaction while that one is pending; back to the head's
// when the head grew 10 blocks while the account's nonce stood still (what was sent ahead was
// dropped; counted in blocks, not calls: a burst within one block must not reuse a pending
// nonce), or at once when our transaction at the head's nonce is no longer pending (refused in a
// block: everything sent after it waits behind a gap that nothing else fills).
//
// `refresh` + `submit_batch` (the peg bridge): the submitter remembers every transaction it
// admitted at or above the head's nonce; `refresh` asks the mempool which of them are still
// pending and forgets the others, and `submit_batch` signs a batch at the lowest nonces none of
// them holds (so a transaction refused in a block leaves a gap the next batch fills) and submits
// it in one message.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include <caf/fwd.hpp>

#include "chains/primitives/transaction.hpp"
#include "protocols/interfaces.hpp"

namespace bfd::runtime {

/// What `node_tx_submitter::refresh` found on one chain.
struct submitter_view {
  std::uint64_t head_height = 0;
  std::uint64_t final_height = 0;
  std::uint64_t account_nonce = 0;
  /// Our transactions still pending in the mempool, by id.
  std::map<hash256, std::uint64_t> pending;  // id -> nonce
  /// Our transactions the mempool no longer holds as pending: rejected (with the mempool's
  /// status), or left it (in a block, expired or dropped: state unknown).
  std::map<hash256, tx_status> gone;
};

/// The outcome of one transaction of a batch: admitted (id set) or refused (error).
struct batch_item_result {
  status outcome;
  hash256 id;
};

class node_tx_submitter {
public:
  node_tx_submitter(caf::actor_system& system, key_pair keys) : system_(system), keys_(std::move(keys)) {}

  const key_pair& keys() const noexcept { return keys_; }

  /// Signs `payload` for chain `id` (expiry: head + 100) and submits it to `mempool`; the
  /// mempool's refusal comes back as its error.
  status submit(chain_id id, const chain_actor& chain, const mempool_actor& mempool, tx_payload payload);

  /// Reads the account's nonce and the head from `chain` and the status of every transaction
  /// this submitter admitted on it at or above that nonce from `mempool`; forgets what is no
  /// longer pending. Error `io` when either does not answer.
  result<submitter_view> refresh(chain_id id, const chain_actor& chain, const mempool_actor& mempool);

  /// Signs `payloads` (expiry: head + 100) at the lowest nonces from the account's that no
  /// pending transaction of ours holds, and submits them in one message; call refresh first.
  /// An error (`io`) when the mempool does not answer, else one result per payload.
  result<std::vector<batch_item_result>> submit_batch(chain_id id, const mempool_actor& mempool,
                                                      std::vector<tx_payload> payloads);

private:
  struct nonces {
    std::uint64_t next = 0;       // one past the last admitted transaction
    std::uint64_t seen_head = 0;  // the head's nonce at the last call
    std::uint64_t since = 0;      // head height when that nonce was first seen while we were ahead
    std::map<std::uint64_t, hash256> sent;  // nonce -> id of what we sent at and above the head's
    // Batch mode: what refresh read.
    std::uint64_t head_height = 0;
    std::uint64_t account_nonce = 0;
  };
  caf::actor_system& system_;
  key_pair keys_;
  std::map<chain_id, nonces> nonces_;
};

} // namespace bfd::runtime
