// Access control at the HTTP edge on a real node (the dev genesis: the registry authority is the
// global admin): grants by transaction, 403 for an unauthorized one, the access routes, and the
// signed reads of protected scopes (401 unsigned, stale, replayed or forged; 403 without read).
#include <doctest/doctest.h>

#include <string>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "chains/access/signed_request.hpp"
#include "chains/core/hex.hpp"
#include "chains/state/access_tx.hpp"
#include "protocols/json.hpp"
#include "tests/actors/support.hpp"
#include "tests/http/support.hpp"

using namespace bfd;
using nlohmann::json;
using namespace bfd::test::http;
using test::shared_network;

namespace {

const acl::scope group7{acl::scope_kind::fund_group, 7};

transaction access_tx(const key_pair& keys, std::uint64_t nonce, tx_payload payload) {
  transaction tx;
  tx.chain = mainchain_id;
  tx.nonce = nonce;
  tx.fee = 0;
  tx.expiry = 10'000;
  tx.payload = std::move(payload);
  sign_transaction(tx, keys, hash256{});
  return tx;
}

struct signed_headers {
  std::string key, timestamp, sig;
  httplib::Headers headers() const {
    return {{"X-Bfd-Public-Key", key}, {"X-Bfd-Timestamp", timestamp}, {"X-Bfd-Signature", sig}};
  }
};

signed_headers sign_get(const key_pair& keys, const std::string& target, std::uint64_t ts,
                        std::uint32_t chain = mainchain_id) {
  // A fresh aux per request: with a fixed one, equal requests at one (manual) clock time would
  // carry equal signatures, which the node rightly refuses as replays.
  static std::uint8_t counter = 0;
  hash256 aux;
  aux.data[0] = ++counter;
  const auto sig = acl::sign_request(keys, chain, "GET", target, ts, {}, aux);
  return {to_hex(keys.pub), std::to_string(ts), to_hex(sig)};
}

answer get_with(harness& h, const std::string& path, const signed_headers& s) {
  return to_answer(h.client->Get(path.c_str(), s.headers()));
}

answer signed_get(harness& h, const key_pair& keys, const std::string& path, std::uint32_t chain = mainchain_id) {
  return get_with(h, path, sign_get(keys, path, h.time->now_ms(), chain));
}

bool lists(const json& holdings, const address& a, std::string_view permission) {
  for (const auto& hold : holdings)
    if (hold["account"] == format_address(a))
      for (const auto& p : hold["effective"])
        if (p == permission)
          return true;
  return false;
}

} // namespace

TEST_CASE("access control over HTTP: grants by transaction, 403 refusals and signed protected reads") {
  harness h;
  const auto& admin = shared_network().registry_authority;
  const auto& reader = shared_network().accounts[0];
  const auto& stranger = shared_network().accounts[1];
  const auto reader_addr = address_of(reader.pub);

  // The dev genesis: the admin holds admin and sidechain_admin on global, which is public.
  auto global = h.get("/v1/access/scopes/global");
  REQUIRE_MESSAGE(global.status == 200, global.text);
  CHECK(lists(global.body["holdings"], address_of(admin.pub), "admin"));
  CHECK(lists(global.body["holdings"], address_of(admin.pub), "sidechain_admin"));
  CHECK(h.get("/v1/chains/1/access/scopes/global").body == global.body);

  // A protected scope: unsigned is 401, signed by an account without read 403.
  const std::string path = "/v1/access/scopes/fund_group:7";
  check_error(h.get(path), 401, "unauthenticated");
  check_error(signed_get(h, reader, path), 403, "access_denied");

  // An unauthorized write by transaction: 403 with the reason code, over JSON and hex alike.
  const auto self_grant = access_tx(reader, 0, acl_grant_tx{group7, reader_addr, acl::bit(acl::permission::read), ""});
  auto refused = h.post("/v1/txs", hex_body(self_grant));
  check_error(refused, 403, "access_denied");
  CHECK(refused.body["error"]["reason_code"] == 900);
  CHECK(refused.body["error"]["id"] == to_hex(signing_hash(self_grant)));
  check_error(h.post("/v1/txs", transaction_json(self_grant).dump()), 403, "access_denied");

  // The admin grants read; once included, the reader reads the scope.
  const auto grant = access_tx(admin, 0, acl_grant_tx{group7, reader_addr, acl::bit(acl::permission::read), ""});
  auto accepted = h.post("/v1/txs", transaction_json(grant).dump());
  REQUIRE_MESSAGE(accepted.status == 202, accepted.text);
  h.run_slots(0, 4);
  REQUIRE(h.get("/v1/txs/" + to_hex(signing_hash(grant))).body["status"] == "final");

  auto scope = signed_get(h, reader, path);
  REQUIRE_MESSAGE(scope.status == 200, scope.text);
  CHECK(scope.body["scope"] == "fund_group");
  CHECK(scope.body["scope_id"] == 7);
  CHECK(lists(scope.body["holdings"], reader_addr, "read"));
  CHECK(scope.body["levels"].is_array());
  // The admin reads every scope (admin on global); a stranger still may not.
  CHECK(signed_get(h, admin, path).status == 200);
  check_error(signed_get(h, stranger, path), 403, "access_denied");
  // Under the chain prefix the chain id 1 is signed; a signature for another chain is refused.
  CHECK(signed_get(h, reader, "/v1/chains/1/access/scopes/fund_group:7").status == 200);
  check_error(signed_get(h, reader, path, 2), 401, "unauthenticated");

  // Replayed, stale, future, forged and malformed signatures are 401.
  const auto once = sign_get(reader, path, h.time->now_ms());
  CHECK(get_with(h, path, once).status == 200);
  auto replay = get_with(h, path, once);
  check_error(replay, 401, "unauthenticated");
  CHECK(replay.body["error"]["detail"].get<std::string>().find("already used") != std::string::npos);
  check_error(get_with(h, path, sign_get(reader, path, h.time->now_ms() - 61'000)), 401, "unauthenticated");
  CHECK(get_with(h, path, sign_get(reader, path, h.time->now_ms() - 59'000)).status == 200);
  check_error(get_with(h, path, sign_get(reader, path, h.time->now_ms() + 61'000)), 401, "unauthenticated");
  auto forged = sign_get(reader, "/v1/access/scopes/fund_group:8", h.time->now_ms());
  check_error(get_with(h, path, forged), 401, "unauthenticated");
  auto wrong_key = sign_get(reader, path, h.time->now_ms());
  wrong_key.key = to_hex(stranger.pub);
  check_error(get_with(h, path, wrong_key), 401, "unauthenticated");
  auto short_sig = sign_get(reader, path, h.time->now_ms());
  short_sig.sig.pop_back();
  check_error(get_with(h, path, short_sig), 401, "unauthenticated");
  auto bad_time = sign_get(reader, path, h.time->now_ms());
  bad_time.timestamp = "-1";
  check_error(get_with(h, path, bad_time), 401, "unauthenticated");

  // What an account holds: the account itself, or a reader of global.
  const std::string mine = "/v1/access/accounts/" + format_address(reader_addr);
  check_error(h.get(mine), 401, "unauthenticated");
  auto held = signed_get(h, reader, mine);
  REQUIRE_MESSAGE(held.status == 200, held.text);
  REQUIRE(held.body["holdings"].size() == 1);
  CHECK(held.body["holdings"][0]["scope"] == "fund_group");
  CHECK(held.body["holdings"][0]["permissions"] == json::array({"read"}));
  check_error(signed_get(h, stranger, mine), 403, "access_denied");
  CHECK(signed_get(h, admin, mine).status == 200);

  // Decisions: public on global, protected elsewhere (the account itself or a reader).
  auto may_register = h.get("/v1/access/check/" + format_address(address_of(admin.pub)) + "/global/sidechain_admin");
  REQUIRE_MESSAGE(may_register.status == 200, may_register.text);
  CHECK(may_register.body["allowed"] == true);
  auto denied = h.get("/v1/access/check/" + format_address(reader_addr) + "/global/admin");
  CHECK(denied.body["allowed"] == false);
  CHECK(denied.body["reason"]["code"] == "access_denied");
  const std::string check = "/v1/access/check/" + format_address(reader_addr) + "/fund_group:7/read";
  check_error(h.get(check), 401, "unauthenticated");
  auto allowed = signed_get(h, reader, check);
  REQUIRE_MESSAGE(allowed.status == 200, allowed.text);
  CHECK(allowed.body["allowed"] == true);
  auto level = signed_get(h, reader, check + "?min_level=1");
  CHECK(level.body["allowed"] == false);
  CHECK(level.body["reason"]["code"] == "access_denied");
  check_error(signed_get(h, stranger, check), 403, "access_denied");

  // Bad arguments are 400 before anything is read.
  check_error(h.get("/v1/access/scopes/fund_group"), 400, "invalid_argument");
  check_error(h.get("/v1/access/scopes/global:3"), 400, "invalid_argument");
  check_error(h.get("/v1/access/check/" + format_address(reader_addr) + "/global/fly"), 400, "invalid_argument");
  check_error(h.get("/v1/access/check/" + format_address(reader_addr) + "/global/read?min_level=4"), 400,
              "invalid_argument");
  check_error(h.get("/v1/access/accounts/bfdzz"), 400, "bad_address");
}
