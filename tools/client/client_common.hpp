// What bfd-cli and the DApps share as clients of a node's HTTP API: a command's outcome, the
// --node/--chain options, bounded file reads and tables.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "chains/core/bytes.hpp"
#include "chains/core/error.hpp"

namespace bfd::cli {

/// How a command ended. A failure is printed as one line `bfd-cli: <reason>: <detail>` on
/// stderr and ends the process with `exit_code`.
struct command_result {
  int exit_code = 0;   ///< 0 for success; 1 for errors; 2 when waiting for finality timed out
  std::string reason;  ///< a stable code: an errc name, the node's error code, or a network reason
  std::string detail;  ///< for people

  bool ok() const noexcept { return exit_code == 0; }
};

/// The command_result of a status: success, or exit code 1 with the error's reason and detail.
command_result to_command_result(const status& st);

/// A failure with exit code `exit_code`.
command_result command_failure(std::string reason, std::string detail, int exit_code = 1);

/// The bytes of file `path` if it is at most `max_bytes` long, checked before reading: `io` when
/// it cannot be read, `invalid_argument` ("PATH: N bytes, at most MAX") when it is longer.
result<bytes> read_bounded_file(const std::string& path, std::size_t max_bytes);

/// The node endpoint when neither --node nor BFD_NODE names one: bfd-node --dev's default.
inline constexpr const char* default_node_url = "http://127.0.0.1:8645";

/// The endpoint network commands use unless --node is given: $BFD_NODE, else default_node_url.
std::string initial_node_url();

/// Where network commands go: the node endpoint and the text of --chain (absent: the node's
/// unprefixed routes, the mainchain). Both options are accepted before or after the command name.
struct network_options {
  std::string node_url = initial_node_url();
  std::optional<std::string> chain;
};

/// Adds `--node URL` to `command`, stored in `url` (which must outlive the parse).
void add_node_option(CLI::App& command, std::string& url);

/// Adds `--node URL` and `--chain ID|NAME` to `command`, stored in `net` (which must outlive the
/// parse).
void add_network_options(CLI::App& command, network_options& net);

/// Prints `rows` (the first is the header) in aligned columns two spaces apart; a column whose
/// `right` entry is true aligns right (amounts and counts), the others left.
void print_table(const std::vector<std::vector<std::string>>& rows, const std::vector<bool>& right);

} // namespace bfd::cli
