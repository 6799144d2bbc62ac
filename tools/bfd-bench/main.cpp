// bfd-bench: benchmarks of the node's building blocks and, later, of whole networks.
#include <exception>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "tools/bfd-bench/codec_bench.hpp"

int main(int argc, char** argv) {
  CLI::App app{"bfd-bench: BFDChain benchmarks"};
  app.failure_message([](const CLI::App*, const CLI::Error& e) {
    return fmt::format("bfd-bench: {} (see --help)\n", e.what());
  });

  bfd::bench::codec_bench_options codec;
  auto* codec_cmd = app.add_subcommand(
    "codec", "One-thread rates of encode, decode, signing hash, Schnorr verify and ledger apply "
             "of signed transfers, and the end-to-end pipeline rate against raw Schnorr verify");
  codec_cmd->add_option("--count", codec.count, "Signed transfers per round")
    ->type_name("N")
    ->check(CLI::Range(1, 10'000'000))
    ->capture_default_str();
  codec_cmd->add_option("--accounts", codec.accounts, "Funded sender accounts")
    ->type_name("N")
    ->check(CLI::Range(1, 1'000'000))
    ->capture_default_str();
  codec_cmd->add_option("--rounds", codec.rounds, "Rounds; each figure is their median")
    ->type_name("N")
    ->check(CLI::Range(1, 1'000))
    ->capture_default_str();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (!*codec_cmd) {
    fmt::print(stderr, "bfd-bench: a subcommand is required (see bfd-bench --help)\n");
    return 1;
  }
  try {
    auto report = bfd::bench::run_codec_bench(codec);
    if (!report) {
      fmt::print(stderr, "bfd-bench: {}\n", report.error().message());
      return 1;
    }
    fmt::print("{}\n{}\n", bfd::bench::format_table(*report),
               bfd::bench::format_json_line(*report));
  } catch (const std::exception& e) {
    fmt::print(stderr, "bfd-bench: {}\n", e.what());
    return 1;
  }
  return 0;
}
