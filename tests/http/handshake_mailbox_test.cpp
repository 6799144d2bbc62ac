// The handshake mailbox on its own (no server): sessions open with message 1, later messages are
// posted once each and in order, sessions expire, and the node-wide and per-client bounds hold.
#include <doctest/doctest.h>

#include "actors/http/handshake_mailbox.hpp"

using namespace bfd;
using namespace bfd::http;
using namespace std::chrono_literals;

namespace {

address addr(byte b) {
  address a;
  a.data.fill(b);
  return a;
}

std::string id_of(int i) {
  auto s = std::to_string(i);
  return std::string(32 - s.size(), '0') + s;
}

} // namespace

TEST_CASE("a mailbox session takes reply, finish and payment once each, in order, and expires") {
  handshake_mailbox box({16, 4, 8, 1000ms, 64});
  const auto t0 = std::chrono::steady_clock::time_point{} + 1h;
  auto s = box.open("10.0.0.1", addr(1), bytes{1, 2, 3}, id_of(1), t0);
  REQUIRE(s);
  CHECK(s->expires_in == 1000ms);
  CHECK(box.waiting(addr(1), t0).size() == 1);
  CHECK(box.waiting(addr(2), t0).empty());
  CHECK(box.post(id_of(1), mailbox_slot::finish, bytes{9}, t0).error().code == errc::ush_bad_state);
  CHECK(box.post(id_of(1), mailbox_slot::reply, bytes{}, t0).error().code == errc::too_large);
  CHECK(box.post(id_of(1), mailbox_slot::reply, bytes(9, 1), t0).error().code == errc::too_large);
  REQUIRE(box.post(id_of(1), mailbox_slot::reply, bytes{4}, t0));
  CHECK(box.post(id_of(1), mailbox_slot::reply, bytes{5}, t0).error().code == errc::ush_bad_state);
  CHECK(box.waiting(addr(1), t0).empty());  // answered: no longer listed
  CHECK(box.post(id_of(1), mailbox_slot::payment, bytes{6}, t0).error().code == errc::ush_bad_state);
  REQUIRE(box.post(id_of(1), mailbox_slot::finish, bytes{6}, t0));
  REQUIRE(box.post(id_of(1), mailbox_slot::payment, bytes{7}, t0));
  auto got = box.get(id_of(1), t0 + 400ms);
  REQUIRE(got);
  CHECK(got->hello == bytes{1, 2, 3});
  CHECK(*got->slots[0] == bytes{4});
  CHECK(*got->slots[2] == bytes{7});
  CHECK(got->expires_in == 600ms);
  CHECK(box.get(id_of(1), t0 + 1000ms).error().code == errc::ush_session_gone);
  CHECK(box.post(id_of(1), mailbox_slot::reply, bytes{1}, t0 + 1000ms).error().code == errc::ush_session_gone);
  CHECK(box.size(t0 + 1000ms) == 0);
}

TEST_CASE("the mailbox bounds its sessions per node and per client, and frees them as they expire") {
  handshake_mailbox box({6, 4, 8, 1000ms, 3});
  const auto t0 = std::chrono::steady_clock::time_point{} + 1h;
  for (int i = 0; i < 4; ++i)
    REQUIRE(box.open("a", addr(1), bytes{1}, id_of(i), t0));
  CHECK(box.open("a", addr(1), bytes{1}, id_of(10), t0).error().code == errc::ush_mailbox_full);
  CHECK(box.waiting(addr(1), t0).size() == 3);  // max_listed
  CHECK(box.waiting(addr(1), t0).front().id == id_of(0));  // oldest first
  REQUIRE(box.open("b", addr(1), bytes{1}, id_of(11), t0));
  REQUIRE(box.open("b", addr(1), bytes{1}, id_of(12), t0));
  CHECK(box.open("c", addr(1), bytes{1}, id_of(13), t0).error().code == errc::ush_mailbox_full);
  CHECK(box.open("c", addr(1), bytes{1}, id_of(12), t0 + 1ms).error().code == errc::ush_mailbox_full);
  CHECK(box.open("c", addr(1), bytes(9, 1), id_of(14), t0).error().code == errc::too_large);
  // All expire: room again, the per-client counts too.
  for (int i = 0; i < 4; ++i)
    REQUIRE(box.open("a", addr(1), bytes{1}, id_of(20 + i), t0 + 1000ms));
  CHECK(box.size(t0 + 1000ms) == 4);
}
