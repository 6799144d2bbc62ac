// The membership proofs' two files, as text (docs/membership-proofs.md, "Files"): the
// authority's group file (the group secret: mode 0600, never on chain) and a member's credential
// file (a batch of one-time credentials: mode 0600, each line used once). Parsers bound the
// input before reading and refuse anything but the exact layout.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "chains/core/error.hpp"
#include "chains/ush/group.hpp"

namespace bfd::ush {

/// Largest group file in bytes.
inline constexpr std::size_t max_group_file = 1024;
/// Most credentials one credential file holds.
inline constexpr std::size_t max_file_credentials = 1024;
/// Largest credential file in bytes (its header and max_file_credentials lines).
inline constexpr std::size_t max_credential_file = 128 + max_file_credentials * (11 + 2 * credential_size + 1);

/// A group as its authority keeps it.
struct group_file {
  std::string name;  ///< 1-64 printable bytes, no newline
  group_keys keys;
};

/// "bfd-ush-group 1\nname NAME\nsecret HEX\n".
std::string encode_group_file(const group_file& g);
/// The group of a group file; malformed, too_large, invalid_argument (a name out of bounds) or
/// bad_secret_key.
result<group_file> decode_group_file(std::string_view text);

/// "bfd-ush-credentials 1\ngroup ID_HEX\n" then "credential HEX\n" per credential (all of
/// that group).
std::string encode_credential_file(const std::vector<credential>& batch);
/// The credentials of a credential file (possibly none: all used), each verified under its group
/// key and of the group the header names; malformed, too_large, ush_bad_credential.
result<std::vector<credential>> decode_credential_file(std::string_view text);

} // namespace bfd::ush
