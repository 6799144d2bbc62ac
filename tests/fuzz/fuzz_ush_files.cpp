// Fuzz target: the membership proofs' text files (the authority's group file, a member's
// credential file) on arbitrary bytes: only their documented reason codes, and what decodes
// re-encodes to a file that decodes to the same value. The first byte picks the parser.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "chains/ush/files.hpp"
#include "tests/fuzz/fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace bfd;
  if (size == 0)
    return 0;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  if (data[0] & 1) {
    auto g = ush::decode_group_file(text);
    if (!g) {
      const auto c = g.error().code;
      fuzz::require(c == errc::malformed || c == errc::too_large || c == errc::invalid_argument
                      || c == errc::bad_secret_key,
                    "group file: a documented reason");
      return 0;
    }
    auto again = ush::decode_group_file(ush::encode_group_file(*g));
    fuzz::require(again && again->name == g->name && again->keys.pub == g->keys.pub, "group file: re-encodes");
  } else {
    auto cs = ush::decode_credential_file(text);
    if (!cs) {
      const auto c = cs.error().code;
      fuzz::require(c == errc::malformed || c == errc::too_large || c == errc::ush_bad_credential
                      || c == errc::unsupported_version || c == errc::trailing_bytes,
                    "credential file: a documented reason");
      return 0;
    }
    auto again = ush::decode_credential_file(ush::encode_credential_file(*cs));
    fuzz::require(again && *again == *cs, "credential file: re-encodes");
  }
  return 0;
}
