// The pieces `bfd-bench e2e` runs share (the single-chain run in e2e_bench.cpp, the many-chains
// run in e2e_chains.cpp): the signed workload, submission to a mempool, finality tracking.
// Internal to bfd-bench.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <caf/actor_system_config.hpp>
#include <caf/fwd.hpp>

#include "chains/core/error.hpp"
#include "protocols/interfaces.hpp"
#include "runtime/dev_network.hpp"
#include "runtime/node.hpp"
#include "tools/bfd-bench/e2e_bench.hpp"

namespace bfd::bench::detail {

namespace fs = std::filesystem;
using steady = std::chrono::steady_clock;

constexpr amount account_balance = 10'000 * units_per_bfdt;
constexpr amount transfer_fee = 10'000;
constexpr std::uint64_t transfer_expiry = 1'000'000'000;  // a block height: never reached

inline std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(steady::now().time_since_epoch()).count();
}

inline double seconds_between(std::int64_t from_ns, std::int64_t to_ns) {
  return static_cast<double>(to_ns - from_ns) / 1e9;
}

struct hash_key {
  std::size_t operator()(const hash256& h) const noexcept {
    std::size_t out = 0;
    for (std::size_t i = 0; i < sizeof out; ++i)
      out = (out << 8) | h.data[i];
    return out;
  }
};

/// Runs f(i) for i in [0, n) on `threads` threads.
template <class F>
void parallel_for(std::size_t n, std::size_t threads, F f) {
  threads = std::max<std::size_t>(1, std::min(threads, n));
  std::vector<std::thread> pool;
  for (std::size_t t = 0; t < threads; ++t)
    pool.emplace_back([=, &f] {
      for (std::size_t i = t; i < n; i += threads)
        f(i);
    });
  for (auto& th : pool)
    th.join();
}

/// The signed transfers, built once and submitted to every network of the run.
struct workload {
  std::size_t accounts = 0;
  std::vector<genesis_allocation> allocations;
  std::vector<tx_envelope> txs;  ///< tx i: sender i % accounts, nonce i / accounts
  std::vector<hash256> ids;
  std::unordered_map<hash256, std::uint32_t, hash_key> index;  ///< id -> i
  std::vector<std::string> http_bodies;  ///< {"hex": ...}, when an HTTP run is planned
  std::vector<std::string> http_hex;     ///< the canonical hex of each, for batch bodies
};

/// A fresh directory, removed with everything in it at the end of its scope.
struct temp_dir {
  fs::path path;
  temp_dir() {
    std::string tmpl = (fs::temp_directory_path() / "bfd-bench-XXXXXX").string();
    if (::mkdtemp(tmpl.data()))
      path = tmpl;
  }
  ~temp_dir() {
    std::error_code ec;
    if (!path.empty())
      fs::remove_all(path, ec);
  }
};

/// One run's fresh temporary directory and the dev network generated in it.
struct bench_network {
  temp_dir dir;
  runtime::dev_network net;
};

/// A dev network in a new temporary directory: `delegates` VMs and the given slot, work and block
/// size; no dev accounts and no dev sidechains (every bench funds and builds its own).
result<std::unique_ptr<bench_network>> prepare_bench_network(std::uint32_t delegates, std::uint64_t slot_ms,
                                                             std::uint32_t work_bits, std::uint32_t block_txs,
                                                             std::uint64_t now_ms);

struct bench_config : caf::actor_system_config {
  explicit bench_config(std::size_t threads) { runtime::configure_actor_system(*this, threads); }
};

/// What the submitters record, read by the main thread once they are done.
struct submissions {
  explicit submissions(std::size_t n) : submit_ns(n, 0), answer_ns(n, 0), accepted(n, 0) {}
  std::vector<std::int64_t> submit_ns;
  std::vector<std::int64_t> answer_ns;  ///< when its submission was answered (0: not recorded)
  std::vector<std::uint8_t> accepted;
  std::map<std::string, std::size_t> refused;
  std::int64_t first_ns = 0;
  std::int64_t last_answer_ns = 0;
  // Progress, read by the tracker while submitting.
  std::atomic<std::size_t> sent{0};
  std::atomic<std::size_t> admitted{0};
  std::atomic<std::size_t> retries{0};  ///< HTTP requests resent after a transport error
};

/// A final block, as far as the figures need it.
struct block_record {
  std::uint64_t height = 0;
  std::uint64_t timestamp_ms = 0;
  public_key producer;
  std::uint64_t txs = 0;
  std::uint64_t bench_txs = 0;
};

/// What the tracker saw; read by the main thread after joining it.
struct finality {
  explicit finality(std::size_t n) : final_ns(n, 0) {}
  std::vector<std::int64_t> final_ns;
  std::vector<block_record> blocks;
  std::vector<public_key> order;  ///< the round order at the start (the cluster)
  std::size_t final_count = 0;
  std::int64_t last_final_ns = 0;
  std::uint64_t mempool_peak = 0;
  std::string failure;  ///< the chain stopped answering
  // Set by the main thread once every answer is in.
  std::atomic<bool> submitted{false};
  std::atomic<std::size_t> expected{0};
  std::atomic<std::int64_t> deadline_ns{0};
};

/// Bench account `index`'s keys: deterministic, so the same signed workload is valid on every
/// fresh network of a run (and the same accounts exist on every chain).
result<key_pair> account_key(std::size_t index);

/// Signs o.txs transfers on chain `chain` between o.accounts deterministic accounts (the same
/// keys on every chain; tx i: sender i % accounts, nonce i / accounts).
result<workload> build_workload(const e2e_bench_options& o, bool http, chain_id chain);

/// bfd::verify alone on pre-made signatures, `threads` threads for about a second.
double raw_verify_rate(const workload& w, std::size_t threads);

/// VmHWM (peak resident set) of this process in MiB.
double peak_rss_mb();
/// Resets VmHWM to the current RSS (Linux >= 4.0).
void reset_peak_rss();
/// User plus system CPU seconds of this process so far (every thread).
double process_cpu_seconds();

/// Submits the workload to `mempool` (o.window in flight, o.batch per message, paced at `rate`
/// if > 0); returns once every submission is answered.
void submit_to_mempool(caf::actor_system& system, const mempool_actor& mempool, const workload& w,
                       const e2e_bench_options& o, double rate, submissions& out);

/// Submits the workload over HTTP to 127.0.0.1:port; returns once every request is answered, or
/// soon after `*stop` becomes true (the rest is not sent).
void submit_over_http(std::uint16_t port, const workload& w, const e2e_bench_options& o, double rate,
                      submissions& out, const std::atomic<bool>* stop = nullptr);

/// submit_over_http for one transaction per request: o.concurrency keep-alive connections driven
/// by this thread alone (poll), each request resent on a new connection after a transport error
/// (http_load.cpp).
void submit_singles_polled(std::uint16_t port, const workload& w, const e2e_bench_options& o, double rate,
                           submissions& out, const std::atomic<bool>* stop = nullptr);

/// Polls `chain`'s final height every o.poll_ms and fetches each new final block by height,
/// stamping the workload's transactions in it; stops once every expected one is final or at the
/// deadline. Also samples the mempool's size.
void track_finality(caf::actor_system& system, const chain_actor& chain, const mempool_actor& mempool,
                    const workload& w, const e2e_bench_options& o, const std::string& label,
                    const submissions& subs, finality& f);

/// The q-quantile of sorted values (nearest rank), 0 if there are none.
double percentile(const std::vector<double>& sorted, double q);

/// p50/p90/p99/max of latencies in milliseconds (any order).
latency_summary summarize(std::vector<double> ms);

/// a / b, or 0 when b is not positive (a report's "/ raw verify" columns).
double ratio(double a, double b);

/// v rounded to `digits` decimals, for JSON lines.
double round_to(double v, int digits);

/// "reason count, reason count", or "none".
std::string refused_text(const std::map<std::string, std::size_t>& refused);


/// The node's store for `--store` and `--durability`: RocksDB in `dir` opened as bfd-node opens it
/// (with the commit marker), or nullptr for "memory" (the node keeps its chains in memory).
result<std::shared_ptr<kv_store>> open_bench_store(const std::string& store, const std::string& durability,
                                                   const std::string& dir);

} // namespace bfd::bench::detail
