// The mempool actor: admission reasons, replacement, bounds, batches in nonce order, pruning.
#include <doctest/doctest.h>

#include <chrono>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>

#include "actors/mempool/mempool_actor.hpp"
#include "runtime/node.hpp"
#include "tests/actors/support.hpp"
#include "tests/chains/sample.hpp"

using namespace bfd;
using std::chrono::seconds;

namespace {

using config = test::node_config;

struct fixture {
  config cfg;
  caf::actor_system system{cfg};
  std::shared_ptr<verified_cache> verified = std::make_shared<verified_cache>();
  mempool_actor pool;
  key_pair alice = test::keys_of(0x11);
  key_pair bob = test::keys_of(0x22);

  explicit fixture(std::size_t max = 100, std::size_t per_sender = 50)
    : pool(spawn_mempool(system, mempool_config{mainchain_id, max, per_sender, verified})) {}
  ~fixture() { caf::anon_send_exit(pool, caf::exit_reason::user_shutdown); }

  errc submit(const transaction& tx) {
    caf::scoped_actor self{system};
    errc out = errc::io;
    self->request(pool, seconds(5), submit_atom::value, tx_envelope{tx})
      .receive([&](const admission& a) { out = static_cast<errc>(a.code); },
               [&](const caf::error& e) { FAIL(system.render(e)); });
    return out;
  }

  std::vector<transaction> take(std::uint32_t n) {
    caf::scoped_actor self{system};
    std::vector<transaction> out;
    self->request(pool, seconds(5), take_atom::value, n)
      .receive(
        [&](const std::vector<tx_envelope>& txs) {
          for (const auto& t : txs)
            out.push_back(*t);
        },
        [&](const caf::error& e) { FAIL(system.render(e)); });
    return out;
  }

  std::uint64_t size() {
    caf::scoped_actor self{system};
    std::uint64_t out = 0;
    self->request(pool, seconds(5), size_atom::value)
      .receive([&](std::uint64_t n) { out = n; }, [&](const caf::error& e) { FAIL(system.render(e)); });
    return out;
  }

  transaction tx(const key_pair& k, std::uint64_t nonce, amount fee = 100, std::uint64_t expiry = 1000) {
    return test::transfer(k, address_of(bob.pub), 5, nonce, fee, expiry);
  }
};

} // namespace

TEST_CASE("the mempool admits valid transactions and refuses others with a reason") {
  fixture f;
  CHECK(f.submit(f.tx(f.alice, 0)) == errc::ok);
  CHECK(f.submit(f.tx(f.alice, 0)) == errc::ok);  // the same again: idempotent
  auto bad = f.tx(f.alice, 1);
  bad.sig.data[0] ^= 1;
  CHECK(f.submit(bad) == errc::bad_signature);
  CHECK(f.submit(test::transfer(f.alice, address_of(f.bob.pub), 5, 1, 100, 1000, 9)) == errc::wrong_chain);
  CHECK(f.size() == 1);
  caf::scoped_actor self{f.system};
  self->send(f.pool, included_atom::value, inclusion_notice{{}, {}, {}, 50, {}});
  CHECK(f.submit(f.tx(f.alice, 1, 100, 50)) == errc::expired);
  caf::scoped_actor probe{f.system};
  probe->request(f.pool, seconds(5), submit_atom::value, tx_envelope{})
    .receive([&](const admission& a) { CHECK(static_cast<errc>(a.code) == errc::malformed); },
             [&](const caf::error& e) { FAIL(f.system.render(e)); });
}

TEST_CASE("a same-nonce replacement must raise the fee by ten percent") {
  fixture f;
  REQUIRE(f.submit(f.tx(f.alice, 0, 1000)) == errc::ok);
  CHECK(f.submit(f.tx(f.alice, 0, 1050)) == errc::replacement_underpriced);
  CHECK(f.submit(f.tx(f.alice, 0, 1101)) == errc::ok);
  auto batch = f.take(10);
  REQUIRE(batch.size() == 1);
  CHECK(batch[0].fee == 1101);
}

TEST_CASE("a full mempool refuses more instead of growing") {
  fixture f(5, 3);
  for (std::uint64_t n = 0; n < 3; ++n)
    REQUIRE(f.submit(f.tx(f.alice, n)) == errc::ok);
  CHECK(f.submit(f.tx(f.alice, 3)) == errc::mempool_full);  // per-sender bound
  REQUIRE(f.submit(f.tx(f.bob, 0)) == errc::ok);
  REQUIRE(f.submit(f.tx(f.bob, 1)) == errc::ok);
  CHECK(f.submit(f.tx(test::keys_of(0x33), 0)) == errc::mempool_full);  // total bound
  CHECK(f.size() == 5);
}

TEST_CASE("batches follow each sender's nonces and stop at a gap") {
  fixture f;
  REQUIRE(f.submit(f.tx(f.alice, 2)) == errc::ok);
  REQUIRE(f.submit(f.tx(f.alice, 0)) == errc::ok);
  REQUIRE(f.submit(f.tx(f.bob, 0)) == errc::ok);
  REQUIRE(f.submit(f.tx(f.alice, 1)) == errc::ok);
  REQUIRE(f.submit(f.tx(f.alice, 4)) == errc::ok);  // gap at 3
  auto batch = f.take(10);
  REQUIRE(batch.size() == 4);
  CHECK(batch[0].sender == f.alice.pub);
  CHECK(batch[0].nonce == 0);
  CHECK(batch[1].nonce == 1);
  CHECK(batch[2].nonce == 2);
  CHECK(batch[3].sender == f.bob.pub);
  CHECK(f.take(2).size() == 2);
}

TEST_CASE("included transactions and stale nonces are pruned after a block") {
  fixture f;
  for (std::uint64_t n = 0; n < 4; ++n)
    REQUIRE(f.submit(f.tx(f.alice, n)) == errc::ok);
  inclusion_notice notice;
  notice.head_height = 1;
  notice.included = {signing_hash(f.tx(f.alice, 0)), signing_hash(f.tx(f.alice, 1))};
  notice.senders = {f.alice.pub};
  notice.next_nonces = {2};
  caf::scoped_actor self{f.system};
  self->send(f.pool, included_atom::value, notice);
  CHECK(f.size() == 2);
  CHECK(f.submit(f.tx(f.alice, 1)) == errc::nonce_reused);
  auto batch = f.take(10);
  REQUIRE(batch.size() == 2);
  CHECK(batch[0].nonce == 2);
}
