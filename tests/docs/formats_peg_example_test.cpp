// Keeps docs/formats.md section 14 true: rebuilds its worked example of the two-way peg (a
// peg_send, its message, the acknowledgement, an outbox root and inclusion proof, a receipt tree
// and a non-receipt proof) with the real code, re-derives every hash the way the document says
// an outside client does, and checks that the document shows exactly those bytes.
#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <vector>

#include "chains/codec/canonical.hpp"
#include "chains/codec/transaction_codec.hpp"
#include "chains/core/hex.hpp"
#include "chains/crypto/hash.hpp"
#include "chains/merkle/merkle.hpp"
#include "chains/peg/outbox.hpp"
#include "chains/peg/peg_ledger.hpp"
#include "chains/peg/receipt_tree.hpp"
#include "chains/state/peg_tx.hpp"
#include "tests/docs/formats_doc.hpp"

using namespace bfd;
using namespace bfd::test;

namespace {

// The example of section 14: the key 0x01 on chain 1 sends 1.5 BFDT to the address of the key
// 0x02 on chain 2, timeout height 1,000 there; chain 1, nonce 0, fee 0, expiry 100,000, aux zero.
transaction example_peg_send() {
  transaction tx;
  tx.chain = mainchain_id;
  tx.nonce = 0;
  tx.fee = 0;
  tx.expiry = 100'000;
  tx.payload = peg_send_tx{2, address_of(keys_of(0x02).pub), "BFDT", 150'000'000, 1'000};
  sign_transaction(tx, keys_of(0x01), hash256{});
  return tx;
}

// Both chains' peg ledgers through the example: chain 1 sends, chain 2 receives it at height 10
// (its acknowledgement) and the key 0x02 sends 0.5 of its vouchers back (timeout 2,000 on chain 1).
struct peg_example {
  peg::peg_ledger source{mainchain_id};
  peg::peg_ledger dest{2};
  peg::peg_message message;
  peg::peg_ack ack;
  peg::peg_message back;

  peg_example() {
    const auto tx = example_peg_send();  // kept: p refers into it
    const auto& p = std::get<peg_send_tx>(tx.payload);
    auto sent = source.send({address_of(keys_of(0x01).pub), p.receiver, p.destination,
                             peg::asset_transfer{p.denom, p.value}, p.timeout_height});
    REQUIRE(sent);
    message = sent->message;
    auto got = dest.receive(message, 10);
    REQUIRE(got);
    ack = got->ack;
    auto returned = dest.send({p.receiver, address_of(keys_of(0x01).pub), mainchain_id,
                               peg::asset_transfer{"peg/1/BFDT", 50'000'000}, 2'000});
    REQUIRE(returned);
    back = returned->message;
  }
};

// Section 6's proof check, as the document states it.
hash256 doc_merkle_proof_root(const hash256& item, std::uint64_t index, std::uint64_t count,
                              const std::vector<hash256>& siblings) {
  auto acc = tagged_hash(hash_tag::merkle_leaf, item.view());
  std::size_t next = 0;
  for (std::uint64_t pos = index, width = count; width > 1; pos /= 2, width = (width + 1) / 2)
    if ((pos ^ 1) < width) {
      const auto& s = siblings.at(next++);
      acc = pos % 2 ? tagged_hash(hash_tag::merkle_node, s.view(), acc.view())
                    : tagged_hash(hash_tag::merkle_node, acc.view(), s.view());
    }
  return tagged_hash(hash_tag::merkle_node, be_bytes(count, 8), acc.view());
}

// Section 14's receipt tree, as the document states it: tagged_hash("bfd/peg/smt", prefix || a
// || b), the empty subtrees, and the root a compressed proof gives for `key` holding `value`
// (nothing: absent).
hash256 smt_hash(byte prefix, const hash256& a, const hash256& b) {
  bytes msg{prefix};
  msg.insert(msg.end(), a.begin(), a.end());
  msg.insert(msg.end(), b.begin(), b.end());
  return tagged_hash(hash_tag::peg_smt, msg);
}

hash256 doc_empty(std::size_t height) {
  hash256 h{};  // the empty leaf: 32 zero bytes
  for (std::size_t i = 0; i < height; ++i)
    h = smt_hash(0x01, h, h);
  return h;
}

bool doc_bit(const byte* data, std::size_t i) {
  return (data[i / 8] >> (7 - i % 8)) & 1;
}

hash256 doc_smt_root(const hash256& key, const std::optional<hash256>& value, const peg::smt_proof& proof) {
  hash256 acc = value ? smt_hash(0x00, key, *value) : hash256{};
  std::size_t next = proof.siblings.size();
  for (std::size_t depth = 256; depth >= 1; --depth) {
    const auto sibling = doc_bit(proof.bitmap.data.data(), depth - 1) ? proof.siblings.at(--next) : doc_empty(256 - depth);
    acc = doc_bit(key.data.data(), depth - 1) ? smt_hash(0x01, sibling, acc)
                                              : smt_hash(0x01, acc, sibling);
  }
  return acc;
}

std::string code(const std::string& hex) {
  return "```\n" + hex + "\n```";
}
std::string tick(const std::string& hex) {
  return "`" + hex + "`";
}

} // namespace

TEST_CASE("the worked peg_send has the bytes and id section 14 shows") {
  const auto tx = example_peg_send();
  const auto encoded = codec::encode(tx);
  CHECK(doc_has(code(hex_of(encoded))));
  CHECK(doc_has("The signed transaction, " + std::to_string(encoded.size()) + " bytes"));
  CHECK(doc_has("Its id is `" + to_hex(signing_hash(tx)) + "`."));
  // The payload: destination 2, the receiver's address, "BFDT", 150,000,000, 1,000.
  bytes payload;
  codec::writer w(payload);
  const auto& p = std::get<peg_send_tx>(tx.payload);
  w.array(5);
  w.uint(p.destination);
  w.bin(p.receiver);
  w.bin(byte_view{reinterpret_cast<const byte*>(p.denom.data()), p.denom.size()});
  w.uint(p.value);
  w.uint(p.timeout_height);
  CHECK(hex_of(encoded).find(hex_of(payload)) != std::string::npos);
  CHECK(doc_has(tick(hex_of(payload))));
}

TEST_CASE("the worked message and acknowledgement have the bytes and hashes section 14 shows") {
  peg_example ex;
  CHECK(ex.message.id == peg::message_id{mainchain_id, 0});
  const auto m = codec::encode(ex.message);
  CHECK(doc_has(code(hex_of(m))));
  CHECK(doc_has("The message, " + std::to_string(m.size()) + " bytes"));
  CHECK(peg::message_hash(ex.message) == tagged_hash(hash_tag::peg_message, m));
  CHECK(doc_has(code(to_hex(peg::message_hash(ex.message)))));
  CHECK(doc_has(tick(hex_of(peg::id_bytes(ex.message.id)))));
  CHECK(ex.ack.success());
  CHECK(ex.dest.voucher_balance("peg/1/BFDT", address_of(keys_of(0x02).pub)) == 100'000'000);  // 0.5 went back
  CHECK(ex.dest.voucher_supply("peg/1/BFDT") == 100'000'000);
  const auto a = codec::encode(ex.ack);
  CHECK(doc_has(code(hex_of(a))));
  CHECK(doc_has("The acknowledgement, " + std::to_string(a.size()) + " bytes"));
  CHECK(peg::ack_hash(ex.ack) == tagged_hash(hash_tag::peg_ack, a));
  CHECK(doc_has(code(to_hex(peg::ack_hash(ex.ack)))));
  const auto b = codec::encode(ex.back);
  CHECK(ex.back.id == peg::message_id{2, 0});
  CHECK(doc_has(code(hex_of(b))));
  CHECK(doc_has("The returning message, " + std::to_string(b.size()) + " bytes"));
  CHECK(doc_has(code(to_hex(peg::message_hash(ex.back)))));
  // Each decodes back to itself.
  CHECK(*codec::decode_peg_message(m) == ex.message);
  CHECK(*codec::decode_peg_ack(a) == ex.ack);
}

TEST_CASE("the worked outbox root and inclusion proof are the ones section 14 shows, and verify as it says") {
  peg_example ex;
  peg::outbox box;
  box.add(ex.ack);
  box.add(ex.back);
  const auto ack_item = peg::ack_hash(ex.ack);
  const auto back_item = peg::message_hash(ex.back);
  const auto root = box.root();
  CHECK(root == merkle_root(std::vector<hash256>{ack_item, back_item}));
  const auto ack_leaf = tagged_hash(hash_tag::merkle_leaf, ack_item.view());
  const auto back_leaf = tagged_hash(hash_tag::merkle_leaf, back_item.view());
  const auto top = tagged_hash(hash_tag::merkle_node, ack_leaf.view(), back_leaf.view());
  CHECK(root == tagged_hash(hash_tag::merkle_node, be_bytes(2, 8), top.view()));
  CHECK(doc_has(tick(to_hex(ack_leaf))));
  CHECK(doc_has(tick(to_hex(back_leaf))));
  CHECK(doc_has(tick(to_hex(top))));
  CHECK(doc_has(code(to_hex(root))));
  // The proof of the acknowledgement (index 0), as a delivery bundle carries it.
  const auto proof = *box.prove(0);
  REQUIRE(proof.siblings.size() == 1);
  CHECK(proof.siblings[0] == back_leaf);
  bytes encoded;
  codec::writer w(encoded);
  w.array(3);
  w.uint(proof.index);
  w.uint(proof.leaf_count);
  w.array(1);
  w.bin(proof.siblings[0]);
  CHECK(doc_has(code(hex_of(encoded))));
  CHECK(doc_merkle_proof_root(ack_item, 0, 2, proof.siblings) == root);
  CHECK(peg::verify_outbox_inclusion(root, ex.ack, proof));
  CHECK_FALSE(peg::verify_outbox_inclusion(root, ex.back, proof));
}

TEST_CASE("the worked receipt tree and non-receipt proof are the ones section 14 shows, and verify as it says") {
  peg_example ex;
  const auto& tree = ex.dest.receipts();
  REQUIRE(tree.size() == 1);
  CHECK(doc_has(tick(to_hex(doc_empty(256)))));
  CHECK(peg::default_hash(256) == doc_empty(256));
  const auto key = peg::receipt_key(ex.message.id);
  CHECK(key == tagged_hash(hash_tag::peg_receipt, peg::id_bytes(ex.message.id)));
  CHECK(doc_has(tick(to_hex(key))));
  const auto value = peg::ack_hash(ex.ack);
  CHECK(tree.get(key) == value);
  const auto leaf = smt_hash(0x00, key, value);
  CHECK(doc_has(tick(to_hex(leaf))));
  const auto root = tree.root();
  CHECK(doc_has(code(to_hex(root))));
  // With one leaf, the membership proof has no sibling: every other subtree is empty.
  const auto member = tree.prove(key);
  CHECK(member.siblings.empty());
  CHECK(doc_smt_root(key, value, member) == root);
  // The proof that message (1, 1) was not received.
  const peg::message_id absent{mainchain_id, 1};
  const auto absent_key = peg::receipt_key(absent);
  CHECK(doc_has(tick(hex_of(peg::id_bytes(absent)))));
  CHECK(doc_has(tick(to_hex(absent_key))));
  const auto proof = tree.prove(absent_key);
  REQUIRE(proof.siblings.size() == 1);
  CHECK(doc_has(tick(to_hex(proof.bitmap))));
  CHECK(doc_has(tick(to_hex(proof.siblings[0]))));
  CHECK(doc_has(code(hex_of(codec::encode(proof)))));
  CHECK(doc_has("The proof, " + std::to_string(codec::encode(proof).size()) + " bytes"));
  CHECK(doc_smt_root(absent_key, std::nullopt, proof) == root);
  CHECK(peg::verify_non_membership(root, absent_key, proof));
  CHECK_FALSE(peg::verify_non_membership(root, key, member));
  // Where the two keys part: the first bit in which they differ is the proof's one set bit.
  std::size_t split = 0;
  while (doc_bit(key.data.data(), split) == doc_bit(absent_key.data.data(), split))
    ++split;
  CHECK(doc_bit(proof.bitmap.data.data(), split));
  CHECK(doc_has("bit " + std::to_string(split) + " "));
  // The sibling is the subtree at depth split + 1 holding the leaf: the leaf hashed up to there.
  auto subtree = leaf;
  for (std::size_t depth = 256; depth > split + 1; --depth)
    subtree = doc_bit(key.data.data(), depth - 1) ? smt_hash(0x01, doc_empty(256 - depth), subtree)
                                                  : smt_hash(0x01, subtree, doc_empty(256 - depth));
  CHECK(subtree == proof.siblings[0]);
}
