// The interface of a state module beyond the two built in (token = the ledger, consensus =
// consensus_state): the sidechain registry, peg, services... A chain_state composes the modules
// its genesis names; each owns its kinds' rules, its state, its undo journal, its part of the
// state root and its storage records (docs/state-modules.md).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "chains/core/error.hpp"
#include "chains/primitives/transaction.hpp"

namespace bfd::peg {
struct peg_message;
}

namespace bfd {

class ledger;
class chain_state;
struct cluster;
struct genesis_config;

/// What a module sees of the block a transaction runs in.
struct block_context {
  chain_id chain = mainchain_id;
  std::uint64_t height = 0;
  public_key producer;
  address fee_pool;  ///< collects the block's fees until the reward payout
  std::uint64_t timestamp_ms = 0;  ///< the block's timestamp (admission checks: the head's)
  const cluster* active = nullptr;  ///< the chain's active cluster when the block runs
  /// The chain's state before the transaction (other modules' state: the peg reads the
  /// registry's light clients); null at genesis.
  const chain_state* state = nullptr;
};

/// A storage record of a module: its key (opaque, at most 255 bytes) and its value, or nothing
/// for a record that no longer exists.
using module_record = std::pair<bytes, std::optional<bytes>>;

/// A movement of pegged vouchers that a module asks the peg module to make in the same
/// transaction (the funds module's escrow): `destination` 0 moves `value` of `denom` from `from`
/// to `to` on this chain; otherwise it is a peg transfer out of `from`'s vouchers to `to` on chain
/// `destination` (burned here, a message in the outbox), as a peg_send of `from` would be.
struct peg_effect {
  std::string denom;
  address from;
  address to;
  amount value = 0;
  chain_id destination = 0;
  std::uint64_t timeout_height = 0;  ///< for a transfer out: on the destination's height
  friend bool operator==(const peg_effect&, const peg_effect&) = default;
};

/// A module with its own state. Token and consensus are called directly (no virtual call on the
/// transfer path); a module of this interface costs one virtual call per transaction of its kinds.
class state_module {
public:
  virtual ~state_module() = default;
  /// Which module this is; its payloads declare the same id.
  virtual module_id id() const noexcept = 0;
  /// A deep copy (chain states are copied to build and to reorganise).
  virtual std::unique_ptr<state_module> clone() const = 0;

  /// The module's preconditions of a transaction of its kinds (the ledger checks fee and nonce).
  virtual status check(const transaction& tx, const block_context& ctx, const ledger& l) const = 0;
  /// Applies it after the ledger applied its ledger side; may debit, credit or lock through `l`.
  /// On error the caller rolls back both.
  virtual status apply(const transaction& tx, const block_context& ctx, ledger& l) = 0;
  /// Runs once when the chain's genesis state is made, after the ledger and consensus exist
  /// (ctx: height 0, the genesis time and cluster): state the genesis configures.
  virtual status genesis(const block_context& ctx, ledger& l) {
    (void)ctx;
    (void)l;
    return {};
  }
  /// Runs once before the first transaction of every block (built or applied): per-block state
  /// such as the outbox starts empty. Undone with the block.
  virtual void begin_block(const block_context& ctx) { (void)ctx; }
  /// Runs after every transaction of a block, before rewards (per-block bookkeeping).
  virtual status end_block(const block_context& ctx, ledger& l) {
    (void)ctx;
    (void)l;
    return {};
  }

  /// The module's part of the state root, or nothing while it contributes nothing (then the
  /// chain's state root is the same as without the module).
  virtual std::optional<hash256> root() const = 0;
  /// A reason to refuse metadata operation `m` this chain is the target of, or nothing to let it
  /// prepare (the peg asks every module after its own checks; DS metadata vetoes on its keys).
  virtual std::optional<std::string> metadata_veto(const peg::peg_message& m, const block_context& ctx) const {
    (void)m;
    (void)ctx;
    return std::nullopt;
  }
  /// The root of the outbox the current block wrote (the header's outbox_root), or nothing when
  /// the module writes no outbox. At most one module of a chain has one.
  virtual std::optional<hash256> outbox_root() const { return std::nullopt; }

  /// The voucher movements the last apply() asked for, handed over once (chain_state passes them
  /// to the peg module's apply_peg_effects right after apply(); a failure fails the transaction).
  virtual std::vector<peg_effect> take_peg_effects() { return {}; }
  /// Peg module only: performs `effects` (journaled with the transaction). Others refuse.
  virtual status apply_peg_effects(std::span<const peg_effect> effects, const block_context& ctx) {
    (void)ctx;
    if (effects.empty())
      return {};
    return make_error(errc::kind_not_enabled, "only the peg module moves vouchers");
  }
  /// A reason to refuse a plain token `transfer` from `from` to `to` on this chain (the funds
  /// module: fund tokens move by fund_trade only), or nothing. Asked only of the funds module.
  virtual status check_token_transfer(const address& from, const address& to, const block_context& ctx) const {
    (void)from;
    (void)to;
    (void)ctx;
    return {};
  }

  /// Undo journal: a mark, undo to it, forget the oldest `count` entries, forget all.
  virtual std::size_t checkpoint() const = 0;
  virtual void rollback(std::size_t mark) = 0;
  virtual void forget_undo(std::size_t count) = 0;
  virtual void release_undo() = 0;

  /// Records changed since clear_dirty() (all of them after mark_all_dirty()).
  virtual std::vector<module_record> dirty_records() const = 0;
  virtual void mark_all_dirty() = 0;
  virtual void clear_dirty() = 0;
  /// Replaces the state by the stored records (every record, in key order).
  virtual status restore(std::span<const std::pair<bytes, bytes>> records) = 0;
};

/// Most modules of this interface on one chain (marks are fixed arrays: no allocation per tx).
inline constexpr std::size_t max_state_modules = 8;

/// Makes the module `id` for a new chain from its genesis configuration, or nothing for the
/// built-in modules (token, consensus). One line per module in chains/state/state_module.cpp.
result<std::unique_ptr<state_module>> make_state_module(module_id id, const genesis_config& genesis);

} // namespace bfd
