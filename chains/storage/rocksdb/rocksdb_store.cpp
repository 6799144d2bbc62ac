#include "chains/storage/rocksdb/rocksdb_store.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <mutex>
#include <shared_mutex>

#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/slice.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

namespace bfd {

namespace {

rocksdb::Slice slice(byte_view v) {
  return {reinterpret_cast<const char*>(v.data()), v.size()};
}

error io_error(const rocksdb::Status& s, const std::string& what) {
  return make_error(s.IsCorruption() ? errc::storage_corrupt : errc::storage_io,
                    what + ": " + s.ToString());
}

rocksdb::ColumnFamilyOptions family_options() {
  rocksdb::ColumnFamilyOptions cf;
  // Each new table file is read back and checked once it is written (flush, compaction), before
  // the write-ahead log that it replaces may be deleted.
  cf.paranoid_file_checks = true;
  rocksdb::BlockBasedTableOptions table;
  // Bloom filters make misses (new accounts, unknown tx ids) ~10x cheaper than hits.
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return cf;
}

class rocksdb_store final : public kv_store {
public:
  rocksdb_store(rocksdb::DB* db, std::vector<rocksdb::ColumnFamilyHandle*> handles,
                const rocksdb_options& options, std::string path)
    : db_(db), read_only_(options.open_mode == access::read_only), path_(std::move(path)) {
    for (auto* h : handles)
      families_.emplace(h->GetName(), h);
    write_options_.sync = options.mode == durability::sync;
  }

  ~rocksdb_store() override {
    (void) close();
    for (auto& [name, h] : families_)
      db_->DestroyColumnFamilyHandle(h);
    (void) db_->Close();
    delete db_;
  }

  status ensure_space(std::string_view space) override {
    std::unique_lock guard{mtx_};
    if (families_.count(std::string(space)))
      return {};
    if (read_only_)
      return make_error(errc::not_found, "no column family " + std::string(space) + " in " + path_);
    rocksdb::ColumnFamilyHandle* h = nullptr;
    auto s = db_->CreateColumnFamily(family_options(), std::string(space), &h);
    if (!s.ok())
      return io_error(s, "create column family " + std::string(space) + " in " + path_);
    families_.emplace(std::string(space), h);
    return {};
  }

  result<std::optional<bytes>> get(std::string_view space, byte_view key) override {
    auto* h = family(space);
    if (!h)
      return make_error(errc::not_found, "no column family " + std::string(space));
    std::string value;
    auto s = db_->Get(rocksdb::ReadOptions(), h, slice(key), &value);
    if (s.IsNotFound())
      return std::optional<bytes>{};
    if (!s.ok())
      return io_error(s, "read from " + path_);
    return std::optional<bytes>{bytes(value.begin(), value.end())};
  }

  status write(const write_batch& batch) override { return apply(batch, write_options_); }

  status write_ordered(const write_batch& batch) override {
    rocksdb::WriteOptions relaxed = write_options_;
    relaxed.sync = false;  // the log is written now, synced by the next synced write
    return apply(batch, relaxed);
  }

  status apply(const write_batch& batch, const rocksdb::WriteOptions& options) {
    if (read_only_)
      return make_error(errc::storage_io, "the database in " + path_ + " is open read-only");
    // The batch goes to the memtable in key order (stable: one key's operations keep their order,
    // so the last one wins as before). The memtable's skip list starts each insert from where the
    // previous one ended, so sorted keys cost a short search instead of one from the top: a
    // block's index records are spread over the whole key space (docs/performance.md).
    const auto& ops = batch.ops();
    std::vector<std::pair<rocksdb::ColumnFamilyHandle*, const write_batch::op*>> order;
    order.reserve(ops.size());
    for (const auto& op : ops) {
      auto* h = family(op.space);
      if (!h)
        return make_error(errc::not_found, "no column family " + op.space);
      order.emplace_back(h, &op);
    }
    std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
      if (a.first != b.first)
        return a.first->GetID() < b.first->GetID();
      return a.second->key < b.second->key;
    });
    rocksdb::WriteBatch wb;
    for (const auto& [h, op] : order) {
      auto s = op->value ? wb.Put(h, slice(op->key), slice(*op->value)) : wb.Delete(h, slice(op->key));
      if (!s.ok())
        return io_error(s, "batch");
    }
    auto s = db_->Write(options, &wb);
    if (!s.ok())
      return io_error(s, "write to " + path_);
    return {};
  }

  status scan_prefix(std::string_view space, byte_view prefix,
                     const std::function<bool(byte_view, byte_view)>& visit) override {
    return scan_from(space, prefix, prefix, visit);  // no key with the prefix is below it
  }

  status scan_from(std::string_view space, byte_view prefix, byte_view start,
                   const std::function<bool(byte_view, byte_view)>& visit) override {
    auto* h = family(space);
    if (!h)
      return make_error(errc::not_found, "no column family " + std::string(space));
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), h));
    const bool later = !std::lexicographical_compare(start.begin(), start.end(), prefix.begin(), prefix.end());
    for (it->Seek(slice(later ? start : prefix)); it->Valid() && it->key().starts_with(slice(prefix)); it->Next()) {
      auto k = it->key();
      auto v = it->value();
      if (!visit({reinterpret_cast<const byte*>(k.data()), k.size()},
                 {reinterpret_cast<const byte*>(v.data()), v.size()}))
        break;
    }
    if (!it->status().ok())
      return io_error(it->status(), "scan of " + path_);
    return {};
  }

  std::vector<std::string> spaces() override {
    std::shared_lock guard{mtx_};
    std::vector<std::string> out;
    for (const auto& [name, _] : families_)
      out.push_back(name);
    return out;
  }

  std::optional<std::uint64_t> write_sequence() override {
    return db_->GetLatestSequenceNumber();
  }

  status verify_checksums() override {
    auto s = db_->VerifyChecksum();
    if (!s.ok())
      return io_error(s, "checksums of the table files in " + path_);
    return {};
  }

  status close() override {
    if (read_only_)
      return {};
    // A clean stop leaves nothing only in the write-ahead log: every memtable goes to a table
    // file (synced, recorded in the MANIFEST), so a damaged log loses nothing.
    // In sync mode every write already synced the log. Otherwise sync it first, before the flush:
    // RocksDB 7.8 can record a WAL that a flush just made obsolete when SyncWAL runs while the
    // flush's cleanup does, and then refuse to open with a false "Missing WAL" (fixed in 7.10,
    // facebook/rocksdb#10892).
    if (!write_options_.sync)
      if (auto s = db_->SyncWAL(); !s.ok())
        return io_error(s, "sync of the write-ahead log in " + path_);
    std::vector<rocksdb::ColumnFamilyHandle*> all;
    {
      std::shared_lock guard{mtx_};
      for (auto& [name, h] : families_)
        all.push_back(h);
    }
    rocksdb::FlushOptions flush;
    flush.wait = true;
    if (auto s = db_->Flush(flush, all); !s.ok())
      return io_error(s, "flush of " + path_);
    return {};
  }

private:
  rocksdb::ColumnFamilyHandle* family(std::string_view space) {
    std::shared_lock guard{mtx_};
    auto i = families_.find(std::string(space));
    return i == families_.end() ? nullptr : i->second;
  }

  rocksdb::DB* db_;
  bool read_only_;
  std::string path_;
  std::shared_mutex mtx_;
  std::map<std::string, rocksdb::ColumnFamilyHandle*> families_;
  rocksdb::WriteOptions write_options_;
};

} // namespace

result<std::unique_ptr<kv_store>> open_rocksdb_store(const std::string& path,
                                                     const rocksdb_options& options) {
  namespace fs = std::filesystem;
  const bool read_only = options.open_mode == access::read_only;
  std::error_code ec;
  const bool is_new = !fs::exists(path, ec) || (fs::is_directory(path, ec) && fs::is_empty(path, ec));
  if (is_new && read_only)
    return make_error(errc::not_found, "no database in " + path);
  if (!is_new && !fs::exists(fs::path(path) / "CURRENT", ec))
    return make_error(errc::storage_corrupt, "the database directory " + path + " holds files but no CURRENT file "
                                             "(it names the MANIFEST): it is not a complete RocksDB database");
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = is_new;
  db_options.create_missing_column_families = !read_only;
  db_options.max_background_jobs = 2;
  // Refuse instead of silently recovering to an earlier point: any damage in a write-ahead log
  // (the default, kPointInTimeRecovery, stops replaying at the first bad record and carries on),
  // a log the MANIFEST knows of that is missing or shorter, a table file of the wrong size.
  db_options.paranoid_checks = true;
  db_options.wal_recovery_mode = rocksdb::WALRecoveryMode::kAbsoluteConsistency;
  db_options.track_and_verify_wals_in_manifest = true;
  db_options.skip_checking_sst_file_sizes_on_db_open = false;
  db_options.verify_sst_unique_id_in_manifest = true;
  std::vector<std::string> names;
  if (is_new) {
    names = {rocksdb::kDefaultColumnFamilyName};
  } else {
    auto s = rocksdb::DB::ListColumnFamilies(db_options, path, &names);
    if (!s.ok())
      return io_error(s, "cannot read the column families of the database in " + path);
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const auto& n : names)
    descriptors.emplace_back(n, family_options());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  auto s = read_only ? rocksdb::DB::OpenForReadOnly(db_options, path, descriptors, &handles, &db)
                     : rocksdb::DB::Open(db_options, path, descriptors, &handles, &db);
  if (!s.ok())
    return io_error(s, "cannot open the database in " + path);
  return std::unique_ptr<kv_store>(new rocksdb_store(db, std::move(handles), options, path));
}

} // namespace bfd
