// What the docs tests share: docs/formats.md's text, and the inputs its worked examples use.
#pragma once

#include <fstream>
#include <sstream>
#include <string>

#include "chains/core/hex.hpp"
#include "chains/crypto/keys.hpp"

namespace bfd::test {

/// The key pair of the secret key of 32 bytes of `fill`.
inline key_pair keys_of(byte fill) {
  secret_key s;
  s.data.fill(fill);
  return *key_pair_from_secret(s);
}

/// The text of docs/`name` (empty if it cannot be read).
inline std::string read_doc(const std::string& name) {
  std::ifstream in(std::string(BFD_DOCS_DIR "/") + name);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

/// docs/formats.md, read once.
inline const std::string& formats_doc() {
  static const std::string text = read_doc("formats.md");
  return text;
}

/// Whether docs/formats.md contains `s` exactly.
inline bool doc_has(const std::string& s) {
  return formats_doc().find(s) != std::string::npos;
}

inline std::string hex_of(const bytes& b) {
  return to_hex(b);
}

/// `value` as `width` big-endian bytes.
inline bytes be_bytes(std::uint64_t value, int width) {
  bytes out;
  for (int i = width - 1; i >= 0; --i)
    out.push_back(static_cast<byte>(value >> (8 * i)));
  return out;
}

} // namespace bfd::test
