// A sidechain entry as a JSON file (what `bfd-cli sidechain register --entry FILE` reads and
// docs/formats.md describes): every field of sidechain_entry, bytes as hex, addresses as bfd….
#pragma once

#include <string>
#include <string_view>

#include "chains/sidechain/chain_spec.hpp"

namespace bfd::runtime {

/// The entry in `text`; errors name the field. Every field is required but `params` (each
/// parameter defaults as sidechain_params does) and `genesis_time_ms` (default 0).
result<sidechain_entry> parse_sidechain_entry_json(std::string_view text);

/// The same, read from `path` (errors start with the path).
result<sidechain_entry> read_sidechain_entry_file(const std::string& path);

/// The JSON text of `entry` (parse_sidechain_entry_json gives it back).
std::string sidechain_entry_json(const sidechain_entry& entry);

} // namespace bfd::runtime
