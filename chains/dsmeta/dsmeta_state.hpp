// DS metadata's state and rules: the records of one fund chain (organisation, terms, status,
// issuances, members, rate history, service usage), the rules of the local kinds and of the peg
// operations (docs/ds-metadata.md), an undo journal, storage records and a cached root. The
// state is its records (a key-ordered map), so undo, dirt, root and restore are one mechanism;
// typed views decode them (chains/state/record_map). Pure.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "chains/access/access_state.hpp"
#include "chains/dsmeta/dsmeta_types.hpp"
#include "chains/state/record_map.hpp"
#include "chains/state/dsmeta_tx.hpp"

namespace bfd::peg {
class peg_ledger;
}

namespace bfd::ds {

/// What the rules see besides the DS state: the chain, the height, access control (null: the
/// chain has none, and every authorised write is refused) and the peg's lock store (null: none).
struct env {
  std::uint32_t chain = 0;
  std::uint64_t height = 0;
  const acl::access_state* access = nullptr;
  const peg::peg_ledger* locks = nullptr;
};

/// A storage record: key and value, or nothing for a record that no longer exists.
using record = std::pair<bytes, std::optional<bytes>>;

class dsmeta_state {
public:
  /// The empty state of fund chain `chain` (its 'G' record).
  static dsmeta_state genesis(std::uint32_t chain);
  /// A state from its stored records (every record); refuses what does not decode or disagrees
  /// with the summary (storage_corrupt).
  static result<dsmeta_state> restore(std::span<const std::pair<bytes, bytes>> records);

  // --- reads ------------------------------------------------------------------------------
  std::uint32_t chain() const noexcept { return chain_; }
  std::optional<organisation> org() const;
  std::optional<raise_terms> terms() const;
  fund_summary summary() const;
  std::optional<member> find_member(const address& a) const;
  /// The current rate (the last history entry), or nothing before any terms.
  std::optional<amount> rate() const;
  std::optional<op_ref> adopted() const;
  /// Pages of at most `limit` (≤ max_page) entries from index `from`.
  std::vector<std::pair<address, member>> members(const address& after, std::uint32_t limit) const;
  std::vector<rate_entry> rates(std::uint64_t from, std::uint32_t limit) const;
  std::vector<issuance> issuances(std::uint64_t from, std::uint32_t limit) const;
  std::vector<usage_entry> usages(std::uint64_t from, std::uint32_t limit) const;
  /// Whether `who` may read the members and their keys: it holds read (or admin) on the fund's
  /// scopes (sidechain <chain>, the organisation's fund group, or global) by `access`; refused
  /// (access_denied) on a chain without access control.
  status check_member_read(const address& who, const acl::access_state* access) const;

  // --- local kinds (sender: the transaction's sender key) ---------------------------------
  status check(const public_key& sender, const ds_member_add_tx& p, const env& e) const;
  status check(const public_key& sender, const ds_member_update_tx& p, const env& e) const;
  status check(const public_key& sender, const ds_member_remove_tx& p, const env& e) const;
  status check(const public_key& sender, const ds_rate_set_tx& p, const env& e) const;
  status check(const public_key& sender, const ds_usage_record_tx& p, const env& e) const;
  status apply(const public_key& sender, const ds_member_add_tx& p, const env& e);
  status apply(const public_key& sender, const ds_member_update_tx& p, const env& e);
  status apply(const public_key& sender, const ds_member_remove_tx& p, const env& e);
  status apply(const public_key& sender, const ds_rate_set_tx& p, const env& e);
  status apply(const public_key& sender, const ds_usage_record_tx& p, const env& e);

  // --- peg operations -----------------------------------------------------------------------
  /// The target's decision at prepare: the operation's shape (name, keys, body), the sender's
  /// permission, and the state rules. Codes as for transactions.
  status check_op(const address& sender, std::string_view operation, std::span<const bytes> keys, byte_view body,
                  const env& e) const;
  /// The state rules alone (no authority, no deadline: decided at prepare).
  status check_op_state(const op_body& b, const env& e, bool at_prepare) const;
  /// Commits an operation (after its commit notice): its effects, and `op` as adopted.
  status apply_op(const op_body& b, const op_ref& op, const env& e);
  /// Marks `op` adopted without effects (an operation whose body no longer passes: cannot
  /// happen while its keys were locked; kept so a block never fails on it).
  void skip_op(const op_ref& op);

  // --- undo, records, root ------------------------------------------------------------------
  std::size_t checkpoint() const noexcept { return records_.checkpoint(); }
  void rollback(std::size_t mark) { records_.rollback(mark); }
  void forget_journal(std::size_t count) { records_.forget_journal(count); }
  void release_undo() { records_.release_undo(); }
  std::vector<record> dirty_records() const { return records_.dirty_records(); }
  void mark_all_dirty() { records_.mark_all_dirty(); }
  void clear_dirty() { records_.clear_dirty(); }
  const std::map<bytes, bytes>& records() const noexcept { return records_.records(); }
  /// The tagged hash (bfd/dsmeta) of every record in key order; cached until a change.
  hash256 root() const { return records_.root(); }

  friend bool operator==(const dsmeta_state& a, const dsmeta_state& b) { return a.records_ == b.records_; }

private:
  dsmeta_state() = default;
  status authorise(const address& who, acl::permission p, const env& e, const acl::scope* extra = nullptr) const;
  // The first refusal of `decide` on the fund's own scope (sidechain `chain`), unless it allows
  // the organisation's fund group or `extra`.
  status in_fund_scopes(std::uint32_t chain, const std::function<status(const acl::scope&)>& decide,
                        const acl::scope* extra) const;
  status writable(const env& e) const;  // organisation registered and fund active
  status unlocked(const env& e, byte_view key) const;
  void put(bytes key, std::optional<bytes> value) { records_.put(std::move(key), std::move(value)); }
  void put_summary(const fund_summary& s);
  void add_rate(amount rate, rate_source src, std::uint64_t height, fund_summary& s);

  std::uint32_t chain_ = 0;
  record_map records_{hash_tag::dsmeta};
};

} // namespace bfd::ds
