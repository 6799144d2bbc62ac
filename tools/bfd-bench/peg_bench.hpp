// `bfd-bench peg`: cross-chain transfers of the two-way peg (docs/peg.md) on a whole --dev-like
// network in this process, or on three bfd-node processes (--nodes 3), from submission of a
// peg_send to its final acknowledgement on the source, carried by the real peg bridge; stage
// latencies in slots and the conservation check.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "chains/core/error.hpp"
#include "tools/bfd-bench/e2e_bench.hpp"

namespace bfd::bench {

/// What to run.
struct peg_bench_options {
  std::size_t messages = 2'000;      ///< peg_send transactions mainchain -> sidechains (signed before timing)
  std::size_t accounts = 500;        ///< funded senders; each is bound to one sidechain
  std::uint32_t sidechains = 1;      ///< pegged sidechains (ids 2..N+1), all hosted on this node
  std::uint32_t nodes = 1;           ///< 1: everything in this process; 3: three bfd-node processes
  bool return_trip = false;          ///< send every voucher back once it is final on the sidechain
  std::uint32_t delegates = 21;      ///< mainchain delegates; each sidechain: one validator per category
  std::uint64_t slot_ms = 1'000;
  std::uint64_t bridge_ms = 0;       ///< pause between bridge passes; 0: half a slot, at least 200 ms (bfd-node --dev)
  std::uint32_t work_bits = 8;
  std::uint32_t block_txs = 2'000;   ///< base_block_txs (bfd-node --dev's)
  std::size_t window = 1'024;        ///< sends in flight to the mempool
  std::size_t batch = 128;           ///< sends per submission message
  double rate = 0;                   ///< offered sends/s, paced from the first; 0 = as fast as the mempool answers
  std::string store = "rocksdb";     ///< rocksdb (a temporary directory) or memory
  std::string durability = "sync";   ///< rocksdb: sync (bfd-node's) or flush
  std::size_t threads = 2;           ///< actor-system threads, and raw-verify threads
  double timeout_s = 120;            ///< longest wait for the last acknowledgement after the last submission
  std::uint32_t poll_ms = 20;        ///< how often final heights are polled
  bool progress = true;              ///< a progress line on stderr every two seconds
  bool log_bridge = false;           ///< the bridge's and the watcher's log lines on stderr
  std::string node_bin;              ///< --nodes 3: the bfd-node to start; empty: the one beside bfd-bench
};

/// Latency of one stage, from submission of the send, in milliseconds and in slots.
struct stage_figures {
  std::size_t count = 0;
  latency_summary ms;
  double p50_slots = 0;
  double p99_slots = 0;
};

/// The peg figures of one sidechain pair at the end of a run.
struct peg_pair_check {
  std::uint32_t sidechain = 0;
  bool conservation_ok = false;      ///< peg::check_conservation on both final peg ledgers
  std::uint64_t escrowed = 0;        ///< BFDT escrowed on the mainchain for this sidechain
  std::uint64_t vouchers = 0;        ///< supply of peg/1/BFDT on the sidechain
  std::uint64_t expected = 0;        ///< what the delivered workload implies for both
  std::string problem;               ///< why the check could not run, if it could not
  bool exact = false;                ///< every message settled: escrow and vouchers must equal `expected`
  bool ok() const noexcept {
    return conservation_ok && (!exact || (escrowed == expected && vouchers == expected));
  }
};

/// The figures of one run.
struct peg_bench_report {
  peg_bench_options options;
  double raw_verify_per_second = 0;
  double sign_seconds = 0;
  double setup_seconds = 0;
  std::uint64_t bridge_interval_ms = 0;
  std::uint32_t cluster_size = 0;
  // Outgoing messages (mainchain -> sidechain).
  std::size_t submitted = 0;
  std::size_t accepted = 0;
  std::map<std::string, std::size_t> refused;
  std::size_t expected = 0;          ///< accepted and not stranded behind a refused nonce
  std::size_t delivered = 0;         ///< state delivered in the mainchain's final state (asked per message)
  std::size_t failed = 0;            ///< a failure acknowledgement came back (refunded)
  bool complete = false;
  double seconds = 0;                ///< first submission to the last final acknowledgement
  double messages_per_second = 0;    ///< acknowledged / seconds
  stage_figures send_final;          ///< send in a final mainchain block
  stage_figures receive_final;       ///< receive in a final sidechain block
  stage_figures ack_final;           ///< acknowledgement in a final mainchain block
  // The return trip (--return): each voucher sent back once its receive is final.
  std::size_t return_submitted = 0;
  std::size_t return_accepted = 0;
  std::map<std::string, std::size_t> return_refused;
  std::size_t return_delivered = 0;
  stage_figures return_ack_final;    ///< from the out message's submission to the return's final acknowledgement
  double round_trips_per_second = 0;
  // Where the time goes.
  std::uint64_t bridge_passes = 0;
  double bridge_pass_ms_mean = 0;
  double bridge_pass_ms_max = 0;
  std::size_t bridge_carried = 0;    ///< entries carried (messages and acknowledgements)
  std::size_t bridge_problems = 0;   ///< problem lines reported by passes (retries included)
  std::uint32_t client_updates = 0;
  /// The most frequent problem lines of the bridge passes (at most 5) and how often each came.
  std::vector<std::pair<std::string, std::size_t>> bridge_problem_lines;
  std::uint64_t mainchain_blocks = 0;  ///< final mainchain blocks during the run
  std::uint64_t sidechain_blocks = 0;  ///< final blocks of every sidechain during the run
  std::uint64_t max_block_peg_txs = 0; ///< most peg transactions of the workload in one final block
  double peak_rss_mb = 0;            ///< this process; --nodes 3: the sum of the nodes' peaks
  double cpu_cores = 0;              ///< this process; --nodes 3: the nodes' CPU seconds / wall seconds
  // --nodes 3: the bridges run inside the nodes, so only their /metrics show them.
  std::uint64_t bridge_restarts = 0;     ///< bfd_actor_restarts_total of the bridge actors, summed over nodes
  std::vector<double> node_peak_rss_mb;  ///< VmHWM of each bfd-node during the run
  std::vector<peg_pair_check> pairs;
  bool conserved() const noexcept;
};

/// Signs the workload, measures raw verification, runs one fresh network and checks conservation.
result<peg_bench_report> run_peg_bench(const peg_bench_options& options);

std::string format_table(const peg_bench_report& report);
std::string format_json_line(const peg_bench_report& report);

} // namespace bfd::bench
