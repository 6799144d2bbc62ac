// The reference replay (chains/storage/replay_check.hpp) on a chain stored the way the chain
// actor stores it: equal at every height, and each kind of divergence named by its height.
#include <doctest/doctest.h>

#include "chains/storage/chain_store.hpp"
#include "chains/storage/memory_store.hpp"
#include "chains/storage/open_chain.hpp"
#include "chains/storage/replay_check.hpp"
#include "tests/chains/network_fixture.hpp"

using namespace bfd;

namespace {

/// A chain of transfers run to final height `final_height`, stored as the chain actor stores it
/// (the genesis by open_chain, then the final blocks, accounts, consensus and module records in
/// one commit).
struct stored_chain {
  test::running_chain chain{test::network{}};
  memory_store store;

  explicit stored_chain(std::uint64_t final_height) {
    REQUIRE(open_chain(&store, chain.net.config));
    const auto& users = chain.net.users;
    std::uint64_t nonce = 0;
    while (chain.engine.final_height() < final_height)
      chain.produce({test::transfer(users[0], address_of(users[1].pub), 1000 + nonce, nonce, 10, 100'000)}), ++nonce;
    auto& e = chain.engine;
    const auto top = e.final_height();
    std::vector<block> finals(chain.blocks.begin() + 1, chain.blocks.begin() + static_cast<std::ptrdiff_t>(top) + 1);
    const auto module_records = e.unpersisted_modules();
    std::vector<module_write> modules;
    for (const auto& [id, records] : module_records)
      modules.push_back(module_write{id, records});
    const auto cert = codec::encode(*e.final_certificate());
    auto cs = chain_store::open(store, chain.id());
    REQUIRE(cs);
    REQUIRE(cs->commit_blocks(std::span<const block>(finals), e.final_state().accounts(), e.unpersisted_accounts(),
                              consensus_write{e.final_state().consensus().encode_scalars(), e.unpersisted_consensus()},
                              byte_view(cert), modules));
    e.mark_persisted();
  }
};

bool mentions(const replay_report& r, const std::string& what) {
  for (const auto& p : r.problems)
    if (p.find(what) != std::string::npos)
      return true;
  return false;
}

} // namespace

TEST_CASE("a stored chain replays from its genesis to the same root at every height") {
  stored_chain s(6);
  const auto r = replay_chain(s.store, s.chain.net.config);
  INFO((r.problems.empty() ? std::string() : r.problems.front()));
  CHECK(r.sound());
  const auto top = s.chain.engine.final_height();
  REQUIRE(r.heights.size() == top + 1);
  std::size_t txs = 0;
  for (std::uint64_t h = 0; h <= top; ++h) {
    CHECK(r.heights[h].height == h);
    CHECK(r.heights[h].block_hash == header_hash(s.chain.blocks[h].header));
    CHECK(r.heights[h].state_root == s.chain.blocks[h].header.state_root);
    txs += r.heights[h].txs;
  }
  CHECK(txs == top);  // one transfer a block
}

TEST_CASE("a replay against another genesis stops at height 0") {
  stored_chain s(3);
  auto other = s.chain.net.config;
  other.params.genesis_time_ms += 1000;
  const auto r = replay_chain(s.store, other);
  CHECK_FALSE(r.sound());
  CHECK(mentions(r, "#0: the stored genesis block"));
  CHECK(r.heights.empty());
}

TEST_CASE("a stored block whose header root is not what its parent state gives is named by its height") {
  stored_chain s(5);
  const auto top = s.chain.engine.final_height();
  // The head block again, re-signed by its producer over a wrong state root: a history that is
  // consistent in storage (linked, signed, indexed) but not what executing it gives.
  block forged = s.chain.blocks[top];
  forged.header.state_root[0] ^= 0x01;
  sign_header(forged.header, s.chain.net.delegates.at(forged.header.producer).keys, hash256{});
  auto cs = chain_store::open(s.store, s.chain.id());
  REQUIRE(cs);
  REQUIRE(cs->commit_blocks(std::span<const block>(&forged, 1), s.chain.engine.final_state().accounts(), {},
                            std::nullopt, std::nullopt));
  const auto r = replay_chain(s.store, s.chain.net.config);
  CHECK_FALSE(r.sound());
  INFO((r.problems.empty() ? std::string() : r.problems.front()));
  CHECK(mentions(r, "#" + std::to_string(top) + ": the replay refuses the stored block"));
  CHECK(mentions(r, "bad_state_root"));
  CHECK(r.heights.size() == top);  // #0..#top-1 replayed
}

TEST_CASE("an empty store has nothing to replay") {
  test::network net;
  memory_store store;
  const auto r = replay_chain(store, net.config);
  CHECK(r.sound());
  CHECK(r.heights.empty());
  REQUIRE(r.notes.size() == 1);
  CHECK(r.notes.front().find("empty") != std::string::npos);
}
