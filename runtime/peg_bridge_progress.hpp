// The peg bridge's progress file (docs/peg.md "The bridge"): what a restarted bridge resumes
// from, as versioned JSON written atomically and read with a size bound.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "chains/core/error.hpp"
#include "chains/primitives/transaction.hpp"

namespace bfd::runtime {

/// What a bridge's progress file holds: the mainchain it belongs to, the pair it serves, and
/// per direction the source height scanned and the first entry not yet settled in the block
/// after it, per sidechain the mainchain height its light client was updated to.
struct bridge_progress {
  hash256 mainchain_genesis;
  std::optional<chain_id> sidechain;
  std::map<std::pair<chain_id, chain_id>, std::uint64_t> scanned;
  /// Per direction: entries of block scanned + 1 below this index are settled (absent: 0).
  std::map<std::pair<chain_id, chain_id>, std::uint32_t> entries;
  std::map<chain_id, std::uint64_t> client_heights;
  friend bool operator==(const bridge_progress&, const bridge_progress&) = default;
};

/// The progress file's text (versioned JSON, version 2; version 1 files, without entries, are
/// still read).
std::string bridge_progress_json(const bridge_progress& p);
/// Parses a progress file's text; a clear error for anything else.
result<bridge_progress> parse_bridge_progress(std::string_view text);
/// Reads a progress file (at most 1 MiB); not_found when there is none.
result<bridge_progress> read_bridge_progress(const std::filesystem::path& file);
/// Writes a progress file atomically: a temporary beside it, fsync, rename.
status write_bridge_progress(const std::filesystem::path& file, const bridge_progress& p);

} // namespace bfd::runtime
