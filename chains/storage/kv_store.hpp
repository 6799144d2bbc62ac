// The key-value storage interface chain state is persisted through. One implementation keeps
// everything in memory (tests, simulations); the RocksDB adapter in storage/rocksdb is the other.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chains/core/bytes.hpp"
#include "chains/core/error.hpp"

namespace bfd {

/// Writes applied together or not at all. A "space" is a column family (one per chain).
class write_batch {
public:
  struct op {
    std::string space;
    bytes key;
    std::optional<bytes> value;  ///< nothing = delete
  };

  void put(std::string_view space, bytes key, bytes value) {
    ops_.push_back({std::string(space), std::move(key), std::move(value)});
  }
  void erase(std::string_view space, bytes key) {
    ops_.push_back({std::string(space), std::move(key), std::nullopt});
  }
  const std::vector<op>& ops() const noexcept { return ops_; }
  bool empty() const noexcept { return ops_.empty(); }

private:
  std::vector<op> ops_;
};

/// Ordered key-value store with named spaces and atomic batches.
class kv_store {
public:
  virtual ~kv_store() = default;

  /// Creates the space if it does not exist yet.
  virtual status ensure_space(std::string_view space) = 0;

  /// The value under `key`, or nothing.
  virtual result<std::optional<bytes>> get(std::string_view space, byte_view key) = 0;

  /// Applies every write of the batch atomically (and durably, if the store is configured so).
  virtual status write(const write_batch& batch) = 0;

  /// Like write, but without waiting for it to be durable: it becomes durable with the next
  /// durable write (a store keeps one log, in order). For a record that only matters once a later
  /// durable write depends on it (the justification record: votes from it are signed only after a
  /// delegate's durable record write). A process crash does not lose it; power loss may, together
  /// with everything after it that was not durable either.
  virtual status write_ordered(const write_batch& batch) { return write(batch); }

  /// Calls `visit` for each key starting with `prefix`, in key order, until it returns false.
  virtual status scan_prefix(std::string_view space, byte_view prefix,
                             const std::function<bool(byte_view key, byte_view value)>& visit) = 0;

  /// Calls `visit` for each key starting with `prefix` that is not below `start`, in key order,
  /// until it returns false: a page of a prefix from a cursor. This default skips the keys below
  /// `start` one by one; the RocksDB store seeks to it.
  virtual status scan_from(std::string_view space, byte_view prefix, byte_view start,
                           const std::function<bool(byte_view key, byte_view value)>& visit) {
    return scan_prefix(space, prefix, [&](byte_view k, byte_view v) {
      if (std::lexicographical_compare(k.begin(), k.end(), start.begin(), start.end()))
        return true;
      return visit(k, v);
    });
  }

  /// The names of every space the store holds.
  virtual std::vector<std::string> spaces() = 0;

  /// A number that grows with every write the store has made durable, or nothing if the store
  /// keeps none (memory). A reopened store that reports less than it did lost committed writes.
  virtual std::optional<std::uint64_t> write_sequence() { return std::nullopt; }

  /// Reads every stored byte and checks it against its checksums (nothing to do in memory).
  virtual status verify_checksums() { return {}; }

  /// Makes everything written so far durable outside any log (flush, sync), as on a clean stop.
  virtual status close() { return {}; }
};

} // namespace bfd
