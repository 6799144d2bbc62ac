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
};

/// Whether a transaction's signature still has to be checked, or was checked already
/// (once per node, by the verifier pool, before it reached the ledger).
enum class signature_check { verify, already_verified };

/// Accounts of one chain, always consistent: every change keeps the sum of balances equal
/// to the total supply.
class ledger {
public:
  explicit ledger(chain_id chain) : chain_(chain) {}

  /// A ledger holding the genesis allocations (duplicates add up); errc::overflow if they
  /// sum past 2^64-1.
  static result<ledger> from_genesis(chain_id chain, std::span<const genesis_allocation> allocations);

  /// A ledger rebuilt from stored accounts; errc::supply_mismatch if they do not sum to `supply`.
  static result<ledger> restore(chain_id chain, amount supply,
                                std::vector<std::pair<address, account>> accounts);

  chain_id chain() const noexcept { return chain_; }
  amount total_supply() const noexcept { return supply_; }
  std::size_t account_count() const noexcept { return accounts_.size(); }

  /// The account, or a zero account if it has never been touched.
  account get(const address& addr) const;

  /// Checks a transaction against the current state at block height `height` without applying it.
  status check(const transaction& tx, std::uint64_t height, signature_check sigs) const;

  /// Checks and applies a transaction; the fee goes to `fee_recipient`. Nothing changes on error.
  status apply(const transaction& tx, std::uint64_t height, const address& fee_recipient,
               signature_check sigs);

  /// Applies every transaction of a block, all or nothing; checks its tx Merkle root first.
  /// Does not check the header's state root (the caller compares it with state_root()).
  status apply_block(const block& b, const address& fee_recipient, signature_check sigs);

  /// Root committing to every account (address, balance, nonce) in address order.
  hash256 state_root() const;

  /// Sum of balances equals the total supply; errc::supply_mismatch otherwise.
  status check_conservation() const;

  /// Accounts changed since the last clear_dirty(), with their current state, or nothing for
  /// an account that no longer exists (for storage).
  std::vector<std::pair<address, std::optional<account>>> dirty() const;
  /// Forgets the changed set, once storage has written it.
  void clear_dirty() { dirty_.clear(); }

  /// Every account in address order.
  const std::map<address, account>& accounts() const noexcept { return accounts_; }

  /// Marks a point to roll back to; rollback() undoes every change since then.
  std::size_t checkpoint() const noexcept { return undo_.size(); }
  void rollback(std::size_t mark);
  /// Forgets the undo log (changes since the checkpoint become permanent).
  void release_undo() { undo_.clear(); }

private:
  void set(const address& addr, const account& value);

  chain_id chain_;
  amount supply_ = 0;
  std::map<address, account> accounts_;
  std::set<address> dirty_;
  std::vector<std::pair<address, std::optional<account>>> undo_;
};

} // namespace bfd
