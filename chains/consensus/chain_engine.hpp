// One node's view of a chain: the final state, the best chain above it, side branches,
// confirmations and finality. Fork choice never reverts a final block. Pure: the chain actor
// feeds it blocks and confirmations and persists what it finalizes.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <vector>

#include "chains/consensus/chain_state.hpp"
#include "chains/consensus/confirmation.hpp"

namespace bfd {

/// What adding a block did.
enum class block_outcome {
  extended,   ///< applied on top of the head
  reorged,    ///< its branch became the best chain
  side,       ///< kept on a side branch
  duplicate,  ///< already known
  orphan,     ///< parent unknown: buffered until it arrives
  stale,      ///< at or below the final height
  rejected,   ///< invalid
};

/// The result of add_block.
struct block_result {
  block_outcome outcome = block_outcome::rejected;
  error err;                                  ///< why, when rejected
  std::vector<evidence_payload> evidence;     ///< equivocations it revealed
  std::vector<block> applied;                 ///< blocks newly on the best chain, in order
  std::vector<block> finalized;               ///< blocks it made final (early confirmations)
};

/// The result of add_confirmation.
struct confirmation_result {
  bool accepted = false;
  error err;
  std::vector<evidence_payload> evidence;
  std::vector<block> finalized;  ///< newly final blocks, in height order (to persist)
};

class chain_engine {
public:
  /// Starts from a final block and its state (genesis, or what storage restored).
  chain_engine(chain_state final_state, block final_block, std::optional<finality_certificate> cert = {});

  const chain_state& head_state() const noexcept { return head_; }
  const chain_state& final_state() const noexcept { return final_; }
  std::uint64_t final_height() const noexcept { return final_.head().height; }
  const hash256& final_hash() const noexcept { return final_.head_hash(); }
  /// The certificate of the final block (none for genesis).
  const std::optional<finality_certificate>& final_certificate() const noexcept { return final_cert_; }

  /// Adds a block from any source; `sigs` says whether its transactions' signatures still need
  /// checking. Equivocations it reveals come back as evidence.
  block_result add_block(const block& b, signature_check sigs);

  /// Adds a confirmation; finality advances when a block's confirmations carry more than 2/3 of
  /// the power of the cluster that produced it. `sigs` = already_verified only for confirmations
  /// this node's own delegates just signed (nobody else's signature is taken on trust).
  confirmation_result add_confirmation(const confirmation& c, signature_check sigs = signature_check::verify);

  /// A block on the best chain (final or not) by height, or a non-final block by hash.
  const block* best_block_at(std::uint64_t height) const;
  const block* find_block(const hash256& hash) const;

  /// Whether a delegate whose last confirmation was `last_confirmed` at `last_confirmed_height`
  /// may confirm `candidate` without ever having confirmed two conflicting blocks: yes if its
  /// last confirmation is at or below the final height (on the final chain, or on a branch that
  /// can no longer become final), otherwise only if it is a strict ancestor of the candidate.
  bool may_confirm(const hash256& last_confirmed, std::uint64_t last_confirmed_height,
                   const hash256& candidate) const;

  /// A transaction in a non-final block of the best chain.
  struct pending_location {
    const block* blk = nullptr;
    std::uint32_t index = 0;
  };
  /// Where transaction `id` sits above the final height on the best chain, if it does.
  std::optional<pending_location> find_unfinalized_transaction(const hash256& id) const;

  /// The cluster that confirms `hash` (a non-final block), or nullptr.
  const cluster* confirming_cluster(const hash256& hash) const;

  /// Builds the next block on the head (see chain_state::build_block); the head is unchanged.
  result<block> build_block(const chain_state::block_template& t, std::span<const transaction> candidates,
                            signature_check sigs, std::vector<std::pair<hash256, error>>* rejected) {
    return head_.build_block(t, candidates, sigs, rejected);
  }

  /// Accounts of the final state changed since the last persist.
  std::vector<std::pair<address, std::optional<account>>> unpersisted_accounts() const {
    return final_.accounts().dirty();
  }
  /// Consensus item records of the final state changed since the last persist.
  std::vector<consensus_state::record> unpersisted_consensus() const {
    return final_.consensus().dirty_records();
  }
  /// Storage wrote the final state: forget what changed.
  void mark_persisted() {
    final_.accounts().clear_dirty();
    final_.consensus_for_storage().clear_dirty();
  }

  /// Non-final blocks held.
  std::size_t pending_blocks() const noexcept { return blocks_.size(); }

  /// Bounds on buffered data (orphans, early confirmations).
  static constexpr std::size_t max_orphans = 1024;
  static constexpr std::size_t max_side_blocks = 4096;
  static constexpr std::size_t max_early_confirmations = 65'536;

private:
  struct entry {
    block blk;
    hash256 hash;
    cluster confirmers;  ///< active cluster of the block's round (set once applied)
    bool validated = false;
  };

  status rebuild_head(const std::vector<hash256>& branch);
  std::vector<hash256> branch_to(const hash256& tip) const;  // final (exclusive) -> tip
  void check_header_equivocation(const block_header& h, std::vector<evidence_payload>& out);
  void finalize_to(const hash256& hash, std::vector<block>& finalized);
  void try_finalize(const hash256& hash, std::vector<block>& finalized);
  void prune();
  void adopt_longest_branch();
  void adopt_orphans(const hash256& parent, block_result& out, signature_check sigs);

  chain_state final_;
  chain_state head_;
  std::optional<finality_certificate> final_cert_;
  block final_block_;
  std::map<hash256, entry> blocks_;                 // non-final blocks on any branch
  std::vector<hash256> best_;                       // best chain above final, in order
  std::multimap<hash256, block> orphans_;           // by missing parent
  std::map<hash256, std::map<public_key, signature>> confirmations_;
  // Equivocation detection: first header per (height, producer, round, slot) and first
  // confirmation per (height, signer), kept for a window of heights below the final one.
  std::map<std::tuple<std::uint64_t, public_key, std::uint64_t, std::uint64_t>, bytes> headers_seen_;
  std::map<std::pair<std::uint64_t, public_key>, confirmation> confirmations_seen_;
  // Blocks dropped because their branch no longer descends from the final block (bounded):
  // a delegate locked on one of them may confirm again.
  std::set<hash256> dead_;
  std::deque<hash256> dead_order_;
};

} // namespace bfd
