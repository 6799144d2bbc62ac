// Keeps docs/formats.md true: rebuilds its worked examples with the real code and checks that the
// document shows exactly the bytes and hashes the code produces.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>

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

using namespace bfd;

namespace {

key_pair keys_of(byte fill) {
  secret_key s;
  s.data.fill(fill);
  return *key_pair_from_secret(s);
}

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

// The VM 0x03 confirms the example block, and a block of 32 bytes of 0x33 at the same height.
confirmation example_confirmation() {
  confirmation c{mainchain_id, 42, header_hash(example_block().header), {}, {}};
  sign_confirmation(c, keys_of(0x03), hash256{});
  return c;
}

confirmation conflicting_confirmation() {
  confirmation c{mainchain_id, 42, {}, {}, {}};
  c.block.data.fill(0x33);
  sign_confirmation(c, keys_of(0x03), hash256{});
  return c;
}

transaction example_evidence() {
  return consensus_tx(2, 0,
                      evidence_payload{evidence_kind::double_confirmation, codec::encode(example_confirmation()),
                                       codec::encode(conflicting_confirmation())},
                      0x02);
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

const std::string& formats_doc() {
  static const std::string text = [] {
    std::ifstream in(BFD_DOCS_DIR "/formats.md");
    std::stringstream buf;
    buf << in.rdbuf();
    return buf.str();
  }();
  return text;
}

bool doc_has(const std::string& s) {
  return formats_doc().find(s) != std::string::npos;
}

std::string hex_of(const bytes& b) {
  return to_hex(b);
}

std::string tag_prefix(hash_tag tag) {
  auto name = tag_name(tag);
  return to_hex(sha256({reinterpret_cast<const byte*>(name.data()), name.size()}));
}

bytes be_bytes(std::uint64_t value, int width) {
  bytes out;
  for (int i = width - 1; i >= 0; --i)
    out.push_back(static_cast<byte>(value >> (8 * i)));
  return out;
}

bytes concat(byte_view a, byte_view b) {
  bytes out(a.begin(), a.end());
  out.insert(out.end(), b.begin(), b.end());
  return out;
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
  for (const auto& tx : {example_vm_bid(), example_vote(), example_unvote(), example_evidence()}) {
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
  CHECK(payload_at(example_evidence(), 45, 4) == "9301c48a");
  // Against the example genesis state (where 0x03 is a VM): the bid is a valid top-up, the vote
  // a valid vote, and the evidence proves an equivocation by 0x03.
  CHECK(state.consensus().check_transaction(example_vm_bid()));
  CHECK(state.consensus().check_transaction(example_vote()));
  CHECK(state.consensus().check_transaction(example_evidence()));
  CHECK(state.consensus().check_transaction(example_unvote()).error().code == errc::insufficient_stake);
}

TEST_CASE("the example confirmation and certificate have the bytes the document shows and verify") {
  const auto c = example_confirmation();
  bytes body;
  codec::writer w(body);
  w.array(4);
  w.uint(1);
  w.uint(c.chain);
  w.uint(c.height);
  w.bin(c.block);
  CHECK(confirmation_hash(c) == tagged_hash(hash_tag::confirmation, body));
  CHECK(verify_confirmation(c));
  CHECK(doc_has("```\n" + hex_of(body) + "\n```"));
  CHECK(doc_has("```\n" + to_hex(confirmation_hash(c)) + "\n```"));
  CHECK(doc_has("```\n" + hex_of(codec::encode(c)) + "\n```"));
  CHECK(doc_has("```\n" + hex_of(codec::encode(conflicting_confirmation())) + "\n```"));
  CHECK(doc_has(std::to_string(codec::encode(c).size()) + " bytes"));
  CHECK(*codec::decode_confirmation(codec::encode(c)) == c);

  finality_certificate cert{c.chain, c.height, c.block, {{c.signer, c.sig}}};
  CHECK(doc_has("```\n" + hex_of(codec::encode(cert)) + "\n```"));
  CHECK(doc_has(std::to_string(codec::encode(cert).size()) + " bytes"));
  CHECK(*codec::decode_certificate(codec::encode(cert)) == cert);
  cluster signers;
  signers.members = {{keys_of(0x03).pub, 0, 300}, {keys_of(0x04).pub, 0, 100}};
  signers.power = 400;
  CHECK(verify_certificate(cert, signers));
  signers.members[1].power = 150;
  signers.power = 450;
  CHECK(verify_certificate(cert, signers).error().code == errc::not_final);
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
  const auto first_leaf = tagged_hash(hash_tag::account, first);
  CHECK(doc_has("`" + hex_of(first) + "`"));
  CHECK(doc_has("`" + to_hex(first_leaf) + "`"));
  const auto& [addr, acct] = *l.accounts().begin();
  auto account_item = bytes(addr.begin(), addr.end());
  for (auto v : {acct.balance, acct.nonce}) {
    auto b = be_bytes(v, 8);
    account_item.insert(account_item.end(), b.begin(), b.end());
  }
  const std::vector<hash256> leaves{first_leaf, tagged_hash(hash_tag::account, account_item)};
  CHECK(l.state_root() == merkle_root(leaves));
  CHECK(doc_has("```\n" + to_hex(l.state_root()) + "\n```"));

  const auto seed = genesis_seed(mainchain_id, l.state_root());
  CHECK(seed == tagged_hash(hash_tag::seed, be_bytes(mainchain_id, 4), l.state_root().view()));
  CHECK(state.consensus().seed() == seed);
  CHECK(doc_has("```\n" + to_hex(seed) + "\n```"));
  // Round 0 is ordered by S(0) hashed once more.
  const auto order_seed = tagged_hash(hash_tag::seed, seed.view());
  CHECK(doc_has("```\n" + to_hex(order_seed) + "\n```"));
  std::vector<public_key> cluster_keys;
  for (const auto& m : state.consensus().active().members)
    cluster_keys.push_back(m.key);
  CHECK(state.consensus().round().order == shuffle_order(cluster_keys, order_seed));

  const auto encoded = state.consensus().encode();
  CHECK(doc_has("```\n" + hex_of(encoded) + "\n```"));
  CHECK(doc_has("The consensus state, " + std::to_string(encoded.size()) + " bytes"));
  CHECK(*consensus_state::decode(encoded) == state.consensus());
  const auto consensus_root = tagged_hash(hash_tag::consensus, encoded);
  CHECK(state.consensus().root() == consensus_root);
  CHECK(doc_has("```\n" + to_hex(consensus_root) + "\n```"));
  const auto state_root = tagged_hash(hash_tag::state, l.state_root().view(), consensus_root.view());
  CHECK(state.state_root() == state_root);
  CHECK(genesis_block.header.state_root == state_root);
  CHECK(doc_has("```\n" + to_hex(state_root) + "\n```"));
  CHECK(doc_has("```\n" + hex_of(codec::encode(genesis_block.header)) + "\n```"));
  CHECK(doc_has("```\n" + to_hex(header_hash(genesis_block.header)) + "\n```"));
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
  // The pool's item is the first account leaf of the ledger root.
  auto first = be_bytes(mainchain_id, 4);
  for (auto v : {state.accounts().total_supply(), state.accounts().locked()}) {
    auto bb = be_bytes(v, 8);
    first.insert(first.end(), bb.begin(), bb.end());
  }
  std::vector<hash256> leaves{tagged_hash(hash_tag::account, first), pool_leaf};
  for (const auto& [addr, acct] : state.accounts().accounts()) {
    if (addr == pool)
      continue;
    auto item = bytes(addr.begin(), addr.end());
    for (auto v : {acct.balance, acct.nonce}) {
      auto bb = be_bytes(v, 8);
      item.insert(item.end(), bb.begin(), bb.end());
    }
    leaves.push_back(tagged_hash(hash_tag::account, item));
  }
  CHECK(state.accounts().state_root() == merkle_root(leaves));
}

TEST_CASE("the storage head record has the five items the document lists") {
  auto g = chain_state::genesis(example_genesis());
  REQUIRE(g);
  auto& [state, genesis_block] = *g;
  memory_store store;
  auto cs = chain_store::open(store, mainchain_id);
  REQUIRE(cs);
  const auto consensus = state.consensus().encode();
  REQUIRE(cs->commit_block(genesis_block, state.accounts(), byte_view(consensus)));
  auto head = store.get("chain-1", bytes{'H'});
  REQUIRE(head);
  REQUIRE(*head);
  bytes expected{0x95, 0x00, 0xc4, 0x20};
  const auto hash = header_hash(genesis_block.header);
  expected.insert(expected.end(), hash.begin(), hash.end());
  expected.insert(expected.end(), {0xc4, 0x20});
  const auto root = state.accounts().state_root();
  expected.insert(expected.end(), root.begin(), root.end());
  codec::writer w(expected);
  w.uint(state.accounts().total_supply());
  w.uint(state.accounts().locked());
  CHECK(**head == expected);
  CHECK(*store.get("chain-1", bytes{'C'}) == std::optional<bytes>(consensus));
  CHECK_FALSE(store.get("chain-1", bytes{'F'})->has_value());
  CHECK(doc_has("| `H` (1 byte, `0x48`) | head record `[height, block hash: bin 32, ledger root: bin 32, "
                "total supply, locked funds]` (5 items) |"));
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
  CHECK(listed == static_cast<int>(hash_tag::state) + 1);
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
  CHECK(listed == 50);
}

TEST_CASE("the document states the decoder bounds the code enforces") {
  CHECK(codec::tx_limits.max_frame_bytes == 65'536);
  CHECK(codec::tx_limits.max_array_items == 16);
  CHECK(codec::tx_limits.max_depth == 4);
  CHECK(doc_has("| transaction | 65,536 bytes | 16 | 4 |"));
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
  CHECK(doc_has("| confirmation | 512 bytes | 8 | 2 |"));
  CHECK(codec::decode_certificate(bytes(262'145, 0x00)).error().code == errc::too_large);
  CHECK(codec::decode_certificate(bytes(262'144, 0x00)).error().code != errc::too_large);
  CHECK(doc_has("| finality certificate | 262,144 bytes (256 KiB) | 4,096 | 4 |"));
  CHECK(doc_has("| consensus state | 268,435,456 bytes (256 MiB) | 4,000,000 | 6 |"));
}
