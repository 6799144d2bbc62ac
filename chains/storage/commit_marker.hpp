// The commit marker: a small file beside the database recording how far it had durably got (its
// write sequence and each chain's final head), so a database that comes back with less — a
// damaged or truncated write-ahead log or MANIFEST, a lost CURRENT, a database recreated empty —
// is refused instead of silently resuming at an earlier height (docs/storage.md).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "chains/primitives/block.hpp"
#include "chains/storage/kv_store.hpp"

namespace bfd {

/// What a store held when the marker was written; it holds at least this afterwards.
struct commit_marker {
  struct chain_entry {
    chain_id chain = 0;
    std::uint64_t height = 0;  ///< the final head's height
    hash256 hash;              ///< and its header hash
    friend bool operator==(const chain_entry&, const chain_entry&) = default;
  };
  std::uint64_t sequence = 0;  ///< kv_store::write_sequence (0 if the store keeps none)
  std::vector<chain_entry> chains;
  friend bool operator==(const commit_marker&, const commit_marker&) = default;
};

/// The marker at `path`, nothing if there is no file, errc::storage_corrupt if it is damaged.
result<std::optional<commit_marker>> read_commit_marker(const std::string& path);

/// Steps of a marker write a caller may watch (a test's kill points).
enum class marker_step {
  tmp_synced,  ///< the temporary file is written and synced, not renamed yet
  renamed,     ///< renamed over the marker and the directory synced
};

/// Replaces the marker at `path` atomically and durably: a temporary file written and synced,
/// renamed over the old one, the directory synced. A crash leaves the old or the new marker.
/// `step`, if set, is called after each step.
status write_commit_marker(const std::string& path, const commit_marker& marker,
                           const std::function<void(marker_step)>& step = {});

/// What `store` holds now: its write sequence and the final head of every chain space in it.
result<commit_marker> current_marker(kv_store& store);

/// Fails with errc::storage_corrupt, naming `marker_path` and `where` (the database), if the
/// store holds less than the marker: a lower write sequence, a chain missing, below the recorded
/// height, or with another block at it.
status check_commit_marker(kv_store& store, const commit_marker& marker, const std::string& marker_path,
                           const std::string& where);

/// A kv_store that keeps the commit marker at `path` up to date: after every `every` writes that
/// touch a chain space, a background thread records the marker (its syncs stay off the commit
/// path), and close records it once more, synchronously. Each update reads the wrapped store
/// after the writes it covers returned, so the marker never claims more than the store made
/// durable (in durability::sync mode); it may lag by the writes since the last update.
class marked_store final : public kv_store {
public:
  marked_store(std::shared_ptr<kv_store> inner, std::string path, std::uint32_t every = 8);
  ~marked_store() override;

  status ensure_space(std::string_view space) override { return inner_->ensure_space(space); }
  result<std::optional<bytes>> get(std::string_view space, byte_view key) override {
    return inner_->get(space, key);
  }
  /// Writes through; fails if the last background marker update failed (the disk is failing).
  status write(const write_batch& batch) override;
  status write_ordered(const write_batch& batch) override;
  status scan_prefix(std::string_view space, byte_view prefix,
                     const std::function<bool(byte_view, byte_view)>& visit) override {
    return inner_->scan_prefix(space, prefix, visit);
  }
  status scan_from(std::string_view space, byte_view prefix, byte_view start,
                   const std::function<bool(byte_view, byte_view)>& visit) override {
    return inner_->scan_from(space, prefix, start, visit);
  }
  std::vector<std::string> spaces() override { return inner_->spaces(); }
  std::optional<std::uint64_t> write_sequence() override { return inner_->write_sequence(); }
  status verify_checksums() override { return inner_->verify_checksums(); }
  /// Stops the background updates, flushes the wrapped store, then records the marker.
  status close() override;

  /// Records the marker now (synchronously).
  status update_marker();

  /// Calls `step` at each step of every later marker write (set before any write goes through).
  void watch_marker_steps(std::function<void(marker_step)> step) { step_ = std::move(step); }

private:
  void run_updates();

  std::shared_ptr<kv_store> inner_;
  std::string path_;
  std::uint32_t every_;
  std::atomic<std::uint64_t> chain_writes_{0};
  std::mutex marker_mtx_;  ///< one marker update at a time

  std::mutex queue_mtx_;
  std::condition_variable wake_;
  bool update_due_ = false;
  bool stopping_ = false;
  std::optional<error> update_failure_;  ///< of the last background update
  std::function<void(marker_step)> step_;
  std::thread updater_;
};

} // namespace bfd
