// The storage check on a real RocksDB holding a mainchain with the registry and the peg and a
// sidechain with the peg, after peg traffic: every module restores from its records alone and the
// state reproduces each head's state root; a damaged peg record is reported, not trusted.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <unistd.h>

#include "chains/consensus/confirmation.hpp"
#include "chains/core/hex.hpp"
#include "chains/storage/chain_store.hpp"
#include "chains/storage/rocksdb/rocksdb_store.hpp"
#include "chains/storage/storage_check.hpp"
#include "tests/chains/peg_fixture.hpp"

using namespace bfd;
using namespace bfd::test;
namespace fs = std::filesystem;

namespace {

struct temp_dir {
  fs::path path;
  temp_dir() {
    std::string tmpl = (fs::temp_directory_path() / "bfd-peg-store-XXXXXX").string();
    path = ::mkdtemp(tmpl.data());
  }
  ~temp_dir() { fs::remove_all(path); }
};

bool mentions(const std::vector<std::string>& lines, const std::string& what) {
  return std::any_of(lines.begin(), lines.end(), [&](const std::string& l) { return l.find(what) != std::string::npos; });
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines)
    out += l + "\n";
  return out;
}

/// The key of block `hash`'s outbox record (formats.md section 9).
bytes outbox_key(const hash256& hash) {
  bytes out{'o'};
  const auto v = hash.view();
  out.insert(out.end(), v.begin(), v.end());
  return out;
}

/// Commits a chain's blocks up to its final head and that final state (every record), with the
/// outbox of each block that wrote any (rebuilt from `states`, the chain's state at each height),
/// as a node persisting everything at once would.
void commit_final(kv_store& store, const running_chain& c, const std::map<std::uint64_t, chain_state>& states) {
  auto cs = chain_store::open(store, c.id());
  REQUIRE(cs);
  const auto h = c.engine.final_height();
  auto st = c.engine.final_state();
  st.accounts().mark_all_dirty();
  st.consensus_for_storage().mark_all_dirty();
  std::vector<std::pair<module_id, std::vector<module_record>>> records;
  for (const auto& m : st.state_modules()) {
    auto* mod = st.module_for_storage(m->id());
    mod->mark_all_dirty();
    records.emplace_back(m->id(), mod->dirty_records());
  }
  std::vector<module_write> writes;
  for (const auto& [id, r] : records)
    writes.push_back(module_write{id, r});
  const std::vector<block> blocks(c.blocks.begin(), c.blocks.begin() + static_cast<std::ptrdiff_t>(h + 1));
  std::vector<outbox_write> outboxes;
  for (std::uint64_t i = 1; i <= h; ++i) {
    auto entries = block_outbox(states.at(i - 1), blocks.at(i));
    REQUIRE(entries);
    if (!entries->empty())
      outboxes.push_back(outbox_write{header_hash(blocks.at(i).header), codec::encode_outbox(*entries)});
  }
  REQUIRE(!outboxes.empty());
  const auto cert = codec::encode(c.certs.at(h));
  const auto scalars = st.consensus().encode_scalars();
  const auto items = st.consensus().dirty_records();
  REQUIRE(cs->commit_blocks(std::span<const block>(blocks), st.accounts(), st.accounts().dirty(),
                            consensus_write{scalars, items}, byte_view(cert), writes));
  // The outbox records, as the chain actor writes them into each block's commit batch.
  write_batch wb;
  for (const auto& o : outboxes)
    wb.put(cs->space(), outbox_key(o.block), o.record);
  REQUIRE(store.write(wb));
}

/// The height of the first block of `c` up to `top` whose outbox holds a message.
std::uint64_t first_sending_block(const running_chain& c, std::uint64_t top) {
  for (std::uint64_t h = 1; h <= top; ++h)
    if (c.blocks.at(h).header.outbox_root != peg::empty_outbox_root())
      return h;
  FAIL("no block with peg traffic");
  return 0;
}

bytes peg_record_key(const bytes& k) {
  bytes out{'m', static_cast<byte>(module_id::peg)};
  out.insert(out.end(), k.begin(), k.end());
  return out;
}

} // namespace

TEST_CASE("a store with the registry and peg modules after peg traffic passes the storage check") {
  peg_pair p;
  const auto& users = p.main.net.users;
  const auto bob = address_of(users[1].pub);
  // Out to the sidechain, received there (receipt, voucher, an advanced light client), and a
  // second message left in flight on the mainchain (escrow, in-flight record, sequence).
  const auto h1 = p.main_block({p.main.tx(users[0], peg_send_tx{side_id, bob, "BFDT", 10 * units_per_bfdt, 100'000})}).header.height;
  p.main_final(h1);
  p.update_side_client();
  p.side_block({with_bundle(p.side, users[3], p.main.bundle(h1, 0, p.main_states.at(h1 - 1)), false)});
  p.main_block({p.main.tx(users[0], peg_send_tx{side_id, bob, "BFDT", 3 * units_per_bfdt, 100'000})});
  p.main_final(p.main.blocks.back().header.height);
  p.side_final(p.side.blocks.back().header.height);
  REQUIRE(find_peg(p.side.engine.final_state())->own_client(mainchain_id)->latest().height > 0);
  REQUIRE(find_peg(p.main.engine.final_state())->peg_ledger().escrowed("BFDT", side_id) == 13 * units_per_bfdt);

  temp_dir dir;
  const auto where = (dir.path / "db").string();
  {
    auto db = open_rocksdb_store(where);
    REQUIRE(db);
    commit_final(**db, p.main, p.main_states);
    commit_final(**db, p.side, p.side_states);
    auto r = check_storage(**db, std::nullopt, "marker", where);
    INFO(joined(r.problems), joined(r.notes));
    CHECK(r.sound());
    CHECK(mentions(r.notes, "chain 1: accounts and consensus state reproduce the head's state root"));
    CHECK(mentions(r.notes, "chain 7: accounts and consensus state reproduce the head's state root"));
    CHECK(mentions(r.notes, "chain 1: 2 block(s) with peg traffic, each with a stored outbox that gives its header's outbox_root"));
    auto cs = chain_store::open(**db, mainchain_id);
    REQUIRE(cs);
    auto recs = cs->module_records(module_id::peg);
    REQUIRE(recs);
    CHECK(std::any_of(recs->begin(), recs->end(), [](const auto& r) { return r.first == bytes{'G'}; }));
  }

  SUBCASE("a damaged peg record is reported") {
    auto db = open_rocksdb_store(where);
    REQUIRE(db);
    auto cs = chain_store::open(**db, mainchain_id);
    REQUIRE(cs);
    auto recs = cs->module_records(module_id::peg);
    REQUIRE(recs);
    // The escrow record: 13 BFDT becomes 14 (well formed, but not what the root commits to).
    auto escrow = std::find_if(recs->begin(), recs->end(), [](const auto& r) { return !r.first.empty() && r.first[0] == 'e'; });
    REQUIRE(escrow != recs->end());
    auto value = escrow->second;
    REQUIRE(value.size() == 8);
    value[7] ^= 1;
    write_batch wb;
    wb.put(cs->space(), peg_record_key(escrow->first), value);
    REQUIRE((*db)->write(wb));
    auto r = check_storage(**db, std::nullopt, "marker", where);
    CHECK(!r.sound());
    CHECK(mentions(r.problems, "chain 1: state at the head"));
  }
  SUBCASE("a tampered outbox record is reported with its block's height and hash") {
    auto db = open_rocksdb_store(where);
    REQUIRE(db);
    auto cs = chain_store::open(**db, mainchain_id);
    REQUIRE(cs);
    const auto h = first_sending_block(p.main, p.main.engine.final_height());
    const auto hash = header_hash(p.main.blocks.at(h).header);
    auto raw = cs->outbox_record(hash);
    REQUIRE(raw);
    REQUIRE(*raw);
    auto entries = codec::decode_outbox(**raw);
    REQUIRE(entries);
    REQUIRE(entries->size() == 1);
    // Well formed, but a later timeout: not what the header's outbox_root commits to.
    auto msg = std::get<peg::peg_message>(entries->at(0));
    msg.timeout_height += 1;
    write_batch wb;
    wb.put(cs->space(), outbox_key(hash), codec::encode_outbox({msg}));
    REQUIRE((*db)->write(wb));
    auto r = check_storage(**db, std::nullopt, "marker", where);
    INFO(joined(r.problems));
    CHECK(!r.sound());
    CHECK(mentions(r.problems, "chain 1: block #" + std::to_string(h) + " " + to_hex(hash).substr(0, 16)
                                   + ": the stored outbox (1 entries) gives root "));
  }
  SUBCASE("a final block with peg traffic and no outbox record is reported") {
    auto db = open_rocksdb_store(where);
    REQUIRE(db);
    auto cs = chain_store::open(**db, mainchain_id);
    REQUIRE(cs);
    const auto h = first_sending_block(p.main, p.main.engine.final_height());
    const auto hash = header_hash(p.main.blocks.at(h).header);
    write_batch wb;
    wb.erase(cs->space(), outbox_key(hash));
    REQUIRE((*db)->write(wb));
    auto r = check_storage(**db, std::nullopt, "marker", where);
    INFO(joined(r.problems));
    CHECK(mentions(r.problems, "chain 1: block #" + std::to_string(h) + " " + to_hex(hash).substr(0, 16)
                                   + " commits to peg traffic"));
    CHECK(mentions(r.problems, "has no outbox record"));
  }
  SUBCASE("a missing native denom record is reported") {
    auto db = open_rocksdb_store(where);
    REQUIRE(db);
    auto cs = chain_store::open(**db, side_id);
    REQUIRE(cs);
    write_batch wb;
    wb.erase(cs->space(), peg_record_key(bytes{'G'}));
    REQUIRE((*db)->write(wb));
    auto r = check_storage(**db, std::nullopt, "marker", where);
    CHECK(mentions(r.problems, "chain 7: peg module: storage_corrupt: the peg module's native denom record is missing"));
  }
}
