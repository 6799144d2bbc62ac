// bfd-cli: keys and transactions from the command line, and a client of a node's HTTP API.
#include <csignal>
#include <exception>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "tools/bfd-cli/commands.hpp"

namespace {

// The words of the deepest subcommand the user chose, e.g. " key".
std::string chosen_path(const CLI::App& app) {
  std::string path;
  const CLI::App* at = &app;
  while (!at->get_subcommands().empty()) {
    at = at->get_subcommands().front();
    path += " " + at->get_name();
  }
  return path;
}

} // namespace

int main(int argc, char** argv) {
  // A peer that closes a socket mid-write (a 413 before the whole body was sent) is an error to
  // handle, not a reason to die: write errors come back as EPIPE.
  std::signal(SIGPIPE, SIG_IGN);
  CLI::App app{"bfd-cli: keys, transactions and a node's state for BFDChain"};
  app.failure_message([](const CLI::App*, const CLI::Error& e) {
    return fmt::format("bfd-cli: {} (see --help)\n", e.what());
  });
  // Set by the command that runs; stays empty when only a command group ("key") was named.
  std::optional<bfd::cli::command_result> outcome;
  // Network commands take --node and --chain before or after their name; both spellings set one
  // value each.
  bfd::cli::network_options net;
  bfd::cli::add_network_options(app, net);
  bfd::cli::add_key_commands(app, outcome);
  bfd::cli::add_tx_commands(app, outcome, net);
  bfd::cli::add_node_commands(app, outcome, net);
  bfd::cli::add_consensus_commands(app, outcome, net);
  bfd::cli::add_sidechain_commands(app, outcome, net);
  bfd::cli::add_peg_commands(app, outcome, net);
  bfd::cli::add_acl_commands(app, outcome, net);
  bfd::cli::add_contract_commands(app, outcome, net);
  bfd::cli::add_ds_commands(app, outcome, net);
  bfd::cli::add_fund_commands(app, outcome, net);
  bfd::cli::add_fee_commands(app, outcome);
  bfd::cli::add_service_commands(app, outcome, net);
  bfd::cli::add_authority_commands(app, outcome, net);
  bfd::cli::add_handshake_commands(app, outcome, net);
  bfd::cli::add_fund_lifecycle_commands(app, outcome, net);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    fmt::print(stderr, "bfd-cli: {}\n", e.what());
    return 1;
  }
  if (!outcome) {
    auto path = chosen_path(app);
    fmt::print(stderr, "bfd-cli{}: a subcommand is required (see bfd-cli{} --help)\n", path, path);
    return 1;
  }
  if (!outcome->ok()) {
    fmt::print(stderr, "bfd-cli: {}{}{}\n", outcome->reason, outcome->detail.empty() ? "" : ": ",
               outcome->detail);
    return outcome->exit_code;
  }
  return 0;
}
