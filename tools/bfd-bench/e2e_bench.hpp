// `bfd-bench e2e`: end-to-end throughput and latency of a whole --dev node in this process, from
// submission (to the mempool actor or over HTTP) to finality, against raw Schnorr verification.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "chains/core/error.hpp"

namespace bfd::bench {

/// Where the benchmark submits transactions.
enum class submit_path { mempool, http };

/// What to run.
struct e2e_bench_options {
  std::size_t txs = 20'000;           ///< signed transfers per run
  std::size_t accounts = 1'000;       ///< funded senders; transfers go round robin over them
  std::uint32_t delegates = 21;       ///< delegates (VMs) of the dev network, all hosted here
  std::string path = "both";          ///< mempool, http or both
  std::size_t concurrency = 16;       ///< HTTP keep-alive connections
  bool http_client_threads = false;   ///< --http-batch 1: a client thread per connection instead of one polling thread
  std::size_t http_threads = 8;       ///< the HTTP server's handler threads (the node's default)
  std::size_t window = 1024;          ///< mempool path: transactions in flight
  std::size_t batch = 128;            ///< mempool path: transactions per submission message
  std::size_t http_batch = 64;        ///< http path: transactions per request (1: POST /v1/txs each; more: POST /v1/txs/batch)
  std::uint64_t slot_ms = 1'000;
  std::uint32_t work_bits = 8;        ///< the dev network's default
  std::uint32_t block_txs = 20000;    ///< base_block_txs of the genesis (bfd-node --dev uses 2000)
  double rate = 0;                    ///< offered tx/s; 0 = as fast as the node answers
  bool latency_run = false;           ///< a second run per path at half the measured final rate
  std::string store = "rocksdb";      ///< rocksdb (in a temporary directory) or memory
  std::string durability = "sync";    ///< rocksdb: sync (fsync per write, as bfd-node) or flush
  std::size_t threads = 2;            ///< actor-system threads, and raw-verify threads
  double timeout_s = 120;             ///< longest wait for finality after the last submission
  std::uint32_t poll_ms = 5;          ///< how often the final height is polled
  bool progress = true;               ///< a progress line on stderr every two seconds
};

/// Latency percentiles, submission to observed finality.
struct latency_summary {
  double p50_ms = 0;
  double p90_ms = 0;
  double p99_ms = 0;
  double max_ms = 0;
};

/// Final blocks of one category of producers during a run.
struct category_figures {
  std::string name;
  std::uint32_t weight = 1;     ///< blocks per slot and block-size multiplier
  std::uint64_t slots = 0;      ///< slots in which it produced at least one block
  std::uint64_t blocks = 0;
  std::uint64_t txs = 0;        ///< transactions in those blocks
  std::uint64_t max_block_txs = 0;
  std::uint64_t capacity = 0;   ///< blocks * the category's block size limit
};

/// The figures of one run on a fresh network.
struct e2e_run_report {
  submit_path path = submit_path::mempool;
  double offered_rate = 0;        ///< 0: as fast as possible
  bool half_load = false;         ///< the --latency-run at half the measured final rate
  std::size_t submitted = 0;
  std::size_t accepted = 0;       ///< admitted by the mempool (202 over HTTP)
  std::map<std::string, std::size_t> refused;  ///< reason -> count
  std::size_t retries = 0;        ///< HTTP requests resent after a transport error
  std::size_t expected_final = 0; ///< accepted ones not stranded behind a refused nonce
  std::size_t final_count = 0;    ///< bench transactions seen in final blocks
  bool complete = false;          ///< every expected transaction became final in time
  double submit_seconds = 0;      ///< first submission to last answer
  double final_seconds = 0;       ///< first submission to last transaction final
  double submit_tps = 0;          ///< accepted / submit_seconds
  double final_tps = 0;           ///< final_count / final_seconds
  latency_summary latency;
  latency_summary submit_latency; ///< HTTP path: request sent to answer received (not measured on the mempool path)
  double p99_slots = 0;
  std::uint64_t blocks = 0;       ///< final blocks from the first to the last with bench txs
  std::uint64_t empty_blocks = 0;
  std::uint64_t slots = 0;        ///< slots those blocks span
  std::uint64_t max_block_txs = 0;
  double slot_capacity_tps = 0;   ///< what the schedule allows: cluster's blocks * limits / time
  std::vector<category_figures> categories;
  std::uint32_t cluster_size = 0;
  std::uint64_t mempool_peak = 0; ///< largest mempool size seen while polling
  double peak_rss_mb = 0;         ///< VmHWM of this process during the run (node in-process)
  double cpu_cores = 0;           ///< process CPU seconds / wall seconds, first submission to the end
  double setup_seconds = 0;       ///< network generation and node start (not timed above)
};

/// All runs of one invocation.
struct e2e_bench_report {
  e2e_bench_options options;
  double raw_verify_per_second = 0;  ///< bfd::verify on `threads` threads, nothing else running
  double sign_seconds = 0;           ///< pre-signing the workload (not counted)
  std::vector<e2e_run_report> runs;  ///< per path: the full-speed run, then the half-load one
};

/// Signs the workload, measures raw verification, then runs each path on a fresh network.
/// Fails on bad options or if a network cannot start; an incomplete run is reported, not failed.
result<e2e_bench_report> run_e2e_bench(const e2e_bench_options& options);

/// The report as an aligned, human-readable table.
std::string format_table(const e2e_bench_report& report);

/// The report as one line of JSON (for scripts and CI).
std::string format_json_line(const e2e_bench_report& report);

// `bfd-bench e2e --chains N,...` ---------------------------------------------------------------

/// One sidechain of a --chains run.
struct chain_figures {
  std::uint32_t chain = 0;
  std::string name;
  std::size_t submitted = 0;
  std::size_t accepted = 0;
  std::size_t expected_final = 0;
  std::size_t final_count = 0;    ///< seen final by the tracker
  bool complete = false;
  double final_seconds = 0;       ///< first submission to the chain's last final transaction
  double final_tps = 0;
  latency_summary latency;
  std::uint64_t final_height = 0; ///< at the end of the run
  // The bench's own consistency, checked after the run from the chain's final blocks and state.
  std::size_t found_once = 0;     ///< workload transactions found in exactly one final block
  std::size_t duplicates = 0;     ///< workload transactions found in more than one
  std::size_t foreign = 0;        ///< transactions of another chain (or none of the workload) in its blocks
  bool supply_conserved = false;  ///< total supply at the end = at the start
  bool balances_conserved = false;///< sum of the accounts = start - fee * final transactions
  bool nonces_match = false;      ///< each account's nonce = its final transactions
  bool consistent() const noexcept {
    return complete && found_once == final_count && duplicates == 0 && foreign == 0 && supply_conserved
           && balances_conserved && nonces_match;
  }
};

/// One row of a --chains run: N sidechains beside the mainchain, on one fresh node.
struct chains_row {
  std::uint32_t sidechains = 0;
  std::size_t submitted = 0;
  std::size_t accepted = 0;
  std::size_t expected_final = 0;
  std::size_t final_count = 0;
  double final_seconds = 0;       ///< first submission to the last final transaction on any chain
  double final_tps = 0;           ///< aggregate: final_count / final_seconds
  latency_summary latency;        ///< over every chain's transactions
  std::uint64_t mainchain_final_blocks = 0;  ///< the mainchain kept finalizing beside them
  double cpu_cores = 0;
  double peak_rss_mb = 0;
  double setup_seconds = 0;
  std::vector<chain_figures> chains;
  bool complete() const noexcept;
  bool consistent() const noexcept;
};

/// All rows of one --chains invocation.
struct chains_bench_report {
  e2e_bench_options options;
  double raw_verify_per_second = 0;  ///< measured in the same process before the first row
  double sign_seconds = 0;           ///< pre-signing every row's workload (not counted)
  std::vector<chains_row> rows;
};

/// For each N in `counts`: a fresh node hosting the mainchain and N sidechains (ids 2..N+1, each
/// validated by one mainchain VM per category, its own token allocated to the bench accounts);
/// o.txs transfers per sidechain submitted to every sidechain's mempool at once, timed until final.
result<chains_bench_report> run_chains_bench(const e2e_bench_options& options, const std::vector<std::uint32_t>& counts);

/// The --chains report: one aggregate row per N, then per-chain lines.
std::string format_table(const chains_bench_report& report);

/// The --chains report as one line of JSON.
std::string format_json_line(const chains_bench_report& report);

} // namespace bfd::bench
