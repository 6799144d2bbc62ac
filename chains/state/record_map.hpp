// A module state that is its storage records: a key-ordered map of records with an undo journal,
// a dirty set and a cached tagged root over every record. The service registry keeps its state
// this way (typed views decode the records), so undo, dirt, root and restore are one mechanism.
// Pure.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "chains/core/bytes.hpp"
#include "chains/crypto/hash.hpp"

namespace bfd {

class record_map {
public:
  /// Records under `tag` in their root.
  explicit record_map(hash_tag tag) : tag_(tag) {}

  const std::map<bytes, bytes>& records() const noexcept { return records_; }
  bool empty() const noexcept { return records_.empty(); }
  /// The record `key`, or null.
  const bytes* find(const bytes& key) const;
  /// Sets (a value) or deletes (nothing) record `key`, journaled and marked dirty.
  void put(bytes key, std::optional<bytes> value);
  /// Sets a record without journal or dirt (restoring from storage).
  void load(bytes key, bytes value) { records_[std::move(key)] = std::move(value); }

  /// Undo journal: a mark, undo to it, forget the oldest `count` entries, forget all.
  std::size_t checkpoint() const noexcept { return journal_.size(); }
  void rollback(std::size_t mark);
  void forget_journal(std::size_t count);
  void release_undo() { journal_.clear(); }

  /// Records changed since clear_dirty() (every record after mark_all_dirty()), deleted ones
  /// with no value.
  std::vector<std::pair<bytes, std::optional<bytes>>> dirty_records() const;
  void mark_all_dirty() { all_dirty_ = true; }
  void clear_dirty();

  /// The tagged hash of every record in key order (key length byte, key, 4-byte big-endian
  /// value length, value); cached until a change.
  hash256 root() const;

  friend bool operator==(const record_map& a, const record_map& b) { return a.records_ == b.records_; }

private:
  hash_tag tag_;
  std::map<bytes, bytes> records_;
  std::vector<std::pair<bytes, std::optional<bytes>>> journal_;  // old values
  std::set<bytes> dirty_;
  bool all_dirty_ = false;
  mutable std::optional<hash256> root_;
};

} // namespace bfd
