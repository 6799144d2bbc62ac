#include "chains/access/signed_request.hpp"

#include <optional>

#include "chains/codec/canonical.hpp"
#include "chains/crypto/hash.hpp"

namespace bfd::acl {

namespace {

int hex_digit(char c) noexcept {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

// Exactly 2N hex digits, nothing else: the length is checked before anything is read.
template <std::size_t N>
std::optional<fixed_bytes<N>> strict_hex(std::string_view text) {
  if (text.size() != 2 * N)
    return std::nullopt;
  fixed_bytes<N> out;
  for (std::size_t i = 0; i < N; ++i) {
    const int hi = hex_digit(text[2 * i]);
    const int lo = hex_digit(text[2 * i + 1]);
    if (hi < 0 || lo < 0)
      return std::nullopt;
    out.data[i] = static_cast<byte>(hi * 16 + lo);
  }
  return out;
}

byte_view text_bytes(std::string_view s) {
  return {reinterpret_cast<const byte*>(s.data()), s.size()};
}

} // namespace

result<signed_request> parse_signed_request(std::string_view public_key_hex, std::string_view timestamp,
                                            std::string_view signature_hex) {
  signed_request r;
  auto key = strict_hex<32>(public_key_hex);
  if (!key)
    return make_error(errc::invalid_argument, std::string(public_key_header) + ": 64 hex digits");
  if (!is_valid_public_key(*key))
    return make_error(errc::bad_public_key, std::string(public_key_header) + ": not a public key on secp256k1");
  r.key = *key;
  if (timestamp.empty() || timestamp.size() > 16)
    return make_error(errc::invalid_argument, std::string(timestamp_header) + ": 1 to 16 decimal digits (ms)");
  for (char c : timestamp) {
    if (c < '0' || c > '9')
      return make_error(errc::invalid_argument, std::string(timestamp_header) + ": 1 to 16 decimal digits (ms)");
    r.timestamp_ms = r.timestamp_ms * 10 + static_cast<std::uint64_t>(c - '0');
  }
  auto sig = strict_hex<64>(signature_hex);
  if (!sig)
    return make_error(errc::invalid_argument, std::string(signature_header) + ": 128 hex digits");
  r.sig = *sig;
  return r;
}

hash256 request_digest(std::uint32_t chain, std::string_view method, std::string_view target,
                       std::uint64_t timestamp_ms, byte_view body, const public_key& key) {
  bytes msg;
  msg.reserve(64 + method.size() + target.size());
  codec::writer w(msg);
  w.array(6);
  w.uint(chain);
  w.bin(text_bytes(method));
  w.bin(text_bytes(target));
  w.uint(timestamp_ms);
  w.bin(sha256(body));
  w.bin(key);
  return tagged_hash(hash_tag::request, msg);
}

signature sign_request(const key_pair& keys, std::uint32_t chain, std::string_view method, std::string_view target,
                       std::uint64_t timestamp_ms, byte_view body, const hash256& aux) {
  return sign(keys, request_digest(chain, method, target, timestamp_ms, body, keys.pub), aux);
}

status verify_signed_request(const signed_request& r, std::uint32_t chain, std::string_view method,
                             std::string_view target, byte_view body, std::uint64_t now_ms) {
  if (method.size() > max_request_method || target.size() > max_request_target)
    return make_error(errc::too_large, "a signed request's method or target is over its bound");
  const auto skew = r.timestamp_ms > now_ms ? r.timestamp_ms - now_ms : now_ms - r.timestamp_ms;
  if (skew > request_window_ms)
    return make_error(errc::stale, std::string(timestamp_header) + " " + std::to_string(r.timestamp_ms)
                                     + " is " + std::to_string(skew / 1000) + " s from the node's clock (at most "
                                     + std::to_string(request_window_ms / 1000) + " s)");
  const auto digest = request_digest(chain, method, target, r.timestamp_ms, body, r.key);
  if (!verify(r.key, digest.view(), r.sig))
    return make_error(errc::bad_signature, std::string(signature_header)
                                             + " does not sign this request (chain, method, path and query, "
                                               "timestamp, body) with this key");
  return {};
}

remembered replay_cache::remember(const signature& sig, std::uint64_t timestamp_ms, std::uint64_t now_ms) {
  forget_before(now_ms > request_window_ms ? now_ms - request_window_ms : 0);
  if (seen_.count(sig))
    return remembered::replay;
  if (seen_.size() >= capacity_)
    return remembered::full;
  seen_.emplace(sig, timestamp_ms);
  by_time_.emplace(timestamp_ms, sig);
  return remembered::fresh;
}

void replay_cache::forget_before(std::uint64_t oldest_ms) {
  // A signature older than the window would be refused as stale anyway: no need to remember it.
  while (!by_time_.empty() && by_time_.begin()->first < oldest_ms) {
    seen_.erase(by_time_.begin()->second);
    by_time_.erase(by_time_.begin());
  }
}

} // namespace bfd::acl
