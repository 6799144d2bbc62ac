// The full state of one chain at its head: ledger plus consensus. Validates and applies blocks
// all-or-nothing, builds blocks for producers and checks transactions for admission.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "chains/consensus/consensus_state.hpp"
#include "chains/ledger/ledger.hpp"
#include "chains/state/state_module.hpp"

namespace bfd {

struct registry_genesis;  // chains/sidechain/registry_module.hpp
struct peg_genesis;       // chains/peg/peg_module.hpp
struct access_genesis;    // chains/access/access_module.hpp

/// Everything that defines a chain's first block.
struct genesis_config {
  chain_id chain = mainchain_id;
  consensus_params params;
  std::vector<genesis_allocation> allocations;
  std::vector<genesis_vm> vms;
  /// The state modules the chain has (token is required); kinds of other modules are refused.
  module_set modules = module_set::standard();
  /// The registry module's genesis (its authority and the sidechains active from the start);
  /// required when `modules` has the registry.
  std::shared_ptr<const registry_genesis> registry;
  /// The peg module's genesis (the native denom and the counterparties' trust points); when
  /// null, the peg module starts with "BFDT" and no trust points (the mainchain's case). Not
  /// part of the genesis state root (docs/peg.md).
  std::shared_ptr<const peg_genesis> peg;
  /// The access module's genesis (the first global admins); required when `modules` has access.
  std::shared_ptr<const access_genesis> access;
};

/// Owns a state module and copies it deeply, so chain states keep value semantics.
class module_slot {
public:
  explicit module_slot(std::unique_ptr<state_module> m) : m_(std::move(m)) {}
  module_slot(const module_slot& o) : m_(o.m_->clone()) {}
  module_slot& operator=(const module_slot& o) {
    if (this != &o)
      m_ = o.m_->clone();
    return *this;
  }
  module_slot(module_slot&&) noexcept = default;
  module_slot& operator=(module_slot&&) noexcept = default;
  state_module* operator->() const noexcept { return m_.get(); }
  state_module& operator*() const noexcept { return *m_; }

private:
  std::unique_ptr<state_module> m_;
};

/// The state of a chain at a head block: the token module (the ledger, which every other module
/// may debit, credit and lock through), the consensus module, and the state modules of
/// chains/state/state_module.hpp its genesis names.
class chain_state {
public:
  /// The genesis state and its block (height 0, no producer, no signature). Modules named in
  /// config.modules are made by make_state_module unless given in `modules` (tests, tools).
  static result<std::pair<chain_state, block>> genesis(const genesis_config& config,
                                                       std::vector<std::unique_ptr<state_module>> modules = {});

  /// A state restored from storage: checks that it reproduces the head's state root. `modules`
  /// are the chain's state modules, already restored from their records.
  static result<chain_state> restore(ledger l, consensus_state c, const block_header& head,
                                     module_set set = module_set::standard(),
                                     std::vector<std::unique_ptr<state_module>> modules = {});

  /// The modules this chain has.
  module_set modules() const noexcept { return modules_; }
  /// The state module `id`, or null (also for token and consensus, which are accessed above).
  const state_module* module(module_id id) const noexcept;
  /// Mutable access for storage bookkeeping (dirty sets) only.
  state_module* module_for_storage(module_id id) noexcept;
  /// The state modules, in id order.
  const std::vector<module_slot>& state_modules() const noexcept { return extra_; }

  const ledger& accounts() const noexcept { return ledger_; }
  ledger& accounts() noexcept { return ledger_; }
  const consensus_state& consensus() const noexcept { return consensus_; }
  /// Mutable access for storage bookkeeping (dirty sets) only.
  consensus_state& consensus_for_storage() noexcept { return consensus_; }
  const block_header& head() const noexcept { return head_; }
  const hash256& head_hash() const noexcept { return head_hash_; }
  chain_id chain() const noexcept { return ledger_.chain(); }

  /// H_state(ledger root || consensus root), followed by (module id byte || root) of each state
  /// module that has a root, in id order (none today: the root is the two-module formula).
  hash256 state_root() const;

  /// Validates `b` as the next block on the head and applies it; nothing changes on error.
  /// `sigs` says whether transaction signatures are still to be verified (headers always are).
  status apply_block(const block& b, signature_check sigs);

  /// What a caller already established of a block: its header hash, that the producer's
  /// signature verifies over it, and that tx_root matches the transactions.
  struct prechecked {
    hash256 hash;
  };
  /// apply_block without redoing what `known` vouches for.
  status apply_block(const block& b, signature_check sigs, const prechecked& known);

  /// Whether `tx` could go into the next block (ledger and consensus rules, nonce exact).
  status check_transaction(const transaction& tx, signature_check sigs) const;

  /// What a producer needs to build a block in its slot.
  struct block_template {
    public_key producer;
    std::uint64_t round = 0;
    std::uint64_t slot = 0;
    std::uint64_t timestamp_ms = 0;
    hash256 reveal;
    std::uint32_t max_txs = 0;
  };

  /// Builds the next block (unsigned, no work) from the candidates in order, skipping those that
  /// fail; ids of skipped ones go to `rejected` with their reason. The state is left unchanged.
  result<block> build_block(const block_template& t, std::span<const transaction> candidates,
                            signature_check sigs,
                            std::vector<std::pair<hash256, error>>* rejected = nullptr);

  /// Forgets undo journals (after a commit; blocks on the head are never undone past it).
  void release_undo();

  /// What one block did to the state: the ledger and consensus records it touched with their new
  /// values, and the new head. Another state at the block's parent advances by it without
  /// executing the block again (the final state, or the head when a producer's block returns).
  struct block_changes {
    bfd::ledger::changes accounts;
    consensus_state::changes consensus;
    block_header head;
    hash256 head_hash;
  };
  /// Starts recording: forgets the changed sets (only on a state whose changed sets storage
  /// does not read, such as the head).
  void reset_changes();
  /// What changed since reset_changes(), and the head.
  block_changes changes() const;
  /// Advances by `c` (taken at this state's head): undoable like apply_block, no checks.
  void apply_changes(const block_changes& c);

  /// Builds like build_block and also keeps what the built block changed (`changes`, recorded
  /// since reset_changes()), and its transactions' ids and entry hashes.
  struct built_block {
    block_changes changes;
    std::vector<hash256> ids;
    std::vector<hash256> entries;
  };
  result<block> build_block(const block_template& t, std::span<const transaction> candidates,
                            signature_check sigs, std::vector<std::pair<hash256, error>>* rejected,
                            built_block* kept);

  /// Applies `b`, which this state built (same header but for work and signature, same
  /// transactions, `built` taken then, at this head): the header is checked as apply_block does,
  /// the transactions are not executed again. Nothing changes on error.
  status apply_built(const block& b, const prechecked& known, const block_changes& built);

  /// A point to roll back to, several blocks back if need be (a reorg undoes the blocks above
  /// the fork instead of replaying the new branch from the final state).
  struct mark {
    std::size_t ledger = 0;
    consensus_state::mark consensus;
    std::array<std::size_t, max_state_modules> modules{};  ///< each state module's journal mark
    block_header head;
    hash256 head_hash;
  };
  mark checkpoint() const;
  /// Undoes everything applied since `m`.
  void rollback(const mark& m);
  /// Forgets what could only undo to before `m`; shift() then rebases a later mark.
  void forget_before(const mark& m);
  static void shift(mark& later, const mark& forgotten);

private:
  chain_state(ledger l, consensus_state c) : ledger_(std::move(l)), consensus_(std::move(c)) {}
  status apply_body(const block& b, signature_check sigs);
  status check_and_advance(const block& b, const prechecked* known);
  status apply_block(const block& b, signature_check sigs, const prechecked* known);
  status add_modules(std::vector<std::unique_ptr<state_module>> modules);
  // The owning module's checks, then the ledger side, then the module's effects.
  status apply_transaction(const transaction& tx, const block_context& ctx, signature_check sigs);
  status check_enabled(const transaction& tx) const;
  state_module* find_module(module_id id) const noexcept;
  // A fund chain's rule for plain transfers (the funds module's check_token_transfer).
  status check_token_rule(const transaction& tx, const block_context& ctx) const;
  status end_block(const block_context& ctx);
  void begin_block(const block_context& ctx);
  // The outbox root the current block's modules wrote (the empty root when none writes one).
  hash256 block_outbox_root() const;

  ledger ledger_;
  consensus_state consensus_;
  module_set modules_ = module_set::standard();
  std::vector<module_slot> extra_;
  block_header head_;
  hash256 head_hash_;
};

/// The genesis seed S(0) of a chain: tagged hash of its id and the genesis ledger root.
hash256 genesis_seed(chain_id chain, const hash256& ledger_root);

} // namespace bfd
