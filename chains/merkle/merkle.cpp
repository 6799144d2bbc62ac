#include "chains/merkle/merkle.hpp"

#include "chains/crypto/hash.hpp"

namespace bfd {

namespace {

hash256 leaf(const hash256& item) {
  return tagged_hash(hash_tag::merkle_leaf, item.view());
}

hash256 node(const hash256& left, const hash256& right) {
  return tagged_hash(hash_tag::merkle_node, left.view(), right.view());
}

// Replaces `level` by its parent level in place.
void reduce(std::vector<hash256>& level) {
  std::size_t out = 0;
  for (std::size_t i = 0; i < level.size(); i += 2)
    level[out++] = i + 1 < level.size() ? node(level[i], level[i + 1]) : level[i];
  level.resize(out);
}

// The root commits to the leaf count as well as the tree, so a proof's leaf_count is
// authenticated: root = H_node(be64(count) || tree top).
hash256 with_count(const hash256& top, std::uint64_t count) {
  byte be[8];
  for (int i = 0; i < 8; ++i)
    be[i] = static_cast<byte>(count >> (56 - 8 * i));
  return tagged_hash(hash_tag::merkle_node, byte_view{be, 8}, top.view());
}

} // namespace

hash256 merkle_root(std::span<const hash256> items) {
  if (items.empty())
    return tagged_hash(hash_tag::merkle_empty, {});
  std::vector<hash256> level;
  level.reserve(items.size());
  for (const auto& item : items)
    level.push_back(leaf(item));
  while (level.size() > 1)
    reduce(level);
  return with_count(level.front(), items.size());
}

std::optional<merkle_proof> make_merkle_proof(std::span<const hash256> items, std::uint64_t index) {
  if (index >= items.size())
    return std::nullopt;
  merkle_proof proof;
  proof.index = index;
  proof.leaf_count = items.size();
  std::vector<hash256> level;
  level.reserve(items.size());
  for (const auto& item : items)
    level.push_back(leaf(item));
  std::uint64_t pos = index;
  while (level.size() > 1) {
    std::uint64_t sibling = pos ^ 1;
    if (sibling < level.size())
      proof.siblings.push_back(level[sibling]);
    reduce(level);
    pos /= 2;
  }
  return proof;
}

std::vector<merkle_proof> make_merkle_proofs(std::span<const hash256> items) {
  std::vector<merkle_proof> proofs(items.size());
  std::vector<hash256> level;
  level.reserve(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    level.push_back(leaf(items[i]));
    proofs[i].index = i;
    proofs[i].leaf_count = items.size();
  }
  // At each level, item i's node is at i >> depth; its sibling, if any, joins its path.
  for (unsigned depth = 0; level.size() > 1; ++depth) {
    for (std::size_t i = 0; i < items.size(); ++i) {
      const std::uint64_t sibling = (static_cast<std::uint64_t>(i) >> depth) ^ 1;
      if (sibling < level.size())
        proofs[i].siblings.push_back(level[sibling]);
    }
    reduce(level);
  }
  return proofs;
}

bool verify_merkle_proof(const hash256& root, const hash256& item, const merkle_proof& proof) {
  if (proof.leaf_count == 0 || proof.index >= proof.leaf_count)
    return false;
  hash256 acc = leaf(item);
  std::uint64_t pos = proof.index;
  std::uint64_t width = proof.leaf_count;
  std::size_t used = 0;
  while (width > 1) {
    std::uint64_t sibling = pos ^ 1;
    if (sibling < width) {
      if (used >= proof.siblings.size())
        return false;
      const auto& s = proof.siblings[used++];
      acc = (pos & 1) ? node(s, acc) : node(acc, s);
    }
    pos /= 2;
    width = (width + 1) / 2;
  }
  return used == proof.siblings.size() && with_count(acc, proof.leaf_count) == root;
}

} // namespace bfd
