// Fuzz target: bfd::codec::decode_transaction on arbitrary bytes, checking canonicality and round trips.
#include <cstddef>
#include <cstdint>

#include "chains/codec/transaction_codec.hpp"
#include "chains/primitives/transaction.hpp"
#include "tests/fuzz/fuzz_check.hpp"

/// libFuzzer entry point: one input, aborting on a violated property.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace bfd;
  const byte_view in{data, size};
  auto tx = codec::decode_transaction(in);
  if (!tx) {
    fuzz::require(fuzz::is_decoding_error(tx.error()), "a rejected transaction has a decoding reason code");
    return 0;
  }
  const bytes again = codec::encode(*tx);
  fuzz::require(fuzz::same_bytes(again, in), "a decoded transaction re-encodes to exactly the input");
  auto twice = codec::decode_transaction(again);
  fuzz::require(twice && *twice == *tx, "the re-encoding decodes to the same transaction");
  bytes preimage;
  codec::encode_unsigned(*tx, preimage);
  fuzz::require(fuzz::is_unsigned_prefix(preimage, in), "the signing preimage is the encoding minus the signature");
  // Any key and signature bytes may arrive from the network: verification must just say no.
  (void)verify_signature(*tx);
  return 0;
}
