// The peg outbox of a block that became final on a chain actor however the block arrived: applied
// together with a later block (its child came first, as an orphan), or caught up from a peer. The
// bridge's query (pegout) then answers the block's entries, and the `o` record committed with it
// holds them (docs/peg.md "Outboxes").
#include <doctest/doctest.h>

#include <chrono>

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>

#include "actors/chain/chain_actor.hpp"
#include "actors/mempool/mempool_actor.hpp"
#include "chains/codec/block_codec.hpp"
#include "chains/storage/chain_store.hpp"
#include "chains/storage/rocksdb/rocksdb_store.hpp"
#include "tests/actors/support.hpp"
#include "tests/chains/peg_fixture.hpp"

using namespace bfd;
using namespace bfd::test;
using std::chrono::seconds;

namespace {

/// A mainchain (with the peg) whose block 1 sends 10 BFDT to the sidechain and whose blocks
/// after it carry nothing, produced until block 1 is final.
struct sent_block {
  peg_pair p;
  std::uint64_t height = 0;
  sent_block() {
    const auto& users = p.main.net.users;
    height = p.main_block({p.main.tx(users[0], peg_send_tx{side_id, address_of(users[1].pub), "BFDT",
                                                           10 * units_per_bfdt, 100'000})})
               .header.height;
    p.main_final(height + 1);
  }
  std::shared_ptr<chain_engine> fresh_engine() const {
    return std::make_shared<chain_engine>(p.main.net.genesis().first, p.main.net.genesis().second);
  }
};

chain_info info_of(caf::scoped_actor& self, const chain_actor& c) {
  chain_info out;
  self->request(c, seconds(10), info_atom::value)
    .receive([&](const chain_info& i) { out = i; }, [&](const caf::error& e) { FAIL(to_string(e)); });
  return out;
}

peg_outbox_reply outbox_of(caf::scoped_actor& self, const chain_actor& c, std::uint64_t height) {
  peg_outbox_reply out;
  self->request(c, seconds(10), pegout_atom::value, height)
    .receive([&](peg_outbox_reply& r) { out = std::move(r); }, [&](const caf::error& e) { FAIL(to_string(e)); });
  return out;
}

/// The reply holds exactly the entries that give `root`.
bool gives_root(const peg_outbox_reply& r, const hash256& root) {
  peg::outbox box;
  for (std::size_t i = 0; i < r.entries.size(); ++i) {
    if (r.kinds.at(i) == 0) {
      auto m = codec::decode_peg_message(r.entries[i]);
      if (!m)
        return false;
      box.add(*m);
    } else {
      auto a = codec::decode_peg_ack(r.entries[i]);
      if (!a)
        return false;
      box.add(*a);
    }
  }
  return !r.entries.empty() && box.root() == root;
}

} // namespace

TEST_CASE("a peg send in a block applied together with its child has its outbox carried and stored") {
  sent_block s;
  const auto& blocks = s.p.main.blocks;
  const auto final_height = s.p.main.engine.final_height();
  REQUIRE(final_height >= s.height);
  REQUIRE(blocks.size() > s.height + 1);
  temp_dir dir;
  auto db = open_rocksdb_store((dir.path / "db").string());
  REQUIRE(db);
  std::shared_ptr<kv_store> store = std::move(*db);
  {
    node_config cfg;
    caf::actor_system system{cfg};
    auto pool = spawn_mempool(system, mempool_config{});
    chain_actor_config c;
    c.store = store;
    c.mempool = pool;
    auto chain = spawn_chain(system, s.fresh_engine(), std::move(c));
    caf::scoped_actor self{system};
    // The child first (an orphan: its parent is unknown), then the peg send's block: both become
    // the head at once, the send's block not last.
    self->send(chain, relay_atom::value, block_envelope{blocks.at(s.height + 1)});
    self->send(chain, relay_atom::value, block_envelope{blocks.at(s.height)});
    CHECK(info_of(self, chain).head_height == s.height + 1);
    for (auto h = s.height + 2; h < blocks.size(); ++h)
      self->send(chain, relay_atom::value, block_envelope{blocks.at(h)});
    self->send(chain, relay_atom::value, certificate_envelope{s.p.main.certs.at(final_height)});
    REQUIRE(info_of(self, chain).final_height == final_height);
    const auto r = outbox_of(self, chain, s.height);
    INFO(r.detail);
    CHECK(r.code == 0);
    CHECK(r.block == header_hash(blocks.at(s.height).header));
    CHECK(gives_root(r, blocks.at(s.height).header.outbox_root));
    self->send_exit(chain, caf::exit_reason::user_shutdown);
    self->send_exit(pool, caf::exit_reason::user_shutdown);
  }
  // Committed with the block in the finalization batch.
  auto cs = chain_store::open(*store, mainchain_id);
  REQUIRE(cs);
  auto raw = cs->outbox_record(header_hash(blocks.at(s.height).header));
  REQUIRE(raw);
  REQUIRE(*raw);
  auto kept = codec::decode_outbox(**raw);
  REQUIRE(kept);
  peg::outbox box;
  for (const auto& e : *kept)
    box.add(e);
  CHECK(box.root() == blocks.at(s.height).header.outbox_root);
}

TEST_CASE("a peg send in a block caught up from a peer while its child was relayed has its outbox carried") {
  sent_block s;
  const auto& blocks = s.p.main.blocks;
  const auto final_height = s.p.main.engine.final_height();
  temp_dir dir;
  auto db = open_rocksdb_store((dir.path / "db").string());
  REQUIRE(db);
  node_config cfg;
  caf::actor_system system{cfg};
  caf::scoped_actor self{system};
  auto pool = spawn_mempool(system, mempool_config{});
  chain_actor_config c;
  c.mempool = pool;
  // The peer holds the peg send's block; the catching-up node nothing but genesis (and a store:
  // final blocks are read from it).
  auto ahead = spawn_chain(system, s.fresh_engine(), c);
  c.store = std::move(*db);
  auto behind = spawn_chain(system, s.fresh_engine(), c);
  for (std::uint64_t h = 1; h <= s.height; ++h)
    self->send(ahead, relay_atom::value, block_envelope{blocks.at(h)});
  self->send(ahead, peer_atom::value, caf::actor_cast<caf::actor>(behind));
  REQUIRE(info_of(self, ahead).head_height == s.height);
  // The peer's next block is relayed before the node caught up: an orphan there, whose parent
  // the catch-up it starts brings, and both become the head at once.
  self->request(ahead, seconds(10), block_atom::value, block_envelope{blocks.at(s.height + 1)})
    .receive([](const block_ack&) {}, [&](const caf::error& e) { FAIL(to_string(e)); });
  REQUIRE(eventually(system, [&] { return info_of(self, behind).head_height == s.height + 1; }));
  for (auto h = s.height + 2; h < blocks.size(); ++h)
    self->send(behind, relay_atom::value, block_envelope{blocks.at(h)});
  self->send(behind, relay_atom::value, certificate_envelope{s.p.main.certs.at(final_height)});
  REQUIRE(info_of(self, behind).final_height == final_height);
  const auto r = outbox_of(self, behind, s.height);
  INFO(r.detail);
  CHECK(r.code == 0);
  CHECK(gives_root(r, blocks.at(s.height).header.outbox_root));
  for (const auto& a : {caf::actor_cast<caf::actor>(ahead), caf::actor_cast<caf::actor>(behind),
                        caf::actor_cast<caf::actor>(pool)})
    self->send_exit(a, caf::exit_reason::user_shutdown);
}
