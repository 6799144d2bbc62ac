// Genesis files: the JSON form of a chain's genesis configuration, kept in a node's data
// directory so every restart rebuilds the same genesis block.
#pragma once

#include <string>

#include "chains/consensus/chain_state.hpp"
#include "chains/core/error.hpp"

namespace bfd::runtime {

/// The JSON text of a genesis configuration.
std::string genesis_json(const genesis_config& config);

/// Parses a genesis configuration; errors name the offending field.
result<genesis_config> parse_genesis_json(const std::string& text);

/// Writes the file atomically (temporary file, then rename).
status write_genesis_file(const std::string& path, const genesis_config& config);
result<genesis_config> read_genesis_file(const std::string& path);

} // namespace bfd::runtime
