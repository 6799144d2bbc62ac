#include "chains/storage/rocksdb/node_store.hpp"

#include <filesystem>

#include "chains/storage/commit_marker.hpp"

namespace bfd {

std::string node_database_path(const std::string& data_dir) {
  return (std::filesystem::path(data_dir) / "db").string();
}

std::string node_marker_path(const std::string& data_dir) {
  return (std::filesystem::path(data_dir) / "commit-marker").string();
}

std::string storage_advice(const std::string& data_dir) {
  return "The node will not run on it: restore " + data_dir + " from a backup, or move it away and let the "
         "node resync from a peer (docs/storage.md says what a hosted delegate needs then). "
         "`bfd-node --check-storage --data-dir " + data_dir + "` reports what is wrong.";
}

result<std::shared_ptr<kv_store>> open_node_store(const std::string& data_dir, const rocksdb_options& options,
                                                  const std::function<void(open_stage)>& on_stage) {
  const auto db_path = node_database_path(data_dir);
  const auto marker_path = node_marker_path(data_dir);
  auto refuse = [&](const error& e) { return make_error(e.code, e.detail + ". " + storage_advice(data_dir)); };
  auto marker = read_commit_marker(marker_path);
  if (!marker)
    return refuse(marker.error());
  std::error_code ec;
  const bool exists = std::filesystem::exists(db_path, ec) && !std::filesystem::is_empty(db_path, ec);
  if (*marker && options.open_mode == access::read_write && !exists)
    return refuse(make_error(errc::storage_corrupt, "the database " + db_path + " is missing or empty, but the commit "
                                                    "marker " + marker_path + " records committed data"));
  if (exists && options.open_mode == access::read_write) {
    // Judge it read-only first: a read-write open recovers (replays the WAL into table files,
    // deletes files the MANIFEST no longer names), so a database refused only afterwards would
    // be left changed, and what a damaged MANIFEST forgot could no longer be salvaged.
    rocksdb_options ro = options;
    ro.open_mode = access::read_only;
    auto probe = open_rocksdb_store(db_path, ro);
    if (!probe)
      return refuse(probe.error());
    if (*marker)
      if (auto st = check_commit_marker(**probe, **marker, marker_path, db_path); !st)
        return refuse(st.error());
  }
  auto db = open_rocksdb_store(db_path, options);
  if (!db)
    return refuse(db.error());
  std::shared_ptr<kv_store> store(std::move(*db));
  if (options.open_mode == access::read_only)
    return store;
  if (on_stage)
    on_stage(open_stage::recovered);
  if (*marker)
    if (auto st = check_commit_marker(*store, **marker, marker_path, db_path); !st)
      return refuse(st.error());
  auto marked = std::make_shared<marked_store>(store, marker_path);
  if (on_stage)
    marked->watch_marker_steps([on_stage](marker_step s) {
      on_stage(s == marker_step::tmp_synced ? open_stage::marker_tmp_synced : open_stage::marker_renamed);
    });
  // A data directory from before markers, or a new one, gets its marker now.
  if (auto st = marked->update_marker(); !st)
    return refuse(st.error());
  if (on_stage)
    on_stage(open_stage::marked);
  return std::shared_ptr<kv_store>(std::move(marked));
}

} // namespace bfd
