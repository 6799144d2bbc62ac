// A subcommand of bfd-bench registered by its own file: the CLI11 handle and what runs it.
#pragma once

#include <cstddef>
#include <functional>

#include <CLI/CLI.hpp>

namespace bfd::bench {

/// Registered on the app; `run` executes it once parsed and returns the exit code.
struct bench_command {
  CLI::App* cmd = nullptr;
  std::function<int()> run;
};

/// The options the one-thread benches share: --rounds (each figure is their median) and --json-only.
inline void add_round_options(CLI::App* cmd, std::size_t& rounds, bool& json_only) {
  cmd->add_option("--rounds", rounds, "Rounds; each figure is their median")
    ->check(CLI::Range(1, 1'000))
    ->capture_default_str();
  cmd->add_flag("--json-only", json_only, "Print only the JSON line");
}

} // namespace bfd::bench
