// bfd-cli's subcommands: each registers its options on the app and reports its outcome as a status.
#pragma once

#include <optional>

#include <CLI/CLI.hpp>

#include "chains/core/error.hpp"

namespace bfd::cli {

/// Registers `key new` and `key show`; the command that runs stores its outcome in `outcome`.
void add_key_commands(CLI::App& app, std::optional<status>& outcome);

/// Registers `tx transfer` and `tx decode`; the command that runs stores its outcome in `outcome`.
void add_tx_commands(CLI::App& app, std::optional<status>& outcome);

} // namespace bfd::cli
