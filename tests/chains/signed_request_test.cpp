// Signed HTTP requests (chains/access/signed_request): the strict header parser, the digest's
// coverage (every field changes it), the time window and the bounded replay cache.
#include <doctest/doctest.h>

#include <string>

#include "chains/access/access_types.hpp"
#include "chains/access/signed_request.hpp"
#include "chains/core/hex.hpp"

using namespace bfd;
using namespace bfd::acl;

namespace {

key_pair keys_of(byte b) {
  secret_key s;
  s.data.fill(b);
  return *key_pair_from_secret(s);
}

byte_view text(std::string_view s) {
  return {reinterpret_cast<const byte*>(s.data()), s.size()};
}

} // namespace

TEST_CASE("a signed request verifies only for exactly what was signed, within the window") {
  const auto k = keys_of(0x11);
  const std::uint64_t t = 1'700'000'000'000;
  const auto sig = sign_request(k, 1, "GET", "/v1/access/scopes/fund_group:7", t, {}, hash256{});
  auto parsed = parse_signed_request(to_hex(k.pub), std::to_string(t), to_hex(sig));
  REQUIRE(parsed);
  CHECK(parsed->account() == address_of(k.pub));
  CHECK(verify_signed_request(*parsed, 1, "GET", "/v1/access/scopes/fund_group:7", {}, t).ok());
  CHECK(verify_signed_request(*parsed, 1, "GET", "/v1/access/scopes/fund_group:7", {}, t + request_window_ms).ok());
  CHECK(verify_signed_request(*parsed, 1, "GET", "/v1/access/scopes/fund_group:7", {}, t - request_window_ms).ok());
  CHECK(verify_signed_request(*parsed, 1, "GET", "/v1/access/scopes/fund_group:7", {}, t + request_window_ms + 1)
          .error().code == errc::stale);
  CHECK(verify_signed_request(*parsed, 1, "GET", "/v1/access/scopes/fund_group:7", {}, t - request_window_ms - 1)
          .error().code == errc::stale);
  // Every covered field matters.
  CHECK(verify_signed_request(*parsed, 2, "GET", "/v1/access/scopes/fund_group:7", {}, t).error().code
        == errc::bad_signature);
  CHECK(verify_signed_request(*parsed, 1, "HEAD", "/v1/access/scopes/fund_group:7", {}, t).error().code
        == errc::bad_signature);
  CHECK(verify_signed_request(*parsed, 1, "GET", "/v1/access/scopes/fund_group:8", {}, t).error().code
        == errc::bad_signature);
  CHECK(verify_signed_request(*parsed, 1, "GET", "/v1/access/scopes/fund_group:7", text("x"), t).error().code
        == errc::bad_signature);
  auto other_time = *parsed;
  other_time.timestamp_ms += 1;
  CHECK(verify_signed_request(other_time, 1, "GET", "/v1/access/scopes/fund_group:7", {}, t).error().code
        == errc::bad_signature);
  auto other_key = *parsed;
  other_key.key = keys_of(0x12).pub;
  CHECK(verify_signed_request(other_key, 1, "GET", "/v1/access/scopes/fund_group:7", {}, t).error().code
        == errc::bad_signature);
  const std::string long_target(max_request_target + 1, 'a');
  CHECK(verify_signed_request(*parsed, 1, "GET", long_target, {}, t).error().code == errc::too_large);
}

TEST_CASE("the header parser takes exactly the documented forms") {
  const auto k = keys_of(0x11);
  const auto key = to_hex(k.pub);
  const std::string sig(128, 'a');
  CHECK(parse_signed_request(key, "0", sig));
  CHECK(parse_signed_request(key, "9999999999999999", sig));
  std::string upper = key;
  for (auto& c : upper)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  CHECK(parse_signed_request(upper, "1", sig));
  CHECK(parse_signed_request("0x" + key.substr(2), "1", sig).error().code == errc::invalid_argument);
  CHECK(parse_signed_request(key + "0", "1", sig).error().code == errc::invalid_argument);
  CHECK(parse_signed_request(key.substr(1), "1", sig).error().code == errc::invalid_argument);
  CHECK(parse_signed_request(std::string(64, 'g'), "1", sig).error().code == errc::invalid_argument);
  // 32 bytes that are not an x coordinate on the curve (p itself is out of range).
  CHECK(parse_signed_request(std::string(64, 'f'), "1", sig).error().code == errc::bad_public_key);
  for (const char* bad : {"", "-1", "+1", "1.5", " 1", "1 ", "10000000000000000", "0x10"})
    CHECK_MESSAGE(parse_signed_request(key, bad, sig).error().code == errc::invalid_argument, bad);
  CHECK(parse_signed_request(key, "1", sig.substr(1)).error().code == errc::invalid_argument);
  CHECK(parse_signed_request(key, "1", sig + "a").error().code == errc::invalid_argument);
  CHECK(parse_signed_request(key, "1", std::string(127, 'a') + "z").error().code == errc::invalid_argument);
}

TEST_CASE("the replay cache refuses a second use, forgets what left the window and is bounded") {
  replay_cache cache(3);
  auto sig = [](byte b) {
    signature s;
    s.data.fill(b);
    return s;
  };
  const std::uint64_t t = 1'000'000;
  CHECK(cache.remember(sig(1), t, t) == remembered::fresh);
  CHECK(cache.remember(sig(1), t, t + 5) == remembered::replay);
  CHECK(cache.remember(sig(2), t + 1, t + 5) == remembered::fresh);
  CHECK(cache.remember(sig(3), t + 2, t + 5) == remembered::fresh);
  // Full of signatures still in their window: a new one waits, none is forgotten early.
  CHECK(cache.remember(sig(4), t + 3, t + 5) == remembered::full);
  CHECK(cache.remember(sig(1), t, t + 5) == remembered::replay);
  CHECK(cache.size() == 3);
  // Once the first left the window (it would be stale now), there is room again.
  CHECK(cache.remember(sig(4), t + 3, t + request_window_ms + 1) == remembered::fresh);
  CHECK(cache.size() == 3);
  CHECK(cache.remember(sig(4), t + 3, t + request_window_ms + 2) == remembered::replay);
  // Later still, every earlier timestamp left the window: only the new one is held.
  CHECK(cache.remember(sig(5), t + 10, t + request_window_ms + 10) == remembered::fresh);
  CHECK(cache.size() == 1);
}

TEST_CASE("scopes read from one path segment") {
  CHECK(parse_scope_text("global") == acl::scope::global());
  CHECK(parse_scope_text("global:0") == acl::scope::global());
  CHECK(parse_scope_text("fund_group:7") == acl::scope{acl::scope_kind::fund_group, 7});
  CHECK(parse_scope_text("sidechain:18446744073709551615") == acl::scope{acl::scope_kind::sidechain, UINT64_MAX});
  for (const char* bad : {"", "global:1", "fund_group", "fund_group:", "fund_group:x", "fund_group:-1",
                          "service:18446744073709551616", "service:123456789012345678901", "planet:1", "Global"})
    CHECK_MESSAGE(!parse_scope_text(bad), bad);
  for (const auto& s : {acl::scope::global(), acl::scope{acl::scope_kind::service, 3}, acl::scope{acl::scope_kind::fund_group, 0}})
    CHECK(parse_scope_text(scope_text(s)) == s);
}
