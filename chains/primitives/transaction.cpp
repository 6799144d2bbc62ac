#include "chains/primitives/transaction.hpp"

#include "chains/codec/transaction_codec.hpp"
#include "chains/crypto/hash.hpp"

namespace bfd {

tx_kind kind_of(const tx_payload& payload) noexcept {
  return static_cast<tx_kind>(payload.index() + 1);
}

hash256 signing_hash(const transaction& tx) {
  bytes buf;
  buf.reserve(128);
  codec::encode_unsigned(tx, buf);
  return tagged_hash(hash_tag::tx, buf);
}

hash256 entry_hash(const hash256& id, const transaction& tx) {
  return tagged_hash(hash_tag::tx_entry, id.view(), tx.sig.view());
}

hash256 entry_hash(const transaction& tx) {
  return entry_hash(signing_hash(tx), tx);
}

void sign_transaction(transaction& tx, const key_pair& keys, const hash256& aux) {
  tx.sender = keys.pub;
  tx.sig = sign(keys, signing_hash(tx), aux);
}

bool verify_signature(const transaction& tx) {
  auto h = signing_hash(tx);
  return verify(tx.sender, h.view(), tx.sig);
}

} // namespace bfd
