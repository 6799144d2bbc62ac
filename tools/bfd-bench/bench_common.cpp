// What every bench shares (declared in e2e_internal.hpp): raw verification, process figures,
// percentiles and report helpers, and a run's network and store.
#include "tools/bfd-bench/e2e_internal.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <fstream>
#include <thread>
#include <sys/resource.h>

#include <fmt/format.h>

#include "chains/storage/rocksdb/node_store.hpp"

namespace bfd::bench::detail {

/// bfd::verify alone on pre-made signatures, `threads` threads for about a second.
double raw_verify_rate(const workload& w, std::size_t threads) {
  const std::size_t sample = std::min<std::size_t>(w.txs.size(), 4096);
  std::atomic<std::uint64_t> total{0};
  std::atomic<bool> bad{false};
  const auto start = steady::now();
  const auto stop = start + std::chrono::seconds(1);
  std::vector<std::thread> pool;
  std::vector<double> ends(threads);
  for (std::size_t t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      std::uint64_t done = 0;
      std::size_t i = t % sample;  // fewer transactions than threads: start inside the sample
      while (true) {
        for (int k = 0; k < 64; ++k, ++done, i = (i + 1) % sample)
          if (!verify(w.txs[i]->sender, w.ids[i].view(), w.txs[i]->sig))
            bad = true;
        if (steady::now() >= stop)
          break;
      }
      ends[t] = std::chrono::duration<double>(steady::now() - start).count();
      total += done;
    });
  for (auto& th : pool)
    th.join();
  if (bad)
    return 0;
  return static_cast<double>(total.load()) / *std::max_element(ends.begin(), ends.end());
}

/// VmHWM (peak resident set) of this process in MiB, and a way to reset it between runs.
double peak_rss_mb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmHWM:", 0) == 0)
      return std::stod(line.substr(6)) / 1024.0;  // reported in kB
  return 0;
}

/// User plus system CPU seconds of this process so far (every thread).
double process_cpu_seconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return seconds(u.ru_utime) + seconds(u.ru_stime);
}

void reset_peak_rss() {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";  // Linux >= 4.0: resets VmHWM to the current RSS
}

double percentile(const std::vector<double>& sorted, double q) {
  if (sorted.empty())
    return 0;
  auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  return sorted[std::min(sorted.size() - 1, rank == 0 ? 0 : rank - 1)];
}

latency_summary summarize(std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  return {percentile(ms, 0.50), percentile(ms, 0.90), percentile(ms, 0.99), ms.empty() ? 0 : ms.back()};
}

double ratio(double a, double b) {
  return b > 0 ? a / b : 0;
}

double round_to(double v, int digits) {
  const double scale = std::pow(10.0, digits);
  return std::round(v * scale) / scale;
}

std::string refused_text(const std::map<std::string, std::size_t>& refused) {
  if (refused.empty())
    return "none";
  std::string out;
  for (const auto& [reason, count] : refused)
    out += fmt::format("{}{} {}", out.empty() ? "" : ", ", reason, count);
  return out;
}

result<std::unique_ptr<bench_network>> prepare_bench_network(std::uint32_t delegates, std::uint64_t slot_ms,
                                                             std::uint32_t work_bits, std::uint32_t block_txs,
                                                             std::uint64_t now_ms) {
  auto out = std::make_unique<bench_network>();
  if (out->dir.path.empty())
    return make_error(errc::io, "cannot create a temporary directory");
  runtime::dev_options dev;
  dev.data_dir = out->dir.path.string();
  dev.delegates = delegates;
  dev.accounts = 0;
  dev.sidechains = 0;
  dev.slot_ms = slot_ms;
  dev.work_bits = work_bits;
  dev.base_block_txs = block_txs;
  auto net = runtime::prepare_dev_network(dev, now_ms);
  if (!net)
    return net.error();
  out->net = std::move(*net);
  return out;
}

result<std::shared_ptr<kv_store>> open_bench_store(const std::string& store, const std::string& durability,
                                                   const std::string& dir) {
  if (store != "rocksdb")
    return std::shared_ptr<kv_store>{};
  rocksdb_options ro;
  ro.mode = durability == "flush" ? durability::flush : durability::sync;
  return open_node_store(dir, ro);
}

} // namespace bfd::bench::detail
