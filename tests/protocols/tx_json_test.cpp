// A transaction's JSON view posts back as the same transaction for kinds carried as payload hex
// with summary fields beside it (the peg kinds): the summary is checked against the payload.
#include <doctest/doctest.h>

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
