// Binary Merkle trees over 32-byte items (transaction ids, accounts, outbox messages)
// and inclusion proofs that light clients verify.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "chains/core/bytes.hpp"

namespace bfd {

/// Leaves are tagged hashes of the items; inner nodes are tagged hashes of their two children;
/// the last node of a level with an odd count moves up unchanged (no duplication, so two
/// different lists never share a root). The root also commits to the number of items.
/// The empty tree has a fixed tagged root.
hash256 merkle_root(std::span<const hash256> items);

/// The sibling hashes from a leaf up to the root. The path is fixed by index and leaf_count.
struct merkle_proof {
  std::uint64_t index = 0;
  std::uint64_t leaf_count = 0;
  std::vector<hash256> siblings;
};

/// Proof that items[index] is in the tree; nothing if index is out of range.
std::optional<merkle_proof> make_merkle_proof(std::span<const hash256> items, std::uint64_t index);

/// The proofs of every item, in item order: what make_merkle_proof gives for each index, with
/// the tree built once (n log n instead of n^2 for a whole block's entries).
std::vector<merkle_proof> make_merkle_proofs(std::span<const hash256> items);

/// Whether `item` is at proof.index of a tree with proof.leaf_count leaves and this root.
bool verify_merkle_proof(const hash256& root, const hash256& item, const merkle_proof& proof);

} // namespace bfd
