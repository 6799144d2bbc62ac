// `bfd-bench contract`: WebAssembly contract calls per second (counter, token transfer) against
// native transfers applied to the ledger in the same run, and deploy (load + validate) time.
#pragma once

#include <CLI/CLI.hpp>

namespace bfd::bench {

/// Registers the `contract` subcommand on `app`; `run` executes it once parsed (exit code).
struct contract_command {
  CLI::App* cmd = nullptr;
  std::function<int()> run;
};

contract_command add_contract_command(CLI::App& app);

} // namespace bfd::bench
