// Peg messages and acknowledgements: denomination traces, the canonical codec with its bounds,
// and the outbox root and inclusion proofs.
#include <doctest/doctest.h>

#include "chains/crypto/hash.hpp"
#include "chains/peg/outbox.hpp"

using namespace bfd;
using namespace bfd::peg;

namespace {

peg_message transfer(std::uint64_t seq, std::string denom = "BFDT", amount value = 5) {
  peg_message m;
  m.id = {1, seq};
  m.destination = 2;
  m.sender.data.fill(0x11);
  m.receiver.data.fill(0x22);
  m.payload = asset_transfer{std::move(denom), value};
  m.timeout_height = 100;
  return m;
}

peg_message operation() {
  peg_message m = transfer(7);
  m.payload = metadata_op{"service_upgrade", {bytes{1, 2}, bytes{3}}, bytes(100, 0xab)};
  return m;
}

// The encoding of `m` with the byte at `pos` replaced.
bytes patched(bytes b, std::size_t pos, byte value) {
  b.at(pos) = value;
  return b;
}

} // namespace

TEST_CASE("denomination traces: vouchers prefix the source chain and unwind on the way back") {
  CHECK(valid_denom("BFDT"));
  CHECK(valid_denom("peg/1/BFDT"));
  CHECK(valid_denom("peg/2/peg/1/BFDT"));
  for (const char* bad : {"", "peg/", "peg/1/", "peg/01/BFDT", "peg/x/BFDT", "peg//BFDT", "BF-DT", "BFDT/1",
                          "ABCDEFGHIJKLMNOPQ", "peg/99999999999/BFDT"})
    CHECK_MESSAGE(!valid_denom(bad), bad);
  CHECK(is_native("BFDT"));
  CHECK_FALSE(is_native("peg/1/BFDT"));
  CHECK(voucher_origin("peg/1/BFDT") == chain_id{1});
  CHECK_FALSE(voucher_origin("BFDT"));
  CHECK(*voucher_denom(1, "BFDT") == "peg/1/BFDT");
  CHECK(unwind("peg/2/peg/1/BFDT") == "peg/1/BFDT");
  // A trace that would grow past 64 bytes has no voucher.
  std::string deep = "BFDT";
  while (auto next = voucher_denom(4000000000u, deep))
    deep = *next;
  CHECK(deep.size() <= bounds::max_denom);
  CHECK(valid_denom(deep));
}

TEST_CASE("messages and acknowledgements round trip through the canonical codec") {
  for (const auto& m : {transfer(0), transfer(UINT64_MAX, "peg/2/TOK", UINT64_MAX), operation()}) {
    auto again = codec::decode_peg_message(codec::encode(m));
    REQUIRE(again);
    CHECK(*again == m);
    CHECK(message_hash(*again) == message_hash(m));
  }
  peg_ack ok{{1, 3}, failure_code::none, ""};
  peg_ack failed{{1, 3}, failure_code::insufficient_escrow, "escrow holds 4"};
  for (const auto& a : {ok, failed}) {
    auto again = codec::decode_peg_ack(codec::encode(a));
    REQUIRE(again);
    CHECK(*again == a);
  }
  CHECK(ack_hash(ok) != ack_hash(failed));
  // The two tags keep a message and an acknowledgement with the same bytes apart.
  const auto b = codec::encode(ok);
  CHECK(tagged_hash(hash_tag::peg_ack, b) != tagged_hash(hash_tag::peg_message, b));
}

TEST_CASE("malformed, oversized and non-canonical messages are refused with decoding reasons") {
  const bytes good = codec::encode(transfer(1));
  // Every strict prefix is refused.
  for (std::size_t n = 0; n < good.size(); ++n) {
    auto r = codec::decode_peg_message(byte_view{good.data(), n});
    REQUIRE_FALSE(r);
    CHECK(static_cast<int>(r.error().code) / 100 == 1);
  }
  // Trailing bytes.
  bytes trailing = good;
  trailing.push_back(0);
  CHECK_FALSE(codec::decode_peg_message(trailing));
  // Another version (field 0 is the fixint after the array header).
  CHECK(codec::decode_peg_message(patched(good, 1, 2)).error().code == errc::unsupported_version);
  // A kind that does not exist.
  auto m = transfer(1);
  bytes enc = codec::encode(m);
  const std::size_t kind_pos = enc.size() - (2 + 1 + 4 + 1) - 1;  // [ "BFDT" 5 ] is 1+1+1+4+1 bytes
  REQUIRE(enc[kind_pos] == 0);
  CHECK(codec::decode_peg_message(patched(enc, kind_pos, 2)).error().code == errc::malformed);
  // A non-canonical integer: timeout 100 written as uint16.
  bytes wide;
  {
    codec::writer w(wide);
    w.array(9);
    w.uint(1);
    w.uint(1);
    w.uint(1);
    w.uint(2);
    w.bin(m.sender);
    w.bin(m.receiver);
    wide.insert(wide.end(), {0xcd, 0x00, 0x64});
    w.uint(0);
    w.array(2);
    const std::string d = "BFDT";
    w.bin(byte_view{reinterpret_cast<const byte*>(d.data()), d.size()});
    w.uint(5);
  }
  CHECK(codec::decode_peg_message(wide).error().code == errc::non_canonical);
  // Invalid and oversized denominations.
  CHECK(codec::decode_peg_message(codec::encode(transfer(1, "peg/01/X"))).error().code == errc::malformed);
  CHECK(codec::decode_peg_message(codec::encode(transfer(1, std::string(65, 'A')))).error().code == errc::too_large);
  // An operation over its bounds: too many keys, an oversized key, an oversized body, a bad name.
  auto op = operation();
  auto& o = std::get<metadata_op>(op.payload);
  o.keys.assign(17, bytes{1});
  CHECK_FALSE(codec::decode_peg_message(codec::encode(op)));
  o.keys.assign(1, bytes(65, 1));
  CHECK(codec::decode_peg_message(codec::encode(op)).error().code == errc::too_large);
  o.keys.clear();
  o.body.assign(bounds::max_body + 1, 0);
  CHECK_FALSE(codec::decode_peg_message(codec::encode(op)));
  o.body.clear();
  o.operation = "Upgrade";
  CHECK(codec::decode_peg_message(codec::encode(op)).error().code == errc::malformed);
  // Acknowledgements: a success with a detail, a non-printable detail, a code above u16.
  CHECK(codec::decode_peg_ack(codec::encode(peg_ack{{1, 1}, failure_code::none, "x"})).error().code == errc::malformed);
  CHECK(codec::decode_peg_ack(codec::encode(peg_ack{{1, 1}, failure_code::refused, "a\nb"})).error().code == errc::malformed);
  CHECK(codec::decode_peg_ack(codec::encode(peg_ack{{1, 1}, failure_code::refused, std::string(129, 'a')})).error().code
        == errc::too_large);
  bytes big_code;
  {
    codec::writer w(big_code);
    w.array(5);
    w.uint(1);
    w.uint(1);
    w.uint(1);
    w.uint(70000);
    w.bin(bytes{'x'});
  }
  CHECK(codec::decode_peg_ack(big_code).error().code == errc::malformed);
}

TEST_CASE("an empty outbox has exactly the root every header carries today") {
  outbox empty;
  CHECK(empty.root() == merkle_root({}));
  CHECK(empty_outbox_root() == merkle_root({}));
  CHECK_FALSE(empty.prove(0));
}

TEST_CASE("outbox inclusion proofs verify and refuse a tampered entry, a wrong index, a wrong or empty root") {
  outbox box;
  for (std::uint64_t i = 0; i < 5; ++i)
    box.add(transfer(i));
  box.add(peg_ack{{2, 9}, failure_code::none, ""});
  const auto root = box.root();
  for (std::uint64_t i = 0; i < box.entries().size(); ++i) {
    auto proof = box.prove(i);
    REQUIRE(proof);
    CHECK(verify_outbox_inclusion(root, box.entries()[i], *proof));
  }
  auto proof = *box.prove(2);
  // Tampered entry: one more unit.
  CHECK(verify_outbox_inclusion(root, transfer(2, "BFDT", 6), proof).error().code == errc::bad_proof);
  // The same message claimed at another index.
  auto moved = proof;
  moved.index = 3;
  CHECK_FALSE(verify_outbox_inclusion(root, box.entries()[2], moved));
  // Another outbox's root.
  outbox other = box;
  other.add(transfer(9));
  CHECK_FALSE(verify_outbox_inclusion(other.root(), box.entries()[2], proof));
  // A zero root and the empty root prove nothing, whatever the proof.
  CHECK(verify_outbox_inclusion(hash256{}, box.entries()[2], proof).error().code == errc::bad_proof);
  CHECK(verify_outbox_inclusion(merkle_root({}), box.entries()[2], merkle_proof{0, 0, {}}).error().code
        == errc::bad_proof);
  // A message and the acknowledgement with the same id are different leaves.
  CHECK(entry_hash(box.entries()[5]) != entry_hash(outbox_entry{transfer(9)}));
}

TEST_CASE("a kept outbox round trips through its record, and damaged records are refused") {
  outbox box;
  box.add(transfer(0));
  box.add(peg_ack{{2, 9}, failure_code::insufficient_escrow, "escrow holds 4"});
  box.add(operation());
  const auto raw = codec::encode_outbox(box.entries());
  auto again = codec::decode_outbox(raw);
  REQUIRE(again);
  CHECK(*again == box.entries());
  outbox rebuilt;
  for (const auto& e : *again)
    rebuilt.add(e);
  CHECK(rebuilt.root() == box.root());  // what the bridge checks against the header
  auto empty = codec::decode_outbox(codec::encode_outbox({}));
  REQUIRE(empty);
  CHECK(empty->empty());
  // Truncated, trailing bytes, another version, an unknown entry kind.
  CHECK_FALSE(codec::decode_outbox(byte_view(raw.data(), raw.size() - 1)));
  auto longer = raw;
  longer.push_back(0);
  CHECK_FALSE(codec::decode_outbox(longer));
  auto version = raw;
  REQUIRE(version[1] == 1);  // [fixarray 2, version 1, ...]
  version[1] = 2;
  CHECK(codec::decode_outbox(version).error().code == errc::unsupported_version);
  auto kind = raw;
  REQUIRE(kind[3] == 0x92);  // the first entry: [fixarray 2, kind 0, message]
  kind[4] = 7;
  CHECK(codec::decode_outbox(kind).error().code == errc::malformed);
}

TEST_CASE("a message times out at its timeout height, and a bridge stops carrying it two blocks before") {
  // Received only below the timeout height; a timeout is proven at or above it.
  CHECK_FALSE(timed_out_at(100, 99));
  CHECK(timed_out_at(100, 100));
  CHECK(timed_out_at(100, 101));
  CHECK_FALSE(timed_out_at(no_timeout, UINT64_MAX - 1));
  // The bridge leaves delivery_margin blocks: at head 97 the receive can land at 98 or 99.
  CHECK(worth_carrying(100, 97));
  CHECK_FALSE(worth_carrying(100, 98));
  CHECK_FALSE(worth_carrying(100, 99));
  CHECK_FALSE(worth_carrying(100, 150));
  // No timeout: worth carrying at any real head; the very top counts as too late (no overflow).
  CHECK(worth_carrying(no_timeout, 1'000'000));
  CHECK_FALSE(worth_carrying(no_timeout, UINT64_MAX));
}
