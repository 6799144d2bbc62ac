// Keeps docs/formats.md true: rebuilds its worked example with the real code and checks that the
// document shows exactly the bytes and hashes the code produces.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "chains/codec/block_codec.hpp"
#include "chains/codec/transaction_codec.hpp"
#include "chains/core/hex.hpp"
#include "chains/crypto/hash.hpp"
#include "chains/merkle/merkle.hpp"
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
  h.tx_root = merkle_root(transaction_ids(b));
  h.state_root.data.fill(0x22);
  h.outbox_root = merkle_root({});
  h.reveal.data.fill(0x5a);
  h.work_nonce = 0;
  sign_header(h, keys_of(0x03), hash256{});
  return b;
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

std::string hex_of(const bytes& b) {
  return to_hex(b);
}

std::string tag_prefix(hash_tag tag) {
  auto name = tag_name(tag);
  return to_hex(sha256({reinterpret_cast<const byte*>(name.data()), name.size()}));
}

constexpr const char* tx_hex =
  "99010101c4201b84c5567b126440995d3ed5aaba0565d71e1834604819ff9c17f5e9d5dd078f05cd2710ce000186a092"
  "c414b9f62676ddd1fcaff7fcf407f2045bb397330a03ce08f0d180c440273a7af753b917988713e4d63ee0401acb08ed"
  "745dc2201ee599a09f604f58df753f3b13843f9d63a45355467d8f3888e45fc36ae0708865f1d5925139372380";
constexpr const char* unsigned_hex =
  "98010101c4201b84c5567b126440995d3ed5aaba0565d71e1834604819ff9c17f5e9d5dd078f05cd2710ce000186a092"
  "c414b9f62676ddd1fcaff7fcf407f2045bb397330a03ce08f0d180";
constexpr const char* signing_hash_hex = "5aff9cad812df17ea1e7345d8c35044a41a553bc99c381d066e3d56593fb9a3f";
constexpr const char* header_hash_hex = "6e18acf26723a157865cc66e7e5ae77aaafe23abe68ce90f94ea509e6acdd9d9";
constexpr const char* tx_root_hex = "a3ad7ea64e8584f378791a434d36a6170ee79e4ccc6855da8cbe1b1316947ac3";

} // namespace

TEST_CASE("the worked example transaction has the bytes and signing hash the document shows") {
  auto tx = example_tx();
  bytes unsigned_form;
  codec::encode_unsigned(tx, unsigned_form);
  CHECK(hex_of(codec::encode(tx)) == tx_hex);
  CHECK(hex_of(unsigned_form) == unsigned_hex);
  CHECK(to_hex(signing_hash(tx)) == signing_hash_hex);
  CHECK(verify_signature(tx));
  CHECK(formats_doc().find(tx_hex) != std::string::npos);
  CHECK(formats_doc().find(unsigned_hex) != std::string::npos);
  CHECK(formats_doc().find(signing_hash_hex) != std::string::npos);
  CHECK(formats_doc().find("`" + to_hex(tx.sig).substr(0, 64) + "`") != std::string::npos);
  CHECK(formats_doc().find("`" + to_hex(tx.sig).substr(64) + "`") != std::string::npos);
}

TEST_CASE("the worked example keys and addresses are the ones the document shows") {
  auto sender = keys_of(0x01);
  auto recipient = keys_of(0x02);
  const auto& doc = formats_doc();
  CHECK(doc.find("`" + to_hex(sender.pub) + "`") != std::string::npos);
  CHECK(doc.find("`" + to_hex(tagged_hash(hash_tag::address, sender.pub.view())) + "`")
        != std::string::npos);
  CHECK(doc.find("`" + format_address(address_of(sender.pub)) + "`") != std::string::npos);
  CHECK(doc.find("`" + to_hex(recipient.pub) + "`") != std::string::npos);
  CHECK(doc.find("`" + format_address(address_of(recipient.pub)) + "`") != std::string::npos);
  CHECK(doc.find("`" + to_hex(keys_of(0x03).pub) + "`") != std::string::npos);
  CHECK(doc.find(runtime::key_file_json(sender)) != std::string::npos);
}

TEST_CASE("the worked example block has the bytes, tx root and header hash the document shows") {
  auto b = example_block();
  const auto& doc = formats_doc();
  CHECK(to_hex(b.header.tx_root) == tx_root_hex);
  CHECK(to_hex(header_hash(b.header)) == header_hash_hex);
  CHECK(doc.find(tx_root_hex) != std::string::npos);
  CHECK(doc.find(header_hash_hex) != std::string::npos);
  CHECK(doc.find(hex_of(codec::encode(b.header))) != std::string::npos);
  CHECK(doc.find(hex_of(codec::encode(b))) != std::string::npos);
  CHECK(doc.find(to_hex(tagged_hash(hash_tag::merkle_leaf, signing_hash(b.txs[0]).view())))
        != std::string::npos);
  CHECK(doc.find("`" + to_hex(merkle_root({})) + "`") != std::string::npos);
  CHECK(*codec::decode_block(codec::encode(b)) == b);
}

TEST_CASE("the document lists the true tag prefixes") {
  for (auto tag : {hash_tag::tx, hash_tag::block, hash_tag::merkle_leaf, hash_tag::merkle_node,
                   hash_tag::merkle_empty, hash_tag::address, hash_tag::account}) {
    auto row = "| `" + std::string(tag_name(tag)) + "` | `" + tag_prefix(tag) + "` |";
    CHECK_MESSAGE(formats_doc().find(row) != std::string::npos, row);
  }
}

TEST_CASE("the document states the decoder bounds the code enforces") {
  const auto& doc = formats_doc();
  CHECK(codec::tx_limits.max_frame_bytes == 65'536);
  CHECK(codec::tx_limits.max_array_items == 16);
  CHECK(codec::tx_limits.max_depth == 4);
  CHECK(doc.find("| transaction | 65,536 bytes | 16 | 4 |") != std::string::npos);
  CHECK(codec::header_limits.max_frame_bytes == 1'024);
  CHECK(codec::header_limits.max_array_items == 16);
  CHECK(codec::header_limits.max_depth == 2);
  CHECK(doc.find("| block header | 1,024 bytes | 16 | 2 |") != std::string::npos);
  CHECK(codec::block_limits.max_frame_bytes == 8'388'608);
  CHECK(codec::block_limits.max_array_items == 65'536);
  CHECK(codec::block_limits.max_depth == 8);
  CHECK(doc.find("| block | 8,388,608 bytes (8 MiB) | 65,536 | 8 |") != std::string::npos);
}
