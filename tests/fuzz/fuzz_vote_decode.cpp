// Fuzz target: bfd::codec::decode_confirmation (finality votes) and decode_certificate on arbitrary
// bytes, checking canonicality and round trips; the first byte picks the decoder.
#include <cstddef>
#include <cstdint>

#include "chains/consensus/confirmation.hpp"
#include "tests/fuzz/fuzz_check.hpp"

/// libFuzzer entry point: one input, aborting on a violated property.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace bfd;
  if (size == 0)
    return 0;
  const byte_view in{data + 1, size - 1};
  if (data[0] % 2 == 0) {
    auto vote = codec::decode_confirmation(in);
    if (!vote) {
      fuzz::require(fuzz::is_decoding_error(vote.error()), "a rejected vote has a decoding reason code");
      return 0;
    }
    fuzz::require(vote->height > vote->source_height, "a decoded vote's target is above its source");
    const bytes again = codec::encode(*vote);
    fuzz::require(fuzz::same_bytes(again, in), "a decoded vote re-encodes to exactly the input");
    // Any key and signature may arrive from the network: verification must just say no.
    (void)verify_confirmation(*vote);
    (void)vote_conflict(*vote, *vote);
    return 0;
  }
  auto cert = codec::decode_certificate(in);
  if (!cert) {
    fuzz::require(fuzz::is_decoding_error(cert.error()), "a rejected certificate has a decoding reason code");
    return 0;
  }
  const bytes again = codec::encode(*cert);
  fuzz::require(fuzz::same_bytes(again, in), "a decoded certificate re-encodes to exactly the input");
  // Checked against an arbitrary cluster: a refusal, never a crash.
  cluster c;
  if (!cert->signatures.empty())
    c.members.push_back({cert->signatures.front().signer, 0, 1});
  c.power = 1;
  (void)verify_certificate(*cert, c);
  return 0;
}
