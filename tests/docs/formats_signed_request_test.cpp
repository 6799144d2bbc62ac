// The worked example of docs/formats.md, "Signed requests": the message bytes, the digest and the
// signature are recomputed here from the definitions (canonical msgpack by hand, the tagged hash
// from SHA-256) and compared with the document and with the code.
#include <doctest/doctest.h>

#include <string>

#include "chains/access/signed_request.hpp"
#include "chains/crypto/hash.hpp"
#include "tests/docs/formats_doc.hpp"

using namespace bfd;
using bfd::test::formats_doc;
using bfd::test::doc_has;
using bfd::test::keys_of;

namespace {

bytes text_bytes(std::string_view s) {
  return bytes(s.begin(), s.end());
}

bytes concat(std::initializer_list<bytes> parts) {
  bytes out;
  for (const auto& p : parts)
    out.insert(out.end(), p.begin(), p.end());
  return out;
}

} // namespace

TEST_CASE("the signed request example of the document is what the code signs and checks") {
  const auto k = keys_of(0x01);
  const std::string target = "/v1/chains/1/access/scopes/fund_group:7";
  const std::uint64_t ts = 1'700'000'000'000;
  // [1, "GET" (bin 3), target (bin 39), 1700000000000 (uint64), sha256("") (bin 32), key (bin 32)]
  const auto body_hash = sha256({});
  bytes msg = concat({{0x96, 0x01, 0xc4, 0x03}, text_bytes("GET"), {0xc4, static_cast<byte>(target.size())},
                      text_bytes(target), {0xcf, 0x00, 0x00, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x00}, {0xc4, 0x20},
                      bytes(body_hash.data.begin(), body_hash.data.end()), {0xc4, 0x20},
                      bytes(k.pub.data.begin(), k.pub.data.end())});
  const auto tag = sha256(text_bytes("bfd/request"));
  const auto digest = sha256(concat({bytes(tag.data.begin(), tag.data.end()), bytes(tag.data.begin(), tag.data.end()), msg}));
  CHECK(digest == acl::request_digest(1, "GET", target, ts, {}, k.pub));
  const auto sig = acl::sign_request(k, 1, "GET", target, ts, {}, hash256{});
  auto parsed = acl::parse_signed_request(to_hex(k.pub), std::to_string(ts), to_hex(sig));
  REQUIRE(parsed);
  CHECK(acl::verify_signed_request(*parsed, 1, "GET", target, {}, ts + 1000).ok());

  const auto rows = {to_hex(msg), to_hex(digest), to_hex(sig), to_hex(k.pub)};
  for (const auto& r : rows)
    CHECK_MESSAGE(doc_has(r), r);
  CHECK(doc_has("X-Bfd-Timestamp: 1700000000000"));
}
