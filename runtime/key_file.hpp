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

/// How write_private_file treats an existing file.
enum class existing_file { refuse, replace };

/// Writes `text` to `path` with mode 0600 (the group and credential files of the membership
/// proofs): `refuse` fails if the file exists; `replace` writes a 0600 temporary next to it,
/// syncs it and renames it over the file, so a reader sees the old or the new text, never half.
status write_private_file(const std::string& path, const std::string& text, existing_file mode);

/// The JSON text of a key file (also used by `bfd-cli key show`).
std::string key_file_json(const key_pair& keys);

} // namespace bfd::runtime
