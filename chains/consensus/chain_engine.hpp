// One node's view of a chain: the final state, the best chain above it, side branches, finality
// votes, justification and finality (a Casper-FFG gadget over the slot schedule, as BEP-126).
// Fork choice follows the highest justified block, then the longest branch, and never reverts a
// final block. Pure: the chain actor feeds it blocks and votes and persists what it finalizes.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <vector>

#include "chains/consensus/chain_state.hpp"
#include "chains/consensus/confirmation.hpp"
#include "chains/consensus/node_records.hpp"
#include "chains/primitives/validated_block.hpp"

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
  std::vector<validated_ptr> applied;         ///< blocks newly on the best chain, in order
  std::vector<validated_ptr> finalized;       ///< blocks it made final (early confirmations)
  std::vector<hash256> justified;             ///< blocks it made justified (early votes)
};

/// The result of add_confirmation.
struct confirmation_result {
  bool accepted = false;
  error err;
  std::vector<evidence_payload> evidence;
  std::vector<validated_ptr> finalized;  ///< newly final blocks, in height order (to persist)
  std::vector<validated_ptr> applied;    ///< blocks newly on the best chain (a justification moved the head)
  std::vector<hash256> justified;  ///< blocks newly justified, in the order they were
};

/// How often this engine ran a block's transactions, by what it did (tests and metrics).
struct execution_counts {
  std::uint64_t built = 0;          ///< blocks built for a local producer (executed once each)
  std::uint64_t head_applied = 0;   ///< blocks executed on the head (a reorg executes again)
  std::uint64_t head_from_build = 0;  ///< a local producer's blocks put on the head from their build
  std::uint64_t side_applied = 0;   ///< blocks executed on a side branch's state
  std::uint64_t final_advanced = 0; ///< blocks the final state took from the head's change sets
};

/// A justified block: a vote source.
struct checkpoint {
  std::uint64_t height = 0;
  hash256 hash;
  friend bool operator==(const checkpoint&, const checkpoint&) = default;
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
  /// The same for a digested block (see digest()): nothing in it is hashed again.
  block_result add_block(const validated_ptr& b, signature_check sigs);

  /// Hashes a block once for all later steps. The block this engine last built, signed and
  /// returned with the same body, takes the build's transaction hashes, and add_block then puts
  /// it on the head from the build's change set instead of executing it again.
  validated_ptr digest(std::shared_ptr<const block> b);

  /// How often blocks were executed, and how often that was avoided.
  const execution_counts& executions() const noexcept { return executions_; }

  /// Adds a finality vote. A block is justified when votes from one justified source to it carry
  /// more than 2/3 of its cluster's power; a justified block's source is final when the block is
  /// the source's direct child. `sigs` = already_verified only for votes this node's own delegates
  /// just signed (nobody else's signature is taken on trust).
  confirmation_result add_confirmation(const confirmation& c, signature_check sigs = signature_check::verify);

  /// Adds a certificate (a peer's, or one this node stored): its votes, all checked against the
  /// target's cluster. A finality proof (target the direct child of its source) also vouches that
  /// its source was justified: more than 2/3 of the power voted from it.
  confirmation_result add_certificate(const finality_certificate& cert);

  /// The source a vote for `target` (a held, validated block) names: its highest justified
  /// strict ancestor, or the final block.
  std::optional<checkpoint> vote_source(const hash256& target) const;

  /// Whether `hash` is the final block or a justified held block.
  bool is_justified(const hash256& hash) const;

  /// The highest justified block on the best chain (the final block if none above it).
  checkpoint highest_justified() const;

  /// What a restart needs to re-learn the justifications above the final block: the best
  /// chain's blocks up to the highest justified one and the certificates of those justified.
  justification_record unfinal_justification() const;

  /// Re-adds a stored justification record (blocks, then certificates, every signature checked);
  /// `added` counts the blocks that were new here. The result merges the certificates' effects.
  confirmation_result restore_justification(const justification_record& record, std::size_t& added);

  /// Sees each block the final state takes, right after it took it, with the final state then at
  /// that block: whatever per-block result a caller must keep of every final block (a peg chain's
  /// outbox) is read there, however the block reached the best chain (one by one, several at
  /// once, a reorg, an orphan connecting, a catch-up, a restart).
  using final_block_observer = std::function<void(const validated_block&, const chain_state& final_state)>;
  /// Sets the observer (one; empty: none).
  void observe_final_blocks(final_block_observer f) { final_observer_ = std::move(f); }

  /// The certificate that justified `hash` (a held block), if it is justified.
  std::optional<finality_certificate> justification_of(const hash256& hash) const;

  /// A block on the best chain (final or not) by height, or a non-final block by hash.
  const block* best_block_at(std::uint64_t height) const;
  const block* find_block(const hash256& hash) const;
  /// The same with the block's digest (shared, not copied).
  validated_ptr best_validated_at(std::uint64_t height) const;
  validated_ptr find_validated(const hash256& hash) const;

  /// A transaction in a non-final block of the best chain.
  struct pending_location {
    const block* blk = nullptr;
    std::uint32_t index = 0;
    hash256 block_hash;
  };
  /// Where transaction `id` sits above the final height on the best chain, if it does.
  std::optional<pending_location> find_unfinalized_transaction(const hash256& id) const;

  /// The cluster that confirms `hash` (a non-final block), or nullptr.
  const cluster* confirming_cluster(const hash256& hash) const;

  /// While the block that fixed `hash`'s cluster at an epoch boundary is not final here, votes
  /// for `hash` count only if they also carry more than 2/3 of the final block's cluster (less
  /// the members slashed since): that cluster, else nothing.
  std::optional<cluster> dual_cluster(const hash256& hash) const;

  /// Builds the next block on the head (see chain_state::build_block); the head is unchanged.
  /// What the build changed is kept until the block comes back signed (see digest()).
  result<block> build_block(const chain_state::block_template& t, std::span<const transaction> candidates,
                            signature_check sigs, std::vector<std::pair<hash256, error>>* rejected);

  /// Accounts of the final state changed since the last persist.
  std::vector<std::pair<address, std::optional<account>>> unpersisted_accounts() const {
    return final_.accounts().dirty();
  }
  /// Consensus item records of the final state changed since the last persist.
  std::vector<consensus_state::record> unpersisted_consensus() const {
    return final_.consensus().dirty_records();
  }
  /// Records of each state module of the final state changed since the last persist.
  std::vector<std::pair<module_id, std::vector<module_record>>> unpersisted_modules() const {
    std::vector<std::pair<module_id, std::vector<module_record>>> out;
    for (const auto& m : final_.state_modules())
      out.emplace_back(m->id(), m->dirty_records());
    return out;
  }
  /// Storage wrote the final state: forget what changed.
  void mark_persisted() {
    final_.accounts().clear_dirty();
    final_.consensus_for_storage().clear_dirty();
    for (const auto& m : final_.state_modules())
      final_.module_for_storage(m->id())->clear_dirty();
  }

  /// Non-final blocks held.
  std::size_t pending_blocks() const noexcept { return blocks_.size(); }

  /// Bounds on buffered data.
  static constexpr std::size_t max_orphans = 1024;
  static constexpr std::size_t max_orphans_per_parent = 16;
  static constexpr std::size_t max_side_blocks = 4096;
  /// Targets with votes held that are not justified yet.
  static constexpr std::size_t max_vote_targets = 16'384;
  /// Blocks and votes more than this many heights above the head are refused.
  static constexpr std::uint64_t max_ahead = 4096;
  /// Equivocation records are kept this many heights below the final height.
  static constexpr std::uint64_t equivocation_window = 2048;

private:
  struct entry {
    validated_ptr vb;
    cluster confirmers;  ///< active cluster of the block's round (set once validated)
    bool validated = false;
    bool justified = false;
    checkpoint source;   ///< the source of the link that justified it
    // Heights of the blocks that fixed the active and the next cluster of this block's state:
    // the selection (epoch boundary) or the slashing that made them what they are.
    std::uint64_t active_fixed = 0;
    std::uint64_t next_fixed = 0;
    hash256 active_hash;  ///< cluster_hash of the state's active cluster
    hash256 next_hash;    ///< cluster_hash of the state's next cluster
    std::uint64_t epoch = 0;
    chain_state::mark head_mark;  ///< the head state before this block (best-chain blocks only)
    chain_state::block_changes changes;  ///< what it did on the head (best-chain blocks only)
  };
  /// The block last built for a local producer, and what building it changed.
  struct built {
    hash256 parent;
    block blk;  ///< unsigned, without work
    chain_state::built_block kept;
    validated_ptr returned;  ///< its signed form, once digest() recognised it
  };
  using link_votes = std::map<public_key, signature>;

  std::optional<std::size_t> apply_on_head(const std::vector<hash256>& chain, std::size_t from);
  std::vector<hash256> branch_to(const hash256& tip) const;  // final (exclusive) -> tip
  void check_header_equivocation(const block_header& h, std::vector<evidence_payload>& out);
  void record_vote(const confirmation& c, std::vector<evidence_payload>& out);
  bool is_relevant_signer(const public_key& key) const;
  bool validate_side(const hash256& hash, signature_check sigs);
  bool is_ancestor(const checkpoint& ancestor, const hash256& descendant) const;
  void try_justify(const hash256& target, const checkpoint& source, std::vector<validated_ptr>& finalized,
                   std::vector<validated_ptr>& applied);
  void finalize_to(const hash256& hash, const finality_certificate& cert, std::vector<validated_ptr>& finalized,
                   std::vector<validated_ptr>& applied);
  void choose_head(std::vector<validated_ptr>& applied);
  bool switch_to(const std::vector<hash256>& branch, std::vector<validated_ptr>& applied);
  status apply_to_head(entry& e, signature_check sigs);
  std::pair<std::uint64_t, std::uint64_t> score(const hash256& tip) const;
  void prune();
  void adopt_orphans(const hash256& parent, block_result& out, signature_check sigs);
  void erase_from(const hash256& hash);
  void stamp_clusters(entry& e, const consensus_state& after);

  chain_state final_;
  chain_state head_;
  std::optional<finality_certificate> final_cert_;
  // The same cluster bookkeeping for the final block (after a restart: its own height, which is
  // never below the true one's... both clusters of its state were fixed at or below it).
  std::uint64_t final_active_fixed_ = 0;
  std::uint64_t final_next_fixed_ = 0;
  hash256 final_active_hash_;
  hash256 final_next_hash_;
  std::uint64_t final_epoch_ = 0;
  validated_ptr final_block_;
  final_block_observer final_observer_;
  std::map<hash256, entry> blocks_;                 // non-final blocks on any branch
  std::vector<hash256> best_;                       // best chain above final, in order
  std::multimap<hash256, validated_ptr> orphans_;   // by missing parent
  std::optional<built> built_;
  execution_counts executions_;
  // Votes held per target, then per source: not yet justifying, or the link that did.
  std::map<hash256, std::map<std::pair<std::uint64_t, hash256>, link_votes>> votes_;
  // The state after the last side block validated off the best chain (saves replays from the
  // final state while a side branch grows block by block).
  std::optional<chain_state> side_state_;
  error side_error_;  // why the last side block did not apply
  std::vector<hash256> newly_justified_;  // filled by try_justify, handed out with each result
  // Equivocation detection: first header per (height, producer, round, slot), and every vote per
  // (signer, target height), kept for a window of heights below the final one.
  std::map<std::tuple<std::uint64_t, public_key, std::uint64_t, std::uint64_t>, bytes> headers_seen_;
  std::map<public_key, std::map<std::uint64_t, confirmation>> votes_seen_;
};

} // namespace bfd
