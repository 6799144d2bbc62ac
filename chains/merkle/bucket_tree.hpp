// An incrementally updated commitment to a key-ordered set of items (accounts, VMs, stakes):
// items fall into 256 buckets by the first byte of their key; a change re-hashes one bucket and
// the eight nodes above it instead of every item.
#pragma once

#include <array>
#include <bitset>
#include <cstdint>

#include "chains/core/bytes.hpp"

namespace bfd {

/// The upper part of the commitment: a perfect binary tree over 256 bucket roots.
///
///   bucket root b = merkle_root(item hashes whose key starts with byte b, in key order)
///   node          = tagged_hash("bfd/merkle/node", left || right)
///   root          = tagged_hash("bfd/merkle/node", be64(item count) || top node)
///
/// The owner recomputes the buckets marked dirty (it holds the items) and hands in their roots.
class bucket_tree {
public:
  static constexpr std::size_t buckets = 256;

  bucket_tree();

  /// Something in bucket `b` changed.
  void invalidate(std::uint8_t b) noexcept { dirty_.set(b); }
  /// Every bucket must be recomputed (a state built or restored wholesale).
  void invalidate_all() noexcept { dirty_.set(); }
  bool dirty(std::size_t b) const noexcept { return dirty_.test(b); }
  bool any_dirty() const noexcept { return dirty_.any(); }

  /// Stores the recomputed root of a dirty bucket.
  void set_bucket(std::uint8_t b, const hash256& bucket_root) noexcept;

  /// The root, once every dirty bucket was set again.
  hash256 root(std::uint64_t item_count);

private:
  // Heap layout: node i has children 2i+1 and 2i+2; bucket b is node 255 + b.
  std::array<hash256, 2 * buckets - 1> nodes_;
  std::bitset<buckets> dirty_;
  std::bitset<buckets - 1> stale_;  // inner nodes to recompute
};

} // namespace bfd
