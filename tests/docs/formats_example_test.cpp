// Keeps docs/formats.md true: rebuilds its worked examples with the real code and checks that the
// document shows exactly the bytes and hashes the code produces.
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "chains/codec/block_codec.hpp"
#include "chains/codec/transaction_codec.hpp"
#include "chains/consensus/chain_state.hpp"
#include "chains/consensus/cluster.hpp"
#include "chains/consensus/confirmation.hpp"
#include "chains/consensus/hash_chain.hpp"
#include "chains/core/hex.hpp"
#include "chains/crypto/hash.hpp"
#include "chains/merkle/merkle.hpp"
#include "chains/storage/chain_store.hpp"
#include "chains/storage/memory_store.hpp"
#include "runtime/key_file.hpp"
#include "tests/docs/formats_doc.hpp"

using namespace bfd;
using namespace bfd::test;

namespace {

// The example transfer of docs/formats.md section 10.
transaction example_tx() {
  transaction tx;
  tx.chain = mainchain_id;
  tx.nonce = 5;
  tx.fee = 10'000;
  tx.expiry = 100'000;
  tx.payload = transfer_payload{address_of(keys_of(0x02).pub), 150'000'000};
  sign_transaction(tx, keys_of(0x01), hash256{});
  return tx;
}

// The example block of docs/formats.md section 10.
block example_block() {
  block b;
  auto& h = b.header;
  h.chain = mainchain_id;
  h.height = 42;
  h.round = 6;
  h.slot = 0;
  h.parent.data.fill(0x11);
  h.timestamp_ms = 1'700'000'000'000;
  b.txs.push_back(example_tx());
  h.tx_root = transactions_root(b);
  h.state_root.data.fill(0x22);
  h.outbox_root = merkle_root({});
  h.reveal.data.fill(0x5a);
  h.work_nonce = 0;
  sign_header(h, keys_of(0x03), hash256{});
  return b;
}

// The example hash chain: seed 32 bytes of 0x44, length 3.
hash_chain example_hash_chain() {
  hash256 seed;
  seed.data.fill(0x44);
  return hash_chain(seed, 3);
}

// An example consensus transaction: chain 1, expiry 100,000, aux zero.
transaction consensus_tx(std::uint64_t nonce, amount fee, tx_payload payload, byte signer) {
  transaction tx;
  tx.chain = mainchain_id;
  tx.nonce = nonce;
  tx.fee = fee;
  tx.expiry = 100'000;
  tx.payload = std::move(payload);
  sign_transaction(tx, keys_of(signer), hash256{});
  return tx;
}

transaction example_vm_bid() {
  return consensus_tx(0, 10'000, vm_bid_payload{0, 100 * units_per_bfdt, example_hash_chain().tip()}, 0x03);
}

transaction example_vote() {
  return consensus_tx(0, 10'000, vote_payload{keys_of(0x03).pub, 250'000'000}, 0x02);
}

transaction example_unvote() {
  return consensus_tx(1, 10'000, unvote_payload{keys_of(0x03).pub, 100'000'000}, 0x02);
}

// 32 bytes of `fill`.
hash256 filled(byte fill) {
  hash256 h;
  h.data.fill(fill);
  return h;
}

// A finality vote by the VM 0x03, signed with aux zero.
confirmation signed_vote(std::uint64_t source_height, const hash256& source, std::uint64_t height,
                         const hash256& target) {
  confirmation c{mainchain_id, source_height, source, height, target, {}, {}};
  sign_confirmation(c, keys_of(0x03), hash256{});
  return c;
}

// The VM 0x03 votes for the example block (target, height 42) from its parent (source: 32 bytes
// of 0x11, height 41).
confirmation example_finality_vote() {
  return signed_vote(41, filled(0x11), 42, header_hash(example_block().header));
}

// A double vote with the example vote: the same source and target height, the target 32 bytes of
// 0x33.
confirmation double_finality_vote() {
  return signed_vote(41, filled(0x11), 42, filled(0x33));
}

// A surround vote with the example vote: from 32 bytes of 0x66 at height 40 to 32 bytes of 0x77
// at height 43, a span strictly around 41..42.
confirmation surrounding_finality_vote() {
  return signed_vote(40, filled(0x66), 43, filled(0x77));
}

transaction example_evidence() {
  return consensus_tx(2, 0,
                      evidence_payload{evidence_kind::double_vote, codec::encode(example_finality_vote()),
                                       codec::encode(double_finality_vote())},
                      0x02);
}

transaction example_surround_evidence() {
  return consensus_tx(3, 0,
                      evidence_payload{evidence_kind::surround_vote, codec::encode(surrounding_finality_vote()),
                                       codec::encode(example_finality_vote())},
                      0x02);
}

// The example cluster: the VM 0x03 with power 300 and the VM 0x04 with power 100.
cluster example_cluster(amount second_power = 100) {
  cluster c;
  c.members = {{keys_of(0x03).pub, 0, 300}, {keys_of(0x04).pub, 0, second_power}};
  c.power = 300 + second_power;
  return c;
}

// The example genesis of docs/formats.md section 10.
genesis_config example_genesis() {
  genesis_config g;
  g.chain = mainchain_id;
  g.params.categories = {{"gold", 2, 0, 0}};
  g.params.genesis_time_ms = 1'700'000'000'000;
  g.params.slot_ms = 1000;
  g.params.rounds_per_epoch = 10;
  g.params.min_bid = units_per_bfdt;
  g.params.work_bits = 0;
  g.params.block_reward = 5 * units_per_bfdt;
  g.params.base_block_txs = 1000;
  g.params.miss_limit = 5;
  g.allocations.push_back({address_of(keys_of(0x01).pub), 1000 * units_per_bfdt});
  g.vms.push_back({keys_of(0x03).pub, 0, 100 * units_per_bfdt, example_hash_chain().tip()});
  return g;
}

std::string tag_prefix(hash_tag tag) {
  auto name = tag_name(tag);
  return to_hex(sha256({reinterpret_cast<const byte*>(name.data()), name.size()}));
}


bytes concat(byte_view a, byte_view b) {
  bytes out(a.begin(), a.end());
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

// The definitions of docs/formats.md, recomputed here without the code's Merkle, bucket-tree and
// root helpers.

// Section 6: root(items).
hash256 doc_merkle_root(const std::vector<hash256>& items) {
  if (items.empty())
    return tagged_hash(hash_tag::merkle_empty, {});
  std::vector<hash256> level;
  for (const auto& item : items)
    level.push_back(tagged_hash(hash_tag::merkle_leaf, item.view()));
  while (level.size() > 1) {
    std::vector<hash256> up;
    for (std::size_t i = 0; i < level.size(); i += 2)
      up.push_back(i + 1 < level.size() ? tagged_hash(hash_tag::merkle_node, level[i].view(), level[i + 1].view())
                                        : level[i]);
    level = std::move(up);
  }
  return tagged_hash(hash_tag::merkle_node, be_bytes(items.size(), 8), level.front().view());
}

// Section 6, bucketed trees: items given as (key, item hash) in any order.
hash256 doc_bucket_root(std::vector<std::pair<bytes, hash256>> items) {
  std::sort(items.begin(), items.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<hash256> level;
  for (int b = 0; b < 256; ++b) {
    std::vector<hash256> bucket;
    for (const auto& [key, item] : items)
      if (key.at(0) == b)
        bucket.push_back(item);
    level.push_back(doc_merkle_root(bucket));
  }
  while (level.size() > 1) {
    std::vector<hash256> up;
    for (std::size_t i = 0; i < level.size(); i += 2)
      up.push_back(tagged_hash(hash_tag::merkle_node, level[i].view(), level[i + 1].view()));
    level = std::move(up);
  }
  return tagged_hash(hash_tag::merkle_node, be_bytes(items.size(), 8), level.front().view());
}

// Section 6: the supply leaf and an account's item.
hash256 doc_supply_leaf(const ledger& l) {
  auto msg = be_bytes(l.chain(), 4);
  for (auto v : {l.total_supply(), l.locked()}) {
    auto b = be_bytes(v, 8);
    msg.insert(msg.end(), b.begin(), b.end());
  }
  return tagged_hash(hash_tag::account, msg);
}

hash256 doc_account_item(const address& addr, const account& acct) {
  auto msg = bytes(addr.begin(), addr.end());
  for (auto v : {acct.balance, acct.nonce}) {
    auto b = be_bytes(v, 8);
    msg.insert(msg.end(), b.begin(), b.end());
  }
  return tagged_hash(hash_tag::account, msg);
}

hash256 doc_account_tree_root(const ledger& l) {
  std::vector<std::pair<bytes, hash256>> items;
  for (const auto& [addr, acct] : l.accounts())
    items.emplace_back(bytes(addr.begin(), addr.end()), doc_account_item(addr, acct));
  return doc_bucket_root(std::move(items));
}

// Section 6: the ledger root.
hash256 doc_ledger_root(const ledger& l) {
  return tagged_hash(hash_tag::ledger, doc_supply_leaf(l).view(), doc_account_tree_root(l).view());
}

// Section 11: a VM's 13-item array and a stake's 3-item array.
bytes doc_vm_encoding(const public_key& key, const vm_info& vm) {
  bytes out;
  codec::writer w(out);
  w.array(13);
  w.bin(key);
  for (std::uint64_t v : {std::uint64_t(vm.category), vm.bid, vm.votes})
    w.uint(v);
  w.bin(vm.last_reveal);
  for (std::uint64_t v : {vm.reveals, vm.created_epoch, static_cast<std::uint64_t>(vm.status),
                          std::uint64_t(vm.consecutive_misses), vm.slots_missed, vm.blocks_produced, vm.txs_included,
                          vm.rewards})
    w.uint(v);
  return out;
}

bytes doc_stake_encoding(const stake_key& key, amount value) {
  bytes out;
  codec::writer w(out);
  w.array(3);
  w.bin(key.first);
  w.bin(key.second);
  w.uint(value);
  return out;
}

// Items 10 and 11 of the consensus state encoding: the VM list and the stake list.
bytes doc_consensus_lists(const consensus_state& cs) {
  bytes out;
  {
    codec::writer w(out);
    w.array(static_cast<std::uint32_t>(cs.vms().size()));
  }
  for (const auto& [key, vm] : cs.vms()) {
    auto e = doc_vm_encoding(key, vm);
    out.insert(out.end(), e.begin(), e.end());
  }
  {
    codec::writer w(out);
    w.array(static_cast<std::uint32_t>(cs.stakes().size()));
  }
  for (const auto& [key, value] : cs.stakes()) {
    auto e = doc_stake_encoding(key, value);
    out.insert(out.end(), e.begin(), e.end());
  }
  return out;
}

// Section 11: the scalar encoding is the consensus state encoding's first nine items in a 9-item
// array: `99`, then the full encoding's bytes between its `9b` and the two lists.
bytes doc_consensus_scalars(const consensus_state& cs) {
  const auto full = cs.encode();
  const auto lists = doc_consensus_lists(cs);
  REQUIRE(full.size() > lists.size());
  REQUIRE(full[0] == 0x9b);
  REQUIRE(std::equal(lists.begin(), lists.end(), full.end() - static_cast<std::ptrdiff_t>(lists.size())));
  bytes out(full.begin(), full.end() - static_cast<std::ptrdiff_t>(lists.size()));
  out[0] = 0x99;
  return out;
}

hash256 doc_vm_tree_root(const consensus_state& cs) {
  std::vector<std::pair<bytes, hash256>> items;
  for (const auto& [key, vm] : cs.vms())
    items.emplace_back(bytes(key.begin(), key.end()), tagged_hash(hash_tag::vm, doc_vm_encoding(key, vm)));
  return doc_bucket_root(std::move(items));
}

hash256 doc_stake_tree_root(const consensus_state& cs) {
  std::vector<std::pair<bytes, hash256>> items;
  for (const auto& [key, value] : cs.stakes())
    items.emplace_back(concat(key.first.view(), key.second.view()),
                       tagged_hash(hash_tag::stake, doc_stake_encoding(key, value)));
  return doc_bucket_root(std::move(items));
}

// Section 11: the consensus root.
hash256 doc_consensus_root(const consensus_state& cs) {
  const auto scalars = tagged_hash(hash_tag::consensus_scalars, doc_consensus_scalars(cs));
  auto msg = concat(scalars.view(), doc_vm_tree_root(cs).view());
  const auto stakes = doc_stake_tree_root(cs);
  msg.insert(msg.end(), stakes.begin(), stakes.end());
  return tagged_hash(hash_tag::consensus, msg);
}

// The pinned bytes of the transfer and its block: a change to them is a breaking format change.
constexpr const char* tx_hex =
  "99010101c4201b84c5567b126440995d3ed5aaba0565d71e1834604819ff9c17f5e9d5dd078f05cd2710ce000186a092"
  "c414b9f62676ddd1fcaff7fcf407f2045bb397330a03ce08f0d180c440273a7af753b917988713e4d63ee0401acb08ed"
  "745dc2201ee599a09f604f58df753f3b13843f9d63a45355467d8f3888e45fc36ae0708865f1d5925139372380";
constexpr const char* unsigned_hex =
  "98010101c4201b84c5567b126440995d3ed5aaba0565d71e1834604819ff9c17f5e9d5dd078f05cd2710ce000186a092"
  "c414b9f62676ddd1fcaff7fcf407f2045bb397330a03ce08f0d180";
constexpr const char* signing_hash_hex = "5aff9cad812df17ea1e7345d8c35044a41a553bc99c381d066e3d56593fb9a3f";
constexpr const char* entry_hash_hex = "ad274dbe1fb348b50b991b54cb7380f0f9ad424216b4a519e1219a4e1675f0cb";
constexpr const char* header_hash_hex = "6ee7305fbb3f8493e9c129778daee120d7b7a8439479c44371d6a3b8e2b05eee";
constexpr const char* tx_root_hex = "0ff1c7486b6a3b4f6efcecd8050c1064aa45be4e915cdc3cb531442de9544bfd";

} // namespace

TEST_CASE("the worked example transaction has the bytes, signing hash and entry hash the document shows") {
  auto tx = example_tx();
  bytes unsigned_form;
  codec::encode_unsigned(tx, unsigned_form);
  CHECK(hex_of(codec::encode(tx)) == tx_hex);
  CHECK(hex_of(unsigned_form) == unsigned_hex);
  CHECK(to_hex(signing_hash(tx)) == signing_hash_hex);
  CHECK(verify_signature(tx));
  CHECK(doc_has(tx_hex));
  CHECK(doc_has(unsigned_hex));
  CHECK(doc_has(signing_hash_hex));
  CHECK(doc_has("`" + to_hex(tx.sig).substr(0, 64) + "`"));
  CHECK(doc_has("`" + to_hex(tx.sig).substr(64) + "`"));
  // The entry hash is the tagged hash of id || signature, as the document defines it.
  const auto entry = entry_hash(tx);
  CHECK(entry == tagged_hash(hash_tag::tx_entry, concat(signing_hash(tx).view(), tx.sig.view())));
  CHECK(to_hex(entry) == entry_hash_hex);
  CHECK(doc_has(entry_hash_hex));
}

TEST_CASE("the worked example keys and addresses are the ones the document shows") {
  auto sender = keys_of(0x01);
  auto recipient = keys_of(0x02);
  CHECK(doc_has("`" + to_hex(sender.pub) + "`"));
  CHECK(doc_has("`" + to_hex(tagged_hash(hash_tag::address, sender.pub.view())) + "`"));
  CHECK(doc_has("`" + format_address(address_of(sender.pub)) + "`"));
  CHECK(doc_has("`" + to_hex(recipient.pub) + "`"));
  CHECK(doc_has("`" + format_address(address_of(recipient.pub)) + "`"));
  CHECK(doc_has("`" + to_hex(keys_of(0x03).pub) + "`"));
  CHECK(doc_has("`" + to_hex(keys_of(0x04).pub) + "`"));
  CHECK(doc_has(runtime::key_file_json(sender)));
}

TEST_CASE("the worked example block has the bytes, tx root and header hash the document shows") {
  auto b = example_block();
  // tx_root is the Merkle root of the entry hashes, which commit to the signatures.
  const auto entry = entry_hash(b.txs[0]);
  const auto leaf = tagged_hash(hash_tag::merkle_leaf, entry.view());
  CHECK(b.header.tx_root == tagged_hash(hash_tag::merkle_node, be_bytes(1, 8), leaf.view()));
  CHECK(to_hex(b.header.tx_root) == tx_root_hex);
  CHECK(to_hex(header_hash(b.header)) == header_hash_hex);
  CHECK(doc_has("`" + to_hex(leaf) + "`"));
  CHECK(doc_has(tx_root_hex));
  CHECK(doc_has(header_hash_hex));
  CHECK(doc_has(hex_of(codec::encode(b.header))));
  CHECK(doc_has(hex_of(codec::encode(b))));
  CHECK(doc_has("`" + to_hex(merkle_root({})) + "`"));
  CHECK(*codec::decode_block(codec::encode(b)) == b);
  // Another signature of the same transaction changes tx_root and with it the header hash.
  auto resigned = b;
  resigned.txs[0].sig = sign(keys_of(0x01), signing_hash(b.txs[0]), hash256{{1}});
  CHECK(verify_signature(resigned.txs[0]));
  CHECK(signing_hash(resigned.txs[0]) == signing_hash(b.txs[0]));
  CHECK(transactions_root(resigned) != b.header.tx_root);
}

TEST_CASE("the example hash chain has the tip and reveals the document shows") {
  const auto hc = example_hash_chain();
  hash256 seed;
  seed.data.fill(0x44);
  CHECK(hc.tip() == hash_chain_step(hash_chain_step(hash_chain_step(seed))));
  CHECK(hash_chain_step(*hc.reveal(1)) == hc.tip());
  CHECK(hash_chain_step(*hc.reveal(2)) == *hc.reveal(1));
  CHECK(*hc.reveal(3) == seed);
  CHECK_FALSE(hc.reveal(4));
  CHECK(doc_has(to_hex(hc.tip())));
  CHECK(doc_has("`" + to_hex(*hc.reveal(1)) + "`"));
  CHECK(doc_has("`" + to_hex(*hc.reveal(2)) + "`"));
}

TEST_CASE("the example consensus transactions have the bytes and ids the document shows") {
  auto g = chain_state::genesis(example_genesis());
  REQUIRE(g);
  const auto& state = g->first;
  for (const auto& tx :
       {example_vm_bid(), example_vote(), example_unvote(), example_evidence(), example_surround_evidence()}) {
    const auto encoded = codec::encode(tx);
    CAPTURE(static_cast<int>(tx.kind()));
    CHECK(verify_signature(tx));
    CHECK(*codec::decode_transaction(encoded) == tx);
    CHECK(doc_has("```\n" + hex_of(encoded) + "\n```"));
    CHECK(doc_has(std::to_string(encoded.size()) + " bytes"));
    CHECK(doc_has("Its id is `" + to_hex(signing_hash(tx)) + "`."));
  }
  // The payloads start as the document says.
  auto payload_at = [](const transaction& tx, std::size_t offset, std::size_t n) {
    auto e = codec::encode(tx);
    return hex_of(bytes(e.begin() + static_cast<std::ptrdiff_t>(offset),
                        e.begin() + static_cast<std::ptrdiff_t>(offset + n)));
  };
  CHECK(payload_at(example_vm_bid(), 47, 11) == "9300cf00000002540be400");
  CHECK(payload_at(example_vote(), 47, 3) == "92c420");
  CHECK(payload_at(example_vote(), 82, 5) == "ce0ee6b280");
  CHECK(payload_at(example_unvote(), 82, 5) == "ce05f5e100");
  CHECK(payload_at(example_evidence(), 45, 4) == "9301c4ad");
  CHECK(payload_at(example_surround_evidence(), 45, 4) == "9302c4ad");
  // Against the example genesis state (where 0x03 is a VM): the bid is a valid top-up, the vote
  // a valid vote, and each evidence proves an offence by 0x03.
  CHECK(state.consensus().check_transaction(example_vm_bid()));
  CHECK(state.consensus().check_transaction(example_vote()));
  CHECK(state.consensus().check_transaction(example_evidence()));
  CHECK(state.consensus().check_transaction(example_surround_evidence()));
  // A kind that does not match the offence the two votes show proves nothing.
  const auto mislabelled = consensus_tx(
    3, 0,
    evidence_payload{evidence_kind::double_vote, codec::encode(surrounding_finality_vote()),
                     codec::encode(example_finality_vote())},
    0x02);
  CHECK(state.consensus().check_transaction(mislabelled).error().code == errc::bad_evidence);
  CHECK(state.consensus().check_transaction(example_unvote()).error().code == errc::insufficient_stake);
}

TEST_CASE("the example finality votes and certificate have the bytes the document shows and verify") {
  const auto c = example_finality_vote();
  bytes body;
  codec::writer w(body);
  w.array(6);
  w.uint(2);
  w.uint(c.chain);
  w.uint(c.source_height);
  w.bin(c.source);
  w.uint(c.height);
  w.bin(c.block);
  CHECK(confirmation_hash(c) == tagged_hash(hash_tag::confirmation, body));
  CHECK(verify_confirmation(c));
  CHECK(doc_has("```\n" + hex_of(body) + "\n```"));
  CHECK(doc_has(std::to_string(body.size()) + " bytes"));
  CHECK(doc_has("```\n" + to_hex(confirmation_hash(c)) + "\n```"));
  CHECK(doc_has("```\n" + hex_of(codec::encode(c)) + "\n```"));
  CHECK(doc_has(std::to_string(codec::encode(c).size()) + " bytes"));
  CHECK(*codec::decode_confirmation(codec::encode(c)) == c);
  for (const auto& other : {double_finality_vote(), surrounding_finality_vote()}) {
    CHECK(verify_confirmation(other));
    CHECK(doc_has("```\n" + hex_of(codec::encode(other)) + "\n```"));
  }
  CHECK(vote_conflict(c, double_finality_vote()) == vote_offence::double_vote);
  CHECK(vote_conflict(surrounding_finality_vote(), c) == vote_offence::surround_vote);
  CHECK(vote_conflict(c, surrounding_finality_vote()) == vote_offence::surround_vote);
  // A vote whose target is not above its source does not decode.
  auto flat = c;
  flat.height = flat.source_height;
  CHECK(codec::decode_confirmation(codec::encode(flat)).error().code == errc::malformed);
  // A version 1 confirmation, [1, chain, height, block, signer, signature], has 6 items.
  bytes v1;
  codec::writer w1(v1);
  w1.array(6);
  w1.uint(1);
  w1.uint(c.chain);
  w1.uint(c.height);
  w1.bin(c.block);
  w1.bin(c.signer);
  w1.bin(c.sig);
  CHECK(codec::decode_confirmation(v1).error().code == errc::malformed);

  // The cluster commitment: [[[key, category, power], ...], power].
  const auto signers = example_cluster();
  bytes cluster_bytes;
  codec::writer cw(cluster_bytes);
  cw.array(2);
  cw.array(2);
  for (const auto& m : signers.members) {
    cw.array(3);
    cw.bin(m.key);
    cw.uint(m.category);
    cw.uint(m.power);
  }
  cw.uint(signers.power);
  CHECK(cluster_hash(signers) == tagged_hash(hash_tag::cluster, cluster_bytes));
  CHECK(doc_has("```\n" + hex_of(cluster_bytes) + "\n```"));
  CHECK(doc_has(std::to_string(cluster_bytes.size()) + " bytes"));
  CHECK(doc_has("```\n" + to_hex(cluster_hash(signers)) + "\n```"));

  finality_certificate cert{
    c.chain, c.source_height, c.source, c.height, c.block, cluster_hash(signers), {{c.signer, c.sig}}};
  CHECK(cert.proves_final());
  CHECK(doc_has("```\n" + hex_of(codec::encode(cert)) + "\n```"));
  CHECK(doc_has(std::to_string(codec::encode(cert).size()) + " bytes"));
  CHECK(*codec::decode_certificate(codec::encode(cert)) == cert);
  CHECK(verify_certificate(cert, signers));
  // Checked against another cluster, it names the wrong one; naming that cluster, it falls short.
  const auto heavier = example_cluster(150);
  CHECK(verify_certificate(cert, heavier).error().code == errc::bad_confirmation);
  auto short_cert = cert;
  short_cert.cluster = cluster_hash(heavier);
  CHECK(verify_certificate(short_cert, heavier).error().code == errc::not_final);
  auto flat_cert = cert;
  flat_cert.source_height = flat_cert.height;
  CHECK(codec::decode_certificate(codec::encode(flat_cert)).error().code == errc::malformed);
}

TEST_CASE("the example genesis state has the roots, consensus encoding and header the document shows") {
  auto g = chain_state::genesis(example_genesis());
  REQUIRE(g);
  const auto& [state, genesis_block] = *g;
  const auto& l = state.accounts();
  CHECK(l.total_supply() == 110'000'000'000);
  CHECK(l.locked() == 10'000'000'000);
  auto first = be_bytes(mainchain_id, 4);
  for (auto v : {l.total_supply(), l.locked()}) {
    auto b = be_bytes(v, 8);
    first.insert(first.end(), b.begin(), b.end());
  }
  const auto supply_leaf = tagged_hash(hash_tag::account, first);
  CHECK(supply_leaf == doc_supply_leaf(l));
  CHECK(doc_has("`" + hex_of(first) + "`"));
  CHECK(doc_has("`" + to_hex(supply_leaf) + "`"));
  // The one account falls into the bucket of its address's first byte; the other 255 are empty.
  REQUIRE(l.accounts().size() == 1);
  const auto& [addr, acct] = *l.accounts().begin();
  const auto account_item = doc_account_item(addr, acct);
  CHECK(doc_has("`" + to_hex(account_item) + "`"));
  const auto account_bucket = doc_merkle_root({account_item});
  CHECK(account_bucket == tagged_hash(hash_tag::merkle_node, be_bytes(1, 8),
                                      tagged_hash(hash_tag::merkle_leaf, account_item.view()).view()));
  CHECK(doc_has("`" + to_hex(account_bucket) + "`"));
  CHECK(doc_has("bucket `0x" + to_hex(bytes{addr[0]}) + "`"));
  const auto account_tree = doc_account_tree_root(l);
  CHECK(doc_has("`" + to_hex(account_tree) + "`"));
  const auto ledger_root = tagged_hash(hash_tag::ledger, supply_leaf.view(), account_tree.view());
  CHECK(l.state_root() == ledger_root);
  CHECK(doc_has("```\n" + to_hex(ledger_root) + "\n```"));

  const auto seed = genesis_seed(mainchain_id, ledger_root);
  CHECK(seed == tagged_hash(hash_tag::seed, be_bytes(mainchain_id, 4), ledger_root.view()));
  CHECK(state.consensus().seed() == seed);
  CHECK(doc_has("```\n" + to_hex(seed) + "\n```"));
  CHECK(doc_has("S(0) `" + to_hex(seed).substr(0, 8) + "…" + to_hex(seed).substr(58) + "`"));
  // Round 0 is ordered by S(0) hashed once more.
  const auto order_seed = tagged_hash(hash_tag::seed, seed.view());
  CHECK(doc_has("```\n" + to_hex(order_seed) + "\n```"));
  std::vector<public_key> cluster_keys;
  for (const auto& m : state.consensus().active().members)
    cluster_keys.push_back(m.key);
  CHECK(state.consensus().round().order == shuffle_order(cluster_keys, order_seed));

  const auto& cs = state.consensus();
  const auto encoded = cs.encode();
  CHECK(doc_has("```\n" + hex_of(encoded) + "\n```"));
  CHECK(doc_has("The consensus state, " + std::to_string(encoded.size()) + " bytes"));
  CHECK(*consensus_state::decode(encoded) == cs);
  // The scalar encoding: the first nine items, as a 9-item array.
  const auto scalars = doc_consensus_scalars(cs);
  CHECK(cs.encode_scalars() == scalars);
  CHECK(doc_has("The scalar encoding, " + std::to_string(scalars.size()) + " bytes"));
  const auto scalar_digest = tagged_hash(hash_tag::consensus_scalars, scalars);
  CHECK(doc_has("`" + to_hex(scalar_digest) + "`"));
  // The one VM, in the bucket of its key's first byte; no stakes.
  REQUIRE(cs.vms().size() == 1);
  CHECK(cs.stakes().empty());
  const auto& [vm_key, vm] = *cs.vms().begin();
  const auto vm_bytes = doc_vm_encoding(vm_key, vm);
  CHECK(doc_has(std::to_string(vm_bytes.size()) + "-byte"));
  const auto vm_item = tagged_hash(hash_tag::vm, vm_bytes);
  CHECK(doc_has("`" + to_hex(vm_item) + "`"));
  CHECK(doc_has("`" + to_hex(doc_merkle_root({vm_item})) + "`"));
  CHECK(doc_has("bucket `0x" + to_hex(bytes{vm_key[0]}) + "`"));
  const auto vm_tree = doc_vm_tree_root(cs);
  CHECK(doc_has("`" + to_hex(vm_tree) + "`"));
  const auto stake_tree = doc_stake_tree_root(cs);
  CHECK(stake_tree == doc_bucket_root({}));
  CHECK(doc_has("`" + to_hex(stake_tree) + "`"));
  auto consensus_msg = concat(scalar_digest.view(), vm_tree.view());
  consensus_msg.insert(consensus_msg.end(), stake_tree.begin(), stake_tree.end());
  const auto consensus_root = tagged_hash(hash_tag::consensus, consensus_msg);
  CHECK(cs.root() == consensus_root);
  CHECK(doc_has("```\n" + to_hex(consensus_root) + "\n```"));
  const auto state_root = tagged_hash(hash_tag::state, ledger_root.view(), consensus_root.view());
  CHECK(state.state_root() == state_root);
  CHECK(genesis_block.header.state_root == state_root);
  CHECK(doc_has("```\n" + to_hex(state_root) + "\n```"));
  CHECK(doc_has("```\n" + hex_of(codec::encode(genesis_block.header)) + "\n```"));
  CHECK(doc_has("```\n" + to_hex(header_hash(genesis_block.header)) + "\n```"));
}

TEST_CASE("the empty bucketed tree has the root the document shows") {
  const auto empty = doc_bucket_root({});
  CHECK(doc_has("`" + to_hex(empty) + "`"));
  // 256 empty buckets under eight levels of nodes, and a count of 0.
  hash256 top = merkle_root({});
  for (int level = 0; level < 8; ++level)
    top = tagged_hash(hash_tag::merkle_node, top.view(), top.view());
  CHECK(empty == tagged_hash(hash_tag::merkle_node, be_bytes(0, 8), top.view()));
}

TEST_CASE("the consensus root follows VM and stake changes block by block as the document defines it") {
  // The example genesis, with funds for the voter 0x02: its vote, then its unvote.
  auto config = example_genesis();
  config.allocations.push_back({address_of(keys_of(0x02).pub), 10 * units_per_bfdt});
  auto g = chain_state::genesis(config);
  REQUIRE(g);
  auto state = g->first;
  const auto producer = keys_of(0x03);
  const auto hc = example_hash_chain();
  auto check_roots = [](const chain_state& st) {
    CHECK(st.accounts().state_root() == doc_ledger_root(st.accounts()));
    CHECK(st.consensus().encode_scalars() == doc_consensus_scalars(st.consensus()));
    CHECK(st.consensus().root() == doc_consensus_root(st.consensus()));
    CHECK(st.state_root() ==
          tagged_hash(hash_tag::state, doc_ledger_root(st.accounts()).view(), doc_consensus_root(st.consensus()).view()));
  };
  check_roots(state);
  const std::vector<transaction> bodies[] = {{example_vote()}, {example_unvote()}};
  for (std::uint64_t slot = 0; slot < 2; ++slot) {
    auto a = state.consensus().assignment_at(slot);
    REQUIRE(a);
    REQUIRE(a->producer == producer.pub);
    chain_state::block_template t{producer.pub, a->round, a->slot, a->start_ms, *hc.reveal(slot + 1), a->max_txs};
    std::vector<std::pair<hash256, error>> rejected;
    auto b = state.build_block(t, bodies[slot], signature_check::verify, &rejected);
    REQUIRE(b);
    CHECK(rejected.empty());
    REQUIRE(b->txs.size() == 1);
    sign_header(b->header, producer, hash256{});
    REQUIRE(state.apply_block(*b, signature_check::verify));
    check_roots(state);
  }
  // One stake left: 2.5 BFDT voted, 1 BFDT taken back.
  REQUIRE(state.consensus().stakes().size() == 1);
  const auto& [key, value] = *state.consensus().stakes().begin();
  CHECK(key.first == producer.pub);
  CHECK(key.second == address_of(keys_of(0x02).pub));
  CHECK(value == 150'000'000);
  CHECK(doc_stake_tree_root(state.consensus()) != doc_bucket_root({}));
}

TEST_CASE("round 0 is ordered by tagged_hash(bfd/seed, S(0)) and round 1 by S(0), as the document says") {
  // The example genesis with three more VMs, so that the order depends on the seed.
  auto config = example_genesis();
  for (byte fill : {byte(0x05), byte(0x06), byte(0x07)})
    config.vms.push_back({keys_of(fill).pub, 0, 100 * units_per_bfdt, example_hash_chain().tip()});
  auto g = chain_state::genesis(config);
  REQUIRE(g);
  const auto& cs = g->first.consensus();
  std::vector<public_key> cluster_keys;
  for (const auto& m : cs.active().members)
    cluster_keys.push_back(m.key);
  const auto k = cs.round().order.size();
  REQUIRE(k == cluster_keys.size());
  REQUIRE(k >= 2);
  CHECK(cs.round().order == shuffle_order(cluster_keys, tagged_hash(hash_tag::seed, cs.seed().view())));
  std::vector<public_key> round1;
  for (std::uint64_t i = 0; i < k; ++i)
    round1.push_back(cs.assignment_at(k + i)->producer);
  CHECK(round1 == shuffle_order(cluster_keys, cs.seed()));
  CHECK(doc_has("Round 0 is ordered, at genesis, by\n\n    tagged_hash(\"bfd/seed\", S(0))\n"));
}

TEST_CASE("fees and the reward pass through the block pool, which stays in the ledger as the document shows") {
  auto g = chain_state::genesis(example_genesis());
  REQUIRE(g);
  auto state = g->first;
  const auto producer = keys_of(0x03);
  const address pool{};
  CHECK(block_pool_address() == pool);
  CHECK(doc_has("`" + format_address(pool) + "`"));
  CHECK_FALSE(state.accounts().accounts().count(pool));
  // The empty block of the example: round 0, slot 0, reveal 1 of the example hash chain.
  auto a = state.consensus().assignment_at(0);
  REQUIRE(a);
  REQUIRE(a->producer == producer.pub);
  chain_state::block_template t{producer.pub, a->round, a->slot, a->start_ms, *example_hash_chain().reveal(1),
                                a->max_txs};
  auto b = state.build_block(t, {}, signature_check::verify);
  REQUIRE(b);
  sign_header(b->header, producer, hash256{});
  const auto supply = state.accounts().total_supply();
  REQUIRE(state.apply_block(*b, signature_check::verify));
  const auto reward = example_genesis().params.block_reward;
  CHECK(state.accounts().total_supply() == supply + reward);
  CHECK(state.accounts().get(address_of(producer.pub)).balance == reward);
  REQUIRE(state.accounts().accounts().count(pool));
  const auto& [first_addr, first_acct] = *state.accounts().accounts().begin();
  CHECK(first_addr == pool);
  CHECK(first_acct.balance == 0);
  CHECK(first_acct.nonce == 0);
  const auto pool_leaf = tagged_hash(hash_tag::account, bytes(36, 0x00));
  CHECK(doc_has("```\n" + to_hex(pool_leaf) + "\n```"));
  // The pool's item is the first item of bucket 0 of the account tree.
  CHECK(doc_account_item(first_addr, first_acct) == pool_leaf);
  CHECK(doc_has("bucket `0x00`"));
  CHECK(state.accounts().state_root() == doc_ledger_root(state.accounts()));
  CHECK(state.consensus().root() == doc_consensus_root(state.consensus()));
}

TEST_CASE("the storage head and consensus records have the items the document lists") {
  auto g = chain_state::genesis(example_genesis());
  REQUIRE(g);
  auto& [state, genesis_block] = *g;
  memory_store store;
  auto cs = chain_store::open(store, mainchain_id);
  REQUIRE(cs);
  // As actors/chain/chain_actor.cpp stores a new chain's genesis: the scalar record and a record
  // for every VM and stake.
  auto& consensus = state.consensus_for_storage();
  consensus.mark_all_dirty();
  const auto scalars = consensus.encode_scalars();
  const auto items = consensus.dirty_records();
  REQUIRE(cs->commit_block(genesis_block, state.accounts(), consensus_write{scalars, items}));
  consensus.clear_dirty();
  auto head = store.get("chain-1", bytes{'H'});
  REQUIRE(head);
  REQUIRE(*head);
  bytes expected{0x95, 0x00, 0xc4, 0x20};
  const auto hash = header_hash(genesis_block.header);
  expected.insert(expected.end(), hash.begin(), hash.end());
  expected.insert(expected.end(), {0xc4, 0x20});
  const auto root = doc_ledger_root(state.accounts());
  expected.insert(expected.end(), root.begin(), root.end());
  codec::writer w(expected);
  w.uint(state.accounts().total_supply());
  w.uint(state.accounts().locked());
  CHECK(**head == expected);
  // "C": the scalar encoding; "c" + 'v' + VM key: the VM's 13-item array (no stakes at genesis).
  CHECK(*store.get("chain-1", bytes{'C'}) == std::optional<bytes>(doc_consensus_scalars(state.consensus())));
  std::vector<std::pair<bytes, bytes>> records;
  REQUIRE(store.scan_prefix("chain-1", bytes{'c'}, [&](byte_view k, byte_view v) {
    records.emplace_back(bytes(k.begin(), k.end()), bytes(v.begin(), v.end()));
    return true;
  }));
  REQUIRE(state.consensus().vms().size() == 1);
  REQUIRE(state.consensus().stakes().empty());
  const auto& [vm_key, vm] = *state.consensus().vms().begin();
  REQUIRE(records.size() == 1);
  CHECK(records[0].first == concat(bytes{'c', 'v'}, vm_key.view()));
  CHECK(records[0].first.size() == 34);
  CHECK(records[0].second == doc_vm_encoding(vm_key, vm));
  CHECK_FALSE(store.get("chain-1", bytes{'F'})->has_value());
  // What a node reads back on restart rebuilds the same state and roots.
  auto stored = cs->consensus_records();
  REQUIRE(stored);
  REQUIRE(*stored);
  auto restored = consensus_state::restore((*stored)->scalars, (*stored)->items);
  REQUIRE(restored);
  CHECK(*restored == state.consensus());
  CHECK(restored->root() == doc_consensus_root(state.consensus()));
  // "J": the justification record, [[bin block, ...], [bin certificate, ...]], here with no blocks.
  const bytes justification{0x92, 0x90, 0x90};
  REQUIRE(cs->put_justified(justification));
  CHECK(*store.get("chain-1", bytes{'J'}) == std::optional<bytes>(justification));
  CHECK(*cs->justified_record() == std::optional<bytes>(justification));
  CHECK(doc_has("| `J` (`0x4a`) | the justification record"));
  CHECK(doc_has("| `H` (1 byte, `0x48`) | head record `[height, block hash: bin 32, ledger root: bin 32, "
                "total supply, locked funds]` (5 items) |"));
  CHECK(doc_has("| `C` (`0x43`) | the consensus scalar record of the head block: the scalar encoding"));
  CHECK(doc_has("| `c` (`0x63`) + `v` (`0x76`) + VM key (32) | a VM of the head's consensus state: its 13-item array"));
  CHECK(doc_has("| `c` (`0x63`) + `s` (`0x73`) + VM key (32) + voter address (20) | a stake of the head's "
                "consensus state: its 3-item array"));
}

TEST_CASE("a commit writes only the consensus records changed since the last one and deletes removed ones") {
  // The example genesis with funds for the voter 0x02, its vote in block 1 and its whole unvote in
  // block 2, each committed as actors/chain/chain_actor.cpp does it.
  auto config = example_genesis();
  config.allocations.push_back({address_of(keys_of(0x02).pub), 10 * units_per_bfdt});
  auto g = chain_state::genesis(config);
  REQUIRE(g);
  auto& [state, genesis_block] = *g;
  memory_store store;
  auto cs = chain_store::open(store, mainchain_id);
  REQUIRE(cs);
  auto commit = [&](const block& b) {
    auto& consensus = state.consensus_for_storage();
    const auto scalars = consensus.encode_scalars();
    const auto items = consensus.dirty_records();
    REQUIRE(cs->commit_block(b, state.accounts(), consensus_write{scalars, items}));
    consensus.clear_dirty();
    return items;
  };
  state.consensus_for_storage().mark_all_dirty();
  commit(genesis_block);
  const auto producer = keys_of(0x03);
  const auto voter = address_of(keys_of(0x02).pub);
  const auto unvote_all = consensus_tx(1, 10'000, unvote_payload{producer.pub, 250'000'000}, 0x02);
  const std::vector<transaction> bodies[] = {{example_vote()}, {unvote_all}};
  const auto vm_record_key = concat(bytes{'v'}, producer.pub.view());
  auto stake_record_key = concat(bytes{'s'}, producer.pub.view());
  stake_record_key.insert(stake_record_key.end(), voter.begin(), voter.end());
  for (std::uint64_t slot = 0; slot < 2; ++slot) {
    auto a = state.consensus().assignment_at(slot);
    REQUIRE(a);
    chain_state::block_template t{producer.pub, a->round, a->slot, a->start_ms, *example_hash_chain().reveal(slot + 1),
                                  a->max_txs};
    auto b = state.build_block(t, bodies[slot], signature_check::verify);
    REQUIRE(b);
    REQUIRE(b->txs.size() == 1);
    sign_header(b->header, producer, hash256{});
    REQUIRE(state.apply_block(*b, signature_check::verify));
    const auto written = commit(*b);
    // The block changed the producer's VM (votes, reveal, counters) and the voter's stake.
    REQUIRE(written.size() == 2);
    CHECK(written[0].first == vm_record_key);
    CHECK(written[1].first == stake_record_key);
    auto stake = store.get("chain-1", concat(bytes{'c'}, stake_record_key));
    REQUIRE(stake);
    if (slot == 0) {
      REQUIRE(written[1].second);
      const auto& [key, value] = *state.consensus().stakes().begin();
      CHECK(*written[1].second == doc_stake_encoding(key, value));
      CHECK(*stake == std::optional<bytes>(doc_stake_encoding(key, value)));
    } else {
      CHECK_FALSE(written[1].second);  // the stake is gone: its record is deleted
      CHECK_FALSE(stake->has_value());
    }
    auto stored = cs->consensus_records();
    REQUIRE(stored);
    REQUIRE(*stored);
    auto restored = consensus_state::restore((*stored)->scalars, (*stored)->items);
    REQUIRE(restored);
    CHECK(*restored == state.consensus());
    CHECK(restored->root() == doc_consensus_root(state.consensus()));
  }
  CHECK(doc_has("deletes the records of VMs and stakes that no longer exist"));
}

TEST_CASE("the document lists every hash tag with its true prefix") {
  int listed = 0;
  // Tags are numbered from 0 without gaps; tag_name answers "bfd/unknown" past the last one.
  for (int i = 0;; ++i) {
    const auto tag = static_cast<hash_tag>(i);
    const auto name = std::string(tag_name(tag));
    if (name == "bfd/unknown")
      break;
    ++listed;
    const auto row = "| `" + name + "` | `" + tag_prefix(tag) + "` |";
    CHECK_MESSAGE(doc_has(row), row);
    // It is described in the table of what each tag hashes, too.
    const auto described = "| `" + name + "` | ";
    const auto first = formats_doc().find(described);
    CHECK_MESSAGE((first != std::string::npos && formats_doc().find(described, first + 1) != std::string::npos),
                  described);
  }
  CHECK(listed == static_cast<int>(hash_tag::authority) + 1);
}

TEST_CASE("the document lists every error code with its number") {
  int listed = 0;
  for (int code = 0; code < 1000; ++code) {
    const auto name = to_string(static_cast<errc>(code));
    if (name == "unknown")
      continue;
    ++listed;
    const auto row = "| `" + std::string(name) + "` | " + std::to_string(code) + " |";
    CHECK_MESSAGE(doc_has(row), row);
  }
  // And the other way: every row of the table in section 12 is a code the
  // enum knows, so a row left behind by a removed code fails too.
  const auto& doc = formats_doc();
  const auto begin = doc.find("## 12. Error codes");
  const auto end = doc.find("\n## 13.", begin);
  REQUIRE(begin != std::string::npos);
  REQUIRE(end != std::string::npos);
  std::istringstream table{doc.substr(begin, end - begin)};
  int rows = 0;
  for (std::string line; std::getline(table, line);) {
    if (line.rfind("| `", 0) != 0)
      continue;
    const auto name_end = line.find('`', 3);
    const auto name = line.substr(3, name_end - 3);
    const auto num_begin = line.find("| ", name_end) + 2;
    const int code = std::stoi(line.substr(num_begin));
    CHECK_MESSAGE(to_string(static_cast<errc>(code)) == name, line);
    ++rows;
  }
  CHECK(rows == listed);
  CHECK(listed > 60);
}

TEST_CASE("the document states the decoder bounds the code enforces") {
  CHECK(codec::tx_limits.max_frame_bytes == 135'168);
  CHECK(codec::tx_limits.max_array_items == 1'024);
  CHECK(codec::tx_limits.max_depth == 4);
  CHECK(doc_has("| transaction | 135,168 bytes (132 KiB) | 1,024 | 4 |"));
  CHECK(codec::header_limits.max_frame_bytes == 1'024);
  CHECK(codec::header_limits.max_array_items == 16);
  CHECK(codec::header_limits.max_depth == 2);
  CHECK(doc_has("| block header | 1,024 bytes | 16 | 2 |"));
  CHECK(codec::block_limits.max_frame_bytes == 8'388'608);
  CHECK(codec::block_limits.max_array_items == 65'536);
  CHECK(codec::block_limits.max_depth == 8);
  CHECK(doc_has("| block | 8,388,608 bytes (8 MiB) | 65,536 | 8 |"));
  // Confirmation and certificate frame bounds, observed through their decoders.
  CHECK(codec::decode_confirmation(bytes(513, 0x00)).error().code == errc::too_large);
  CHECK(codec::decode_confirmation(bytes(512, 0x00)).error().code != errc::too_large);
  CHECK(doc_has("| finality vote | 512 bytes | 8 | 2 |"));
  CHECK(codec::decode_certificate(bytes(262'145, 0x00)).error().code == errc::too_large);
  CHECK(codec::decode_certificate(bytes(262'144, 0x00)).error().code != errc::too_large);
  CHECK(doc_has("| finality certificate | 262,144 bytes (256 KiB) | 4,096 | 4 |"));
  CHECK(doc_has("| consensus state | 268,435,456 bytes (256 MiB) | 4,000,000 | 6 |"));
  // Stored VM and stake records, observed through consensus_state::restore.
  auto g = chain_state::genesis(example_genesis());
  REQUIRE(g);
  const auto scalars = g->first.consensus().encode_scalars();
  auto restore_one = [&](byte kind, std::size_t key_size, std::size_t value_size) {
    bytes key(key_size, 0x00);
    key[0] = kind;
    const std::vector<std::pair<bytes, bytes>> records{{key, bytes(value_size, 0x00)}};
    return consensus_state::restore(scalars, records);
  };
  CHECK(restore_one('v', 33, 257).error().code == errc::too_large);
  CHECK(restore_one('v', 33, 256).error().code != errc::too_large);
  CHECK(doc_has("| stored VM record | 256 bytes | 16 | 2 |"));
  CHECK(restore_one('s', 53, 129).error().code == errc::too_large);
  CHECK(restore_one('s', 53, 128).error().code != errc::too_large);
  CHECK(doc_has("| stored stake record | 128 bytes | 4 | 2 |"));
}

