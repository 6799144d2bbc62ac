// The BFDT ledger of one chain: accounts, balances, nonces, fees, genesis allocation,
// conservation of total supply and a deterministic state root.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <utility>
#include <vector>

#include "chains/core/amount.hpp"
#include "chains/core/error.hpp"
#include "chains/merkle/bucket_tree.hpp"
#include "chains/primitives/block.hpp"

namespace bfd {

/// One account's state.
struct account {
  amount balance = 0;
  std::uint64_t nonce = 0;  ///< the nonce its next transaction must carry
  friend bool operator==(const account&, const account&) = default;
};

/// A genesis credit.
struct genesis_allocation {
  address to;
  amount value = 0;
  friend bool operator==(const genesis_allocation&, const genesis_allocation&) = default;
};

/// Whether a transaction's signature still has to be checked, or was checked already
/// (once per node, by the verifier pool, before it reached the ledger).
enum class signature_check { verify, already_verified };

/// How much of the sender's balance a transaction moves besides its fee: the transfer amount,
/// the bid of a vm_bid, the stake of a vote; zero for the other kinds.
amount spend_of(const transaction& tx) noexcept;

/// Accounts of one chain, always consistent: every change keeps the sum of balances plus the
/// locked funds (bids and voted stake) equal to the total supply.
class ledger {
public:
  explicit ledger(chain_id chain) : chain_(chain) {}

  /// A ledger holding the genesis allocations (duplicates add up); errc::overflow if they
  /// sum past 2^64-1.
  static result<ledger> from_genesis(chain_id chain, std::span<const genesis_allocation> allocations);

  /// A ledger rebuilt from stored accounts; errc::supply_mismatch if they do not sum to `supply`.
  static result<ledger> restore(chain_id chain, amount supply, amount locked,
                                std::vector<std::pair<address, account>> accounts);

  chain_id chain() const noexcept { return chain_; }
  amount total_supply() const noexcept { return supply_; }
  /// Funds locked in bids and votes: part of the supply, in no balance.
  amount locked() const noexcept { return locked_; }
  std::size_t account_count() const noexcept { return accounts_.size(); }

  /// The account, or a zero account if it has never been touched.
  account get(const address& addr) const;

  /// Checks what the ledger can check of any transaction at block height `height`: chain,
  /// expiry, nonce, funds for fee plus spend_of(tx), overflow, signature; for transfers, all of it.
  status check(const transaction& tx, std::uint64_t height, signature_check sigs) const;

  /// Checks and applies the ledger side of a transaction: the fee goes to `fee_recipient`, the
  /// nonce advances; a transfer moves its amount; a bid or vote moves its spend into the locked
  /// funds. Nothing changes on error.
  status apply(const transaction& tx, std::uint64_t height, const address& fee_recipient,
               signature_check sigs);

  /// Returns `value` of locked funds to `to`'s balance (unvote).
  status unlock(const address& to, amount value);
  /// Destroys `value` of locked funds (a slashed bid): supply shrinks.
  status burn_locked(amount value);
  /// Creates `value` new units for `to` (block reward): supply grows.
  status mint(const address& to, amount value);
  /// Destroys `value` of `from`'s balance (a fund token redeemed or taken as commission): supply
  /// shrinks.
  status burn(const address& from, amount value);
  /// Moves `value` between two balances (reward shares).
  status move(const address& from, const address& to, amount value);

  /// Applies every transaction of a block, all or nothing; checks its tx Merkle root first.
  /// Does not check the header's state root (the caller compares it with state_root()).
  status apply_block(const block& b, const address& fee_recipient, signature_check sigs);

  /// Root committing to the chain id, supply, locked funds and every account (address, balance,
  /// nonce), kept incrementally: only the buckets of accounts changed since the last call are
  /// re-hashed (docs/formats.md, ledger root).
  hash256 state_root() const;

  /// Sum of balances equals the total supply; errc::supply_mismatch otherwise.
  status check_conservation() const;

  /// Accounts changed since the last clear_dirty(), with their current state, or nothing for
  /// an account that no longer exists (for storage).
  std::vector<std::pair<address, std::optional<account>>> dirty() const;
  /// Marks every account changed (a fresh state that storage has never seen).
  void mark_all_dirty() {
    for (const auto& [addr, acct] : accounts_)
      dirty_.insert(addr);
  }
  /// Forgets the changed set, once storage has written it.
  void clear_dirty() { dirty_.clear(); }

  /// Every account in address order.
  const std::map<address, account>& accounts() const noexcept { return accounts_; }

  /// Marks a point to roll back to; rollback() undoes every change since then.
  std::size_t checkpoint() const noexcept { return undo_.size(); }
  void rollback(std::size_t mark);
  /// Forgets the undo log (changes since the checkpoint become permanent).
  void release_undo() { undo_.clear(); }
  /// Forgets the oldest `count` undo records (checkpoints taken later shift down by `count`).
  void forget_undo(std::size_t count) {
    undo_.erase(undo_.begin(), undo_.begin() + static_cast<std::ptrdiff_t>(std::min(count, undo_.size())));
  }

  /// What a run of changes left behind (a block applied on another ledger in the same state):
  /// every account it touched with its new state (nothing: it does not exist), and the scalars.
  struct changes {
    std::vector<std::pair<address, std::optional<account>>> accounts;
    amount supply = 0;
    amount locked = 0;
  };
  /// The accounts changed since the last clear_dirty() with their values, and the scalars.
  changes changed() const { return {dirty(), supply_, locked_}; }
  /// Writes `c`, taken from a ledger that was in this one's state, without executing anything
  /// again: undoable, and marked changed for storage like the changes it copies.
  void apply_changes(const changes& c);

private:
  void set(const address& addr, const account& value);
  void set_scalar(amount& field, amount value);

  // One undo record: an account's previous state, or a scalar's previous value.
  struct undo_entry {
    address addr;
    std::optional<account> old;
    amount* scalar = nullptr;
    amount old_scalar = 0;
  };

  chain_id chain_;
  amount supply_ = 0;
  amount locked_ = 0;
  std::map<address, account> accounts_;
  std::set<address> dirty_;
  std::vector<undo_entry> undo_;
  mutable bucket_tree tree_;  // cache of the account commitment
};

} // namespace bfd
