// `bfd-bench handshake`: secret handshakes per second (payer and payee in one thread), credential
// issue per second, and BIP340 verification measured in the same run for the ratio.
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

namespace bfd::bench {

/// Registers the `handshake` subcommand on `app`; `run` executes it once parsed (exit code).
struct handshake_command {
  CLI::App* cmd = nullptr;
  std::function<int()> run;
};

handshake_command add_handshake_command(CLI::App& app);

} // namespace bfd::bench
