// Canonical msgpack codec: golden bytes, round trips, and rejection of every non-canonical form.
#include <doctest/doctest.h>

#include "chains/codec/block_codec.hpp"
#include "chains/codec/transaction_codec.hpp"
#include "chains/core/hex.hpp"
#include "chains/crypto/hash.hpp"
#include "tests/chains/sample.hpp"

using namespace bfd;

namespace {

transaction sample_tx() {
  return test::transfer(test::keys_of(1), address_of(test::keys_of(2).pub), 150'000'000, 0, 10'000, 500);
}

block sample_block() {
  return test::make_block(5, tagged_hash(hash_tag::block, {}), {sample_tx()});
}

bytes hex(const char* text) {
  return *from_hex(text);
}

// Golden vectors: changing any of these breaks every signature and stored block ever made.
constexpr const char* golden_tx =
  "99010101c4201b84c5567b126440995d3ed5aaba0565d71e1834604819ff9c17f5e9d5dd078f00cd2710cd01f492c414"
  "b9f62676ddd1fcaff7fcf407f2045bb397330a03ce08f0d180c440a72da0af46e68eff4ad80945684b8543700d9e0ce8"
  "0077e844898aa0d0ca795819a45a8fbd1ec9dd69f589e7dae3f224df46a3691cbcb7508f4cb8dd63215b23";
constexpr const char* golden_tx_id = "59eb3dcc141b2d706f65e976a46c816c83eb8cd57cc6218c65cc2c448bb80b6e";
constexpr const char* golden_block_hash = "1da60f1c40e2bff1529de58be820a20531fb3b0b784a406facd83aa60f6ee086";
constexpr const char* golden_header =
  "9e0101050005c4203c72addb4fdf09af94f0c94d7fe92a386a7e70cf8a1d85916386bb2535c7b1b1c420d6a3577ed0a7"
  "81856c0e82481b59df7c0b4efd84ddbaca09244013cdcc93bdddcf0000018bcfe57b88c4209f9af9325c68b3744f3daf"
  "18cc5c354d8b0e9400adb53c589ecb148ea9c71c97c42000000000000000000000000000000000000000000000000000"
  "00000000000000c4207e7c04cffca8f65d701649a34a98e8162328b5b4412993273c2650665f316a62c4205a5a5a5a5a"
  "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a00c44071deb5f94e83293f6b5796600fd76259b8d7"
  "f76c90d80b62ed70ddd0465acebfc3c34c4f569f020a81b9e9166d1102133ef1832fe858e95f4b62d99f6e4c3b5a";

} // namespace

TEST_CASE("a sample transaction encodes to the pinned bytes and id") {
  auto tx = sample_tx();
  CHECK(to_hex(codec::encode(tx)) == golden_tx);
  CHECK(to_hex(signing_hash(tx)) == golden_tx_id);
  CHECK(verify_signature(tx));
}

TEST_CASE("a sample block encodes to the pinned header bytes and hash") {
  auto b = sample_block();
  CHECK(to_hex(codec::encode(b.header)) == golden_header);
  CHECK(to_hex(header_hash(b.header)) == golden_block_hash);
  CHECK(to_hex(codec::encode(b)) == std::string("92") + golden_header + "91" + golden_tx);
  CHECK(verify_header_signature(b.header));
}

TEST_CASE("transactions, headers and blocks round-trip") {
  auto tx = sample_tx();
  CHECK(*codec::decode_transaction(codec::encode(tx)) == tx);
  auto b = sample_block();
  CHECK(*codec::decode_block_header(codec::encode(b.header)) == b.header);
  CHECK(*codec::decode_block(codec::encode(b)) == b);
  auto empty = test::make_block(0, {}, {});
  CHECK(*codec::decode_block(codec::encode(empty)) == empty);
  std::vector<transaction> many;
  for (std::uint64_t i = 0; i < 40; ++i)
    many.push_back(test::transfer(test::keys_of(3), address_of(test::keys_of(4).pub), 1 + i * 1'000'000, i));
  auto big = test::make_block(UINT64_MAX, {}, many);  // 40 txs: array16 form, max height
  CHECK(*codec::decode_block(codec::encode(big)) == big);
}

TEST_CASE("the signing hash ignores the signature and covers every other field") {
  auto tx = sample_tx();
  auto id = signing_hash(tx);
  auto resigned = tx;
  resigned.sig.data[0] ^= 1;
  CHECK(signing_hash(resigned) == id);
  auto changed = tx;
  changed.fee += 1;
  CHECK(signing_hash(changed) != id);
  CHECK_FALSE(verify_signature(changed));
  changed = tx;
  changed.chain = 2;
  CHECK(signing_hash(changed) != id);
}

TEST_CASE("a non-minimal integer is rejected as non-canonical") {
  // nonce 0 written as uint8 (cc 00) instead of a positive fixint (00)
  auto tx = codec::encode(sample_tx());
  const std::size_t pos = 1 + 3 + 2 + 32;  // array, version, chain, kind, bin header, sender
  REQUIRE(tx[pos] == 0x00);
  bytes bad(tx.begin(), tx.begin() + pos);
  bad.push_back(0xcc);
  bad.insert(bad.end(), tx.begin() + pos, tx.end());
  auto r = codec::decode_transaction(bad);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::non_canonical);
}

TEST_CASE("an array written in a longer form than needed is rejected") {
  auto tx = codec::encode(sample_tx());
  bytes bad{0xdc, 0x00, 0x09};  // array16 of 9 instead of fixarray
  bad.insert(bad.end(), tx.begin() + 1, tx.end());
  CHECK(codec::decode_transaction(bad).error().code == errc::non_canonical);
}

TEST_CASE("the header hash commits to every transaction signature byte") {
  auto b = sample_block();
  auto root = b.header.tx_root;
  auto swapped = b;
  swapped.txs[0].sig.data[7] ^= 1;  // same transaction id, another signature
  CHECK(signing_hash(swapped.txs[0]) == signing_hash(b.txs[0]));
  CHECK(transactions_root(swapped) != root);
  auto resigned = b;
  resigned.txs[0].sig = sign(test::keys_of(1), signing_hash(b.txs[0]), tagged_hash(hash_tag::seed, {}));
  REQUIRE(verify_signature(resigned.txs[0]));
  CHECK(transactions_root(resigned) != root);
}

TEST_CASE("trailing bytes after a transaction are rejected") {
  auto tx = codec::encode(sample_tx());
  tx.push_back(0x00);
  CHECK(codec::decode_transaction(tx).error().code == errc::trailing_bytes);
}

TEST_CASE("truncated input is malformed, at every length") {
  auto tx = codec::encode(sample_tx());
  for (std::size_t n = 0; n < tx.size(); ++n) {
    auto r = codec::decode_transaction(byte_view(tx.data(), n));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == errc::malformed);
  }
}

TEST_CASE("wrong types, strings, maps and unknown kinds are rejected with a reason") {
  // sender as str instead of bin
  auto tx = codec::encode(sample_tx());
  auto str_sender = tx;
  str_sender[4] = 0xd9;  // str8 instead of bin8
  CHECK_FALSE(codec::decode_transaction(str_sender));
  // a map
  CHECK(codec::decode_transaction(hex("80")).error().code == errc::malformed);
  // an array of the wrong size
  CHECK(codec::decode_transaction(hex("9101")).error().code == errc::malformed);
  // kind 99
  auto unknown = tx;
  unknown[3] = 99;
  CHECK(codec::decode_transaction(unknown).error().code == errc::unknown_kind);
  // version 2
  auto v2 = tx;
  v2[1] = 2;
  CHECK(codec::decode_transaction(v2).error().code == errc::unsupported_version);
  // negative integer where an unsigned one belongs
  auto negative = tx;
  negative[2] = 0xff;  // -1 as the chain id
  CHECK(codec::decode_transaction(negative).error().code == errc::malformed);
}

TEST_CASE("nesting deeper than the bound is rejected, not followed") {
  bytes deep(100, 0x91);  // 100 nested one-element arrays
  deep.push_back(0x00);
  CHECK(codec::decode_transaction(deep).error().code == errc::too_deep);
  CHECK(codec::decode_block(deep).error().code == errc::too_deep);
}

TEST_CASE("frames over the size bound are rejected before parsing") {
  bytes huge(codec::tx_limits.max_frame_bytes + 1, 0x00);
  CHECK(codec::decode_transaction(huge).error().code == errc::too_large);
  bytes huge_block(codec::block_limits.max_frame_bytes + 1, 0x00);
  CHECK(codec::decode_block(huge_block).error().code == errc::too_large);
}

TEST_CASE("a declared array length far beyond the input does not allocate or crash") {
  // array32 claiming 2^32-1 items, followed by nothing: over the item bound
  auto r = codec::decode_block(hex("ddffffffff"));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::too_large);
  // bin32 claiming 4 GiB inside a 5-byte frame
  auto t = codec::decode_transaction(hex("c6ffffffff"));
  REQUIRE_FALSE(t);
  CHECK((t.error().code == errc::too_large || t.error().code == errc::malformed));
  // str32 of 4 GiB: strings never appear in our encodings
  r = codec::decode_block(hex("dbffffffff"));
  REQUIRE_FALSE(r);
}

TEST_CASE("a block whose transaction is malformed names the transaction") {
  auto b = sample_block();
  auto raw = codec::encode(b);
  REQUIRE(codec::decode_block(raw));
  auto bad_tx = raw;
  auto tx_start = raw.size() - codec::encode(b.txs[0]).size();
  bad_tx[tx_start + 1] = 7;  // version 7
  auto r = codec::decode_block(bad_tx);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::unsupported_version);
  CHECK(r.error().detail.find("tx 0") != std::string::npos);
}
