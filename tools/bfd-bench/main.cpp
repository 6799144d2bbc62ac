// bfd-bench: benchmarks of the node's building blocks (`codec`), of a whole node (`e2e`), of
// the two-way peg (`peg`), of contracts (`contract`) and of membership proofs (`handshake`).
#include <csignal>
#include <exception>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "tools/bfd-bench/codec_bench.hpp"
#include "tools/bfd-bench/contract_bench.hpp"
#include "tools/bfd-bench/e2e_bench.hpp"
#include "tools/bfd-bench/handshake_bench.hpp"
#include "tools/bfd-bench/peg_bench.hpp"

namespace {

/// Prints the report (table and JSON line, or the JSON line alone); 1 if it could not be made.
template <class Report>
int print_report(const bfd::result<Report>& report, bool json_only) {
  if (!report) {
    fmt::print(stderr, "bfd-bench: {}\n", report.error().message());
    return 1;
  }
  if (json_only)
    fmt::print("{}\n", bfd::bench::format_json_line(*report));
  else
    fmt::print("{}\n{}\n", bfd::bench::format_table(*report), bfd::bench::format_json_line(*report));
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  // A peer that closes a socket mid-write (a 413 before the whole body was sent) is an error to
  // handle, not a reason to die: write errors come back as EPIPE.
  std::signal(SIGPIPE, SIG_IGN);
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

  bfd::bench::e2e_bench_options e2e;
  bool e2e_json_only = false;
  bool e2e_quiet = false;
  auto* e2e_cmd = app.add_subcommand(
    "e2e", "A whole --dev network in this process (fresh genesis and data directory per run): "
           "pre-signed transfers submitted to the mempool actor and/or over HTTP, timed until final; "
           "throughput, latency percentiles, blocks per slot, refusals, peak RSS, and the ratio to "
           "raw Schnorr verification on the same number of threads");
  e2e_cmd->add_option("--txs", e2e.txs, "Signed transfers per run (signed before timing)")
    ->type_name("N")
    ->check(CLI::Range(1, 2'000'000))
    ->capture_default_str();
  e2e_cmd->add_option("--accounts", e2e.accounts, "Funded senders; transfers go round robin, nonces increasing")
    ->type_name("N")
    ->check(CLI::Range(1, 1'000'000))
    ->capture_default_str();
  e2e_cmd->add_option("--delegates", e2e.delegates, "Delegates (VMs) in the genesis, over gold/silver/bronze; "
                                                    "all hosted in this process")
    ->type_name("K")
    ->check(CLI::Range(3u, 1000u))
    ->capture_default_str();
  e2e_cmd->add_option("--path", e2e.path, "Where to submit: the mempool actor, the HTTP API, or both (one "
                                          "fresh network each)")
    ->check(CLI::IsMember({"mempool", "http", "both"}))
    ->capture_default_str();
  e2e_cmd->add_flag("--http-client-threads", e2e.http_client_threads,
                    "With --http-batch 1: one client thread per connection (default: one thread polls them all)");
  e2e_cmd->add_option("--concurrency", e2e.concurrency, "HTTP keep-alive connections (with --http-batch > 1 or "
                                                        "--http-client-threads, a client thread each)")
    ->type_name("C")
    ->check(CLI::Range(1, 1024))
    ->capture_default_str();
  e2e_cmd->add_option("--http-threads", e2e.http_threads, "The HTTP server's handler threads (bfd-node uses 8)")
    ->type_name("N")
    ->check(CLI::Range(1, 1024))
    ->capture_default_str();
  e2e_cmd->add_option("--http-batch", e2e.http_batch,
                      "HTTP path: transactions per request (1 = POST /v1/txs each; more = POST /v1/txs/batch)")
    ->type_name("N")
    ->check(CLI::Range(1, 1024))
    ->capture_default_str();
  e2e_cmd->add_option("--batch", e2e.batch, "Mempool path: transactions per submission message (1 = one each)")
    ->type_name("N")
    ->check(CLI::Range(1, 100'000))
    ->capture_default_str();
  e2e_cmd->add_option("--window", e2e.window, "Mempool path: transactions in flight at once")
    ->type_name("W")
    ->check(CLI::Range(1, 1'000'000))
    ->capture_default_str();
  e2e_cmd->add_option("--slot-ms", e2e.slot_ms, "Slot length in milliseconds")
    ->check(CLI::Range(std::uint64_t{60}, std::uint64_t{600'000}))
    ->capture_default_str();
  e2e_cmd->add_option("--block-txs", e2e.block_txs,
                      "Transactions in a weight-1 block (base_block_txs; a block of weight w holds w times as many)")
    ->type_name("N")
    ->check(CLI::Range(1, 1'000'000))
    ->capture_default_str();
  e2e_cmd->add_option("--work-bits", e2e.work_bits, "Leading zero bits of work per block header")
    ->check(CLI::Range(0u, 20u))
    ->capture_default_str();
  e2e_cmd->add_option("--rate", e2e.rate, "Offered load in tx/s, paced from the first submission; 0 = as fast "
                                          "as the node answers")
    ->type_name("R")
    ->check(CLI::Range(0.0, 10'000'000.0))
    ->capture_default_str();
  e2e_cmd->add_flag("--latency-run", e2e.latency_run, "After each path's run, run it again on a fresh network "
                                                      "at half its measured final tx/s (p99 at half load)");
  e2e_cmd->add_option("--store", e2e.store, "rocksdb (a temporary directory, as bfd-node) or memory")
    ->check(CLI::IsMember({"rocksdb", "memory"}))
    ->capture_default_str();
  e2e_cmd->add_option("--durability", e2e.durability, "rocksdb: sync (fsync every write, bfd-node's setting) or "
                                                      "flush (no fsync)")
    ->check(CLI::IsMember({"sync", "flush"}))
    ->capture_default_str();
  e2e_cmd->add_option("--threads", e2e.threads, "Actor-system threads; raw verify runs on as many")
    ->type_name("T")
    ->check(CLI::Range(1, 256))
    ->capture_default_str();
  e2e_cmd->add_option("--timeout", e2e.timeout_s, "Seconds to wait for finality after the last submission")
    ->type_name("S")
    ->check(CLI::Range(1.0, 86'400.0))
    ->capture_default_str();
  e2e_cmd->add_option("--poll-ms", e2e.poll_ms, "How often the final height is polled")
    ->check(CLI::Range(1u, 1000u))
    ->capture_default_str();
  std::vector<std::uint32_t> e2e_chains;
  e2e_cmd->add_option("--chains", e2e_chains,
                      "Host N sidechains beside the mainchain on one node and drive --txs transfers into each at "
                      "once (mempool path); a list (1,4,8) runs one fresh node per N and prints a row each")
    ->type_name("N[,N...]")
    ->delimiter(',')
    ->check(CLI::Range(1u, 64u));
  e2e_cmd->add_flag("--json-only", e2e_json_only, "Print only the JSON line");
  e2e_cmd->add_flag("--quiet", e2e_quiet, "No progress lines on stderr");
  e2e_cmd->footer("Exit code 2 when a run ended with transactions still not final after --timeout.");

  bfd::bench::peg_bench_options peg;
  bool peg_json_only = false;
  bool peg_quiet = false;
  auto* peg_cmd = app.add_subcommand(
    "peg", "Two-way peg on a fresh --dev-like network in this process (mainchain with registry and peg, N "
           "pegged sidechains, the anchoring watcher and one bridge per pair), or with --nodes 3 on three bfd-node "
           "processes from a generated topology: pre-signed peg_send of BFDT mainchain -> sidechain (to the "
           "mempool actor; over HTTP with --nodes 3), timed until each acknowledgement is final on the mainchain; "
           "messages per second, latency p50/p99 in slots per stage, refusals, peak RSS, the ratio to raw Schnorr "
           "verification, and the conservation check of every pair");
  peg_cmd->add_option("--messages", peg.messages, "peg_send transactions (signed before timing)")
    ->type_name("M")
    ->check(CLI::Range(1, 1'000'000))
    ->capture_default_str();
  peg_cmd->add_option("--accounts", peg.accounts, "Funded senders; each sends to one sidechain, nonces increasing")
    ->type_name("N")
    ->check(CLI::Range(1, 100'000))
    ->capture_default_str();
  peg_cmd->add_option("--sidechains", peg.sidechains, "Pegged sidechains (ids 2..N+1); messages go round robin by account")
    ->type_name("N")
    ->check(CLI::Range(1u, 7u))
    ->capture_default_str();
  peg_cmd->add_option("--nodes", peg.nodes, "1: one node in this process; 3: three bfd-node processes on 127.0.0.1 "
                                            "(mainchain on all, each sidechain and its bridge on two; sends over HTTP "
                                            "batches; docs/performance.md, section 13)")
    ->check(CLI::IsMember({1u, 3u}))
    ->capture_default_str();
  peg_cmd->add_option("--node-bin", peg.node_bin, "--nodes 3: the bfd-node binary (default: the one beside bfd-bench)")
    ->type_name("PATH");
  peg_cmd->add_flag("--return", peg.return_trip, "Send each voucher back to the mainchain once its receive is final "
                                                 "on the sidechain (round trips)");
  peg_cmd->add_option("--delegates", peg.delegates, "Mainchain delegates over gold/silver/bronze; each sidechain is "
                                                    "validated by one per category")
    ->type_name("K")
    ->check(CLI::Range(3u, 1000u))
    ->capture_default_str();
  peg_cmd->add_option("--slot-ms", peg.slot_ms, "Slot length in milliseconds (every chain)")
    ->check(CLI::Range(std::uint64_t{60}, std::uint64_t{600'000}))
    ->capture_default_str();
  peg_cmd->add_option("--bridge-ms", peg.bridge_ms, "Pause between bridge passes (and watcher passes); 0 = half a "
                                                    "slot, at least 200 ms, as bfd-node --dev")
    ->check(CLI::Range(std::uint64_t{0}, std::uint64_t{600'000}))
    ->capture_default_str();
  peg_cmd->add_option("--block-txs", peg.block_txs, "base_block_txs of every chain (bfd-node --dev: 2000)")
    ->type_name("N")
    ->check(CLI::Range(1, 1'000'000))
    ->capture_default_str();
  peg_cmd->add_option("--work-bits", peg.work_bits, "Leading zero bits of work per block header")
    ->check(CLI::Range(0u, 20u))
    ->capture_default_str();
  peg_cmd->add_option("--window", peg.window, "peg_send transactions in flight to the mempool")
    ->type_name("W")
    ->check(CLI::Range(1, 1'000'000))
    ->capture_default_str();
  peg_cmd->add_option("--batch", peg.batch, "peg_send transactions per submission message")
    ->type_name("N")
    ->check(CLI::Range(1, 100'000))
    ->capture_default_str();
  peg_cmd->add_option("--rate", peg.rate, "Offered peg_send/s, paced from the first submission; 0 = all as fast "
                                          "as the mempool answers")
    ->type_name("R")
    ->check(CLI::Range(0.0, 10'000'000.0))
    ->capture_default_str();
  peg_cmd->add_option("--store", peg.store, "rocksdb (a temporary directory, as bfd-node) or memory")
    ->check(CLI::IsMember({"rocksdb", "memory"}))
    ->capture_default_str();
  peg_cmd->add_option("--durability", peg.durability, "rocksdb: sync (bfd-node's) or flush (no fsync)")
    ->check(CLI::IsMember({"sync", "flush"}))
    ->capture_default_str();
  peg_cmd->add_option("--threads", peg.threads, "Actor-system threads; raw verify runs on as many")
    ->type_name("T")
    ->check(CLI::Range(1, 256))
    ->capture_default_str();
  peg_cmd->add_option("--timeout", peg.timeout_s, "Seconds to wait for the last acknowledgement after the last submission")
    ->type_name("S")
    ->check(CLI::Range(1.0, 86'400.0))
    ->capture_default_str();
  peg_cmd->add_option("--poll-ms", peg.poll_ms, "How often final heights are polled")
    ->check(CLI::Range(1u, 1000u))
    ->capture_default_str();
  peg_cmd->add_flag("--json-only", peg_json_only, "Print only the JSON line");
  peg_cmd->add_flag("--quiet", peg_quiet, "No progress lines on stderr");
  peg_cmd->add_flag("--log-bridge", peg.log_bridge, "The bridge's and the anchoring watcher's log lines on stderr");
  peg_cmd->footer("Exit code 2 when messages were still in flight after --timeout; 3 when a pair's conservation "
                  "check failed (escrow, vouchers and messages in flight do not add up).");

  auto contract_cmd = bfd::bench::add_contract_command(app);
  auto handshake_cmd = bfd::bench::add_handshake_command(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    if (*codec_cmd)
      return print_report(bfd::bench::run_codec_bench(codec), false);
    if (*contract_cmd.cmd)
      return contract_cmd.run();
    if (*handshake_cmd.cmd)
      return handshake_cmd.run();
    if (*peg_cmd) {
      peg.progress = !peg_quiet;
      auto report = bfd::bench::run_peg_bench(peg);
      if (auto rc = print_report(report, peg_json_only); rc != 0)
        return rc;
      if (!report->conserved()) {
        fmt::print(stderr, "bfd-bench: the peg conservation check failed\n");
        return 3;
      }
      if (!report->complete) {
        fmt::print(stderr, "bfd-bench: {} of {} messages delivered after --timeout\n", report->delivered,
                   report->expected);
        return 2;
      }
      return 0;
    }
    if (*e2e_cmd && !e2e_chains.empty()) {
      e2e.progress = !e2e_quiet;
      auto report = bfd::bench::run_chains_bench(e2e, e2e_chains);
      if (auto rc = print_report(report, e2e_json_only); rc != 0)
        return rc;
      for (const auto& r : report->rows)
        if (!r.complete()) {
          fmt::print(stderr, "bfd-bench: {} of {} transactions final after --timeout with {} sidechains\n",
                     r.final_count, r.expected_final, r.sidechains);
          return 2;
        }
      return 0;
    }
    if (*e2e_cmd) {
      e2e.progress = !e2e_quiet;
      auto report = bfd::bench::run_e2e_bench(e2e);
      if (auto rc = print_report(report, e2e_json_only); rc != 0)
        return rc;
      for (const auto& r : report->runs)
        if (!r.complete) {
          fmt::print(stderr, "bfd-bench: {} of {} transactions final after --timeout\n", r.final_count,
                     r.expected_final);
          return 2;
        }
      return 0;
    }
  } catch (const std::exception& e) {
    fmt::print(stderr, "bfd-bench: {}\n", e.what());
    return 1;
  }
  fmt::print(stderr, "bfd-bench: a subcommand is required (see bfd-bench --help)\n");
  return 1;
}
