// The shared client helpers of client_common.hpp.
#include "tools/client/client_common.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

namespace bfd::cli {

command_result to_command_result(const status& st) {
  if (st)
    return {};
  return command_failure(std::string(to_string(st.error().code)), st.error().detail);
}

command_result command_failure(std::string reason, std::string detail, int exit_code) {
  return command_result{exit_code, std::move(reason), std::move(detail)};
}

result<bytes> read_bounded_file(const std::string& path, std::size_t max_bytes) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  std::ifstream in(path, std::ios::binary);
  if (ec || !in)
    return make_error(errc::io, path + ": cannot read");
  if (size > max_bytes)
    return make_error(errc::invalid_argument, fmt::format("{}: {} bytes, at most {}", path, size, max_bytes));
  bytes data(static_cast<std::size_t>(size));
  in.read(reinterpret_cast<char*>(data.data()), static_cast<std::streamsize>(data.size()));
  if (static_cast<std::size_t>(in.gcount()) != data.size())
    return make_error(errc::io, path + ": cannot read");
  return data;
}

std::string initial_node_url() {
  const char* env = std::getenv("BFD_NODE");
  return env && *env ? env : default_node_url;
}

void print_table(const std::vector<std::vector<std::string>>& rows, const std::vector<bool>& right) {
  std::vector<std::size_t> width(rows.front().size(), 0);
  for (const auto& row : rows)
    for (std::size_t c = 0; c < row.size(); ++c)
      width[c] = std::max(width[c], row[c].size());
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t c = 0; c < row.size(); ++c) {
      if (c > 0)
        line += "  ";
      line += right[c] ? fmt::format("{:>{}}", row[c], width[c]) : fmt::format("{:<{}}", row[c], width[c]);
    }
    while (line.ends_with(' '))
      line.pop_back();
    fmt::print("{}\n", line);
  }
}

void add_node_option(CLI::App& command, std::string& url) {
  command.add_option("--node", url, "Node HTTP endpoint (env BFD_NODE overrides the default)")
    ->type_name("URL")
    ->capture_default_str();
}

void add_network_options(CLI::App& command, network_options& net) {
  add_node_option(command, net.node_url);
  command
    .add_option("--chain", net.chain,
                "Chain to address, by id (1 = the mainchain) or by name as `bfd-cli chains` shows; "
                "default: the node's unprefixed routes, the mainchain")
    ->type_name("ID|NAME");
}

} // namespace bfd::cli
