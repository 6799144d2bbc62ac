#include "chains/ush/payment_tag.hpp"

#include <limits>
#include <string>

namespace bfd::ush {

hash256 payment_tag(const session& s) {
  return tagged_hash(hash_tag::ush_tag, s.key.view(), s.transcript.view());
}

status verify_payment_tag(const session& s, const hash256& tag) {
  if (!equal_secret(payment_tag(s), tag))
    return make_error(errc::ush_tag_mismatch, "the payment tag is not the one of this handshake");
  return {};
}

status tag_registry::record(const hash256& tag, std::uint64_t since, std::uint64_t now) {
  const auto last = since > std::numeric_limits<std::uint64_t>::max() - window_
                      ? std::numeric_limits<std::uint64_t>::max()
                      : since + window_;
  if (now > last)
    return make_error(errc::ush_tag_expired, "the tag was valid to height " + std::to_string(last) +
                                               ", this is height " + std::to_string(now));
  prune(now);
  if (expiry_.contains(tag))
    return make_error(errc::ush_tag_reused, "this payment tag was used before");
  if (expiry_.size() >= capacity_)
    return make_error(errc::ush_tag_registry_full,
                      "the tag registry holds " + std::to_string(capacity_) + " unexpired tags");
  expiry_.emplace(tag, last);
  by_expiry_.emplace(last, tag);
  return {};
}

void tag_registry::prune(std::uint64_t now) {
  while (!by_expiry_.empty() && by_expiry_.begin()->first < now) {
    expiry_.erase(by_expiry_.begin()->second);
    by_expiry_.erase(by_expiry_.begin());
  }
}

} // namespace bfd::ush
