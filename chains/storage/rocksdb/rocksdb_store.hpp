// The RocksDB adapter of kv_store: one database per node, one column family per space (chain).
// This folder is the only place in chains/ that sees RocksDB.
#pragma once

#include <memory>
#include <string>

#include "chains/storage/kv_store.hpp"

namespace bfd {

/// How hard a commit tries to survive a crash.
enum class durability {
  sync,   ///< fsync the write-ahead log on every batch: survives power loss
  flush,  ///< write the WAL without fsync: survives a process crash, not power loss
};

/// Whether the store may write.
enum class access {
  read_write,
  read_only,  ///< checks: nothing is written, not even recovery (a write-ahead log is replayed in memory)
};

/// Options of the RocksDB store.
struct rocksdb_options {
  durability mode = durability::sync;
  access open_mode = access::read_write;
};

/// Opens a RocksDB database at `path` with every column family it has, under options that refuse
/// to lose a committed write silently: a write-ahead log that is damaged anywhere (even a torn
/// last record), a WAL missing or shorter than the MANIFEST recorded, or a table file of the wrong
/// size or with a bad checksum fails the open (docs/storage.md). A new database is created only
/// where `path` does not exist or is an empty directory; a directory with files but no CURRENT
/// is refused. Closing (the destructor, or kv_store::close) flushes every memtable to table files.
/// Errors are errc::storage_io or errc::storage_corrupt with RocksDB's status text and the path.
result<std::unique_ptr<kv_store>> open_rocksdb_store(const std::string& path,
                                                     const rocksdb_options& options = {});

} // namespace bfd
