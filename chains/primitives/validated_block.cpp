#include "chains/primitives/validated_block.hpp"

#include "chains/merkle/merkle.hpp"

namespace bfd {

hash256 validated_block::tx_root() const {
  return merkle_root(entries);
}

validated_ptr digest_block(std::shared_ptr<const block> b) {
  auto v = std::make_shared<validated_block>();
  v->hash = header_hash(b->header);
  v->ids.reserve(b->txs.size());
  v->entries.reserve(b->txs.size());
  for (const auto& tx : b->txs) {
    v->ids.push_back(signing_hash(tx));
    v->entries.push_back(entry_hash(v->ids.back(), tx));
  }
  v->blk = std::move(b);
  return v;
}

} // namespace bfd
