// Binding a payment to a handshake: the payment tag the payer puts in its payment, the payee's
// check of it, and the bounded registry that refuses a tag's second use.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <utility>

#include "chains/core/error.hpp"
#include "chains/ush/handshake.hpp"

namespace bfd::ush {

/// tagged_hash("bfd/ush/tag", session key || transcript hash).
hash256 payment_tag(const session& s);

/// ok if `tag` is the payment tag of the session; errc::ush_tag_mismatch otherwise.
status verify_payment_tag(const session& s, const hash256& tag);

/// Tags already used, each kept until its expiry height; a tag is accepted only from the height
/// its handshake completed (`since`) to since + window, so a forgotten tag can never come back.
class tag_registry {
public:
  /// `window` heights of validity per tag; at most `capacity` unexpired tags.
  tag_registry(std::uint64_t window, std::size_t capacity) : window_(window), capacity_(capacity) {}

  /// Records the first use of `tag` at height `now`. errc::ush_tag_expired past since + window,
  /// ush_tag_reused for a tag recorded before, ush_tag_registry_full at capacity (after dropping
  /// the tags expired at `now`).
  status record(const hash256& tag, std::uint64_t since, std::uint64_t now);
  /// Whether `tag` is held (used and not yet expired).
  bool contains(const hash256& tag) const { return expiry_.contains(tag); }
  /// Drops the tags whose expiry height is below `now`.
  void prune(std::uint64_t now);
  /// Tags held.
  std::size_t size() const { return expiry_.size(); }

private:
  std::uint64_t window_;
  std::size_t capacity_;
  std::map<hash256, std::uint64_t> expiry_;               ///< tag -> last height it is valid
  std::set<std::pair<std::uint64_t, hash256>> by_expiry_; ///< the same, ordered for pruning
};

} // namespace bfd::ush
