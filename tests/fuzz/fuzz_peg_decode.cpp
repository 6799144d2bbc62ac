// Fuzz target: the peg decoders (message, acknowledgement, receipt proof, delivery and timeout
// bundles, a block's kept outbox record) on arbitrary bytes, checking reason codes and exact re-encoding; the first byte picks
// the decoder.
#include <cstddef>
#include <cstdint>

#include "chains/peg/outbox.hpp"
#include "chains/peg/proofs.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace {

template <class Decode>
void check(bfd::byte_view in, Decode decode, const char* what) {
  auto v = decode(in);
  if (!v) {
    bfd::fuzz::require(bfd::fuzz::is_decoding_error(v.error()), what);
    return;
  }
  const bfd::bytes again = bfd::codec::encode(*v);
  bfd::fuzz::require(bfd::fuzz::same_bytes(again, in), "a decoded peg value re-encodes to exactly the input");
}

} // namespace

/// libFuzzer entry point: one input, aborting on a violated property.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace bfd;
  if (size == 0)
    return 0;
  const byte_view in{data + 1, size - 1};
  switch (data[0] % 6) {
    case 0: check(in, codec::decode_peg_message, "message: decoding reason"); break;
    case 1: check(in, codec::decode_peg_ack, "acknowledgement: decoding reason"); break;
    case 2: check(in, codec::decode_smt_proof, "receipt proof: decoding reason"); break;
    case 3: check(in, codec::decode_delivery_bundle, "delivery bundle: decoding reason"); break;
    case 4: check(in, codec::decode_timeout_bundle, "timeout bundle: decoding reason"); break;
    default: {
      auto v = codec::decode_outbox(in);
      if (!v) {
        fuzz::require(fuzz::is_decoding_error(v.error()), "kept outbox: decoding reason");
        break;
      }
      fuzz::require(fuzz::same_bytes(codec::encode_outbox(*v), in), "a decoded kept outbox re-encodes to exactly the input");
      break;
    }
  }
  return 0;
}
