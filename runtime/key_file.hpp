// Key files: JSON holding a secret key, its x-only public key and its address.
#pragma once

#include <string>

#include "chains/core/error.hpp"
#include "chains/crypto/keys.hpp"

namespace bfd::runtime {

/// Writes the key file with mode 0600; refuses to overwrite an existing file.
status write_key_file(const std::string& path, const key_pair& keys);

/// Reads a key file and checks that its public key and address match its secret.
result<key_pair> read_key_file(const std::string& path);

/// The JSON text of a key file (also used by `bfd-cli key show`).
std::string key_file_json(const key_pair& keys);

} // namespace bfd::runtime
