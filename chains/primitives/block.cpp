#include "chains/primitives/block.hpp"

#include "chains/codec/block_codec.hpp"
#include "chains/crypto/hash.hpp"
#include "chains/merkle/merkle.hpp"

namespace bfd {

hash256 header_hash(const block_header& header) {
  bytes buf;
  buf.reserve(300);
  codec::encode_unsigned(header, buf);
  return tagged_hash(hash_tag::block, buf);
}

void sign_header(block_header& header, const key_pair& keys, const hash256& aux) {
  header.producer = keys.pub;
  header.sig = sign(keys, header_hash(header), aux);
}

bool verify_header_signature(const block_header& header) {
  auto h = header_hash(header);
  return verify(header.producer, h.view(), header.sig);
}

hash256 transactions_root(const block& b) {
  std::vector<hash256> entries;
  entries.reserve(b.txs.size());
  for (const auto& tx : b.txs)
    entries.push_back(entry_hash(tx));
  return merkle_root(entries);
}

std::vector<hash256> transaction_ids(const block& b) {
  std::vector<hash256> ids;
  ids.reserve(b.txs.size());
  for (const auto& tx : b.txs)
    ids.push_back(signing_hash(tx));
  return ids;
}

} // namespace bfd
