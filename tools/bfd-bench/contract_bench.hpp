// `bfd-bench contract`: WebAssembly contract calls per second (counter, token transfer) against
// native transfers applied to the ledger in the same run, and deploy (load + validate) time.
#pragma once

#include "tools/bfd-bench/bench_command.hpp"

namespace bfd::bench {

/// Registers the `contract` subcommand on `app`.
bench_command add_contract_command(CLI::App& app);

} // namespace bfd::bench
