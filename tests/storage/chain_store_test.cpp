// The chain store on a real RocksDB in a temporary directory: atomic commits, reopen without
// replay, and recovery after the writing process is killed with SIGKILL mid-stream.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <random>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include "chains/ledger/ledger.hpp"
#include "chains/storage/chain_store.hpp"
#include "chains/storage/memory_store.hpp"
#include "chains/storage/rocksdb/rocksdb_store.hpp"
#include "chains/storage/storage_check.hpp"
#include "tests/chains/sample.hpp"

using namespace bfd;
namespace fs = std::filesystem;

namespace {

/// A fresh directory removed at the end of the test.
struct temp_dir {
  fs::path path;
  temp_dir() {
    std::string tmpl = (fs::temp_directory_path() / "bfd-store-XXXXXX").string();
    path = ::mkdtemp(tmpl.data());
  }
  ~temp_dir() { fs::remove_all(path); }
};

constexpr int account_count = 16;

key_pair account_keys(int i) {
  return test::keys_of(static_cast<byte>(i + 1));
}

ledger genesis_ledger() {
  std::vector<genesis_allocation> allocs;
  for (int i = 0; i < account_count; ++i)
    allocs.push_back({address_of(account_keys(i).pub), 1'000'000'000});
  return *ledger::from_genesis(mainchain_id, allocs);
}

const address fee_sink = address_of(test::keys_of(0xee).pub);

/// Deterministic chain: block h holds a few transfers derived from h. Both the writer
/// (in a child process) and the checker build exactly the same blocks.
struct chain_builder {
  ledger state = genesis_ledger();
  std::array<std::uint64_t, account_count> nonces{};
  hash256 parent;
  std::uint64_t height = 0;

  block next() {
    std::vector<transaction> txs;
    std::mt19937_64 rng(height);
    int n = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < n; ++k) {
      int from = static_cast<int>(rng() % account_count);
      int to = static_cast<int>(rng() % account_count);
      txs.push_back(test::transfer(account_keys(from), address_of(account_keys(to).pub),
                                   1 + rng() % 1000, nonces[from]++, 10, UINT64_MAX));
    }
    auto b = test::make_block(height, parent, std::move(txs));
    REQUIRE(state.apply_block(b, fee_sink, signature_check::already_verified));
    b.header.state_root = state.state_root();
    sign_header(b.header, test::keys_of(0x33), hash256{});
    parent = header_hash(b.header);
    ++height;
    return b;
  }
};

} // namespace

TEST_CASE("a committed block, its transactions and accounts are readable after reopen") {
  temp_dir dir;
  chain_builder chain;
  std::vector<block> blocks;
  {
    auto db = open_rocksdb_store(dir.path.string());
    REQUIRE(db);
    auto store = chain_store::open(**db, mainchain_id);
    REQUIRE(store);
    CHECK_FALSE(*store->head());
    for (int i = 0; i < 20; ++i) {
      blocks.push_back(chain.next());
      REQUIRE(store->commit_block(blocks.back(), chain.state));
    }
  }
  auto db = open_rocksdb_store(dir.path.string());
  REQUIRE(db);
  auto store = chain_store::open(**db, mainchain_id);
  REQUIRE(store);
  auto head = store->head();
  REQUIRE(head);
  REQUIRE(*head);
  CHECK((*head)->height == 19);
  CHECK((*head)->block_hash == header_hash(blocks.back().header));
  CHECK((*head)->ledger_root == chain.state.state_root());

  auto state = store->load_state();
  REQUIRE(state);
  CHECK(state->state_root() == chain.state.state_root());
  CHECK(state->accounts() == chain.state.accounts());
  CHECK(state->total_supply() == chain.state.total_supply());

  CHECK(**store->block_at(7) == blocks[7]);
  CHECK(**store->block_by_hash(header_hash(blocks[3].header)) == blocks[3]);
  CHECK_FALSE(*store->block_at(20));
  auto loc = store->find_transaction(signing_hash(blocks[5].txs.back()));
  REQUIRE(loc);
  REQUIRE(*loc);
  CHECK((*loc)->height == 5);
  CHECK((*loc)->index == blocks[5].txs.size() - 1);
  CHECK_FALSE(*store->find_transaction(hash256{}));

  // The storage check walks the same records (the consensus records are another test's).
  std::size_t txs = 0;
  for (const auto& b : blocks)
    txs += b.txs.size();
  auto report = check_storage(**db, std::nullopt, "", dir.path.string());
  const auto expected = "blocks #0..#19 contiguous and linked, their " + std::to_string(txs) + " transaction(s) indexed";
  CHECK(std::any_of(report.notes.begin(), report.notes.end(),
                    [&](const std::string& n) { return n.find(expected) != std::string::npos; }));
}

TEST_CASE("chains live in separate column families of one database") {
  temp_dir dir;
  auto db = open_rocksdb_store(dir.path.string());
  REQUIRE(db);
  auto main_store = chain_store::open(**db, mainchain_id);
  auto side_store = chain_store::open(**db, 42);
  REQUIRE(main_store);
  REQUIRE(side_store);
  CHECK(main_store->space() != side_store->space());
  chain_builder chain;
  auto b = chain.next();
  REQUIRE(main_store->commit_block(b, chain.state));
  CHECK(*main_store->head());
  CHECK_FALSE(*side_store->head());
  auto wrong = genesis_ledger();
  CHECK(side_store->commit_block(b, wrong).error().code == errc::wrong_chain);
}

TEST_CASE("a RocksDB batch applies in key order but keeps each key's operations in their order") {
  // The store hands RocksDB a batch sorted by key (cheaper memtable inserts); a key written and
  // erased in one batch must still end as its last operation says, across column families.
  temp_dir dir;
  auto db = open_rocksdb_store(dir.path.string());
  REQUIRE(db);
  kv_store& kv = **db;
  REQUIRE(kv.ensure_space("a"));
  REQUIRE(kv.ensure_space("b"));
  write_batch wb;
  wb.put("a", bytes{9}, bytes{1});
  wb.put("b", bytes{1}, bytes{2});
  wb.put("a", bytes{3}, bytes{3});
  wb.erase("a", bytes{9});       // put then erase: gone
  wb.erase("b", bytes{5});
  wb.put("b", bytes{5}, bytes{4});  // erase then put: there
  wb.put("a", bytes{3}, bytes{5});  // the last put wins
  wb.put("a", bytes{1}, bytes{6});
  REQUIRE(kv.write(wb));
  auto value = [&](std::string_view space, std::uint8_t key) {
    auto v = kv.get(space, bytes{key});
    REQUIRE(v);
    return *v;
  };
  CHECK_FALSE(value("a", 9));
  CHECK(value("a", 3) == bytes{5});
  CHECK(value("a", 1) == bytes{6});
  CHECK(value("b", 1) == bytes{2});
  CHECK(value("b", 5) == bytes{4});
}

TEST_CASE("the memory store behaves like RocksDB for the chain store") {
  memory_store mem;
  auto store = chain_store::open(mem, mainchain_id);
  REQUIRE(store);
  chain_builder chain;
  for (int i = 0; i < 5; ++i)
    REQUIRE(store->commit_block(chain.next(), chain.state));
  auto state = store->load_state();
  REQUIRE(state);
  CHECK(state->state_root() == chain.state.state_root());
  CHECK((*store->head())->height == 4);
}

TEST_CASE("a corrupted account record is detected on load, not trusted") {
  memory_store mem;
  auto store = chain_store::open(mem, mainchain_id);
  REQUIRE(store);
  chain_builder chain;
  REQUIRE(store->commit_block(chain.next(), chain.state));
  // Overwrite one account with a different but well-formed balance.
  write_batch wb;
  bytes key{'a'};
  auto addr = address_of(account_keys(0).pub);
  key.insert(key.end(), addr.begin(), addr.end());
  wb.put(store->space(), key, bytes{0x92, 0x05, 0x00});
  REQUIRE(mem.write(wb));
  auto state = store->load_state();
  REQUIRE_FALSE(state);
  CHECK(state.error().code == errc::storage_corrupt);
  // And a malformed one.
  write_batch garbage;
  garbage.put(store->space(), key, bytes{0xc1});
  REQUIRE(mem.write(garbage));
  CHECK(store->load_state().error().code == errc::storage_corrupt);
}

TEST_CASE("after SIGKILL in the middle of a stream of commits the state is exactly that of a committed block") {
  for (int round = 0; round < 3; ++round) {
    temp_dir dir;
    int ready[2];
    REQUIRE(::pipe(ready) == 0);
    pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      // The writer: commits blocks as fast as it can until killed. flush mode (no fsync)
      // is what a process crash must survive.
      ::close(ready[0]);
      auto db = open_rocksdb_store(dir.path.string(), {durability::flush});
      if (!db)
        ::_exit(2);
      auto store = chain_store::open(**db, mainchain_id);
      chain_builder chain;
      for (std::uint64_t i = 0;; ++i) {
        auto b = chain.next();
        if (!store->commit_block(b, chain.state))
          ::_exit(3);
        if (i == 10) {
          char c = 1;
          (void) !::write(ready[1], &c, 1);
        }
      }
    }
    ::close(ready[1]);
    char c = 0;
    REQUIRE(::read(ready[0], &c, 1) == 1);  // at least 11 blocks committed
    std::this_thread::sleep_for(std::chrono::milliseconds(50 + 70 * round));
    ::kill(child, SIGKILL);
    int wstatus = 0;
    ::waitpid(child, &wstatus, 0);
    ::close(ready[0]);
    REQUIRE(WIFSIGNALED(wstatus));

    auto db = open_rocksdb_store(dir.path.string());
    REQUIRE(db);
    auto store = chain_store::open(**db, mainchain_id);
    REQUIRE(store);
    auto head = store->head();
    REQUIRE(head);
    REQUIRE(*head);
    auto height = (*head)->height;
    MESSAGE("killed after height " << height);
    CHECK(height >= 10);
    auto state = store->load_state();
    REQUIRE(state);
    // Rebuild the same chain in memory up to that height: state and block must match exactly.
    chain_builder expected;
    block last;
    for (std::uint64_t h = 0; h <= height; ++h)
      last = expected.next();
    CHECK(state->state_root() == expected.state.state_root());
    CHECK(state->accounts() == expected.state.accounts());
    CHECK((*head)->block_hash == header_hash(last.header));
    CHECK(**store->block_at(height) == last);
    CHECK_FALSE(*store->block_at(height + 1));
  }
}
