// `bfd-bench codec`: one-thread throughput of the per-transaction work a node does
// (encode, decode, signing hash, Schnorr verify, ledger apply) against raw Schnorr verification.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "chains/core/error.hpp"

namespace bfd::bench {

/// What to measure.
struct codec_bench_options {
  std::size_t count = 20'000;   ///< signed transfers per round
  std::size_t accounts = 1'000; ///< funded sender accounts the transfers are spread over
  std::size_t rounds = 3;       ///< every figure is the median over the rounds
};

/// One measured stage.
struct stage_rate {
  std::string name;       ///< "encode", "decode", ...
  std::string label;      ///< human-readable row title
  double per_second = 0;  ///< median rate over the rounds
};

/// The figures of one run.
struct codec_bench_report {
  codec_bench_options options;
  std::vector<stage_rate> stages;  ///< encode, decode, hash, verify, apply, in pipeline order
  double stages_per_second = 0;    ///< the five stages run one after the other: N / sum of times
  double pipeline_per_second = 0;  ///< every transaction through all stages in one loop
  double raw_verify_per_second = 0;///< bfd::verify alone on pre-made signatures
};

/// Builds the signed transfers (not timed), then times every stage on this thread.
/// Fails if any transaction does not round-trip, verify or apply: the figures would be meaningless.
result<codec_bench_report> run_codec_bench(const codec_bench_options& options);

/// The report as an aligned, human-readable table.
std::string format_table(const codec_bench_report& report);

/// The report as one line of JSON (for scripts and CI).
std::string format_json_line(const codec_bench_report& report);

} // namespace bfd::bench
