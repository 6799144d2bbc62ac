// Fuzz target: bfd::codec::decode_block on arbitrary bytes, checking canonicality, round trips and
// that a block's parts decode on their own to the same values.
#include <cstddef>
#include <cstdint>

#include "chains/codec/block_codec.hpp"
#include "chains/codec/transaction_codec.hpp"
#include "chains/primitives/block.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace {

/// Checks that the block is laid out as [header, [tx...]] with each part decodable by itself.
void check_parts(const bfd::block& b, bfd::byte_view in) {
  using namespace bfd;
  bytes layout = fuzz::array_header(2);
  const bytes header_bytes = codec::encode(b.header);
  auto header = codec::decode_block_header(header_bytes);
  fuzz::require(header && *header == b.header, "a block's header decodes alone to the same header");
  layout.insert(layout.end(), header_bytes.begin(), header_bytes.end());
  const bytes count = fuzz::array_header(static_cast<std::uint32_t>(b.txs.size()));
  layout.insert(layout.end(), count.begin(), count.end());
  for (const auto& tx : b.txs) {
    const bytes tx_bytes = codec::encode(tx);
    auto alone = codec::decode_transaction(tx_bytes);
    fuzz::require(alone && *alone == tx, "a block's transaction decodes alone to the same transaction");
    layout.insert(layout.end(), tx_bytes.begin(), tx_bytes.end());
  }
  fuzz::require(fuzz::same_bytes(layout, in), "a block is its header and its transactions, concatenated");
}

} // namespace

/// libFuzzer entry point: one input, aborting on a violated property.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace bfd;
  const byte_view in{data, size};
  auto b = codec::decode_block(in);
  if (!b) {
    fuzz::require(fuzz::is_decoding_error(b.error()), "a rejected block has a decoding reason code");
    return 0;
  }
  const bytes again = codec::encode(*b);
  fuzz::require(fuzz::same_bytes(again, in), "a decoded block re-encodes to exactly the input");
  auto twice = codec::decode_block(again);
  fuzz::require(twice && *twice == *b, "the re-encoding decodes to the same block");
  check_parts(*b, in);
  fuzz::require(transaction_ids(*b).size() == b->txs.size(), "a block has one id per transaction");
  return 0;
}
