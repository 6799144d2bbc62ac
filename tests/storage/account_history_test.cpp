// The account history a chain store writes beside its blocks (docs/storage.md): every account's
// transactions newest first, paged by cursor, identical after a reopen, and rebuilt by
// backfill_history for a store written before the index existed.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <map>
#include <random>
#include <unistd.h>

#include "chains/ledger/ledger.hpp"
#include "chains/storage/account_history.hpp"
#include "chains/storage/chain_store.hpp"
#include "chains/storage/memory_store.hpp"
#include "chains/storage/rocksdb/rocksdb_store.hpp"
#include "chains/storage/storage_check.hpp"
#include "tests/chains/sample.hpp"

using namespace bfd;
namespace fs = std::filesystem;

namespace {

struct temp_dir {
  fs::path path;
  temp_dir() {
    std::string tmpl = (fs::temp_directory_path() / "bfd-history-XXXXXX").string();
    path = ::mkdtemp(tmpl.data());
  }
  ~temp_dir() { fs::remove_all(path); }
};

constexpr int accounts = 6;
key_pair keys(int i) { return test::keys_of(static_cast<byte>(i + 1)); }
address addr(int i) { return address_of(keys(i).pub); }
const address fee_sink = address_of(test::keys_of(0xee).pub);

/// Blocks 0..n-1 of transfers between six accounts (block 0 empty, as a genesis block), and
/// what each account's history must list, newest first.
ledger genesis_ledger() {
  std::vector<genesis_allocation> allocs;
  for (int i = 0; i < accounts; ++i)
    allocs.push_back({addr(i), 1'000'000'000});
  return *ledger::from_genesis(mainchain_id, allocs);
}

struct history_chain {
  ledger state = genesis_ledger();
  std::array<std::uint64_t, accounts> nonces{};
  hash256 parent;
  std::vector<block> blocks;
  std::map<address, std::vector<history_entry>> expected;

  const block& next() {
    const auto height = blocks.size();
    std::vector<transaction> txs;
    std::mt19937_64 rng(height);
    const int n = height == 0 ? 0 : 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < n; ++k) {
      const int from = static_cast<int>(rng() % accounts);
      const int to = static_cast<int>(rng() % accounts);  // sometimes itself: listed once
      txs.push_back(test::transfer(keys(from), addr(to), 1 + rng() % 100, nonces[from]++, 10, UINT64_MAX));
    }
    auto b = test::make_block(height, parent, std::move(txs));
    REQUIRE(state.apply_block(b, fee_sink, signature_check::already_verified));
    b.header.state_root = state.state_root();
    sign_header(b.header, test::keys_of(0x33), hash256{});
    parent = header_hash(b.header);
    const auto ids = transaction_ids(b);
    for (std::uint32_t i = 0; i < b.txs.size(); ++i)
      for (const auto& who : transaction_parties(b.txs[i]))
        expected[who].insert(expected[who].begin(), history_entry{{height, i}, ids[i]});
    blocks.push_back(std::move(b));
    return blocks.back();
  }
};

/// The whole history of `who`, read `page` entries at a time through the cursors.
std::vector<history_entry> read_all(chain_store& store, const address& who, std::size_t page) {
  std::vector<history_entry> out;
  std::optional<history_position> after;
  for (int guard = 0; guard < 10'000; ++guard) {
    bool more = false;
    auto got = store.account_history(who, after, page, more);
    REQUIRE(got);
    CHECK(got->size() <= page);
    out.insert(out.end(), got->begin(), got->end());
    if (!more)
      return out;
    REQUIRE_FALSE(got->empty());
    after = got->back().at;
  }
  FAIL("the cursors never ended");
  return out;
}

void check_histories(chain_store& store, const history_chain& chain, std::size_t page) {
  for (int i = 0; i < accounts; ++i) {
    const auto got = read_all(store, addr(i), page);
    const auto& want = chain.expected.at(addr(i));
    REQUIRE(got.size() == want.size());
    for (std::size_t k = 0; k < got.size(); ++k) {
      CHECK(got[k].at == want[k].at);
      CHECK(got[k].tx_id == want[k].tx_id);
    }
  }
}

} // namespace

TEST_CASE("transaction parties are the sender and the named recipient, each once") {
  const auto t = test::transfer(keys(0), addr(1), 5, 0, 10, 100);
  CHECK(transaction_parties(t) == std::vector<address>{addr(0), addr(1)});
  const auto self = test::transfer(keys(2), addr(2), 5, 0, 10, 100);
  CHECK(transaction_parties(self) == std::vector<address>{addr(2)});
}

TEST_CASE("a cursor is HEIGHT.INDEX and nothing else") {
  auto c = parse_cursor("12.3");
  REQUIRE(c);
  CHECK(c->height == 12);
  CHECK(c->index == 3);
  CHECK(format_cursor({18446744073709551615ull, 4294967295u}) == "18446744073709551615.4294967295");
  CHECK(parse_cursor(format_cursor({18446744073709551615ull, 4294967295u}))->index == 4294967295u);
  for (const auto* bad : {"", "12", "12.", ".3", "12.3.4", "-1.0", "1.4294967296", "18446744073709551616.0", "a.b", "1 .2"})
    CHECK_MESSAGE(parse_cursor(bad).error().code == errc::invalid_argument, bad);
}

TEST_CASE("every account's history lists its transactions newest first, page by page, also after reopen") {
  temp_dir dir;
  history_chain chain;
  {
    auto db = open_rocksdb_store(dir.path.string());
    REQUIRE(db);
    auto store = chain_store::open(**db, mainchain_id);
    REQUIRE(store);
    for (int i = 0; i < 40; ++i)
      REQUIRE(store->commit_block(chain.next(), chain.state));
    for (std::size_t page : {1u, 7u, 100u})
      check_histories(*store, chain, page);
    CHECK(**store->history_indexed_through() == 39);
  }
  auto db = open_rocksdb_store(dir.path.string());
  REQUIRE(db);
  auto store = chain_store::open(**db, mainchain_id);
  REQUIRE(store);
  check_histories(*store, chain, 5);
  std::uint64_t indexed = 99;
  REQUIRE(store->backfill_history(indexed));
  CHECK(indexed == 0);  // up to date: nothing read again
  bool more = true;
  auto none = store->account_history(address_of(test::keys_of(0x77).pub), std::nullopt, 10, more);
  REQUIRE(none);
  CHECK(none->empty());
  CHECK_FALSE(more);
}

TEST_CASE("a store from before the index gets its history from backfill_history, and commits do not hide old blocks") {
  memory_store mem;
  auto store = chain_store::open(mem, mainchain_id);
  REQUIRE(store);
  history_chain chain;
  for (int i = 0; i < 25; ++i)
    REQUIRE(store->commit_block(chain.next(), chain.state));
  // Make it an old store: no history entries, no progress record.
  write_batch wipe;
  REQUIRE(mem.scan_prefix(store->space(), bytes{history_keys::entry_prefix}, [&](byte_view k, byte_view) {
    wipe.erase(store->space(), bytes(k.begin(), k.end()));
    return true;
  }));
  wipe.erase(store->space(), bytes{history_keys::marker_key});
  REQUIRE(mem.write(wipe));
  CHECK_FALSE(*store->history_indexed_through());
  // A commit on the old store indexes its own block but does not start the progress record.
  REQUIRE(store->commit_block(chain.next(), chain.state));
  CHECK_FALSE(*store->history_indexed_through());
  std::uint64_t indexed = 0;
  REQUIRE(store->backfill_history(indexed, 4));  // small batches: each writes its progress
  CHECK(indexed == 26);
  CHECK(**store->history_indexed_through() == 25);
  check_histories(*store, chain, 3);
  // From now on commits carry the record with them.
  REQUIRE(store->commit_block(chain.next(), chain.state));
  CHECK(**store->history_indexed_through() == 26);
  check_histories(*store, chain, 50);
}

TEST_CASE("a damaged history entry is reported as storage_corrupt, not listed") {
  memory_store mem;
  auto store = chain_store::open(mem, mainchain_id);
  REQUIRE(store);
  history_chain chain;
  for (int i = 0; i < 3; ++i)
    REQUIRE(store->commit_block(chain.next(), chain.state));
  write_batch damage;
  damage.put(store->space(), history_keys::entry_key(addr(0), {0, 0}), bytes{1, 2, 3});
  REQUIRE(mem.write(damage));
  bool more = false;
  auto got = store->account_history(addr(0), std::nullopt, 100, more);
  REQUIRE_FALSE(got);
  CHECK(got.error().code == errc::storage_corrupt);
}

TEST_CASE("the storage check counts the history entries and names a missing one") {
  temp_dir dir;
  auto db = open_rocksdb_store(dir.path.string());
  REQUIRE(db);
  auto store = chain_store::open(**db, mainchain_id);
  REQUIRE(store);
  history_chain chain;
  for (int i = 0; i < 6; ++i)
    REQUIRE(store->commit_block(chain.next(), chain.state));
  std::size_t entries = 0;
  for (const auto& [who, list] : chain.expected)
    entries += list.size();
  // (These blocks carry no consensus records, which the check reports; the history is sound.)
  const auto about_history = [](const storage_report& r) {
    return std::any_of(r.problems.begin(), r.problems.end(),
                       [](const std::string& p) { return p.find("account history") != std::string::npos; });
  };
  auto sound = check_storage(**db, std::nullopt, "", dir.path.string());
  CHECK_FALSE(about_history(sound));
  const auto note = "account history through #5, " + std::to_string(entries) + " entries checked";
  CHECK(std::any_of(sound.notes.begin(), sound.notes.end(), [&](const std::string& n) { return n.find(note) != std::string::npos; }));
  const auto& victim = chain.blocks[3].txs.at(0);
  write_batch drop;
  drop.erase(store->space(), history_keys::entry_key(address_of(victim.sender), {3, 0}));
  REQUIRE((*db)->write(drop));
  auto damaged = check_storage(**db, std::nullopt, "", dir.path.string());
  REQUIRE(about_history(damaged));
  CHECK(std::any_of(damaged.problems.begin(), damaged.problems.end(), [&](const std::string& p) {
    return p.find("missing from the account history of " + format_address(address_of(victim.sender))) != std::string::npos;
  }));
}
