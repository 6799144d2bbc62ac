// `bfd-bench handshake`: secret handshakes per second (payer and payee in one thread), credential
// issue per second, and BIP340 verification measured in the same run for the ratio.
#pragma once

#include "tools/bfd-bench/bench_command.hpp"

namespace bfd::bench {

/// Registers the `handshake` subcommand on `app`.
bench_command add_handshake_command(CLI::App& app);

} // namespace bfd::bench
