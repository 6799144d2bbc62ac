// Writing a small file so that a crash leaves either the old file or the whole new one.
#pragma once

#include <filesystem>
#include <string_view>

#include <sys/types.h>

#include "chains/core/error.hpp"

namespace bfd::runtime {

/// Writes `text` to `file` durably: into `file.tmp` (mode `mode`), fsynced, renamed over `file`,
/// and the directory fsynced so the rename survives a power loss. Errors name the path and the
/// failing step (errc::io).
status write_file_durably(const std::filesystem::path& file, std::string_view text, mode_t mode = 0644);

} // namespace bfd::runtime
