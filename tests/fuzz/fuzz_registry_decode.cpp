// Fuzz target: the sidechain registry's decoders (the four payloads and the stored sidechain
// record) on arbitrary bytes, checking reason codes and exact re-encoding; the first byte picks
// the decoder.
#include <cstddef>
#include <cstdint>

#include "chains/sidechain/registry.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace {

template <class T, class Decode>
void check(bfd::byte_view in, Decode decode, const char* what) {
  auto v = decode(in);
  if (!v) {
    bfd::fuzz::require(bfd::fuzz::is_decoding_error(v.error()), what);
    return;
  }
  const bfd::bytes again = bfd::codec::encode(*v);
  bfd::fuzz::require(bfd::fuzz::same_bytes(again, in), "a decoded registry value re-encodes to exactly the input");
}

} // namespace

/// libFuzzer entry point: one input, aborting on a violated property.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace bfd;
  if (size == 0)
    return 0;
  const byte_view in{data + 1, size - 1};
  switch (data[0] % 5) {
    case 0: check<sidechain_register_payload>(in, codec::decode_sidechain_register, "register: decoding reason"); break;
    case 1: check<sidechain_activate_payload>(in, codec::decode_sidechain_activate, "activate: decoding reason"); break;
    case 2: check<sidechain_cease_payload>(in, codec::decode_sidechain_cease, "cease: decoding reason"); break;
    case 3: check<sidechain_anchor_payload>(in, codec::decode_sidechain_anchor, "anchor: decoding reason"); break;
    default: check<sidechain_info>(in, codec::decode_sidechain_info, "sidechain record: decoding reason"); break;
  }
  return 0;
}
