// The credential authority's state (module_id::authority): credential groups with their public
// keys and authorities, issuance records (who received how many credentials of a group, never
// which pseudonyms), revocation lists, the payment tags used by tagged transfers (kept for their
// window), and the count of member records per account. Its records are its state: a record_map
// under hash_tag::authority (docs/formats.md section 20). Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "chains/access/access_state.hpp"
#include "chains/core/error.hpp"
#include "chains/state/authority_tx.hpp"
#include "chains/state/record_map.hpp"

namespace bfd::authority {

/// Longest group name in bytes.
inline constexpr std::size_t max_group_name = 64;
/// Most pseudonyms one ush_revoke names.
inline constexpr std::uint32_t max_revocations_per_tx = 64;
/// Largest member record in bytes.
inline constexpr std::size_t max_record_bytes = 256;
/// Most credentials one issuance record counts (a credential batch, docs/membership-proofs.md).
inline constexpr std::uint64_t max_issue_count = 256;
/// Most groups on one chain.
inline constexpr std::uint64_t max_groups = 10'000;
/// Most issuance records (group, member pairs) on one chain.
inline constexpr std::uint64_t max_issue_records = 1'000'000;
/// Most revoked pseudonyms on one chain.
inline constexpr std::uint64_t max_revoked = 1'000'000;
/// Most unexpired payment tags on one chain.
inline constexpr std::uint64_t max_live_tags = 100'000;
/// Heights a payment tag is valid for after `since`; a tag is kept until since + window.
inline constexpr std::uint64_t tag_window = 1'000;

/// The access scope of a group: ush_group with the first 8 bytes of its id, big-endian.
acl::scope group_scope(const hash256& group);

/// A credential group as the chain holds it.
struct group_record {
  hash256 id;
  std::string name;
  fixed_bytes<33> key;   ///< Y, the group's public key
  address authority;     ///< its creator, who alone records issuance and revokes
  std::uint64_t created = 0;  ///< height
  std::uint64_t issued = 0;   ///< credentials recorded as issued
  std::uint64_t revoked = 0;  ///< pseudonyms revoked
  friend bool operator==(const group_record&, const group_record&) = default;
};

/// What a transaction sees besides the state: the chain, the height, access control (may be null).
struct env {
  std::uint32_t chain = 0;  ///< the chain id
  std::uint64_t height = 0;
  const acl::access_state* access = nullptr;
};

class authority_state {
public:
  authority_state() : records_(hash_tag::authority) {}
  /// The state of the stored records (every record, in key order); storage_corrupt if one does
  /// not decode or the counters disagree.
  static result<authority_state> restore(std::span<const std::pair<bytes, bytes>> records);

  /// A group by id.
  std::optional<group_record> group(const hash256& id) const;
  /// Every group, in id order (at most max_groups).
  std::vector<group_record> groups() const;
  /// Credentials recorded as issued to `member` in `group`.
  std::uint64_t issued_to(const hash256& group, const address& member) const;
  /// Whether `pseudonym` is on the group's revocation list.
  bool revoked(const hash256& group, const hash256& pseudonym) const;
  /// The group's revoked pseudonyms, in byte order, from `after` (exclusive), at most `limit`.
  std::vector<hash256> revocations(const hash256& group, const std::optional<hash256>& after, std::size_t limit) const;
  /// The last height a used tag is kept, or nothing for a tag never used (or forgotten after its window).
  std::optional<std::uint64_t> tag_expiry(const hash256& tag) const;
  /// Member records `account` made.
  std::uint64_t member_records(const address& account) const;
  /// Payment tags held (used, window not over).
  std::uint64_t live_tags() const { return counter(c_tags); }

  status check(const address& sender, const ush_group_create_tx& p, const env& e) const;
  status check(const address& sender, const ush_issue_tx& p, const env& e) const;
  status check(const address& sender, const ush_revoke_tx& p, const env& e) const;
  status check(const address& sender, const tagged_transfer_tx& p, const env& e) const;
  status check(const address& sender, const member_record_tx& p, const env& e) const;
  /// Applies a checked transaction (the value of a tagged transfer is the module's to move).
  status apply(const address& sender, const ush_group_create_tx& p, const env& e);
  status apply(const address& sender, const ush_issue_tx& p, const env& e);
  status apply(const address& sender, const ush_revoke_tx& p, const env& e);
  status apply(const address& sender, const tagged_transfer_tx& p, const env& e);
  status apply(const address& sender, const member_record_tx& p, const env& e);

  /// Forgets the tags whose window ended before `height` (their since + window < height).
  void prune_tags(std::uint64_t height);

  /// Nothing while empty (the chain's root is then as without the module).
  std::optional<hash256> root() const;
  std::size_t checkpoint() const { return records_.checkpoint(); }
  void rollback(std::size_t mark) { records_.rollback(mark); }
  void forget_journal(std::size_t count) { records_.forget_journal(count); }
  void release_undo() { records_.release_undo(); }
  std::vector<std::pair<bytes, std::optional<bytes>>> dirty_records() const { return records_.dirty_records(); }
  void mark_all_dirty() { records_.mark_all_dirty(); }
  void clear_dirty() { records_.clear_dirty(); }
  friend bool operator==(const authority_state& a, const authority_state& b) { return a.records_ == b.records_; }

private:
  enum counter_index : std::size_t { c_groups = 0, c_issue_records = 1, c_revoked = 2, c_tags = 3, c_count = 4 };
  std::uint64_t counter(counter_index i) const;
  void set_counter(counter_index i, std::uint64_t value);

  record_map records_;
};

} // namespace bfd::authority
