// Fuzz target: bfd::codec::decode_block_header on arbitrary bytes, checking canonicality and round trips.
#include <cstddef>
#include <cstdint>

#include "chains/codec/block_codec.hpp"
#include "chains/primitives/block.hpp"
#include "tests/fuzz/fuzz_check.hpp"

/// libFuzzer entry point: one input, aborting on a violated property.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace bfd;
  const byte_view in{data, size};
  auto header = codec::decode_block_header(in);
  if (!header) {
    fuzz::require(fuzz::is_decoding_error(header.error()), "a rejected header has a decoding reason code");
    return 0;
  }
  const bytes again = codec::encode(*header);
  fuzz::require(fuzz::same_bytes(again, in), "a decoded header re-encodes to exactly the input");
  auto twice = codec::decode_block_header(again);
  fuzz::require(twice && *twice == *header, "the re-encoding decodes to the same header");
  bytes preimage;
  codec::encode_unsigned(*header, preimage);
  fuzz::require(fuzz::is_unsigned_prefix(preimage, in), "the header hash preimage is the encoding minus the signature");
  // Any producer key and signature bytes may arrive from the network: verification must just say no.
  (void)verify_header_signature(*header);
  return 0;
}
