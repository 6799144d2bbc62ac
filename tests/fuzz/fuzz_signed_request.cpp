// Fuzz target: the signed-request headers parser (chains/access/signed_request) and the scope
// path segment parser on arbitrary text. Input: header lines "key\ntimestamp\nsignature\nmethod\n
// target\nbody". Properties: only the documented reasons; parsed values print back to their
// input; verification never accepts what was not signed; a request signed here verifies, and a
// changed target does not; the replay cache stays within its bound.
#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "chains/access/access_types.hpp"
#include "chains/access/signed_request.hpp"
#include "chains/core/hex.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace {

using namespace bfd;

std::string_view next_line(std::string_view& rest) {
  const auto end = std::min(rest.find('\n'), rest.size());
  const auto line = rest.substr(0, end);
  rest.remove_prefix(std::min(end + 1, rest.size()));
  return line;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

const key_pair& fixed_keys() {
  static const key_pair keys = [] {
    secret_key s;
    s.data.fill(0x42);
    return *key_pair_from_secret(s);
  }();
  return keys;
}

} // namespace

/// libFuzzer entry point: one input, aborting on a violated property.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  const auto key = next_line(rest);
  const auto timestamp = next_line(rest);
  const auto sig = next_line(rest);
  const auto method = next_line(rest);
  const auto target = next_line(rest);
  const byte_view body{reinterpret_cast<const byte*>(rest.data()), rest.size()};

  auto parsed = acl::parse_signed_request(key, timestamp, sig);
  if (!parsed) {
    fuzz::require(parsed.error().code == errc::invalid_argument || parsed.error().code == errc::bad_public_key,
                  "the parser refuses with invalid_argument or bad_public_key only");
  } else {
    fuzz::require(to_hex(parsed->key) == lower(key), "a parsed key prints back to its header");
    fuzz::require(to_hex(parsed->sig) == lower(sig), "a parsed signature prints back to its header");
    const auto digits = timestamp.find_first_not_of('0');
    const auto significant = digits == std::string_view::npos ? std::string_view("0") : timestamp.substr(digits);
    fuzz::require(std::to_string(parsed->timestamp_ms) == significant, "a parsed timestamp prints back");
    const auto st = acl::verify_signed_request(*parsed, 1, method, target, body, parsed->timestamp_ms);
    // A signature from the input cannot sign anything the fixed check below signs: all that is
    // asked is a documented reason.
    fuzz::require(st.ok() || st.error().code == errc::bad_signature || st.error().code == errc::too_large,
                  "verification refuses with bad_signature or too_large only");
  }

  // A request signed here verifies at its own time, and not for another target or chain.
  if (method.size() <= acl::max_request_method && target.size() <= acl::max_request_target) {
    const std::uint64_t t = 1'700'000'000'000;
    const auto& k = fixed_keys();
    const auto s = acl::sign_request(k, 7, method, target, t, body);
    auto again = acl::parse_signed_request(to_hex(k.pub), std::to_string(t), to_hex(s));
    fuzz::require(again.has_value(), "a signed request's own headers parse");
    fuzz::require(acl::verify_signed_request(*again, 7, method, target, body, t).ok(), "a signed request verifies");
    const std::string other = std::string(target) + "x";
    if (other.size() <= acl::max_request_target)
      fuzz::require(!acl::verify_signed_request(*again, 7, method, other, body, t).ok(),
                    "a changed target does not verify");
    fuzz::require(!acl::verify_signed_request(*again, 8, method, target, body, t).ok(),
                  "another chain does not verify");
  }

  // Scope segments round-trip.
  if (auto scope = acl::parse_scope_text(key)) {
    fuzz::require(scope->valid(), "a parsed scope is valid");
    fuzz::require(acl::parse_scope_text(acl::scope_text(*scope)) == scope, "a scope's text parses back to it");
  }

  // The replay cache: the input's bytes as timestamps and signatures; never above its bound.
  acl::replay_cache cache(8);
  std::uint64_t now = 0;
  for (std::size_t i = 0; i + 1 < size; i += 2) {
    signature s;
    s.data.fill(data[i]);
    now += data[i + 1] * 1000;
    const auto r = cache.remember(s, now, now);
    fuzz::require(r != acl::remembered::fresh || cache.size() <= 8, "the cache stays within its bound");
    fuzz::require(cache.remember(s, now, now) != acl::remembered::fresh, "a second use is never fresh");
  }
  return 0;
}
