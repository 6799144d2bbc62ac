// Signed HTTP requests (docs/formats.md, "Signed requests"): the strict parser of the three
// headers, the digest a caller signs, verification against a time window, and a bounded cache of
// seen signatures that refuses replays. Pure: the time is an argument.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string_view>
#include <utility>

#include "chains/core/bytes.hpp"
#include "chains/core/error.hpp"
#include "chains/crypto/keys.hpp"

namespace bfd::acl {

/// The header names (matched without regard to case, as HTTP does).
inline constexpr std::string_view public_key_header = "X-Bfd-Public-Key";
inline constexpr std::string_view timestamp_header = "X-Bfd-Timestamp";
inline constexpr std::string_view signature_header = "X-Bfd-Signature";

/// A request is fresh when its timestamp is at most this far from the server's clock.
inline constexpr std::uint64_t request_window_ms = 60'000;
/// Longest method and target (path and query) a signed request may have.
inline constexpr std::size_t max_request_method = 16;
inline constexpr std::size_t max_request_target = 2048;
/// Signatures the replay cache holds at most (a window's worth: about 1,000 signed requests a second).
inline constexpr std::size_t max_remembered_requests = 65'536;

/// The three headers of a signed request, parsed.
struct signed_request {
  public_key key;
  std::uint64_t timestamp_ms = 0;
  signature sig;

  address account() const { return address_of(key); }
};

/// Parses the header values: the key is exactly 64 hex digits and the signature exactly 128
/// (either case, no prefix or spaces), the timestamp 1-16 decimal digits (milliseconds since the
/// Unix epoch). Errors: invalid_argument naming the header; bad_public_key for a key not on the
/// curve. Never reads beyond the views.
result<signed_request> parse_signed_request(std::string_view public_key_hex, std::string_view timestamp,
                                            std::string_view signature_hex);

/// What the signature covers: tagged_hash("bfd/request", [chain, method, target, timestamp_ms,
/// sha256(body), public key]) with the array in canonical msgpack (method and target as bin).
hash256 request_digest(std::uint32_t chain, std::string_view method, std::string_view target,
                       std::uint64_t timestamp_ms, byte_view body, const public_key& key);

/// Signs a request as a client does (aux: fresh randomness, or zero for a reproducible example).
signature sign_request(const key_pair& keys, std::uint32_t chain, std::string_view method, std::string_view target,
                       std::uint64_t timestamp_ms, byte_view body, const hash256& aux = {});

/// Checks a parsed request at time `now_ms`: the method and target within their bounds
/// (too_large), the timestamp within request_window_ms of now (stale), the signature over
/// request_digest (bad_signature).
status verify_signed_request(const signed_request& r, std::uint32_t chain, std::string_view method,
                             std::string_view target, byte_view body, std::uint64_t now_ms);

/// What the replay cache made of a signature.
enum class remembered : std::uint8_t {
  fresh,   ///< first use: remembered
  replay,  ///< seen before within the window
  full,    ///< the cache is full of signatures still in their window: try later
};

/// Signatures seen within the window: a second use is a replay. Holds at most `capacity`; when
/// full of signatures still in their window it refuses new ones rather than forget one that
/// could then be replayed. Call it after verify_signed_request accepted the timestamp. Not
/// thread-safe: the caller locks.
class replay_cache {
public:
  explicit replay_cache(std::size_t capacity = max_remembered_requests) : capacity_(capacity) {}

  /// Remembers `sig` (timestamp `timestamp_ms`) at time `now_ms`, first forgetting signatures
  /// whose timestamp left the window (they would be refused as stale anyway).
  remembered remember(const signature& sig, std::uint64_t timestamp_ms, std::uint64_t now_ms);
  std::size_t size() const noexcept { return seen_.size(); }

private:
  void forget_before(std::uint64_t oldest_ms);

  std::size_t capacity_;
  std::map<signature, std::uint64_t> seen_;                  // signature -> timestamp
  std::set<std::pair<std::uint64_t, signature>> by_time_;    // for forgetting in time order
};

} // namespace bfd::acl
