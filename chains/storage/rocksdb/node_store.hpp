// A node's store as bfd-node opens it: the RocksDB database <data dir>/db under the strict
// options, checked against the commit marker <data dir>/commit-marker and kept in step with it.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "chains/storage/rocksdb/rocksdb_store.hpp"

namespace bfd {

/// <data_dir>/db: the RocksDB database.
std::string node_database_path(const std::string& data_dir);

/// <data_dir>/commit-marker: the commit marker (chains/storage/commit_marker.hpp).
std::string node_marker_path(const std::string& data_dir);

/// What to do about a refused data directory: the last sentence of every refusal.
std::string storage_advice(const std::string& data_dir);

/// Stages of opening a node's database that a caller may watch (a test's kill points in recovery).
enum class open_stage {
  recovered,  ///< the database is open read-write: RocksDB replayed its WAL; the marker is not checked yet
  marked,     ///< the marker is checked against the database and written again: the store is ready
  marker_tmp_synced,  ///< any marker write (at open, every 8th commit, at close): its temporary file synced
  marker_renamed,     ///< any marker write: renamed over the marker, the directory synced
};

/// Opens the node's database, refuses it (errc::storage_corrupt or storage_io, the message naming
/// the file and what to do) if it is damaged or holds less than the commit marker records, and
/// returns it wrapped in a marked_store. An existing database is judged read-only first, so a
/// refused one is left as it was. With access::read_only, returns the bare store, unchecked
/// against the marker (the storage check compares them itself). `on_stage`, if set, is called at
/// each stage of a read-write open.
result<std::shared_ptr<kv_store>> open_node_store(const std::string& data_dir, const rocksdb_options& options = {},
                                                  const std::function<void(open_stage)>& on_stage = {});

} // namespace bfd
