// A transaction's JSON view posts back as the same transaction for kinds carried as payload hex
// with summary fields beside it (the peg kinds): the summary is checked against the payload.
#include <doctest/doctest.h>

#include "chains/codec/transaction_codec.hpp"
#include "chains/core/hex.hpp"
#include "protocols/json.hpp"
#include "tests/chains/sample.hpp"

using namespace bfd;

TEST_CASE("a peg view with its summary fields reads back; a summary that contradicts the payload is refused") {
  peg_send_metadata_tx op;
  op.destination = 2;
  op.receiver = address_of(test::keys_of(0x31).pub);
  op.operation = "ds_register";
  op.keys = {bytes{'d', 's', '/', 's'}, bytes{'d', 's', '/', 'o'}};
  op.body = bytes{0x91, 0x01};
  op.timeout_height = 500;
  transaction tx;
  tx.nonce = 4;
  tx.expiry = 90;
  tx.payload = op;
  sign_transaction(tx, test::keys_of(0x30), hash256{});

  const auto view = transaction_json(tx);
  REQUIRE(view.contains("keys"));
  REQUIRE(view.contains("payload"));
  auto back = parse_transaction_submission(view.dump());
  REQUIRE_MESSAGE(back, back.error().message());
  CHECK(*back == tx);

  auto with = [&](const char* key, nlohmann::ordered_json value) {
    auto j = view;
    j[key] = std::move(value);
    return parse_transaction_submission(j.dump());
  };
  auto wrong = with("keys", 5);
  REQUIRE_FALSE(wrong);
  CHECK(wrong.error().code == errc::invalid_argument);
  CHECK(wrong.error().detail.find("keys") != std::string::npos);
  auto wrong_dest = with("destination", 3);
  REQUIRE_FALSE(wrong_dest);
  CHECK(wrong_dest.error().code == errc::invalid_argument);
  auto unknown = with("colour", "red");
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().code == errc::malformed);
  CHECK(unknown.error().detail.find("colour") != std::string::npos);
  // The summary is optional: the hex alone is enough.
  auto bare = view;
  for (const auto* key : {"destination", "receiver", "operation", "keys", "timeout_height"})
    bare.erase(key);
  auto from_hex = parse_transaction_submission(bare.dump());
  REQUIRE(from_hex);
  CHECK(*from_hex == tx);
}

TEST_CASE("the bare-hex fast path takes only {\"hex\": <digits>} and reads it as the general path does") {
  const auto tx = test::transfer(test::keys_of(0x40), address_of(test::keys_of(0x41).pub), 5, 7);
  const auto hex = to_hex(codec::encode(tx));

  // Taken: the SDK's form, with JSON whitespace anywhere between the tokens.
  for (const auto& body : {"{\"hex\":\"" + hex + "\"}", " {\n\t\"hex\" :  \"" + hex + "\"\r\n} "}) {
    auto digits = bare_hex_submission(body);
    REQUIRE(digits);
    CHECK(*digits == hex);
    auto read = parse_transaction_submission(body);
    REQUIRE_MESSAGE(read, read.error().message());
    CHECK(*read == tx);
  }
  // Not taken, and the general path decides: an escape, another field, a trailing token, a
  // non-hex character, a nested value.
  const std::string escaped = "{\"h\\u0065x\":\"" + hex + "\"}";
  CHECK_FALSE(bare_hex_submission(escaped));
  auto general = parse_transaction_submission(escaped);
  REQUIRE(general);
  CHECK(*general == tx);
  CHECK_FALSE(bare_hex_submission("{\"hex\":\"" + hex + "\",\"fee\":1}"));
  CHECK_FALSE(bare_hex_submission("{\"hex\":\"" + hex + "\"}}"));
  CHECK_FALSE(bare_hex_submission("{\"hex\":\"" + hex + " \"}"));
  CHECK_FALSE(bare_hex_submission("{\"hex\":[\"" + hex + "\"]}"));
  // The same refusals either way: an empty or odd-length hex string.
  auto empty = parse_transaction_submission("{\"hex\":\"\"}");
  REQUIRE_FALSE(empty);
  CHECK(empty.error().code == errc::bad_hex);
  auto odd = parse_transaction_submission("{\"hex\":\"" + hex.substr(1) + "\"}");
  REQUIRE_FALSE(odd);
}
