// The handshake mailbox through a real node's HTTP API (docs/membership-proofs.md section 9): a
// session's messages in order, every bad input a JSON 4xx, and each bound — message size, open
// sessions per client and per node, a session's lifetime — answered as documented.
#include <doctest/doctest.h>

#include <string>

#include "tests/http/support.hpp"

using namespace bfd;
using namespace bfd::test::http;
using namespace std::chrono_literals;

namespace {

std::string payee() {
  return format_address(address_of(bfd::test::shared_network().accounts[1].pub));
}

std::string hex_of(std::size_t n, char c = 'a') {
  return std::string(2 * n, c);
}

std::string open_body(std::size_t bytes) {
  return json{{"to", payee()}, {"message", hex_of(bytes)}}.dump();
}

std::string message_body(std::size_t bytes) {
  return json{{"message", hex_of(bytes, 'b')}}.dump();
}

} // namespace

TEST_CASE("a mailbox session over HTTP takes reply, finish and payment once each, in order") {
  harness h;
  auto opened = h.post("/v1/handshakes", open_body(131));
  REQUIRE(opened.status == 201);
  const auto id = opened.body["id"].get<std::string>();
  CHECK(id.size() == 32);
  CHECK(opened.body["to"] == payee());
  CHECK(opened.body["hello"] == hex_of(131));
  CHECK(opened.body["reply"].is_null());
  CHECK(opened.body["expires_in_ms"].get<std::int64_t>() > 100'000);
  const auto path = "/v1/handshakes/" + id;
  auto listed = h.get("/v1/handshakes?to=" + payee());
  REQUIRE(listed.status == 200);
  REQUIRE(listed.body["sessions"].size() == 1);
  CHECK(listed.body["sessions"][0]["id"] == id);

  check_error(h.post(path + "/finish", message_body(33)), 409, "ush_bad_state");
  check_error(h.post(path + "/payment", message_body(32)), 409, "ush_bad_state");
  auto replied = h.post(path + "/reply", message_body(163));
  REQUIRE(replied.status == 200);
  CHECK(replied.body["reply"] == hex_of(163, 'b'));
  check_error(h.post(path + "/reply", message_body(163)), 409, "ush_bad_state");
  CHECK(h.get("/v1/handshakes?to=" + payee()).body["sessions"].empty());  // answered: no longer waiting
  REQUIRE(h.post(path + "/finish", message_body(33)).status == 200);
  REQUIRE(h.post(path + "/payment", message_body(32)).status == 200);
  auto got = h.get(path);
  REQUIRE(got.status == 200);
  CHECK(got.body["finish"] == hex_of(33, 'b'));
  CHECK(got.body["payment"] == hex_of(32, 'b'));
  check_error(h.post(path + "/payment", message_body(32)), 409, "ush_bad_state");
}

TEST_CASE("bad input to the mailbox gets a JSON 400, 404 or 413, never a session") {
  harness h;
  check_error(h.post("/v1/handshakes", "{not json"), 400, "malformed");
  check_error(h.post("/v1/handshakes", "[1, 2]"), 400, "malformed");
  check_error(h.post("/v1/handshakes", json{{"to", payee()}}.dump()), 400, "invalid_argument");
  check_error(h.post("/v1/handshakes", json{{"to", payee()}, {"message", 5}}.dump()), 400, "invalid_argument");
  check_error(h.post("/v1/handshakes", json{{"message", hex_of(131)}}.dump()), 400, "invalid_argument");
  check_error(h.post("/v1/handshakes", json{{"to", "bfd00"}, {"message", hex_of(131)}}.dump()), 400, "bad_address");
  check_error(h.post("/v1/handshakes", json{{"to", payee()}, {"message", hex_of(131)}, {"from", "me"}}.dump()), 400,
              "invalid_argument");
  check_error(h.post("/v1/handshakes", json{{"to", payee()}, {"message", "zz"}}.dump()), 400, "malformed");
  check_error(h.post("/v1/handshakes", json{{"to", payee()}, {"message", "abc"}}.dump()), 400, "malformed");
  // Sizes: 1 to 512 bytes; a longer text is refused before it is decoded.
  check_error(h.post("/v1/handshakes", open_body(0)), 400, "too_large");
  check_error(h.post("/v1/handshakes", open_body(513)), 400, "too_large");
  check_error(h.post("/v1/handshakes", open_body(100'000)), 400, "too_large");
  CHECK(h.post("/v1/handshakes", open_body(512)).status == 201);
  // A body over the API's bound (256 KiB) is refused by the server with 413.
  check_error(h.post("/v1/handshakes", open_body(200'000)), 413, "too_large");
  // Listing and ids.
  check_error(h.get("/v1/handshakes"), 400, "invalid_argument");
  check_error(h.get("/v1/handshakes?to=" + payee() + "&from=x"), 400, "invalid_argument");
  check_error(h.get("/v1/handshakes?to=nope"), 400, "bad_address");
  check_error(h.get("/v1/handshakes/xyz"), 400, "invalid_argument");
  check_error(h.get("/v1/handshakes/" + std::string(32, 'A')), 400, "invalid_argument");
  check_error(h.get("/v1/handshakes/" + std::string(32, '0')), 404, "ush_session_gone");
  check_error(h.post("/v1/handshakes/" + std::string(32, '0') + "/reply", message_body(163)), 404, "ush_session_gone");
  check_error(h.post("/v1/handshakes/xyz/reply", message_body(163)), 400, "invalid_argument");
  auto opened = h.post("/v1/handshakes", open_body(131));
  REQUIRE(opened.status == 201);
  const auto path = "/v1/handshakes/" + opened.body["id"].get<std::string>();
  check_error(h.post(path + "/reply", message_body(513)), 400, "too_large");
  check_error(h.post(path + "/reply", json{{"message", hex_of(163)}, {"to", payee()}}.dump()), 400, "invalid_argument");
  CHECK(h.get(path).body["reply"].is_null());  // nothing refused was stored
  CHECK(h.get("/v1/handshakes?to=" + payee()).body["sessions"].size() == 2);
}

TEST_CASE("the mailbox holds at most 16 open sessions per client and its node-wide bound, then 503") {
  {
    harness h;  // the documented defaults: 16 per client
    for (int i = 0; i < 16; ++i)
      REQUIRE(h.post("/v1/handshakes", open_body(131)).status == 201);
    auto full = h.post("/v1/handshakes", open_body(131));
    check_error(full, 503, "ush_mailbox_full");
    CHECK(full.body["error"]["detail"].get<std::string>().find("this client has 16") != std::string::npos);
    auto r = h.client->Post("/v1/handshakes", open_body(131), "application/json");
    REQUIRE(r);
    CHECK(r->get_header_value("Retry-After") == "1");
    CHECK(h.get("/v1/handshakes?to=" + payee()).body["sessions"].size() == 16);
  }
  {
    harness h([](http_options& o) { o.mailbox.max_sessions = 3; });
    for (int i = 0; i < 3; ++i)
      REQUIRE(h.post("/v1/handshakes", open_body(131)).status == 201);
    auto full = h.post("/v1/handshakes", open_body(131));
    check_error(full, 503, "ush_mailbox_full");
    CHECK(full.body["error"]["detail"].get<std::string>().find("the node holds 3") != std::string::npos);
  }
}

TEST_CASE("a mailbox session expires: then 404 ush_session_gone, and its place is free again") {
  harness h([](http_options& o) {
    o.mailbox.ttl = 1500ms;
    o.mailbox.max_per_client = 1;
  });
  auto opened = h.post("/v1/handshakes", open_body(131));
  REQUIRE(opened.status == 201);
  CHECK(opened.body["expires_in_ms"].get<std::int64_t>() <= 1500);
  const auto path = "/v1/handshakes/" + opened.body["id"].get<std::string>();
  check_error(h.post("/v1/handshakes", open_body(131)), 503, "ush_mailbox_full");
  REQUIRE(test::eventually(h.system, [&] { return h.get(path).status == 404; }, 10'000ms));
  check_error(h.get(path), 404, "ush_session_gone");
  check_error(h.post(path + "/reply", message_body(163)), 404, "ush_session_gone");
  CHECK(h.get("/v1/handshakes?to=" + payee()).body["sessions"].empty());
  CHECK(h.post("/v1/handshakes", open_body(131)).status == 201);
}
