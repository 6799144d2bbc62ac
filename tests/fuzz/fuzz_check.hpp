// Property checks shared by the fuzz targets: a violated property aborts, so libFuzzer reports it.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "chains/codec/canonical.hpp"
#include "chains/core/bytes.hpp"
#include "chains/core/error.hpp"

namespace bfd::fuzz {

/// Prints `what` and aborts unless `holds`: the fuzzer (or the replay runner) reports the input.
inline void require(bool holds, const char* what) {
  if (holds)
    return;
  std::fprintf(stderr, "fuzz property violated: %s\n", what);
  std::abort();
}

/// Whether an error carries a decoding reason code (1xx), the only kind a decoder may return.
inline bool is_decoding_error(const error& err) {
  const auto code = static_cast<std::uint16_t>(err.code);
  return code >= 100 && code < 200;
}

/// Whether two byte sequences are identical.
inline bool same_bytes(byte_view a, byte_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

/// The canonical msgpack array header for `count` items.
inline bytes array_header(std::uint32_t count) {
  bytes out;
  codec::writer(out).array(count);
  return out;
}

/// Whether `signed_form` is `unsigned_form` with one more array item: the trailing 64-byte signature.
/// Both encodings must start with a fixarray header (the headers and transactions have < 16 fields).
inline bool is_unsigned_prefix(byte_view unsigned_form, byte_view signed_form) {
  constexpr std::size_t signature_field = 2 + 64;  // bin8 marker, length, 64 bytes
  if (unsigned_form.empty() || signed_form.size() != unsigned_form.size() + signature_field)
    return false;
  if (unsigned_form[0] < 0x90 || unsigned_form[0] >= 0x9f || signed_form[0] != unsigned_form[0] + 1)
    return false;
  const auto tail = signed_form.subspan(unsigned_form.size());
  return same_bytes(unsigned_form.subspan(1), signed_form.subspan(1, unsigned_form.size() - 1))
         && tail[0] == 0xc4 && tail[1] == 64;
}

} // namespace bfd::fuzz
