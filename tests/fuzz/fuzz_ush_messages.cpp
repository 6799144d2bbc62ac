// Fuzz target: the membership-proof decoders (handshake hello, reply, finish; credential) on
// arbitrary bytes, checking reason codes and exact re-encoding, and the state machines on what
// decodes; the first byte picks the decoder.
#include <cstddef>
#include <cstdint>

#include "chains/ush/handshake.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace {

template <class Decode, class Encode>
bool check(bfd::byte_view in, Decode decode, Encode encode, const char* what) {
  auto v = decode(in);
  if (!v) {
    bfd::fuzz::require(bfd::fuzz::is_decoding_error(v.error()), what);
    return false;
  }
  bfd::fuzz::require(bfd::fuzz::same_bytes(encode(*v), in), "a decoded value re-encodes to exactly the input");
  return true;
}

/// One fixed credential for the state machines, made once.
const bfd::ush::credential& own_credential() {
  static const bfd::ush::credential c = [] {
    bfd::hash256 seed;
    seed.data.fill(7);
    bfd::ush::seeded_random rng(seed);
    return (*bfd::ush::issue_batch(bfd::ush::new_group(rng), 1, rng))[0];
  }();
  return c;
}

} // namespace

/// libFuzzer entry point: one input, aborting on a violated property.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace bfd;
  using namespace bfd::ush;
  if (size == 0)
    return 0;
  const byte_view in{data + 1, size - 1};
  hash256 seed;
  seed.data.fill(9);
  seeded_random rng(seed);
  switch (data[0] % 4) {
    case 0:
      if (check(in, decode_hello, [](const hello& m) { return encode(m); }, "hello: decoding reason")) {
        // Any hello a decoder accepts gets a well-formed reply, and the handshake cannot succeed
        // without the payer's secrets.
        responder r(own_credential(), nullptr, rng);
        auto m2 = r.on_hello(in);
        fuzz::require(m2 && m2->size() == reply_size, "a decoded hello gets a reply");
        fuzz::require(r.on_finish(bytes(finish_size, 1)).ok(), "a finish of the right layout is taken");
        fuzz::require(r.state() == handshake_state::failed, "a guessed finish fails");
      }
      break;
    case 1:
      if (check(in, decode_reply, [](const reply& m) { return encode(m); }, "reply: decoding reason")) {
        initiator i(own_credential(), nullptr, rng);
        fuzz::require(i.hello().has_value(), "hello at the start");
        auto m3 = i.on_reply(in);
        fuzz::require(m3 && m3->size() == finish_size, "a decoded reply gets a finish");
        fuzz::require(i.state() == handshake_state::failed, "a reply not made for this hello fails");
      }
      break;
    case 2:
      check(in, decode_finish, [](const finish& m) { return encode(m); }, "finish: decoding reason");
      break;
    default:
      if (check(in, decode_credential, encode_credential, "credential: decoding reason")) {
        auto v = decode_verified_credential(in);
        fuzz::require(v || v.error().code == errc::ush_bad_credential, "credential: verification reason");
      }
      break;
  }
  return 0;
}
