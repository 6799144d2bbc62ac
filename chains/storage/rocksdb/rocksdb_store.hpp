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

/// Options of the RocksDB store.
struct rocksdb_options {
  durability mode = durability::sync;
};

/// Opens (creating if needed) a RocksDB database at `path`, with every column family it has.
/// Errors are errc::storage_io with RocksDB's status text.
result<std::unique_ptr<kv_store>> open_rocksdb_store(const std::string& path,
                                                     const rocksdb_options& options = {});

} // namespace bfd
