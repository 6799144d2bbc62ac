// Deterministic sample keys, transactions and blocks shared by the chain tests.
#pragma once

#include "chains/merkle/merkle.hpp"
#include "chains/primitives/block.hpp"

namespace bfd::test {

/// The key pair whose secret is 32 bytes of `fill`.
inline key_pair keys_of(byte fill) {
  secret_key s;
  s.data.fill(fill);
  return *key_pair_from_secret(s);
}

/// `payload` signed by keys_of(`key`) on `chain` at `nonce` (expiry 100, zero aux randomness): the
/// deterministic transaction the JSON mapping tests post back.
inline transaction signed_payload(tx_payload payload, chain_id chain, std::uint64_t nonce = 3, byte key = 0x21) {
  transaction tx;
  tx.chain = chain;
  tx.nonce = nonce;
  tx.expiry = 100;
  tx.payload = std::move(payload);
  sign_transaction(tx, keys_of(key), hash256{});
  return tx;
}

/// A signed transfer; aux randomness is zero, so the signature is deterministic.
inline transaction transfer(const key_pair& from, const address& to, amount value, std::uint64_t nonce,
                            amount fee = 1000, std::uint64_t expiry = 1000, chain_id chain = mainchain_id) {
  transaction tx;
  tx.chain = chain;
  tx.nonce = nonce;
  tx.fee = fee;
  tx.expiry = expiry;
  tx.payload = transfer_payload{to, value};
  sign_transaction(tx, from, hash256{});
  return tx;
}

/// A signed block at `height` holding `txs`, with the tx root filled in.
inline block make_block(std::uint64_t height, const hash256& parent, std::vector<transaction> txs,
                        const hash256& state_root = {}) {
  block b;
  b.header.height = height;
  b.header.round = height / 7;
  b.header.slot = height % 7;
  b.header.parent = parent;
  b.header.timestamp_ms = 1'700'000'000'000 + height * 1000;
  b.txs = std::move(txs);
  b.header.tx_root = transactions_root(b);
  b.header.state_root = state_root;
  b.header.outbox_root = merkle_root({});
  b.header.reveal.data.fill(0x5a);
  sign_header(b.header, keys_of(0x33), hash256{});
  return b;
}

} // namespace bfd::test
