#include "chains/merkle/bucket_tree.hpp"

#include "chains/crypto/hash.hpp"
#include "chains/merkle/merkle.hpp"

namespace bfd {

bucket_tree::bucket_tree() {
  const auto empty = merkle_root({});
  for (std::size_t b = 0; b < buckets; ++b)
    nodes_[buckets - 1 + b] = empty;
  stale_.set();
  dirty_.set();
}

void bucket_tree::set_bucket(std::uint8_t b, const hash256& bucket_root) noexcept {
  std::size_t i = buckets - 1 + b;
  nodes_[i] = bucket_root;
  dirty_.reset(b);
  while (i > 0) {
    i = (i - 1) / 2;
    stale_.set(i);
  }
}

hash256 bucket_tree::root(std::uint64_t item_count) {
  // Deepest inner nodes first, so children are fresh before their parent.
  for (std::size_t i = buckets - 1; i-- > 0;) {
    if (!stale_.test(i))
      continue;
    nodes_[i] = tagged_hash(hash_tag::merkle_node, nodes_[2 * i + 1].view(), nodes_[2 * i + 2].view());
    stale_.reset(i);
  }
  byte be[8];
  for (int i = 0; i < 8; ++i)
    be[i] = static_cast<byte>(item_count >> (56 - 8 * i));
  return tagged_hash(hash_tag::merkle_node, byte_view{be, 8}, nodes_[0].view());
}

} // namespace bfd
