// A subcommand of bfd-bench registered by its own file: the CLI11 handle and what runs it.
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

namespace bfd::bench {

/// Registered on the app; `run` executes it once parsed and returns the exit code.
struct bench_command {
  CLI::App* cmd = nullptr;
  std::function<int()> run;
};

} // namespace bfd::bench
